"""Paging a compiled connection as db/pagination.py pages the resolvers' lists: `first`
and `after`, `last` and `before`, in either direction of an ordering.

The page's arguments are read per request into bind parameters (a cursor decoded by
pagination.decode_cursor, so a bad one or one of another ordering declines at bind time
and the resolvers word the error). The statement is the same for every request of a
document: when the document writes `last` or `before`, whether the page is read from the
end is itself a parameter (the ORDER BY turns on it); otherwise the page is read forward.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.values import VariableValues

from relgraph.db.pagination import OrderKey, PageRequest, decode_cursor
from relgraph.errors import DomainError
from relgraph.graphql.compiled.dialects import Dialect
from relgraph.graphql.compiled.selection import Arguments, Decline, Selected, literal_input

__all__ = ["PAGE_ARGUMENTS", "Bound", "Decoder", "Paging", "order_asked", "read_paging"]

# What a connection's page arguments are called in the schema.
PAGE_ARGUMENTS = ("first", "after", "last", "before")


@dataclass(frozen=True)
class Bound:
    """One cursor argument as parameters: `given` (1 when the request sends it) and the
    values of its sort key, one per order key."""

    given: str
    values: list[str]


@dataclass(frozen=True)
class Paging:
    """A connection's page as bind parameters (their `:name`s)."""

    size: str
    descending: bool = False
    back: str | None = None  # 1 when the page is read from the end; None: always forward
    after: Bound | None = None
    before: Bound | None = None

    def fetched(self, keys: Sequence[str]) -> list[str]:
        """ORDER BY items over `keys` in the order the rows are fetched (from the end
        backwards when the page is read from the end), as pagination._sort sorts them."""
        if self.back is None:
            return [f"{k} DESC" if self.descending else k for k in keys]
        forward, backward = ("DESC", "ASC") if self.descending else ("ASC", "DESC")
        items: list[str] = []
        for k in keys:
            # The branch not taken is NULL for every row: it orders nothing.
            items += [f"CASE WHEN {self.back} = 1 THEN {k} END {backward}"]
            items += [f"CASE WHEN {self.back} = 0 THEN {k} END {forward}"]
        return items

    def shown(self, names: Sequence[str]) -> list[str]:
        """ORDER BY items over output columns `names` in the order a page is shown."""
        return [f"{n} DESC" if self.descending else n for n in names]

    def shown_reversed(self, names: Sequence[str]) -> list[str]:
        return [n if self.descending else f"{n} DESC" for n in names]

    def bounds(self, keys: Sequence[str]) -> str:
        """The conditions `after` and `before` add to the list's WHERE (pagination._beyond)."""
        return "".join(
            f" AND ({bound.given} = 0 OR ({_beyond(keys, bound.values, greater)}))"
            for bound, greater in ((self.after, not self.descending), (self.before, self.descending))
            if bound is not None
        )

    def has_next(self, more: str) -> str:
        # pagination._page: more rows when read forward; read from the end, whether `before` cut it.
        if self.back is None:
            return more
        cut = f"{self.before.given} = 1" if self.before is not None else "1 = 0"
        return f"CASE WHEN {self.back} = 1 THEN {cut} ELSE {more} END"

    def has_previous(self, more: str) -> str:
        cut = f"{self.after.given} = 1" if self.after is not None else "1 = 0"
        if self.back is None:
            return cut
        return f"CASE WHEN {self.back} = 1 THEN {more} ELSE {cut} END"


def _beyond(keys: Sequence[str], values: Sequence[str], greater: bool) -> str:
    """The rows strictly past the sort key `values` (pagination._beyond, one direction for all keys)."""
    step = ">" if greater else "<"
    clauses = []
    for i, key in enumerate(keys):
        equal = [f"{keys[j]} = {values[j]}" for j in range(i)]
        clauses.append("(" + " AND ".join([*equal, f"{key} {step} {values[i]}"]) + ")")
    return " OR ".join(clauses)


def _page_request(given: dict[str, Any]) -> PageRequest:
    try:
        return PageRequest(**{name: given.get(name) for name in PAGE_ARGUMENTS})
    except DomainError:
        raise Decline("page arguments the resolvers refuse") from None  # they word the error


# Reads a cursor (its text, the argument's name) into its sort key's values; DomainError
# for one that is not a cursor of the list.
Decoder = Callable[[str, str], list[Any]]


def _cursor(
    page: PageRequest, name: str, order: Sequence[OrderKey], decode: Decoder | None
) -> list[Any] | None:
    cursor = getattr(page, name)
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor, order, name) if decode is None else decode(cursor, name)
    except DomainError:
        raise Decline("a cursor the resolvers refuse") from None


def read_paging(
    parameter: Callable[[Callable[[VariableValues], Any]], str],
    dialect: Dialect,
    arguments: Arguments,
    order: Sequence[OrderKey],
    decode: Decoder | None = None,
) -> Paging:
    """The parameters of a connection's page, given its arguments and its ordering (the
    domain's order keys: their types decode cursors, the first one's tag names them;
    `decode` reads the cursors of a list whose cursors are not db/pagination's)."""

    def page(variables: VariableValues) -> PageRequest:
        return _page_request(arguments.read(variables))

    size = parameter(lambda variables: page(variables).size)
    back = None
    if {"last", "before"} & arguments.given:
        back = parameter(lambda variables: int(page(variables).backwards))

    def bound(name: str) -> Bound | None:
        if name not in arguments.given:
            return None

        def value(i: int) -> Callable[[VariableValues], Any]:
            def read(variables: VariableValues) -> Any:
                values = _cursor(page(variables), name, order, decode)
                return None if values is None else dialect.bind(values[i])

            return read

        given = parameter(lambda variables: int(_cursor(page(variables), name, order, decode) is not None))
        return Bound(
            given, [dialect.sort_value(parameter(value(i)), order[i].column.type) for i in range(len(order))]
        )

    return Paging(size, order[0].descending, back, bound("after"), bound("before"))


def order_asked(
    parent: GraphQLObjectType, selected: Selected, fields: Sequence[str], default: str = "NAME"
) -> tuple[str, bool]:
    """(field, descending) of a connection's `orderBy`, written in the document (the
    statement depends on it); a field outside `fields` declines. `default` (the schema's
    default field) ascending when not written."""
    given = literal_input(parent, selected, "orderBy", {"field", "direction"})
    # Coerced by the schema's enums: Python enum members, named as in GraphQL.
    field = getattr(given.get("field"), "name", None) or default
    if field not in fields:
        raise Decline(f"{selected.name}(orderBy: {field})")
    return field, getattr(given.get("direction"), "name", None) == "DESC"
