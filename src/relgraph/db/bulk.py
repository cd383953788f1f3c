"""Set-based helpers for bulk work: chunked IN lookups and row locks in id order.

Bulk operations load what they need in a few statements and write with executemany,
never one round trip per item. On PostgreSQL they lock the rows they will change, always
in the same order (organisations, then persons, then memberships, each by id), so that
two bulk operations over overlapping rows queue instead of deadlocking. On SQLite the
writer already holds the database lock (BEGIN IMMEDIATE), and FOR UPDATE renders nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Row,
    Select,
    String,
    Table,
    any_,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from relgraph.db.ids import highest_id_ever

__all__ = [
    "CHUNK",
    "bound_records",
    "chunked",
    "copy_records",
    "insert_rows",
    "is_postgres",
    "lock_rows",
    "one_of",
    "reserve_ids",
    "rows_in",
    "update_each",
    "update_rows",
]

T = TypeVar("T")

# Rows per statement of a bulk read or insert: big enough that round trips do not count,
# small enough that one statement's rows never weigh much in memory.
CHUNK = 5000


def chunked(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def one_of(
    session: AsyncSession, column: ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """SQL: `column` is one of `values`, sent as ONE parameter (a JSON list on SQLite, an
    array on PostgreSQL): binding thousands of parameters costs more than the query."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=String)).table_valued("value")
    return column.in_(select(listed.c.value))


async def rows_in(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    column: ColumnElement[Any],
    values: Iterable[Any],
    *,
    lock: bool = False,
) -> list[Row[*tuple[Any, ...]]]:
    """The rows of `stmt` whose `column` is one of `values`, a chunk at a time, by `column`.

    With `lock`, PostgreSQL locks them (FOR NO KEY UPDATE: rows that reference them can
    still be inserted), in `column` order across the chunks.
    """
    found: list[Row[*tuple[Any, ...]]] = []
    for part in chunked(sorted(set(values))):
        query = stmt.where(one_of(session, column, part)).order_by(column)
        if lock:
            query = query.with_for_update(key_share=True)
        found.extend((await session.execute(query)).all())
    return found


async def lock_rows(session: AsyncSession, table: Table, ids: Iterable[int], *, shared: bool = False) -> None:
    """PostgreSQL: lock the rows of `table` with `ids` in id order (FOR SHARE when `shared`)."""
    if not is_postgres(session):
        return
    for part in chunked(sorted(set(ids))):
        query = select(table.c.id).where(one_of(session, table.c.id, part)).order_by(table.c.id)
        query = query.with_for_update(read=True) if shared else query.with_for_update(key_share=True)
        await session.execute(query)


async def reserve_ids(session: AsyncSession, table: Table, count: int, *, above: int = 0) -> list[int]:
    """`count` new ids for rows of `table`, all greater than `above`, so that a bulk insert
    needs no RETURNING.

    PostgreSQL draws them from the table's sequence (moved past `above` first, for rows
    inserted with ids of their own). SQLite numbers rows on from its AUTOINCREMENT counter,
    as it would itself (never a deleted row's id); the caller's transaction must hold the
    write lock (BEGIN IMMEDIATE), so no one else can take them. (SQLite's RETURNING after a
    multi-row insert has no defined order, and SQLAlchemy falls back to one statement per
    row to keep it.)
    """
    if is_postgres(session):
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        if above:
            # Never backwards: another transaction may hold values beyond max(id).
            await session.execute(
                text(f"SELECT setval({sequence}, GREATEST(:above, nextval({sequence})))"), {"above": above}
            )
        if count == 0:
            return []
        rows = await session.execute(
            text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)"), {"n": count}
        )
        return sorted(r[0] for r in rows)
    if count == 0:
        return []
    highest = max(await highest_id_ever(session, table), above)
    return list(range(highest + 1, highest + 1 + count))


_PLACEHOLDERS = {
    "qmark": lambda i: "?",
    "numeric": lambda i: f":{i}",
    "numeric_dollar": lambda i: f"${i}",
    "format": lambda i: "%s",
}


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` with the driver's executemany (SQLite) or as one array per column
    (PostgreSQL); SQLAlchemy compiles nothing per row.

    Every row has the same keys, and gives every column the table needs: Python-side
    column defaults do not run here. Values go through the columns' bind processors, as
    with a Core insert; only the per-row bookkeeping of SQLAlchemy's executemany (several
    times the cost of the insert itself on SQLite) is skipped.
    """
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    postgres = dialect.name == "postgresql"
    sql = _unnest_insert(table, names, dialect) if postgres else _values_insert(table, names, dialect)
    for part in chunked(rows):
        # Column by column: a column without a processor is copied as it is, and a value
        # repeated down a column (the same timestamp on every row) is converted once.
        columns = [
            _converted([row[name] for row in part], p) for name, p in zip(names, processors, strict=True)
        ]
        if postgres:
            # One statement with one array per column: the server plans it once and reads
            # the rows as COPY would, where executemany costs a round of messages per row.
            await connection.exec_driver_sql(sql, tuple(columns))
        else:
            await connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


async def copy_records(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    records: Sequence[tuple[Any, ...]],
    *,
    bound: bool = False,
) -> None:
    """Write `records` (tuples of `columns`) into `table` in the session's transaction:
    PostgreSQL's COPY, an executemany on SQLite (`insert_rows`'s statement).

    COPY skips the statement altogether: asyncpg streams the rows in the binary format, and
    the server parses no SQL and plans nothing. As with `insert_rows`, the records give
    every column the table needs (Python-side defaults do not run). Their values go through
    the columns' bind processors (`bound_records`) unless they did already (`bound`).
    """
    if not records:
        return
    connection = await session.connection()
    dialect = connection.dialect
    if not bound:
        records = bound_records(dialect, table, columns, records)
    if dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=list(columns)
        )
        return
    sql = _values_insert(table, list(columns), dialect)
    for part in chunked(records):
        await connection.exec_driver_sql(sql, list(part))


def bound_records(
    dialect: Any, table: Table, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> Sequence[tuple[Any, ...]]:
    """`records` (tuples of `columns` of `table`) with their values as `dialect`'s driver
    takes them. Only the columns whose type has a bind processor on this dialect (JSON,
    timestamps, booleans; dates on SQLite) go through it, a column at a time; the others
    stay as they are. No dict per row is made or taken apart.

    A bulk writer may do this while the database writes its previous rows (then
    `copy_records(..., bound=True)`): JSON is most of the work, and done in the writing
    it would hold up the write.
    """
    processors = _processors(table, tuple(columns), dialect)
    if not processors or not records:
        return records
    transposed = list(zip(*records, strict=True))
    for index, processor in processors:
        transposed[index] = tuple(_converted(list(transposed[index]), processor))
    return list(zip(*transposed, strict=True))


@functools.lru_cache(maxsize=256)
def _processors(
    table: Table, columns: tuple[str, ...], dialect: Any
) -> list[tuple[int, Callable[[Any], Any]]]:
    """(index, bind processor) of each of `columns` of `table` that has one on `dialect`."""
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(columns):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            found.append((index, processor))
    return found


async def update_each(
    session: AsyncSession, table: Table, items: Sequence[Mapping[str, Any]], **values: Any
) -> None:
    """Set `values` on the row of `table` whose id is each item's "b_id", in one executemany;
    a value `bindparam("b_<name>")` reads the item's own."""
    await session.execute(update(table).where(table.c.id == bindparam("b_id")).values(**values), list(items))


async def update_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], *, key: str = "id"
) -> None:
    """UPDATE one row of `table` per item of `rows`, found by its `key` value, setting the
    item's other columns; like `insert_rows`, nothing is compiled per row."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    names = [name for name in rows[0] if name != key]
    order = [*names, key]
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order]
    quote = dialect.identifier_preparer.quote
    postgres = dialect.name == "postgresql"
    if postgres:
        types = [table.c[name].type.compile(dialect=dialect) for name in order]
        aliases = ", ".join(f"c{i}" for i in range(1, len(order) + 1))
        arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, 1))
        sets = ", ".join(f"{quote(name)} = u.c{i}" for i, name in enumerate(names, 1))
        sql = (
            f"UPDATE {quote(table.name)} SET {sets} FROM unnest({arrays}) AS u({aliases}) "
            f"WHERE {quote(table.name)}.{quote(key)} = u.c{len(order)}"
        )
    else:
        placeholder = _PLACEHOLDERS[dialect.paramstyle]
        sets = ", ".join(f"{quote(name)} = {placeholder(i)}" for i, name in enumerate(names, 1))
        sql = f"UPDATE {quote(table.name)} SET {sets} WHERE {quote(key)} = {placeholder(len(order))}"
    for part in chunked(rows):
        columns = [
            _converted([row[name] for row in part], p) for name, p in zip(order, processors, strict=True)
        ]
        if postgres:
            await connection.exec_driver_sql(sql, tuple(columns))
        else:
            await connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _values_insert(table: Table, names: list[str], dialect: Any) -> str:
    placeholder = _PLACEHOLDERS[dialect.paramstyle]
    quote = dialect.identifier_preparer.quote
    return (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join(placeholder(i) for i in range(1, len(names) + 1))})"
    )


def _unnest_insert(table: Table, names: list[str], dialect: Any) -> str:
    quote = dialect.identifier_preparer.quote
    arrays, picks = [], []
    for i, name in enumerate(names, 1):
        sql_type = table.c[name].type.compile(dialect=dialect)
        if sql_type in ("JSON", "JSONB"):
            # JSON arrives as text from its bind processor; the server parses it per row.
            arrays.append(f"${i}::TEXT[]")
            picks.append(f"c{i}::{sql_type}")
        else:
            arrays.append(f"${i}::{sql_type}[]")
            picks.append(f"c{i}")
    aliases = ", ".join(f"c{i}" for i in range(1, len(names) + 1))
    return (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"SELECT {', '.join(picks)} FROM unnest({', '.join(arrays)}) AS u({aliases})"
    )


def _converted(values: list[Any], processor: Callable[[Any], Any] | None) -> list[Any]:
    if processor is None:
        return values
    out: list[Any] = []
    last_in: Any = out  # a sentinel no value is
    last_out: Any = None
    for value in values:
        if value is not last_in:
            last_in, last_out = value, (None if value is None else processor(value))
        out.append(last_out)
    return out
