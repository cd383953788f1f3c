"""The domain's import graph: no module of domain/ imports itself back through others, and
none imports inside a function (the way such a cycle used to be dodged)."""

from __future__ import annotations

import ast
from pathlib import Path

import relgraph.domain

DOMAIN = Path(relgraph.domain.__file__).parent


def _module_name(path: Path, root: Path) -> str:
    parts = ["relgraph", "domain", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    """Per module of `root`, the domain modules it imports; and the functions that import."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    in_functions = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                in_functions += [
                    f"{name}.{node.name}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("relgraph")
                ]
        # An import inside a function ties the modules as much as one at the top.
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in modules:
                # `from package import module` names modules; `from module import name` the module.
                named = [f"{node.module}.{a.name}" for a in node.names]
                graph[name] |= {m for m in named if m in modules} or {node.module}
    return graph, in_functions


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_the_domain_imports_itself_back() -> None:
    graph, _ = import_graph(DOMAIN)
    assert cycles(graph) == []


def test_no_function_of_the_domain_imports() -> None:
    _, in_functions = import_graph(DOMAIN)
    assert in_functions == []
