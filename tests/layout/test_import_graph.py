"""relgraph's import graph: no module imports itself back through others, and none imports
inside a function (the way such a cycle used to be dodged), except the console script,
which imports a command's machinery only when that command runs (start-up time).
Imports under `if TYPE_CHECKING:` are for the type checker only: they are no runtime tie."""

from __future__ import annotations

import ast
from pathlib import Path

import relgraph

PACKAGE = Path(relgraph.__file__).parent
# Modules allowed to import inside a function, and why.
LAZY_IMPORTERS = {"relgraph.cli": "a command loads what it needs when it runs: `relgraph --help` stays fast"}


def _lazy_importer(module: str) -> bool:
    """`module` is one of LAZY_IMPORTERS or a module of that package."""
    return any(module == name or module.startswith(name + ".") for name in LAZY_IMPORTERS)


def _module_name(path: Path, root: Path) -> str:
    parts = [*root.relative_to(PACKAGE.parent).parts, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """The import statements under `if TYPE_CHECKING:`."""
    found: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found |= {n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.ImportFrom)}
    return found


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    """Per module of `root`, the modules of `root` it imports; and the functions that import."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    in_functions = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        typing_only = _type_checking_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                in_functions += [
                    f"{name}.{node.name}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("relgraph")
                ]
        # An import inside a function ties the modules as much as one at the top.
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in modules and node not in typing_only:
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


def test_no_module_imports_itself_back() -> None:
    graph, _ = import_graph(PACKAGE)
    assert cycles(graph) == []


def test_no_function_imports_but_the_console_scripts() -> None:
    _, in_functions = import_graph(PACKAGE)
    assert [f for f in in_functions if not _lazy_importer(f.rsplit(".", 1)[0])] == []


def test_the_import_graph_sees_what_it_claims() -> None:
    """Not vacuous: the graph has the package's modules and their imports."""
    graph, in_functions = import_graph(PACKAGE)
    assert "relgraph.domain.memberships.memberships" in graph["relgraph.graphql.memberships.loaders"]
    assert any(f.startswith("relgraph.cli.") for f in in_functions)
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
