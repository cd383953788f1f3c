"""Arguments and inputs that many fields share, and which fields of an input the client sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

__all__ = ["INPUT", "IncludeInactiveEntries", "provided"]

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
