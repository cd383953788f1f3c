"""Secondary indexes off during a bulk load, built once at the end.

Keeping a dozen B-trees (and the trigram index) up to date row by row costs more than
writing the rows; sorting each index once afterwards is the usual way to load. The index
definitions are read back from the database itself, so whatever the migrations created is
recreated exactly, unique partial indexes included (a violation fails the load).
Indexes that back a constraint (primary keys, UNIQUE constraints) stay.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["drop_indexes", "recreate_indexes"]

_SQLITE = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN :tables"
).bindparams(bindparam("tables", expanding=True))
_POSTGRES = text(
    "SELECT i.indexname, i.indexdef FROM pg_indexes i "
    "WHERE i.schemaname = current_schema() AND i.tablename IN :tables AND NOT EXISTS ("
    "SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"
).bindparams(bindparam("tables", expanding=True))


async def drop_indexes(conn: AsyncConnection, tables: Sequence[str]) -> list[str]:
    """Drop the secondary indexes of `tables`; return the statements that recreate them."""
    query = _SQLITE if conn.dialect.name == "sqlite" else _POSTGRES
    found = list(await conn.execute(query, {"tables": list(tables)}))
    for name, _definition in found:
        await conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


async def recreate_indexes(conn: AsyncConnection, definitions: Sequence[str]) -> None:
    if definitions and conn.dialect.name == "postgresql":
        await conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for definition in definitions:
        await conn.exec_driver_sql(definition)
