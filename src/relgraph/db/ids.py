"""Id counters for writers that choose ids themselves (bulk loads, imports, reservations).

IDs are never reused. The database's own counter remembers ids whose rows were deleted
(SQLite's AUTOINCREMENT counter in sqlite_sequence, PostgreSQL's sequence); max(id) does
not, so a writer that numbers rows itself starts above the counter, and on PostgreSQL
moves the sequence past the rows it wrote (SQLite's counter follows every insert).
"""

from __future__ import annotations

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

__all__ = ["highest_id_ever", "sequence_past_rows"]


def _dialect(db: AsyncSession | AsyncConnection) -> str:
    return db.dialect.name if isinstance(db, AsyncConnection) else db.get_bind().dialect.name


async def highest_id_ever(db: AsyncSession | AsyncConnection, table: Table) -> int:
    """The highest id `table` has handed out, its deleted rows' included (0 for none)."""
    if _dialect(db) == "postgresql":
        query = (
            f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table.name}),"
            f" coalesce(pg_sequence_last_value(pg_get_serial_sequence('{table.name}', 'id')::regclass), 0))"
        )
    else:
        query = (
            f"SELECT max((SELECT coalesce(max(id), 0) FROM {table.name}),"
            f" coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{table.name}'), 0))"
        )
    return int(await db.scalar(text(query)) or 0)


async def sequence_past_rows(db: AsyncSession | AsyncConnection, table: Table) -> None:
    """After rows went in with ids of their own: the next id of `table` is above all of them
    (PostgreSQL; never backwards, another transaction may hold values beyond max(id))."""
    if _dialect(db) != "postgresql":
        return
    sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
    await db.execute(
        text(
            f"SELECT setval({sequence}, greatest(m.id, 1), m.id > 0) FROM (SELECT greatest("
            f"(SELECT coalesce(max(id), 0) FROM {table.name}),"
            f" coalesce(pg_sequence_last_value({sequence}::regclass), 0)) AS id) AS m"
        )
    )
