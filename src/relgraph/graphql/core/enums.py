"""GraphQL enums that many aggregates use, backed by the model's Python enums so values never drift."""

from __future__ import annotations

import enum
from typing import TypeAlias

import strawberry

from relgraph.db import models

__all__ = ["OrderDirection", "PartyKind"]

# strawberry.enum marks the model's enum as a GraphQL enum and returns the same class; an alias
# (not `X = strawberry.enum(...)`) keeps the name a type for the type checker.
PartyKind: TypeAlias = models.PartyKind
strawberry.enum(PartyKind, description="Whether a party is an organisation or a person.")


@strawberry.enum(description="Sort direction.")
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"
