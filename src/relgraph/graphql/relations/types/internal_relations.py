"""Internal relations: staff members and the customer files they look after."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from relgraph.db.models.in_force import dates_hold
from relgraph.db.models.relations import ACCOUNT_MANAGER
from relgraph.db.pagination import PageRequest
from relgraph.domain.relations.internal_relations import InternalRelationFilter
from relgraph.graphql.core.connections import Connection, connection, loaded_page
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import shown_only_if_readable
from relgraph.graphql.core.ids import encode_id, parse_id_filter
from relgraph.graphql.core.money import cents
from relgraph.graphql.core.node import (
    LazyUser,
    Node,
    find,
    owning_party,
    register_loaded,
)
from relgraph.graphql.relations.loaders import (
    category_by_id,
    internal_relation_by_id,
    internal_relations_count,
    internal_relations_page,
)

if TYPE_CHECKING:
    from relgraph.db import models

__all__ = [
    "Categories",
    "IncludeEnded",
    "InternalRelation",
    "InternalRelationCategory",
    "internal_relations_connection",
]


@strawberry.type(
    description=(
        "A kind of internal relation (interne relatiecategorie): account manager, support "
        "contact, tax advisor... Domain data; ACCOUNT_MANAGER is built in."
    )
)
class InternalRelationCategory(Node):
    pk: strawberry.Private[int]
    code: str | None = strawberry.field(
        description="ACCOUNT_MANAGER for the built-in category; null for added ones."
    )
    name: str = strawberry.field(description="Name of the category.")
    description: str | None = strawberry.field(description="What the category means.")
    active: bool = strawberry.field(
        description="Inactive categories are not offered for new internal relations."
    )
    built_in: bool = strawberry.field(description="Built-in categories cannot be removed or deactivated.")
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")

    @classmethod
    def from_row(cls, row: models.InternalRelationCategory) -> InternalRelationCategory:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("InternalRelationCategory", row.id)),
            code=row.code,
            name=row.name,
            description=row.description,
            active=row.active,
            built_in=row.code == ACCOUNT_MANAGER,
            version=row.version,
        )


@strawberry.type(
    description="A staff member linked to a customer file (interne relatie), in a category, since a date."
)
class InternalRelation(Node):
    pk: strawberry.Private[int]
    user_id: strawberry.Private[int]
    party_id: strawberry.Private[int]
    category_id: strawberry.Private[int]
    commission: strawberry.Private[decimal.Decimal | None]
    since: dt.date | None = strawberry.field(description="Since when the staff member is involved.")
    until: dt.date | None = strawberry.field(description="Until when; null while it lasts.")
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")

    @classmethod
    def from_row(cls, row: models.InternalRelation) -> InternalRelation:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("InternalRelation", row.id)),
            user_id=row.user_id,
            party_id=row.party_id,
            category_id=row.category_id,
            commission=cents(row.commission_percent),
            since=row.since,
            until=row.until,
            version=row.version,
        )

    @strawberry.field(
        description="True while the relation holds: begun (or no start date) and not ended (or no end date)."
    )
    def current(self) -> bool:
        return dates_hold(self.since, self.until)

    @strawberry.field(description="The staff member (a user; possibly no longer active).")
    async def employee(self, info: Info) -> LazyUser:
        user = await find(info, "User", self.user_id)
        assert user is not None  # a foreign key guarantees it
        return user

    party = owning_party("The customer file: the organisation or person looked after.")

    @strawberry.field(description="The category, e.g. account manager.")
    async def category(self, info: Info) -> InternalRelationCategory:
        row = await info.context.loaders[category_by_id].load(self.category_id)
        return InternalRelationCategory.from_row(row)

    @strawberry.field(
        description="Commission in percent (0-100, two decimals). Financial: needs FINANCE, else null with FORBIDDEN."
    )
    def commission_percent(self, info: Info) -> decimal.Decimal | None:
        shown_only_if_readable(
            info.context.viewer, "InternalRelation", "commission_percent", what="a commission"
        )
        return self.commission


async def internal_relations_connection(
    info: Info,
    owner_id: int,
    by: str,
    categories: list[strawberry.ID] | None,
    include_ended: bool,
    page: PageRequest,
    day: dt.date | None = None,
) -> Connection[InternalRelation]:
    """Internal relations of one party or one staff user in force on `day` (None: today),
    through the batching loaders."""
    flt = InternalRelationFilter(
        category_ids=parse_id_filter(categories, "InternalRelationCategory", "categories"),
        include_ended=include_ended,
        day=day,
    )
    rows, total = await loaded_page(
        info, internal_relations_page, internal_relations_count, (owner_id, by, flt), page
    )
    return connection(rows, InternalRelation.from_row, total)


Categories = Annotated[
    list[strawberry.ID] | None,
    strawberry.argument(description="Only these internal relation categories."),
]
IncludeEnded = Annotated[
    bool, strawberry.argument(description="Also list internal relations that have ended (until in the past).")
]

register_loaded(InternalRelationCategory, category_by_id)
register_loaded(InternalRelation, internal_relation_by_id)
