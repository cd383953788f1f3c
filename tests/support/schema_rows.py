"""Rows for any table, made from the database's own schema (reflected), for tests that must
cover every table, including tables added after they were written."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import re
import warnings
from typing import Any

from sqlalchemy import Connection, MetaData, Table, inspect

from relgraph.db.search import is_search_object

_serial = itertools.count(1)
# `kind IN ('A', 'B')` as written (SQLite) or as PostgreSQL gives it back
# (`(kind)::text = ANY ((ARRAY['A'::character varying, ...`): the column and its first value.
_ONE_OF = re.compile(
    r"(\w+)\)?(?:::[\w ]+?)?\s+(?:IN\s*\(|=\s*ANY\s*\(\(?ARRAY\[)\s*'([^']*)'", re.IGNORECASE
)


def reflect(connection: Connection) -> MetaData:
    """The database's tables as they are (without SQLite's search index tables)."""
    metadata = MetaData()
    with warnings.catch_warnings():
        # SQLite cannot reflect the expression index on memberships; no row needs it.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        metadata.reflect(connection, only=lambda name, _meta: not is_search_object(name, "table"))
    return metadata


def surrogate_key_tables(metadata: MetaData) -> list[Table]:
    """The tables whose key is one integer column of their own (not a reference to another)."""
    found = []
    for table in metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and not key[0].foreign_keys and _python_type(key[0]) is int:
            found.append(table)
    return found


def _python_type(column: Any) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def _first_allowed_values(connection: Connection, table: Table) -> dict[str, str]:
    values: dict[str, str] = {}
    for check in inspect(connection).get_check_constraints(table.name):
        if match := _ONE_OF.search(check["sqltext"]):
            values.setdefault(match.group(1), match.group(2))
    return values


def _value(column: Any, allowed: dict[str, str]) -> Any:
    if column.name in allowed:
        return allowed[column.name]
    kind = _python_type(column)
    if kind is bool:
        return False
    if kind is int:
        return 1
    if kind is decimal.Decimal or kind is float:
        return 0
    if kind is dt.datetime:
        return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    if kind is dt.date:
        return dt.date(2026, 1, 2)
    if kind in (dict, list):
        return []
    # Unique where it must be; as long as the column allows.
    text = f"v{next(_serial)}x"
    length = getattr(column.type, "length", None)
    return text[-length:] if length else text


def insert_row(connection: Connection, table: Table, **given: Any) -> int | None:
    """Insert a row into `table` that satisfies its constraints (new rows for what it must
    refer to); return its key when it has one integer key column."""
    allowed = _first_allowed_values(connection, table)
    values: dict[str, Any] = dict(given)
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        if column.primary_key and not column.foreign_keys and len(table.primary_key.columns) == 1:
            continue  # the database numbers it
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column
            values[column.name] = insert_row(connection, target.table)
        else:
            values[column.name] = _value(column, allowed)
    result = connection.execute(table.insert().values(values))
    key = list(table.primary_key.columns)
    if len(key) == 1:
        return values.get(
            key[0].name, result.inserted_primary_key[0] if result.inserted_primary_key else None
        )
    return None
