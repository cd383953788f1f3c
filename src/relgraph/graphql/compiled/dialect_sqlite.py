"""SQLite's dialect of compiled reads: JSON written as text by concatenation, global IDs
with sqlean's crypto base64 (db/sqlite_library.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from relgraph.db.sqlite_library import sqlite
from relgraph.graphql.compiled.dialects import Dialect, _id_split, _quote, _url_unsafe
from relgraph.graphql.compiled.selection import Decline

__all__ = ["SQLite"]


def _has_base64() -> bool:
    """Whether the SQLite library has crypto's encode(x, 'base64') (db/sqlite_library.py)."""
    connection = sqlite.connect(":memory:")
    try:
        return connection.execute("SELECT encode('', 'base64')").fetchone() is not None
    except sqlite.OperationalError:
        return False
    finally:
        connection.close()


_SQLITE_BASE64 = _has_base64()


class _Json(str):
    """SQL whose value is JSON text, never NULL (SQLite's objects and arrays are written as
    text, without the JSON subtype that json_object's arguments would carry)."""


class _MaybeJson(str):
    """SQL whose value is JSON text or NULL (a scalar subquery finds no row)."""


# What only a JSON value written by SQLite.obj or .array begins with: an unmarked value
# holding one lost its mark in an f-string (use Dialect.first_of or .either instead), and
# would be quoted as a string.
_WRITTEN = ("'{\"", "concat('['")


class SQLite(Dialect):
    """JSON written by concatenation: objects and arrays are text put together from
    json_quote'd values, never parsed. json_object and json_group_array took JSON values
    only with the JSON subtype, which a subquery's value loses: `-> '$'` gave it back by
    parsing it again, at every level of nesting (the big card's 185 kB four times, a quarter
    of its statement). Which values are JSON text already is known here, at compile time
    (_Json); the others are json_quote'd (scalars quoted, values carrying the subtype as
    they are)."""

    name: str = "sqlite"

    @staticmethod
    def _value(value: str) -> str:
        """`value` as JSON text: as it is, 'null' for NULL, or quoted."""
        if isinstance(value, _Json):
            return value
        if isinstance(value, _MaybeJson):
            return f"coalesce({value}, 'null')"
        if any(mark in value for mark in _WRITTEN):
            raise AssertionError(f"JSON text without its mark: {value[:200]}")
        return f"json_quote({value})"

    def obj(self, pairs: Sequence[tuple[str, str]]) -> str:
        self._fits(pairs)
        if not pairs:
            return _Json("'{}'")
        # concat(), not ||: a chain of || is a tree as deep as it is long (SQLite bounds a
        # statement's expression depth); concat's arguments are bounded like json_object's.
        parts: list[str] = []
        for i, (key, value) in enumerate(pairs):
            parts += [_quote(("{" if i == 0 else ",") + json.dumps(key) + ":"), self._value(value)]
        return _Json(f"concat({', '.join(parts)}, '}}')")

    # The parser's stack grows with the nesting: db/sqlite_library.py's SQLite grows it as
    # needed (the system's 3.40 refused the organisation card).

    def nested(self, subquery: str) -> str:
        return _MaybeJson(f"({subquery})")

    def first_of(self, *values: str) -> str:
        if not all(isinstance(v, _Json | _MaybeJson) for v in values):
            raise AssertionError("first_of takes JSON text written here")
        found = f"coalesce({', '.join(values)})"
        return _Json(found) if any(isinstance(v, _Json) for v in values) else _MaybeJson(found)

    def choose(self, subject: str, cases: Sequence[tuple[str, str]]) -> str:
        if not all(isinstance(then, _Json | _MaybeJson) for _, then in cases):
            raise AssertionError("choose takes JSON text written here")
        return _MaybeJson(super().choose(subject, cases))

    def either(self, condition: str, then: str, otherwise: str) -> str:
        return _Json(f"CASE WHEN {condition} THEN {self._value(then)} ELSE {self._value(otherwise)} END")

    @staticmethod
    def _joined(rows: str) -> _Json:
        # group_concat takes the rows in the subquery's order, as json_group_array did.
        return _Json(f"(SELECT concat('[', group_concat(x.j, ','), ']') FROM {rows} x)")

    def array(self, element: str, source: str, order: Sequence[str], limit: str | None) -> str:
        limited = f" LIMIT {limit}" if limit else ""
        return self._joined(
            f"(SELECT {self._value(element)} AS j {source} ORDER BY {', '.join(order)}{limited})"
        )

    def text_array(self, element: str, source: str, order: str) -> str:
        return self._joined(f"(SELECT json_quote({element}) AS j {source} ORDER BY {order})")

    def page(
        self,
        element: str,
        source: str,
        keys: Sequence[str],
        fetched: Sequence[str],
        shown: Sequence[str],
        limit: str,
    ) -> str:
        selected = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
        return self._joined(
            f"(SELECT * FROM (SELECT {self._value(element)} AS j, {selected} "
            f"{source} ORDER BY {', '.join(fetched)} LIMIT {limit}) ORDER BY {', '.join(shown)})"
        )

    def bind(self, value: Any) -> Any:
        # Dates are stored as YYYY-MM-DD text (sqlite3's date adapter is deprecated), moments
        # as SQLAlchemy's DATETIME writes them, in UTC without an offset (UTCDateTime).
        if type(value) is dt.date:
            return value.isoformat()
        if isinstance(value, dt.datetime):
            utc = value.astimezone(dt.UTC) if value.tzinfo else value
            return (
                f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d} "
                f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}"
            )
        return value

    def boolean(self, condition: str) -> str:
        return _Json(f"CASE WHEN {condition} THEN 'true' ELSE 'false' END")

    def moment(self, column: str) -> str:
        return f"relgraph_moment({column})"

    def string_list(self, items: Sequence[str]) -> str:
        return (
            f"(SELECT json_group_array(x.value) FROM (SELECT value FROM json_each(json_array({', '.join(items)})) "
            "WHERE value IS NOT NULL ORDER BY key) x) -> '$'"
        )

    def gid(self, type_name: str, column: str) -> str:
        if not _SQLITE_BASE64:
            return f"relgraph_gid({_quote(type_name)}, {column})"
        # As PostgreSQL's: base64 in the database, of what follows the whole 3-byte groups of
        # "Type:" (a Python function per ID was a fifth of the big card's statement).
        head, tail = _id_split(type_name)
        raw = f"encode({_quote(tail)} || {column}, 'base64')"
        if _url_unsafe(tail):
            raw = f"replace(replace({raw}, '+', '-'), '/', '_')"
        return f"{_quote(head)} || rtrim({raw}, '=')" if head else f"rtrim({raw}, '=')"

    def cursor(self, key: str, pk: str, tag: str | None = None) -> str:
        if key == pk:
            return f"relgraph_id_cursor({'NULL' if tag is None else _quote(tag)}, {pk})"
        if tag is not None:
            return f"relgraph_tagged_cursor({_quote(tag)}, {key}, {pk})"
        return f"relgraph_cursor({key}, {pk})"

    def item_cursor(self, at: str, kind: str, pk: str) -> str:
        return f"relgraph_item_cursor({at}, {kind}, {pk})"

    def date(self, column: str) -> str:
        return column  # stored as YYYY-MM-DD text

    def day_value(self, day: dt.date) -> Any:
        return day.isoformat()  # compared with dates stored as YYYY-MM-DD text

    def json_column(self, column: str) -> str:
        return f"json({column})"  # stored as text

    def result(self, data: str) -> str:
        return f"SELECT {data}"

    def check(self, sql: str) -> None:
        """Decline a statement too deeply nested for SQLite's parser ("parser stack
        overflow"): parsed once, at compile time, by the same library the server uses, on an
        empty database (where parsing succeeds it stops at the first missing table)."""
        connection = sqlite.connect(":memory:")
        try:
            connection.execute(sql)
        except sqlite.OperationalError as error:
            if "parser stack overflow" in str(error):
                raise Decline("too deeply nested for SQLite's parser") from None
        finally:
            connection.close()
