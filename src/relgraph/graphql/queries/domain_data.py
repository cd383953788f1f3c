"""Domain data (relation types, internal relation categories, party types, customer
groups) and the relation objects reachable by global ID."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.db.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from relgraph.domain import groups, internal_relations, party_types, relation_types
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.list_bounds import (
    MAX_DOMAIN_DATA,
    ListFirst,
    at_most,
    first_of,
    sized_by,
)
from relgraph.graphql.core.node import register_loaded, register_type
from relgraph.graphql.documents.loaders import document_by_id
from relgraph.graphql.party_data.loaders import (
    address_by_id,
    bank_account_by_id,
    contact_mean_by_id,
    customer_group_by_id,
    party_type_by_id,
)
from relgraph.graphql.relations.loaders import (
    category_by_id,
    internal_relation_by_id,
    relation_by_id,
    relation_type_by_id,
)
from relgraph.graphql.types.address import Address
from relgraph.graphql.types.bank_account import BankAccount
from relgraph.graphql.types.contact_mean import ContactMean
from relgraph.graphql.types.customer_group import CustomerGroup
from relgraph.graphql.types.document import Document
from relgraph.graphql.types.internal_relation import (
    InternalRelation,
    InternalRelationCategory,
)
from relgraph.graphql.types.party_type import PartyType
from relgraph.graphql.types.relation import Relation, RelationType
from relgraph.policy import may_read

__all__ = ["DomainDataQueries"]

IncludeInactive = Annotated[bool, strawberry.argument(description="Also list inactive entries.")]


register_loaded(RelationType, relation_type_by_id)
register_loaded(Relation, relation_by_id)
register_loaded(InternalRelationCategory, category_by_id)
register_loaded(InternalRelation, internal_relation_by_id)
register_loaded(PartyType, party_type_by_id)
register_loaded(Document, document_by_id)
register_loaded(ContactMean, contact_mean_by_id)
register_loaded(CustomerGroup, customer_group_by_id)


async def _address(info: Info, pk: int) -> Address | None:
    row = await info.context.loaders[address_by_id].load(pk)
    # R4: an address of a kind the viewer may not see is as absent as one that does not exist.
    if row is None or not may_read(info.context.viewer, "Address", kind=row.kind):
        return None
    return Address.from_row(row)


register_type(Address, _address)


async def _bank_account(info: Info, pk: int) -> BankAccount | None:
    # R4: a bank account the viewer may not see is as absent as one that does not exist.
    if not may_read(info.context.viewer, "BankAccount"):
        return None
    row = await info.context.loaders[bank_account_by_id].load(pk)
    return BankAccount.from_row(row) if row else None


register_type(BankAccount, _bank_account)


@strawberry.type
class DomainDataQueries:
    @strawberry.field(
        description=f"The relation types (relatietypes) to choose from, by name; at most {MAX_DOMAIN_DATA}.",
        metadata=at_most(MAX_DOMAIN_DATA),
    )
    async def relation_types(
        self, info: Info, include_inactive: IncludeInactive = False
    ) -> list[RelationType]:
        rows = await info.context.read(relation_types.list_all, include_inactive=include_inactive)
        return [RelationType.from_row(r) for r in rows[:MAX_DOMAIN_DATA]]

    @strawberry.field(
        description=(
            "The internal relation categories (account manager, ...), by name; at most "
            f"{MAX_DOMAIN_DATA}."
        ),
        metadata=at_most(MAX_DOMAIN_DATA),
    )
    async def internal_relation_categories(
        self, info: Info, include_inactive: IncludeInactive = False
    ) -> list[InternalRelationCategory]:
        rows = await info.context.read(internal_relations.categories, include_inactive=include_inactive)
        return [InternalRelationCategory.from_row(r) for r in rows[:MAX_DOMAIN_DATA]]

    @strawberry.field(
        description=(
            "The party types (koppelingen): CUSTOMER, SUPPLIER, EMPLOYEE, ...; at most "
            f"{MAX_DOMAIN_DATA}."
        ),
        metadata=at_most(MAX_DOMAIN_DATA),
    )
    async def party_types(self, info: Info, include_inactive: IncludeInactive = False) -> list[PartyType]:
        rows = await info.context.read(party_types.list_types, include_inactive=include_inactive)
        return [PartyType.from_row(r) for r in rows[:MAX_DOMAIN_DATA]]

    @strawberry.field(
        description="The customer groups (klantgroepen), by name; narrow them with `search`.",
        metadata=sized_by("first", MAX_PAGE_SIZE),
    )
    async def customer_groups(
        self,
        info: Info,
        include_inactive: IncludeInactive = False,
        search: Annotated[
            str | None,
            strawberry.argument(description="Only groups whose name contains this, ignoring case and accents."),
        ] = None,
        first: Annotated[int, ListFirst] = DEFAULT_PAGE_SIZE,
    ) -> list[CustomerGroup]:
        rows = await info.context.read(groups.list_all, include_inactive=include_inactive, search=search)
        return first_of([CustomerGroup.from_row(r) for r in rows], first)
