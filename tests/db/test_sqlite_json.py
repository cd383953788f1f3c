"""SQLite's compiled reads write JSON by concatenation and IDs with crypto's base64
(graphql/compiled/dialect_sqlite.py): the same bytes json_object and encode_id write; and an
organisation's memberships are read from ix_memberships_by_organisation alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import IS_POSTGRES
from sqlalchemy import text

from relgraph.db.sqlite_library import sqlite
from relgraph.graphql.compiled.dialects import DIALECTS
from relgraph.graphql.core.ids import encode_id

pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="SQLite's dialect of compiled reads")

d = DIALECTS["sqlite"]

ROWS = """(SELECT 1 AS id, 'Ann "A"' AS name, NULL AS note, 2.5 AS score, 1 AS flag, '["x"]' AS tags
UNION ALL SELECT 2, 'Ümit\\', 'n', 0, 0, '[]'
UNION ALL SELECT 3, NULL, NULL, 7, 1, NULL)"""


@pytest.fixture
def db() -> Iterator[sqlite.Connection]:
    connection = sqlite.connect(":memory:")
    yield connection
    connection.close()


def _value(db: sqlite.Connection, sql: str) -> str:
    return str(db.execute(f"SELECT {sql}").fetchone()[0])


def test_objects_and_arrays_are_the_bytes_json_object_writes(db: sqlite.Connection) -> None:
    def row(r: str) -> str:
        nested = d.nested(f"SELECT {d.obj([('id', 'n.id')])} FROM {ROWS} n WHERE n.id = {r}.id + 1")
        return d.obj(
            [
                ("id", f"{r}.id"),
                ("name", f"{r}.name"),
                ("note", f"{r}.note"),
                ("score", f"{r}.score"),
                ("flag", d.boolean(f"{r}.flag")),
                ("tags", d.json_column(f"{r}.tags")),
                ("next", nested),  # the last row has none: null
            ]
        )

    written = _value(db, d.array(row("r"), f"FROM {ROWS} r", ["r.id"], None))
    stock = _value(
        db,
        "(SELECT json_group_array(json_object('id', r.id, 'name', r.name, 'note', r.note, 'score', r.score, "
        "'flag', json(CASE WHEN r.flag THEN 'true' ELSE 'false' END), 'tags', json(r.tags), "
        "'next', (SELECT json_object('id', n.id) FROM " + ROWS + " n WHERE n.id = r.id + 1) -> '$') "
        ") FROM (SELECT * FROM " + ROWS + " ORDER BY id) r)",
    )
    assert written == stock
    assert _value(db, d.array(row("r"), f"FROM {ROWS} r WHERE 0", ["r.id"], None)) == "[]"
    assert _value(db, d.text_array("r.name", f"FROM {ROWS} r", "r.id")) == '["Ann \\"A\\"","Ümit\\\\",null]'
    assert _value(db, d.obj([])) == "{}"


def test_a_json_value_that_lost_its_mark_is_refused_not_quoted() -> None:
    inner = d.obj([("id", "1")])
    with pytest.raises(AssertionError):
        d.obj([("party", f"coalesce(NULL, {inner})")])  # written as a string: {"party":"{\"id\":1}"}
    assert "coalesce(" in d.obj([("party", d.first_of(d.nested(f"SELECT {inner} WHERE 0"), inner))])


def test_global_ids_are_encode_ids(db: sqlite.Connection) -> None:
    for type_name in ("Organisation", "Person", "Membership", "User", "Relation", "Address", "A", "Ab"):
        for pk in (0, 1, 9, 10, 99, 100, 12345, 999999, 1000000, 2**62):
            assert _value(db, d.gid(type_name, str(pk))) == encode_id(type_name, pk)


async def test_an_organisations_memberships_are_read_from_the_index_alone(engine) -> None:
    in_force = "(m.start_date IS NULL OR m.start_date <= '2026-12-07') AND (m.end_date IS NULL OR m.end_date >= '2026-12-07')"
    async with engine.connect() as connection:
        plan = (
            await connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT m.id, m.job_title, m.role, m.person_id FROM memberships m "
                    f"WHERE m.organisation_id = 1 AND m.active IS 1 AND {in_force}"
                )
            )
        ).all()
    assert any("COVERING INDEX ix_memberships_by_organisation" in row[-1] for row in plan), plan
