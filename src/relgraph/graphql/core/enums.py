"""GraphQL enums that many aggregates use, backed by the model's Python enums so values never drift."""

from __future__ import annotations

import enum

import strawberry

from relgraph.db import models

__all__ = ["OrderDirection", "PartyKind"]

PartyKind = strawberry.enum(models.PartyKind, description="Whether a party is an organisation or a person.")


@strawberry.enum(description="Sort direction.")
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"
