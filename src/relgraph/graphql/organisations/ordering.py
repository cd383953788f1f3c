"""The sort order of an organisation's subsidiaries (its nested list; the root list has its own)."""

from __future__ import annotations

import enum

import strawberry

from relgraph.graphql.core.enums import OrderDirection

__all__ = ["SubsidiaryOrder", "SubsidiaryOrderField"]


@strawberry.enum(description="Fields a list of subsidiaries can be sorted on.")
class SubsidiaryOrderField(enum.Enum):
    NAME = strawberry.enum_value("NAME", description="The organisation's name, case- and accent-insensitive.")


@strawberry.input(
    description="Sort order of a list of subsidiaries; ties are broken by when they were recorded."
)
class SubsidiaryOrder:
    field: SubsidiaryOrderField = strawberry.field(
        default=SubsidiaryOrderField.NAME, description="What to sort on."
    )
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")
