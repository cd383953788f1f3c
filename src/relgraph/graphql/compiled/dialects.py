"""The SQL that builds JSON, per database: PostgreSQL's json_build_object and json_agg,
SQLite's json_group_array with objects written as text (see SQLite).

Every value a compiled read returns is written by these few functions, so the two
databases answer with the same JSON: booleans as true/false (SQLite has none), dates as
YYYY-MM-DD, relgraph's global IDs and cursors byte for byte as graphql/core/ids.py and
db/pagination.py write them.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from collections.abc import Sequence
from typing import Any

from relgraph.db.engine import SQLITE_FUNCTIONS
from relgraph.db.pagination import _encode as encode_cursor
from relgraph.db.sqlite_library import sqlite
from relgraph.graphql.compiled.selection import Decline
from relgraph.graphql.core.ids import encode_id

__all__ = ["DIALECTS", "Dialect"]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cursor(key: Any, pk: Any) -> str:
    return encode_cursor([key, pk])


def _tagged_cursor(tag: str, key: Any, pk: Any) -> str:
    return encode_cursor([key, pk], tag)


def _id_cursor(tag: str, pk: Any) -> str:
    # db/pagination._encode of [id] alone in the ordering named `tag`: [tag, id].
    return base64.urlsafe_b64encode(json.dumps([tag, pk], separators=(",", ":")).encode()).decode()


# The Python functions SQLite's compiled reads call: IDs and cursors.
SQLITE_FUNCTIONS.update(
    {
        "relgraph_gid": (2, encode_id),
        "relgraph_cursor": (2, _cursor),
        "relgraph_tagged_cursor": (3, _tagged_cursor),
        "relgraph_id_cursor": (2, _id_cursor),
    }
)


@functools.cache
def _id_split(type_name: str) -> tuple[str, str]:
    """(The URL-safe base64 of the whole 3-byte groups of "Type:", the bytes left over)."""
    prefix = (type_name + ":").encode()
    whole = len(prefix) // 3 * 3
    return base64.urlsafe_b64encode(prefix[:whole]).decode(), prefix[whole:].decode()


@functools.cache
def _url_unsafe(tail: str) -> bool:
    """Whether plain base64 of `tail` and digits can hold '+' or '/': only the group that
    straddles the tail and the first digits can (tried with every digit in each place)."""
    return any(c in base64.b64encode(f"{tail}{n}".encode()).decode() for n in range(1000) for c in "+/")


MAX_KEYS = 50


class Dialect:
    """SQL fragments of one database; `name` is SQLAlchemy's dialect name."""

    name = ""

    def literal(self, text: str) -> str:
        return _quote(text)

    def obj(self, pairs: Sequence[tuple[str, str]]) -> str:
        raise NotImplementedError

    @staticmethod
    def _fits(pairs: Sequence[tuple[str, str]]) -> None:
        # json_build_object takes at most 100 arguments; SQLite's functions at most 127.
        if len(pairs) > MAX_KEYS:
            raise Decline(f"more than {MAX_KEYS} fields in one object")

    def nested(self, subquery: str) -> str:
        """The JSON value a scalar subquery returns, as a value of an enclosing object."""
        raise NotImplementedError

    def array(self, element: str, source: str, order: Sequence[str], limit: str | None) -> str:
        """A JSON array of `element` over the rows of `source` (FROM ... WHERE ...), in `order`."""
        raise NotImplementedError

    def boolean(self, condition: str) -> str:
        raise NotImplementedError

    def gid(self, type_name: str, column: str) -> str:
        raise NotImplementedError

    def cursor(self, key: str, pk: str, tag: str | None = None) -> str:
        """The cursor the resolvers give the row: [tag, key, id] (no tag: [key, id]) in base64;
        ordered by the id alone (`key` is `pk`, a tag required): [tag, id]."""
        raise NotImplementedError

    def date(self, column: str) -> str:
        raise NotImplementedError

    def day(self, parameter: str) -> str:
        """A bind parameter holding a day (its value from day_value), as a SQL date."""
        return parameter

    def day_value(self, day: dt.date) -> Any:
        """What the driver binds for a day."""
        return day

    def text_array(self, element: str, source: str, order: str) -> str:
        """A JSON array of strings."""
        return self.array(element, source, [order], None)

    def string_list(self, items: Sequence[str]) -> str:
        """A JSON array of the `items` (text expressions) that are not NULL, in order."""
        raise NotImplementedError

    def result(self, data: str) -> str:
        """The statement's one column: the `data` object as text."""
        raise NotImplementedError

    def check(self, sql: str) -> None:
        """Raise Decline when the database could not run `sql` (nothing to check by default)."""


class PostgreSQL(Dialect):
    name = "postgresql"

    def obj(self, pairs: Sequence[tuple[str, str]]) -> str:
        self._fits(pairs)
        return "json_build_object(" + ", ".join(f"{_quote(k)}, {v}" for k, v in pairs) + ")"

    def nested(self, subquery: str) -> str:
        return f"({subquery})"

    def array(self, element: str, source: str, order: Sequence[str], limit: str | None) -> str:
        # An order item may end in " DESC".
        columns = [item.removesuffix(" DESC") for item in order]
        keys = ", ".join(f"k{i}" + item[len(columns[i]) :] for i, item in enumerate(order))
        selected = ", ".join(f"{column} AS k{i}" for i, column in enumerate(columns))
        limited = f" LIMIT {limit}" if limit else ""
        return (
            f"(SELECT coalesce(json_agg(x.j ORDER BY {keys}), '[]'::json) FROM "
            f"(SELECT {element} AS j, {selected} {source} ORDER BY {', '.join(order)}{limited}) x)"
        )

    def boolean(self, condition: str) -> str:
        return f"({condition})"

    def string_list(self, items: Sequence[str]) -> str:
        return f"array_to_json(array_remove(ARRAY[{', '.join(items)}]::text[], NULL))"

    def gid(self, type_name: str, column: str) -> str:
        # Base64 works on groups of 3 bytes: the whole groups of "Type:" are encoded here,
        # once, and only the rest ("n:" and the digits) by the database, for every row (the
        # IDs were a fifth of the big card's time). Digits never make '+' or '/': translate
        # only where the type name's last letters could.
        head, tail = _id_split(type_name)
        raw = f"encode(convert_to({_quote(tail)} || {column}::text, 'UTF8'), 'base64')"
        if _url_unsafe(tail):
            raw = f"translate({raw}, '+/', '-_')"
        return f"{_quote(head)} || rtrim({raw}, '=')" if head else f"rtrim({raw}, '=')"

    def cursor(self, key: str, pk: str, tag: str | None = None) -> str:
        # to_json writes a sort key as db/pagination._encode does (not ASCII-escaped).
        opening = _quote("[" + (json.dumps(tag) + "," if tag is not None else ""))
        sort = "" if key == pk else f"to_json({key})::text || ',' || "
        raw = f"convert_to({opening} || {sort}{pk}::text || ']', 'UTF8')"
        return f"translate(encode({raw}, 'base64'), E'+/\\n', '-_')"

    def date(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM-DD')"

    def day(self, parameter: str) -> str:
        return f"CAST({parameter} AS DATE)"  # asyncpg learns the parameter's type from it

    def result(self, data: str) -> str:
        return f"SELECT ({data})::text"


class SQLite(Dialect):
    """SQLite's parser has a bounded stack (YYSTACKDEPTH, 100): every nested function call
    or subquery costs slots, and a card nests objects in lists in objects (see `check`).
    So an object is written as text, its pieces concatenated ('{"k":' || value || '}'),
    and an object or list inside it is spliced in as its text: nesting no deeper. Each
    value such a method returns stands alone too (`-> '$'` gives it its JSON subtype, else
    a consumer would write it as a string); `_text` remembers, per value returned, the
    text to splice (never NULL). Any other value is written by json_quote, which writes
    SQL values as json_object does and a JSON value as it is.
    """

    name = "sqlite"
    _REMEMBERED = 100_000  # values' texts kept at most (a compile needs those it wrote)

    def __init__(self) -> None:
        self._text: dict[str, str] = {}

    def _json(self, text: str) -> str:
        """A JSON value whose text is the expression `text` (never NULL)."""
        value = f"({text}) -> '$'"
        if len(self._text) >= self._REMEMBERED:
            self._text.clear()  # only depth is lost: json_quote writes the value itself
        self._text[value] = text
        return value

    def _spliced(self, value: str) -> str:
        return self._text.get(value) or f"json_quote({value})"

    def obj(self, pairs: Sequence[tuple[str, str]]) -> str:
        self._fits(pairs)
        if not pairs:
            return self._json("'{}'")
        pieces = [
            f"{_quote(('{' if i == 0 else ',') + json.dumps(k) + ':')} || {self._spliced(v)}"
            for i, (k, v) in enumerate(pairs)
        ]
        return self._json(" || ".join(pieces) + " || '}'")

    # A subquery's value loses its JSON subtype: `-> '$'` gives it back (else it would be
    # written as a string). Not json(...): every parenthesis saved is depth a card can nest.

    def nested(self, subquery: str) -> str:
        return f"({subquery}) -> '$'"

    def array(self, element: str, source: str, order: Sequence[str], limit: str | None) -> str:
        limited = f" LIMIT {limit}" if limit else ""
        return self._json(
            f"(SELECT json_group_array(x.j -> '$') FROM "
            f"(SELECT {self._text.get(element, element)} AS j {source} ORDER BY {', '.join(order)}{limited}) x)"
        )

    def text_array(self, element: str, source: str, order: str) -> str:
        return (
            f"(SELECT json_group_array(x.j) FROM (SELECT {element} AS j {source} ORDER BY {order}) x) -> '$'"
        )

    def boolean(self, condition: str) -> str:
        return self._json(f"CASE WHEN {condition} THEN 'true' ELSE 'false' END")

    def string_list(self, items: Sequence[str]) -> str:
        return (
            f"(SELECT json_group_array(x.value) FROM (SELECT value FROM json_each(json_array({', '.join(items)})) "
            "WHERE value IS NOT NULL ORDER BY key) x) -> '$'"
        )

    def gid(self, type_name: str, column: str) -> str:
        return f"relgraph_gid({_quote(type_name)}, {column})"

    def cursor(self, key: str, pk: str, tag: str | None = None) -> str:
        if key == pk:
            assert tag is not None, "a list ordered by id alone names its ordering"
            return f"relgraph_id_cursor({_quote(tag)}, {pk})"
        if tag is not None:
            return f"relgraph_tagged_cursor({_quote(tag)}, {key}, {pk})"
        return f"relgraph_cursor({key}, {pk})"

    def date(self, column: str) -> str:
        return column  # stored as YYYY-MM-DD text

    def day_value(self, day: dt.date) -> Any:
        return day.isoformat()  # compared with dates stored as YYYY-MM-DD text

    def result(self, data: str) -> str:
        return f"SELECT {self._text.get(data, data)}"

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


DIALECTS: dict[str, Dialect] = {d.name: d for d in (PostgreSQL(), SQLite())}
