"""The SQL that builds JSON, per database: PostgreSQL's json_build_object and json_agg,
SQLite's concatenated text (dialect_sqlite.py).

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

from sqlalchemy import Date

from relgraph.db.cursors import encode_cursor
from relgraph.db.engine import SQLITE_FUNCTIONS
from relgraph.domain.history import timeline
from relgraph.graphql.compiled.selection import Decline
from relgraph.graphql.core.ids import encode_id

__all__ = ["DIALECTS", "Dialect"]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cursor(key: Any, pk: Any) -> str:
    return encode_cursor([key, pk])


def _tagged_cursor(tag: str, key: Any, pk: Any) -> str:
    return encode_cursor([key, pk], tag)


def _id_cursor(tag: str | None, pk: Any) -> str:
    return encode_cursor([pk], tag)  # a list ordered by id alone (without a tag: [id])


def _moment(stored: str | None) -> str | None:
    # SQLite keeps UTC without an offset (db/models/base.UTCDateTime); the resolvers answer
    # the aware value's isoformat() (Strawberry's DateTime).
    if stored is None:
        return None
    return dt.datetime.fromisoformat(stored).replace(tzinfo=dt.UTC).isoformat()


def _item_cursor(at: str, kind: str, pk: int) -> str:
    return timeline.encode_cursor(dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC), kind, pk)


# The Python functions SQLite's compiled reads call: IDs, cursors and moments.
SQLITE_FUNCTIONS.update(
    {
        "relgraph_gid": (2, encode_id),
        "relgraph_cursor": (2, _cursor),
        "relgraph_tagged_cursor": (3, _tagged_cursor),
        "relgraph_id_cursor": (2, _id_cursor),
        "relgraph_moment": (1, _moment),
        "relgraph_item_cursor": (3, _item_cursor),
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

    def first_of(self, *values: str) -> str:
        """The first of JSON `values` that is not NULL (each from these methods)."""
        return f"coalesce({', '.join(values)})"

    def either(self, condition: str, then: str, otherwise: str) -> str:
        """JSON `then` where `condition` holds, else `otherwise` (each from these methods)."""
        return f"CASE WHEN {condition} THEN {then} ELSE {otherwise} END"

    def choose(self, subject: str, cases: Sequence[tuple[str, str]]) -> str:
        """The JSON value of the first case whose SQL value equals `subject`, NULL when none
        does (each value from these methods: a union's member by its kind)."""
        return f"CASE {subject} " + " ".join(f"WHEN {when} THEN {then}" for when, then in cases) + " END"

    def array(self, element: str, source: str, order: Sequence[str], limit: str | None) -> str:
        """A JSON array of `element` over the rows of `source` (FROM ... WHERE ...), in `order`."""
        raise NotImplementedError

    def page(
        self,
        element: str,
        source: str,
        keys: Sequence[str],
        fetched: Sequence[str],
        shown: Sequence[str],
        limit: str,
    ) -> str:
        """A JSON array of `element` over the first `limit` rows of `source` in the `fetched`
        order (over the source's expressions), shown in the `shown` order (over k0, k1, ...:
        the `keys`)."""
        raise NotImplementedError

    def bind(self, value: Any) -> Any:
        """A cursor's value as a bind parameter of a hand-written statement."""
        return value

    def sort_value(self, parameter: str, value_type: Any) -> str:
        """A cursor's bound value (`bind`) in SQL, of a sort key of `value_type`."""
        return parameter

    def boolean(self, condition: str) -> str:
        raise NotImplementedError

    def moment(self, column: str) -> str:
        """A timestamp as the resolvers serialise it: isoformat() of the UTC value."""
        raise NotImplementedError

    def gid(self, type_name: str, column: str) -> str:
        raise NotImplementedError

    def cursor(self, key: str, pk: str, tag: str | None = None) -> str:
        """The cursor the resolvers give the row: [tag, key, id] (no tag: [key, id]) in base64;
        ordered by the id alone (`key` is `pk`): [tag, id], or [id] without a tag."""
        raise NotImplementedError

    def item_cursor(self, at: str, kind: str, pk: str) -> str:
        """A timeline item's cursor as domain/history/timeline.encode_cursor writes it."""
        raise NotImplementedError

    def date(self, column: str) -> str:
        raise NotImplementedError

    def day(self, parameter: str) -> str:
        """A bind parameter holding a day (its value from day_value), as a SQL date."""
        return parameter

    def day_value(self, day: dt.date) -> Any:
        """What the driver binds for a day."""
        return day

    def json_column(self, column: str) -> str:
        """A JSON column's value (a list of text, say) as a value of an object."""
        raise NotImplementedError

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
        return (
            f"(SELECT coalesce(json_agg(x.j ORDER BY {', '.join(shown)}), '[]'::json) FROM "
            f"(SELECT {element} AS j, {selected} {source} ORDER BY {', '.join(fetched)} LIMIT {limit}) x)"
        )

    def boolean(self, condition: str) -> str:
        return f"({condition})"

    def moment(self, column: str) -> str:
        # isoformat(): microseconds only when there are any, the offset as +00:00.
        utc = f"({column} AT TIME ZONE 'UTC')"
        return (
            f"CASE WHEN {column} IS NOT NULL THEN to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
            f"CASE WHEN to_char({utc}, 'US') = '000000' THEN '' ELSE '.' || to_char({utc}, 'US') END "
            "|| '+00:00' END"
        )

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
        # to_json writes a sort key as db/cursors.encode_cursor does (not ASCII-escaped).
        opening = _quote("[" + (json.dumps(tag) + "," if tag is not None else ""))
        sort = "" if key == pk else f"to_json({key})::text || ',' || "
        raw = f"convert_to({opening} || {sort}{pk}::text || ']', 'UTF8')"
        return f"translate(encode({raw}, 'base64'), E'+/\\n', '-_')"

    def item_cursor(self, at: str, kind: str, pk: str) -> str:
        # json.dumps([isoformat, kind, id], separators=(",", ":")): the kinds need no escaping.
        raw = f"""convert_to('["' || {self.moment(at)} || '","' || {kind} || '",' || {pk}::text || ']', 'UTF8')"""
        return f"translate(encode({raw}, 'base64'), E'+/\\n', '-_')"

    def date(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM-DD')"

    def bind(self, value: Any) -> Any:
        # asyncpg binds date.min as -infinity: the sort key of a missing start date, rendered
        # '0001-01-01', would never equal it. A day goes as text (sort_value casts it back).
        if type(value) is dt.date:
            return value.isoformat()
        return value

    def sort_value(self, parameter: str, value_type: Any) -> str:
        if isinstance(value_type, Date):
            return f"CAST(CAST({parameter} AS TEXT) AS DATE)"  # the parameter is text (bind)
        return parameter

    def day(self, parameter: str) -> str:
        return f"CAST({parameter} AS DATE)"  # asyncpg learns the parameter's type from it

    def json_column(self, column: str) -> str:
        return column

    def result(self, data: str) -> str:
        return f"SELECT ({data})::text"


# SQLite's dialect builds on the one above (its own module: this one would be too long).
from relgraph.graphql.compiled.dialect_sqlite import SQLite  # noqa: E402

DIALECTS: dict[str, Dialect] = {d.name: d for d in (PostgreSQL(), SQLite())}
