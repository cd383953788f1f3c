"""Arguments and inputs that many fields share, and which fields of an input the client sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from relgraph.domain.validation import Checks
from relgraph.errors import DomainError
from relgraph.graphql.core.errors import PublicError

__all__ = [
    "CREATED_SINCE",
    "INPUT",
    "UPDATED_SINCE",
    "IncludeInactiveEntries",
    "LinkListFilter",
    "provided",
    "since",
]

# The descriptions of the sync filters every root list of the synced objects has.
UPDATED_SINCE = (
    "Only those created or changed at or after this time (with its UTC offset): what a sync "
    "script fetches again. Deletions and erasures are in `changes`, not here."
)
CREATED_SINCE = "Only those created at or after this time (with its UTC offset)."


@strawberry.input(description="Which memberships or relations to list.")
class LinkListFilter:
    include_inactive: bool = strawberry.field(
        default=False, description="Also those not in force today: ended, or not begun yet (R3)."
    )
    updated_since: dt.datetime | None = strawberry.field(default=None, description=UPDATED_SINCE)
    created_since: dt.datetime | None = strawberry.field(default=None, description=CREATED_SINCE)


# The argument of the domain data lists (relation types, categories, party types, groups).
IncludeInactiveEntries = Annotated[bool, strawberry.argument(description="Also list inactive entries.")]

# The description of every mutation's single `input` argument.
INPUT = "The mutation's input; its type documents each field."


def provided(source: Any, names: Mapping[str, str]) -> dict[str, Any]:
    """{domain name: value} for each input attribute that was sent (null included).

    `names` maps input attribute names to domain field names. Leaving a field out of an
    update keeps its value; sending null clears it.
    """
    data: dict[str, Any] = {}
    for attribute, domain_name in names.items():
        value = getattr(source, attribute)
        if value is not UNSET:
            data[domain_name] = value
    return data


def since(value: dt.datetime | None, argument: str) -> dt.datetime | None:
    """A time filter of a query, in UTC. Without an offset or out of range, an error coded
    INVALID that names the argument (as asOf's, graphql/core/as_of.py)."""
    checks = Checks()
    moment = checks.instant(argument, value)
    try:
        checks.raise_if_any()
    except DomainError as error:
        invalid = PublicError(f"{argument}: {error.errors[0].message}", "INVALID")
        invalid.extensions = {**(invalid.extensions or {}), "argument": argument}
        raise invalid from None
    return moment
