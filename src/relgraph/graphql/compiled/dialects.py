"""The SQL that builds JSON, per database: PostgreSQL's json_build_object and json_agg,
SQLite's json_object and json_group_array.

Every value a compiled read returns is written by these few functions, so the two
databases answer with the same JSON: booleans as true/false (SQLite has none), dates as
YYYY-MM-DD, relgraph's global IDs and cursors byte for byte as graphql/core/ids.py and
db/pagination.py write them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from relgraph.db.engine import SQLITE_FUNCTIONS
from relgraph.graphql.compiled.selection import Decline
from relgraph.graphql.core.ids import encode_id

__all__ = ["DIALECTS", "Dialect"]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cursor(key: Any, pk: Any) -> str:
    # db/pagination._encode of the sort key [key, id]: the same bytes.
    return base64.urlsafe_b64encode(json.dumps([key, pk], separators=(",", ":")).encode()).decode()


def _tagged_cursor(tag: str, key: Any, pk: Any) -> str:
    # db/pagination._encode of [key, id] in the ordering named `tag`: [tag, key, id].
    return base64.urlsafe_b64encode(json.dumps([tag, key, pk], separators=(",", ":")).encode()).decode()


# The Python functions SQLite's compiled reads call: IDs and cursors.
SQLITE_FUNCTIONS.update(
    {
        "relgraph_gid": (2, encode_id),
        "relgraph_cursor": (2, _cursor),
        "relgraph_tagged_cursor": (3, _tagged_cursor),
    }
)


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
        """The cursor the resolvers give the row: [tag, key, id] (no tag: [key, id]) in base64."""
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
        raw = f"convert_to({_quote(type_name + ':')} || {column}::text, 'UTF8')"
        return f"rtrim(translate(encode({raw}, 'base64'), E'+/\\n', '-_'), '=')"

    def cursor(self, key: str, pk: str, tag: str | None = None) -> str:
        # json.dumps escapes what is not ASCII, to_json does not: sort keys are folded
        # (lower case, accents removed), and both forms decode to the same cursor.
        opening = _quote("[" + (json.dumps(tag) + "," if tag is not None else ""))
        raw = f"convert_to({opening} || to_json({key})::text || ',' || {pk}::text || ']', 'UTF8')"
        return f"translate(encode({raw}, 'base64'), E'+/\\n', '-_')"

    def date(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM-DD')"

    def day(self, parameter: str) -> str:
        return f"CAST({parameter} AS DATE)"  # asyncpg learns the parameter's type from it

    def result(self, data: str) -> str:
        return f"SELECT ({data})::text"


class SQLite(Dialect):
    name = "sqlite"

    def obj(self, pairs: Sequence[tuple[str, str]]) -> str:
        self._fits(pairs)
        return "json_object(" + ", ".join(f"{_quote(k)}, {v}" for k, v in pairs) + ")"

    # A subquery's value loses its JSON subtype: `-> '$'` gives it back (else it would be
    # written as a string). Not json(...): SQLite's parser has a bounded stack, and every
    # parenthesis saved is depth a card can nest (see `check`).

    def nested(self, subquery: str) -> str:
        return f"({subquery}) -> '$'"

    def array(self, element: str, source: str, order: Sequence[str], limit: str | None) -> str:
        limited = f" LIMIT {limit}" if limit else ""
        return (
            f"(SELECT json_group_array(x.j -> '$') FROM "
            f"(SELECT {element} AS j {source} ORDER BY {', '.join(order)}{limited}) x) -> '$'"
        )

    def text_array(self, element: str, source: str, order: str) -> str:
        return (
            f"(SELECT json_group_array(x.j) FROM (SELECT {element} AS j {source} ORDER BY {order}) x) -> '$'"
        )

    def boolean(self, condition: str) -> str:
        return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"

    def string_list(self, items: Sequence[str]) -> str:
        return (
            f"(SELECT json_group_array(x.value) FROM (SELECT value FROM json_each(json_array({', '.join(items)})) "
            "WHERE value IS NOT NULL ORDER BY key) x) -> '$'"
        )

    def gid(self, type_name: str, column: str) -> str:
        return f"relgraph_gid({_quote(type_name)}, {column})"

    def cursor(self, key: str, pk: str, tag: str | None = None) -> str:
        if tag is not None:
            return f"relgraph_tagged_cursor({_quote(tag)}, {key}, {pk})"
        return f"relgraph_cursor({key}, {pk})"

    def date(self, column: str) -> str:
        return column  # stored as YYYY-MM-DD text

    def day_value(self, day: dt.date) -> Any:
        return day.isoformat()  # compared with dates stored as YYYY-MM-DD text

    def result(self, data: str) -> str:
        return f"SELECT {data}"

    def check(self, sql: str) -> None:
        """Decline a statement too deeply nested for SQLite's parser ("parser stack
        overflow"): parsed once, at compile time, by the same library the server uses, on an
        empty database (where parsing succeeds it stops at the first missing table)."""
        connection = sqlite3.connect(":memory:")
        try:
            connection.execute(sql)
        except sqlite3.OperationalError as error:
            if "parser stack overflow" in str(error):
                raise Decline("too deeply nested for SQLite's parser") from None
        finally:
            connection.close()


DIALECTS: dict[str, Dialect] = {d.name: d for d in (PostgreSQL(), SQLite())}
