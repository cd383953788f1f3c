"""Cursors of keyset pagination: a row's sort key, written into an opaque string and read back.

A cursor holds the values of the list's order keys (dates as ISO text), with the ordering's
tag first when the list can be sorted several ways; reading one back checks each value
against its column's type, so a forged cursor is a clear BAD_USER_INPUT, never a driver
error.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from relgraph.errors import InvalidInput

__all__ = ["INT_RANGE", "OrderKey", "decode_cursor", "encode_cursor"]


@dataclass(frozen=True)
class OrderKey:
    """A column to order by; `read` takes the same value from a loaded item (for cursors).

    `read` is an attribute name of the item, or a function of the item (for items that
    are tuples of an entity and extra columns). A `tag` on the first key names the
    ordering in its cursors: a list that can be sorted several ways by values of the same
    types (a role and a name are both text) then refuses a cursor of another ordering
    instead of paging from a meaningless place.
    """

    column: Any
    read: str | Callable[[Any], Any]
    descending: bool = False
    tag: str | None = None

    def value(self, item: Any) -> Any:
        return getattr(item, self.read) if isinstance(self.read, str) else self.read(item)


def encode_cursor(values: Sequence[Any], tag: str | None = None) -> str:
    """The cursor of a row whose sort key is `values` (in an ordering named `tag`)."""
    plain = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    if tag is not None:
        plain.insert(0, tag)
    # Not ASCII-escaped: a compiled read's PostgreSQL writes sort keys with to_json, which
    # leaves them as they are (cursors written escaped, as before, still decode).
    return base64.urlsafe_b64encode(
        json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    ).decode()


# What a BIGINT holds: a cursor value outside it is forged, not an overflow in the driver.
INT_RANGE = range(-(2**63), 2**63)


def _cursor_value(value: Any, python_type: type) -> Any:
    """The cursor value as the column's Python type; ValueError when it cannot be one."""
    if python_type is dt.datetime and isinstance(value, str):
        moment = dt.datetime.fromisoformat(value)
        try:
            # Compared with times stored in UTC; a forged one may not even have a UTC time.
            return moment.astimezone(dt.UTC) if moment.tzinfo else moment
        except OverflowError:
            raise ValueError(value) from None
    if python_type is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    # type() rather than isinstance(): true is no integer here, and 1.5 no id.
    if python_type is int and type(value) is int and value in INT_RANGE:
        return value
    if python_type is str and type(value) is str and len(value) <= 1000:
        return value
    raise ValueError(value)


def decode_cursor(cursor: str, order: Sequence[OrderKey], argument: str) -> list[Any]:
    """The sort key a cursor of `order` holds, as the columns' Python types; InvalidInput
    (at `argument`) for a cursor that is not one of this list's (compiled reads decode
    with the same rules)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list):
            raise ValueError
        tag = order[0].tag if order else None
        if tag is not None:
            if not values or values[0] != tag:
                raise ValueError
            values = values[1:]
        if len(values) != len(order):
            raise ValueError
        return [_cursor_value(v, k.column.type.python_type) for v, k in zip(values, order, strict=True)]
    except (ValueError, TypeError, UnicodeError, json.JSONDecodeError, NotImplementedError):
        raise InvalidInput.at(argument, "Not a valid cursor for this list.") from None
