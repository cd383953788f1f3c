"""The values compiled reads build in SQL are the resolvers' values, byte for byte: global
IDs of every node type, and cursors with sort keys outside ASCII."""

from __future__ import annotations

import graphql
from sqlalchemy import text

from relgraph.config import Settings
from relgraph.db.cursors import encode_cursor
from relgraph.graphql.compiled.dialects import DIALECTS
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.schema import build_schema

# Every length of number and every digit in every place a short ID has, and large ones.
IDS = [*range(1, 130), 999, 1000, 4095, 65_536, 99_999, 123_456, 9_876_543, 2**31 - 1, 2**53]


def _node_types() -> list[str]:
    schema = build_schema(Settings())._schema
    node = schema.get_type("Node")
    assert isinstance(node, graphql.GraphQLInterfaceType)
    return sorted(t.name for t in schema.get_possible_types(node))


async def test_global_ids_built_in_sql_are_the_resolvers_ids(engine) -> None:
    dialect = DIALECTS[engine.dialect.name]
    types = _node_types()
    assert {"Organisation", "Person", "Membership"} <= set(types)
    values = " UNION ALL ".join(f"SELECT {n} AS id" for n in IDS)
    async with engine.connect() as connection:
        for type_name in types:
            expression = dialect.gid(type_name, "v.id")
            rows = (await connection.execute(text(f"SELECT v.id, {expression} FROM ({values}) v"))).all()
            assert dict(rows) == {pk: encode_id(type_name, pk) for pk in IDS}, type_name


# Sort keys as folded names can hold them: letters outside ASCII, quotes, backslashes,
# control characters, characters JSON may escape or not.
KEYS = [
    "plain",
    "øresund",
    "東京",
    "o'brien",
    'say "hi"',
    "back\\slash",
    "tab\there",
    "\x01\x1f\x7f",
    "\u2028",
    "😀",
    "",
]


async def test_cursors_built_in_sql_are_the_resolvers_cursors(engine) -> None:
    dialect = DIALECTS[engine.dialect.name]
    values = " UNION ALL ".join(f"SELECT {i} AS id, {dialect.literal(k)} AS k" for i, k in enumerate(KEYS, 1))
    async with engine.connect() as connection:
        for tag in (None, "NAME"):
            expression = dialect.cursor("v.k", "v.id", tag)
            rows = (await connection.execute(text(f"SELECT v.id, {expression} FROM ({values}) v"))).all()
            assert dict(rows) == {i: encode_cursor([k, i], tag) for i, k in enumerate(KEYS, 1)}, tag
