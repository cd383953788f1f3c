"""Domain data (relation types, internal relation categories, party types) and the
relation objects reachable by global ID."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.domain import internal_relations, party_types, relation_types
from relgraph.graphql.context import Info
from relgraph.graphql.queries.node import register_node_type
from relgraph.graphql.types.document import Document
from relgraph.graphql.types.internal_relation import (
    InternalRelation,
    InternalRelationCategory,
)
from relgraph.graphql.types.party_type import PartyType
from relgraph.graphql.types.relation import Relation, RelationType

__all__ = ["DomainDataQueries"]

IncludeInactive = Annotated[bool, strawberry.argument(description="Also list inactive entries.")]


def _register(name: str, loader: str, convert: type) -> None:
    async def resolve(info: Info, pk: int) -> object | None:
        row = await getattr(info.context.loaders, loader).load(pk)
        return convert.from_row(row) if row else None  # type: ignore[attr-defined]

    register_node_type(name, resolve)


_register("RelationType", "relation_type_by_id", RelationType)
_register("Relation", "relation_by_id", Relation)
_register("InternalRelationCategory", "category_by_id", InternalRelationCategory)
_register("InternalRelation", "internal_relation_by_id", InternalRelation)
_register("PartyType", "party_type_by_id", PartyType)
_register("Document", "document_by_id", Document)


@strawberry.type
class DomainDataQueries:
    @strawberry.field(description="The relation types (relatietypes) to choose from, by name.")
    async def relation_types(
        self, info: Info, include_inactive: IncludeInactive = False
    ) -> list[RelationType]:
        rows = await info.context.read(relation_types.list_all, include_inactive=include_inactive)
        return [RelationType.from_row(r) for r in rows]

    @strawberry.field(description="The internal relation categories (account manager, ...), by name.")
    async def internal_relation_categories(
        self, info: Info, include_inactive: IncludeInactive = False
    ) -> list[InternalRelationCategory]:
        rows = await info.context.read(internal_relations.categories, include_inactive=include_inactive)
        return [InternalRelationCategory.from_row(r) for r in rows]

    @strawberry.field(description="The party types (koppelingen): CUSTOMER, SUPPLIER, EMPLOYEE, ...")
    async def party_types(self, info: Info, include_inactive: IncludeInactive = False) -> list[PartyType]:
        rows = await info.context.read(party_types.list_types, include_inactive=include_inactive)
        return [PartyType.from_row(r) for r in rows]
