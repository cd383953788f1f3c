"""The schema is what Relay expects (issue 20): relay-compiler 21, the real tool, compiles
fragments that use @connection on every connection field and @refetchable on every Node
type, generated from schema.graphql.

relay-compiler comes from npm into a cache folder outside the repository
(RELGRAPH_NPM_CACHE, else ~/.cache/relgraph-npm); the test is skipped, saying why, only
when npm is missing or the registry cannot be reached. Any other failure fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType, build_schema, get_named_type
from helpers import SCHEMA_FILE

RELAY_COMPILER = "relay-compiler@21"
NPM_CACHE = Path(os.environ.get("RELGRAPH_NPM_CACHE") or Path.home() / ".cache" / "relgraph-npm")
# What npm says when it cannot reach the registry (as opposed to a package that fails).
_OFFLINE = ("ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNREFUSED", "ECONNRESET", "ENETUNREACH", "network")


def _relay_compiler() -> Path:
    """The relay-compiler binary, installed into the cache folder on first use."""
    folder = NPM_CACHE / "relay-compiler-21"
    binary = folder / "node_modules" / ".bin" / "relay-compiler"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot fetch relay-compiler 21")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"private": true}\n')
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), RELAY_COMPILER],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        output = result.stdout + result.stderr
        if any(sign in output for sign in _OFFLINE):
            pytest.skip(f"the npm registry is unreachable, cannot fetch {RELAY_COMPILER}: {output[-300:]}")
        pytest.fail(f"npm install {RELAY_COMPILER} failed:\n{output}")
    assert binary.exists(), f"npm installed {RELAY_COMPILER} without its binary"
    return binary


def _connection_fields(type_: GraphQLObjectType | GraphQLInterfaceType) -> list[str]:
    return [name for name, f in type_.fields.items() if get_named_type(f.type).name.endswith("Connection")]


def relay_fragments(sdl: str) -> tuple[str, int, int]:
    """Fragments over the whole schema: on each type with connection fields, every one of
    them with @connection; on each Node type, a @refetchable fragment. Also the number of
    connection fields and of Node types covered."""
    schema = build_schema(sdl)
    parts = []
    connections = 0
    refetchable = 0
    for type_ in sorted(schema.type_map.values(), key=lambda t: t.name):
        if type_.name.startswith("__") or not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            continue
        fields = _connection_fields(type_)
        if fields:
            selections = "\n".join(
                f'    {name}(first: 10) @connection(key: "Fragments_{type_.name}_{name}") '
                "{ edges { cursor node { __typename } } pageInfo { hasNextPage endCursor } }"
                for name in fields
            )
            parts.append(f"  fragment Fragments_{type_.name.lower()} on {type_.name} {{\n{selections}\n  }}")
            connections += len(fields)
        is_node = any(i.name == "Node" for i in getattr(type_, "interfaces", []))
        if isinstance(type_, GraphQLObjectType) and is_node:
            parts.append(
                f"  fragment Fragments_refetch{type_.name} on {type_.name} "
                f'@refetchable(queryName: "FragmentsRefetch{type_.name}Query") {{ id }}'
            )
            refetchable += 1
    source = "".join(f"export const f{i} = graphql`\n{part}\n`;\n" for i, part in enumerate(parts))
    return source, connections, refetchable


def test_relay_compiler_accepts_connections_and_refetchable_nodes(tmp_path: Path) -> None:
    sdl = SCHEMA_FILE.read_text()
    source, connections, refetchable = relay_fragments(sdl)
    # Every connection field (6 at the root, 28 nested) and every type implementing Node.
    schema = build_schema(sdl)
    node_types = schema.get_implementations(schema.get_type("Node")).objects  # type: ignore[arg-type]
    assert (connections, refetchable) == (34, len(node_types)) and refetchable > 10
    binary = _relay_compiler()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "Fragments.js").write_text(source)
    shutil.copy(SCHEMA_FILE, tmp_path / "schema.graphql")
    config = {"src": "./src", "schema": "./schema.graphql", "language": "javascript"}
    (tmp_path / "relay.config.json").write_text(json.dumps(config))
    result = subprocess.run(
        [str(binary)], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"relay-compiler rejected the schema:\n{result.stdout}\n{result.stderr}"
    # It wrote the artifacts: one per fragment, one per refetch query.
    generated = {p.name for p in (tmp_path / "src" / "__generated__").iterdir()}
    assert "FragmentsRefetchOrganisationQuery.graphql.js" in generated
    assert "Fragments_party.graphql.js" in generated


def test_relay_compiler_rejects_a_connection_without_node(tmp_path: Path) -> None:
    """The test above can fail: the edges of issue 20 (label, direction, otherParty, no node)
    are what relay-compiler refused."""
    sdl = SCHEMA_FILE.read_text()
    node = '  """The relation itself."""\n  node: Relation!\n'
    start = sdl.index("type PartyRelationEdge {")
    assert sdl.index(node, start) < sdl.index("}", start)
    broken = sdl[:start] + sdl[start:].replace(node, "", 1)
    source, _, _ = relay_fragments(broken)
    binary = _relay_compiler()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "Fragments.js").write_text(source)
    (tmp_path / "schema.graphql").write_text(broken)
    config = {"src": "./src", "schema": "./schema.graphql", "language": "javascript"}
    (tmp_path / "relay.config.json").write_text(json.dumps(config))
    result = subprocess.run(
        [str(binary)], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode != 0
    assert "`PartyRelationEdge` has no field `node`" in result.stdout + result.stderr
    assert not (tmp_path / "src" / "__generated__" / "Fragments_party.graphql.js").exists()
