"""Relation types and relations between parties, read from either end."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import strawberry

from relgraph.db.models.in_force import holds_on
from relgraph.domain.relations.relations import ORDER_FIELDS, RelationFilter, RelationView
from relgraph.domain.relations.relations import Direction as DomainDirection
from relgraph.graphql.core.as_of import dated
from relgraph.graphql.core.connections import PageInfo, loaded_page, page_info_of
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import OrderDirection, PartyKind, described_enum
from relgraph.graphql.core.ids import encode_id, parse_id_filter
from relgraph.graphql.core.node import LazyParty, Node, party_by_id, party_or_none, register_loaded
from relgraph.graphql.relations.loaders import (
    relation_by_id,
    relation_type_by_id,
    relations_count,
    relations_page,
)
from relgraph.graphql.users.types import staff_user

if TYPE_CHECKING:
    from relgraph.db import models
    from relgraph.db.pagination import Page, PageRequest

__all__ = [
    "PartyRelationConnection",
    "PartyRelationEdge",
    "Relation",
    "RelationDirection",
    "RelationOrder",
    "RelationOrderField",
    "RelationType",
    "relations_connection",
]

RelationDirection = DomainDirection
described_enum(
    RelationDirection,
    values={
        "OUTGOING": "The party you asked about is the relation's source (reads the type's name).",
        "INCOMING": "The party you asked about is the relation's target (reads the type's inverse name).",
        "SYMMETRIC": "The relation type reads the same both ways (partner of).",
    },
    name="RelationDirection",
    description=(
        "Which way a relation points, seen from the party you asked about: OUTGOING (it is "
        "the source), INCOMING (it is the target), SYMMETRIC (the type reads the same both ways)."
    ),
)


@strawberry.type(
    description=(
        'A kind of relation (relatietype), e.g. "supplier of" with inverse "customer of", or '
        'the symmetric "partner of". Domain data, managed by ADMIN.'
    )
)
class RelationType(Node):
    pk: strawberry.Private[int]
    name: str = strawberry.field(description='How the source sees the target, e.g. "supplier of".')
    inverse_name: str = strawberry.field(
        description='How the target sees the source, e.g. "customer of"; equal to name when symmetric.'
    )
    symmetric: bool = strawberry.field(description="True when the relation reads the same both ways.")
    source_kinds: list[PartyKind] = strawberry.field(description="Which kinds of party may be the source.")
    target_kinds: list[PartyKind] = strawberry.field(description="Which kinds of party may be the target.")
    description: str | None = strawberry.field(description="What the type means, for the user picking it.")
    active: bool = strawberry.field(
        description="Inactive types are kept for history but not offered for new relations."
    )
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")

    @classmethod
    def from_row(cls, row: models.RelationType) -> RelationType:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("RelationType", row.id)),
            name=row.name,
            inverse_name=row.inverse_name,
            symmetric=row.symmetric,
            source_kinds=[PartyKind(k) for k in row.source_kinds],
            target_kinds=[PartyKind(k) for k in row.target_kinds],
            description=row.description,
            active=row.active,
            version=row.version,
        )


@strawberry.type(description="A typed relation between two parties (relatie), e.g. A is supplier of B.")
class Relation(Node):
    pk: strawberry.Private[int]
    type_id: strawberry.Private[int]
    source_id: strawberry.Private[int]
    target_id: strawberry.Private[int]
    created_by_id: strawberry.Private[int | None]
    updated_by_id: strawberry.Private[int | None]
    start_date: dt.date | None = strawberry.field(description="Since when the relation holds.")
    end_date: dt.date | None = strawberry.field(description="Until when it held, if it ended.")
    note: str | None = strawberry.field(description="Free-text note about the relation.")
    active: bool = strawberry.field(
        description=(
            "True while in force: today lies between startDate and endDate (either may be "
            "missing) and it was not ended by hand. Inactive relations (ended, or not begun "
            "yet) are listed only with includeInactive."
        )
    )
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")
    created_at: dt.datetime = strawberry.field(description="When the relation was recorded.")
    updated_at: dt.datetime = strawberry.field(description="When it was last changed.")
    # The day it was listed as of (graphql/core/as_of.py), handed to its parties; None: today.
    as_of: strawberry.Private[dt.date | None] = None

    @classmethod
    def from_row(cls, row: models.Relation) -> Relation:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("Relation", row.id)),
            type_id=row.type_id,
            source_id=row.source_id,
            target_id=row.target_id,
            created_by_id=row.created_by_id,
            updated_by_id=row.updated_by_id,
            start_date=row.start_date,
            end_date=row.end_date,
            note=row.note,
            active=holds_on(row),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The relation type.")
    async def type(self, info: Info) -> RelationType:
        row = await info.context.loaders[relation_type_by_id].load(self.type_id)
        return RelationType.from_row(row)

    async def _party(self, info: Info, pk: int) -> Any:
        return dated(await party_by_id(info, pk), self.as_of)

    @strawberry.field(
        description="The party the relation starts at (for a symmetric type: the one with the lower id)."
    )
    async def source(self, info: Info) -> LazyParty | None:
        return await self._party(info, self.source_id)

    @strawberry.field(description="The party the relation points to.")
    async def target(self, info: Info) -> LazyParty | None:
        return await self._party(info, self.target_id)

    created_by = staff_user("created_by_id", "Who recorded the relation, when known.")

    updated_by = staff_user("updated_by_id", "Who last changed the relation, when known.")


@strawberry.type(
    description=(
        "A relation as seen from one of its parties (a Relay edge: `node` is the relation, "
        "the other fields read it from this party's side)."
    )
)
class PartyRelationEdge:
    cursor: str = strawberry.field(description="Opaque position; pass as `after` or `before`.")
    direction: RelationDirection = strawberry.field(
        description="Which way the relation points from this party."
    )
    relation: Relation = strawberry.field(description="The relation itself (the same as `node`).")

    @strawberry.field(description="The relation itself.")
    def node(self) -> Relation:
        return self.relation

    other_kind: strawberry.Private[str]
    other_id: strawberry.Private[int]

    @strawberry.field(
        description='The relation read from this party\'s side, e.g. "customer of" when this party is the target of "supplier of".'
    )
    async def label(self, info: Info) -> str:
        row = await info.context.loaders[relation_type_by_id].load(self.relation.type_id)
        return row.inverse_name if self.direction is DomainDirection.INCOMING else row.name

    @strawberry.field(description="The party at the other end.")
    async def other_party(self, info: Info) -> LazyParty | None:
        return dated(await party_or_none(info, self.other_kind, self.other_id), self.relation.as_of)


@strawberry.type(description="A page of a party's relations, each read from that party's side.")
class PartyRelationConnection:
    edges: list[PartyRelationEdge] = strawberry.field(
        description="The relations of this page, with their cursors and as read from this party."
    )
    page_info: PageInfo = strawberry.field(description="Whether there is more.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The relations of this page, without cursors.")
    def nodes(self) -> list[Relation]:
        return [edge.relation for edge in self.edges]

    @strawberry.field(description="How many relations match, on all pages together.")
    async def total_count(self) -> int:
        return await self._count()

    @classmethod
    def build(
        cls, page: Page[RelationView], count: Callable[[], Awaitable[int]], day: dt.date | None = None
    ) -> PartyRelationConnection:
        return cls(
            edges=[
                PartyRelationEdge(
                    cursor=cursor,
                    direction=view.direction,
                    relation=dated(Relation.from_row(view.relation), day),
                    other_kind=view.other_kind,
                    other_id=view.other_id,
                )
                for cursor, view in zip(page.cursors, page.items, strict=True)
            ],
            page_info=page_info_of(page),
            _count=count,
        )


@strawberry.enum(description="Fields a party's relations can be sorted on.")
class RelationOrderField(enum.Enum):
    RECORDED = strawberry.enum_value(
        "RECORDED", description="The order the relations were recorded in (the default)."
    )
    TYPE = strawberry.enum_value(
        "TYPE",
        description=(
            "The relation type as read from this party's side (the edge's label: \"customer of\" "
            'where the type is "supplier of" and this party its target).'
        ),
    )
    START_DATE = strawberry.enum_value(
        "START_DATE", description="Since when the relation holds; those without a start date come first."
    )


# The domain sorts on exactly these.
assert [f.name for f in RelationOrderField] == list(ORDER_FIELDS)


@strawberry.input(
    description="Sort order of a party's relations; ties are broken by when they were recorded."
)
class RelationOrder:
    field: RelationOrderField = strawberry.field(
        default=RelationOrderField.RECORDED, description="What to sort on."
    )
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


async def relations_connection(
    info: Info,
    party_id: int,
    types: list[strawberry.ID] | None,
    type_names: list[str] | None,
    direction: DomainDirection | None,
    include_inactive: bool,
    order_by: RelationOrder | None,
    page: PageRequest,
    day: dt.date | None = None,
) -> PartyRelationConnection:
    """One page of a party's relations (`Party.relations`) in force on `day` (None: today),
    each read from its side."""
    order = order_by or RelationOrder()
    flt = RelationFilter(
        type_ids=parse_id_filter(types, "RelationType", "types"),
        type_names=None if type_names is None else tuple(sorted(set(type_names))),
        direction=direction,
        include_inactive=include_inactive,
        day=day,
    )
    descending = order.direction is OrderDirection.DESC
    rows, total = await loaded_page(
        info, relations_page, relations_count, (party_id, flt), page, (order.field.name, descending)
    )
    return PartyRelationConnection.build(rows, total, day)


register_loaded(RelationType, relation_type_by_id)
register_loaded(Relation, relation_by_id)
