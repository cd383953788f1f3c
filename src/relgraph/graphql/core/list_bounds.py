"""How long a plain list can get: what the query cost counts for it, and what its resolver keeps to.

A connection is as long as its page (`first`/`last`). Every other list of objects states
its bound here, next to its description, in one of three ways (README "Limits"):
`sized_by` an argument (`first` up to 100, the `ids` given), `at_most` a fixed cap that
its resolver enforces, or `per_item_above`: one (or a few) per unit the field above was
given (a bulk payload's results per input item, a neighbourhood's nodes up to maxNodes).
The query cost multiplies these sizes down the nesting, so it is an upper bound of what a
query returns; tests/api/test_list_bounds.py finds any list field without a bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLField

from relgraph.db.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from relgraph.graphql.core.errors import MAX_USER_ERRORS, PublicError

__all__ = [
    "DUPLICATES_SHOWN",
    "MAX_DOMAIN_DATA",
    "ListBound",
    "ListFirst",
    "at_most",
    "bound_of",
    "first_of",
    "per_item_above",
    "sized_by",
]

T = TypeVar("T")
# The possible duplicates a create or an update points out: enough to see there are some.
DUPLICATES_SHOWN = 10
# Domain data lists (relation types, categories, party types): far more than any CRM has.
MAX_DOMAIN_DATA = 500
_KEY = "relgraph.list_bound"
_DEFINITION = "strawberry-definition"


@dataclass(frozen=True)
class ListBound:
    """A list holds at most `most` items; with `argument`, at most that argument's value (an
    int, as given: a bad one is refused when the field runs) or length (a list); with
    `per_item`, at most that many per unit the field above was given (`inherited`)."""

    most: int
    argument: str | None = None
    per_item: int | None = None

    def size(self, args: Mapping[str, Any], inherited: int | None) -> int:
        size = self.most
        if self.argument is not None:
            value = args.get(self.argument)
            if isinstance(value, int):
                size = max(0, value)
            elif isinstance(value, Sequence) and not isinstance(value, str):
                size = len(value)
        if self.per_item is not None and inherited is not None:
            size = min(size, self.per_item * inherited)
        return size


def at_most(most: int) -> dict[str, ListBound]:
    """Field metadata: a fixed cap, which the field's description states and its resolver keeps."""
    return {_KEY: ListBound(most)}


def sized_by(argument: str, most: int) -> dict[str, ListBound]:
    """Field metadata: as long as the argument says (an int) or is (a list), which is checked up to `most`."""
    return {_KEY: ListBound(most, argument=argument)}


def per_item_above(most: int, per_item: int = 1) -> dict[str, ListBound]:
    """Field metadata: `per_item` items per unit of the field above (maxNodes, input items), `most` in all."""
    return {_KEY: ListBound(most, per_item=per_item)}


# Lists bounded by what they hold, wherever they occur: every userErrors list comes from
# errors.user_errors, which keeps to its cap.
_BY_ITEM_TYPE = {"UserError": ListBound(MAX_USER_ERRORS)}


def bound_of(field: GraphQLField, item_type: str) -> ListBound | None:
    """The bound of a list field of the built schema, or None when it has none (a defect)."""
    definition = field.extensions.get(_DEFINITION)
    metadata = getattr(definition, "metadata", None) or {}
    return metadata.get(_KEY) or _BY_ITEM_TYPE.get(item_type)


# The argument of a plain list that can grow with the data: the counterpart of a
# connection's `first`, without cursors (such lists are short; this is their ceiling).
ListFirst = strawberry.argument(
    description=f"At most this many, 1-{MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}), in the order described."
)


def first_of(items: Sequence[T], first: int) -> list[T]:
    """The first `first` of `items`; a size outside 1-100 is a client error, as for a connection."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise PublicError(f"first must be between 1 and {MAX_PAGE_SIZE}.", "BAD_USER_INPUT")
    return list(items[:first])
