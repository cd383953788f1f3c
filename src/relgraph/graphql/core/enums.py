"""GraphQL enums that many aggregates use, backed by the model's Python enums so values never drift."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

import strawberry

from relgraph.db import models

__all__ = ["OrderDirection", "PartyKind", "described_enum"]


def described_enum(
    python_enum: type[enum.Enum], *, description: str, values: Mapping[str, str], name: str | None = None
) -> None:
    """Make `python_enum` a GraphQL enum, in place, each value with its description from `values`.

    For enums the models and the domain own (they know nothing of GraphQL, so their members
    cannot carry `strawberry.enum_value`); `values` must describe every member, no more. The
    GraphQL name stays a plain alias of the Python enum (`Role = models.Role`), which type
    checkers read as a type, as they do not the result of a call.
    """
    strawberry.enum(python_enum, name=name, description=description)
    definition = python_enum.__strawberry_definition__  # type: ignore[attr-defined]
    members = [value.name for value in definition.values]
    assert set(values) == set(members), f"{definition.name}: describe exactly {members}"
    definition.values = [dataclasses.replace(v, description=values[v.name]) for v in definition.values]


PartyKind = models.PartyKind
described_enum(
    PartyKind,
    description="Whether a party is an organisation or a person.",
    values={
        "ORGANISATION": "An organisation (organisatie): a company, foundation or other body.",
        "PERSON": "A person (persoon), with or without memberships.",
    },
)


@strawberry.enum(description="Sort direction.")
class OrderDirection(enum.Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending: A to Z, oldest first, smallest first.")
    DESC = strawberry.enum_value("DESC", description="Descending: Z to A, newest first, largest first.")
