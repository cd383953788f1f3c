"""IDs are never reused (issue 18): not after a delete, not after a bulk load or an import."""

from __future__ import annotations

from conftest import IS_POSTGRES
from schema_rows import insert_row, reflect, surrogate_key_tables
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from relgraph.db.models import Base


async def test_every_table_gives_a_new_id_after_its_newest_row_was_deleted(engine: AsyncEngine) -> None:
    """For every table with an integer key, driven by the schema: insert, delete the newest
    row, insert again: the new row gets an id never seen before."""
    async with engine.begin() as conn:
        tables = await conn.run_sync(lambda c: surrogate_key_tables(reflect(c)))
    assert len(tables) >= 15, [t.name for t in tables]  # not a check that looks at nothing
    reused = []
    for table in tables:
        async with engine.begin() as conn:
            await conn.run_sync(insert_row, table)
            newest = await conn.run_sync(insert_row, table)
            await conn.execute(delete(table).where(table.c.id == newest))
        async with engine.begin() as conn:
            again = await conn.run_sync(insert_row, table)
        if again <= newest:
            reused.append((table.name, newest, again))
    assert reused == []


def _models_with_surrogate_keys() -> set[str]:
    return {
        t.name
        for t in Base.metadata.sorted_tables
        if len(t.primary_key.columns) == 1
        and not next(iter(t.primary_key.columns)).foreign_keys
        and next(iter(t.primary_key.columns)).type.python_type is int
    }


async def test_every_integer_key_counts_up_from_a_counter_that_never_goes_back(engine: AsyncEngine) -> None:
    """SQLite: AUTOINCREMENT on every such table, in the migrated database (a migration that
    adds a table without it fails here) and in the models (create_all); PostgreSQL: every
    id from a sequence or identity."""
    async with engine.begin() as conn:
        tables = await conn.run_sync(lambda c: [t.name for t in surrogate_key_tables(reflect(c))])
        assert set(tables) == _models_with_surrogate_keys()
        if IS_POSTGRES:
            rows = await conn.execute(
                text(
                    "SELECT table_name FROM information_schema.columns WHERE column_name = 'id'"
                    " AND table_schema = current_schema() AND table_name = ANY(:tables)"
                    " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
                ),
                {"tables": tables},
            )
        else:
            rows = await conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")
            )
        counted = {r[0] for r in rows}
    assert sorted(set(tables) - counted) == []
    from_models = [
        t.name for t in Base.metadata.sorted_tables if t.name in tables and not t.dialect_options["sqlite"]["autoincrement"]
    ]
    assert from_models == []
