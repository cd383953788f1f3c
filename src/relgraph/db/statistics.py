"""The planner's statistics after a bulk write (PostgreSQL's ANALYZE), by the columns its
estimates go by."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import String, Table, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import is_postgres

__all__ = ["analyze"]


async def analyze(
    session: AsyncSession,
    tables: Iterable[Table],
    *,
    but_free_text: bool = False,
    grown_by: int | None = None,
    statistics_target: int | None = None,
) -> None:
    """PostgreSQL: refresh the planner's statistics of `tables` after a bulk load.

    Until autovacuum gets round to it, the planner takes freshly filled tables for nearly
    empty and may pick plans that scan one table per row of another (an export of 40,000
    organisations took 50 s instead of 2). Inside the transaction, ANALYZE counts its own
    new rows, and the statistics become visible with the commit.

    With `but_free_text`, the long free texts no key covers are left out (`_estimated`): the
    row counts (which ANALYZE refreshes whatever the columns) and the keys, kinds and flags
    are what keep plans sane, and sorting long texts under the database's collation (search
    texts, names) took some 40 % of ANALYZE's time on organisations. PostgreSQL leaves a
    table analyzed by some of its columns due for autovacuum's full ANALYZE. With `grown_by`
    (rows added to each table), a table that many rows would not grow by a tenth is left to
    autovacuum altogether.

    With `statistics_target`, ANALYZE samples 300 rows per unit of it (PostgreSQL's
    default_statistics_target, 100: 30,000 rows) and keeps as many common values and
    histogram buckets, for the columns that have no target of their own. A partial ANALYZE
    (`but_free_text`) leaves the table due for autovacuum's full one, which takes the
    default sample again.
    """
    if not is_postgres(session):
        return
    connection = await session.connection()
    tables = list(tables)
    if grown_by is not None:
        found = await connection.exec_driver_sql(
            "SELECT relname, reltuples FROM pg_class WHERE oid = ANY($1::regclass[])",
            ([t.name for t in tables],),
        )
        sizes = {str(row.relname): float(row.reltuples) for row in found}
        # reltuples is -1 for a table never analyzed or vacuumed: analyze it.
        tables = [t for t in tables if grown_by * _GROWTH >= sizes.get(t.name, -1)]
    if not tables:
        return
    quote = connection.dialect.identifier_preparer.quote
    named = []
    for table in tables:
        columns = f" ({', '.join(quote(c) for c in _estimated(table))})" if but_free_text else ""
        named.append(quote(table.name) + columns)
    if statistics_target is None:
        await connection.exec_driver_sql(f"ANALYZE {', '.join(named)}")
        return
    # For this ANALYZE only (set_config(..., true) would last to the end of the transaction).
    kept = await connection.exec_driver_sql(
        "SELECT current_setting('default_statistics_target'), "
        "set_config('default_statistics_target', $1, true)",
        (str(statistics_target),),
    )
    default = kept.scalar_one()
    await connection.exec_driver_sql(f"ANALYZE {', '.join(named)}")
    await connection.exec_driver_sql("SELECT set_config('default_statistics_target', $1, true)", (default,))


# A table grows "materially" when it grows by at least 1/_GROWTH of its rows.
_GROWTH = 10


# Texts longer than this are free text (names, search texts, websites), never estimated by
# value unless a key or index covers them.
_FREE_TEXT = 64


@functools.lru_cache(maxsize=64)
def _estimated(table: Table) -> tuple[str, ...]:
    """The columns of `table` whose statistics the planner's estimates of joins and filters
    go by: all but the long free texts, unless a primary key, foreign key, index or unique
    constraint of the models covers them (the trigram indexes of the search texts are not
    among those), in table order."""
    keys = {c.name for c in table.primary_key.columns}
    keys.update(fk.parent.name for fk in table.foreign_keys)
    for index in table.indexes:
        keys.update(c.name for c in index.columns)
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            keys.update(c.name for c in constraint.columns)
    return tuple(
        c.name
        for c in table.c
        if c.name in keys
        or not (isinstance(c.type, String) and (c.type.length is None or c.type.length > _FREE_TEXT))
    )
