"""The Party interface: what organisations and persons share."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from relgraph.db.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from relgraph.graphql.core.as_of import AsOf, day_of
from relgraph.graphql.core.connections import After, Before, Connection, First, Last, page_request
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import PartyKind
from relgraph.graphql.core.errors import shown_only_if_readable
from relgraph.graphql.core.list_bounds import (
    MAX_DOMAIN_DATA,
    ListFirst,
    at_most,
    first_of,
    sized_by,
)
from relgraph.graphql.core.node import Node
from relgraph.graphql.documents.types import Document, documents_connection
from relgraph.graphql.history.types import (
    Activity,
    ActivityStatus,
    AuditEvent,
    Note,
    NoteKind,
    TimelineItem,
    TimelineKind,
    TimelineOrder,
    activities_connection,
    audit_connection,
    notes_connection,
    timeline_connection,
)
from relgraph.graphql.party_data.loaders import (
    bank_accounts_by_party,
    customer_data_by_party,
    customer_groups_by_party,
    party_types_by_party,
    supplier_data_by_party,
)
from relgraph.graphql.party_data.types.addresses import Address, AddressKind, addresses_of
from relgraph.graphql.party_data.types.bank_accounts import BankAccount
from relgraph.graphql.party_data.types.contact_means import ContactKind, ContactMean, contact_means_of
from relgraph.graphql.party_data.types.customer_groups import CustomerGroup
from relgraph.graphql.party_data.types.party_types import PartyType, PurchaseRelation, SalesRelation
from relgraph.graphql.relations.types.internal_relations import (
    Categories,
    IncludeEnded,
    InternalRelation,
    internal_relations_connection,
)
from relgraph.graphql.relations.types.network import (
    MAX_NODES,
    Neighbourhood,
    NeighbourhoodKind,
    neighbourhood_of,
)
from relgraph.graphql.relations.types.relations import (
    PartyRelationConnection,
    RelationDirection,
    RelationOrder,
    relations_connection,
)
from relgraph.graphql.users.types import staff_user
from relgraph.policy import can_see_financials, can_see_sensitive

__all__ = ["Party"]


@strawberry.interface(
    description=(
        "A relation (relatie) in the CRM: an Organisation or a Person. Everything that can "
        "point at 'a customer' (relations, addresses, documents, notes) points at a Party."
    )
)
class Party(Node):
    pk: strawberry.Private[int]
    kind: PartyKind = strawberry.field(description="ORGANISATION or PERSON.")
    display_name: str = strawberry.field(description="The name to show for this party.")
    version: int = strawberry.field(
        description="Increases with every change; send it as `expectedVersion` to update safely."
    )
    created_at: dt.datetime = strawberry.field(description="When the party was created.")
    updated_at: dt.datetime = strawberry.field(description="When the party was last changed.")
    created_by_id: strawberry.Private[int | None]
    updated_by_id: strawberry.Private[int | None]
    # The day this party was read as of (graphql/core/as_of.py); None: today.
    as_of: strawberry.Private[dt.date | None] = None

    created_by = staff_user("created_by_id", "The staff user who created the party, when known.")

    updated_by = staff_user("updated_by_id", "The staff user who last changed the party, when known.")

    @strawberry.field(
        description=(
            "The party's addresses, the head office first, then by when they were added. "
            "INVOICE addresses are invoice data (R4): listed only for users with FINANCE "
            "(see `viewerCanSeeFinancials`)."
        ),
        metadata=sized_by("first", MAX_PAGE_SIZE),
    )
    async def addresses(
        self,
        info: Info,
        kinds: Annotated[
            list[AddressKind] | None, strawberry.argument(description="Only these kinds, e.g. [VISIT].")
        ] = None,
        first: Annotated[int, ListFirst] = DEFAULT_PAGE_SIZE,
    ) -> list[Address]:
        return first_of(await addresses_of(info, self.pk, kinds), first)

    @strawberry.field(
        description=(
            "How to reach the party: emails, phone numbers, websites, social media; by kind, "
            "the primary one of each kind first. Inactive ones only with includeInactive."
        ),
        metadata=sized_by("first", MAX_PAGE_SIZE),
    )
    async def contact_means(
        self,
        info: Info,
        kinds: Annotated[
            list[ContactKind] | None, strawberry.argument(description="Only these kinds, e.g. [EMAIL].")
        ] = None,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Also list contact means no longer in use.")
        ] = False,
        first: Annotated[int, ListFirst] = DEFAULT_PAGE_SIZE,
    ) -> list[ContactMean]:
        return first_of(await contact_means_of(info, self.pk, kinds, include_inactive), first)

    @strawberry.field(
        description=(
            "The party's bank accounts, the primary one first. Financial: needs FINANCE, else "
            "null with a FORBIDDEN error (check `viewerCanSeeFinancials`)."
        ),
        metadata=sized_by("first", MAX_PAGE_SIZE),
    )
    async def bank_accounts(
        self,
        info: Info,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Also list accounts no longer in use.")
        ] = False,
        first: Annotated[int, ListFirst] = DEFAULT_PAGE_SIZE,
    ) -> list[BankAccount] | None:
        shown_only_if_readable(info.context.viewer, "BankAccount", what="bank accounts")
        rows = await info.context.loaders[bank_accounts_by_party].load(self.pk)
        return first_of([BankAccount.from_row(r) for r in rows if include_inactive or r.active], first)

    @strawberry.field(
        description="The customer groups (klantgroepen) the party belongs to, by name.",
        metadata=sized_by("first", MAX_PAGE_SIZE),
    )
    async def groups(
        self,
        info: Info,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Also list groups that were deactivated.")
        ] = False,
        first: Annotated[int, ListFirst] = DEFAULT_PAGE_SIZE,
    ) -> list[CustomerGroup]:
        rows = await info.context.loaders[customer_groups_by_party].load(self.pk)
        return first_of([CustomerGroup.from_row(g) for g in rows if include_inactive or g.active], first)

    @strawberry.field(
        description="True when you may see this party's financial values; hide that section otherwise."
    )
    def viewer_can_see_financials(self, info: Info) -> bool:
        return can_see_financials(info.context.viewer)

    @strawberry.field(description="True when you may see this party's sensitive values (the BSN).")
    def viewer_can_see_sensitive(self, info: Info) -> bool:
        return can_see_sensitive(info.context.viewer)

    @strawberry.field(
        description=(
            "Typed relations with other parties, each read from this party's side (label, "
            "direction, other party). Inactive ones (not in force today, or on asOf) only with "
            "includeInactive."
        )
    )
    async def relations(
        self,
        info: Info,
        types: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Only relations of these relation types."),
        ] = None,
        type_names: Annotated[
            list[str] | None,
            strawberry.argument(
                description='Only relations of the types with these names, e.g. ["supplier of"] (case-insensitive).'
            ),
        ] = None,
        direction: Annotated[
            RelationDirection | None, strawberry.argument(description="Only relations pointing this way.")
        ] = None,
        include_inactive: Annotated[
            bool,
            strawberry.argument(
                description="Also list inactive relations: ended ones, and those not begun yet."
            ),
        ] = False,
        order_by: Annotated[
            RelationOrder | None, strawberry.argument(description="Sort order; as recorded by default.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        as_of: AsOf = None,
    ) -> PartyRelationConnection:
        day = day_of(as_of, self.as_of)
        page = page_request(first, after, last, before)
        return await relations_connection(
            info, self.pk, types, type_names, direction, include_inactive, order_by, page, day
        )

    @strawberry.field(
        description=(
            "Staff members involved with this customer file (interne relaties): those in force "
            "today (or on asOf) unless includeEnded."
        )
    )
    async def internal_relations(
        self,
        info: Info,
        categories: Categories = None,
        include_ended: IncludeEnded = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        as_of: AsOf = None,
    ) -> Connection[InternalRelation]:
        day = day_of(as_of, self.as_of)
        page = page_request(first, after, last, before)
        return await internal_relations_connection(
            info, self.pk, "party", categories, include_ended, page, day
        )

    @strawberry.field(
        description=(
            "The roles this party plays for us (koppelingen), e.g. CUSTOMER, SUPPLIER; at most "
            f"{MAX_DOMAIN_DATA}."
        ),
        metadata=at_most(MAX_DOMAIN_DATA),
    )
    async def types(self, info: Info) -> list[PartyType]:
        rows = await info.context.loaders[party_types_by_party].load(self.pk)
        return [PartyType.from_row(t) for t in rows[:MAX_DOMAIN_DATA]]

    @strawberry.field(
        description="Sales data when the party is a CUSTOMER. Financial: needs FINANCE, else null with FORBIDDEN."
    )
    async def sales_relation(self, info: Info) -> SalesRelation | None:
        shown_only_if_readable(info.context.viewer, "SalesRelation", what="sales data")
        row = await info.context.loaders[customer_data_by_party].load(self.pk)
        return SalesRelation.from_row(row) if row else None

    @strawberry.field(
        description="Purchase data when the party is a SUPPLIER. Financial: needs FINANCE, else null with FORBIDDEN."
    )
    async def purchase_relation(self, info: Info) -> PurchaseRelation | None:
        shown_only_if_readable(info.context.viewer, "PurchaseRelation", what="purchase data")
        row = await info.context.loaders[supplier_data_by_party].load(self.pk)
        return PurchaseRelation.from_row(row) if row else None

    @strawberry.field(
        description=(
            "Files on this party, newest first. Once the party has account managers, only they "
            "and ADMIN see them (need-to-know); the total counts only what you may see."
        )
    )
    async def documents(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Document]:
        return await documents_connection(info, self.pk, page_request(first, after, last, before))

    @strawberry.field(
        description=(
            "Notes (notities) on this party, newest first. Only the kinds you may read: "
            "INTERNAL ones need ADMIN or TEAM, PRICE_AGREEMENT ones FINANCE."
        )
    )
    async def notes(
        self,
        info: Info,
        kinds: Annotated[
            list[NoteKind] | None, strawberry.argument(description="Only notes of these kinds.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Note]:
        return await notes_connection(info, self.pk, kinds, page_request(first, after, last, before))

    @strawberry.field(
        description=(
            "Tasks, calls and meetings about this party. With status PLANNED or OVERDUE the "
            "soonest due come first; otherwise the latest first (by when it was done, else its "
            "due time, else when it was recorded)."
        )
    )
    async def activities(
        self,
        info: Info,
        status: Annotated[
            ActivityStatus | None, strawberry.argument(description="Only PLANNED, OVERDUE or DONE ones.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Activity]:
        page = page_request(first, after, last, before)
        return await activities_connection(info, self.pk, "party", status, page)

    @strawberry.field(
        description=(
            "Every recorded change to this party and what belongs to it (memberships, "
            "relations, notes, ...), newest first: the events whose object and parties you may "
            "see (as the objects themselves read: documents shielded, bank accounts, invoice "
            "addresses and notes you may not read left out), with financial and sensitive "
            "values masked unless you may see them."
        )
    )
    async def audit_trail(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[AuditEvent]:
        return await audit_connection(info, self.pk, page_request(first, after, last, before))

    @strawberry.field(
        description=(
            "Notes, activities and audit events of this party merged into one list, newest "
            "first unless orderBy says otherwise (notes and activities at the time they were "
            "recorded). The audit part "
            "leaves out the events of notes and activities, which are items themselves."
        )
    )
    async def timeline(
        self,
        info: Info,
        kinds: Annotated[
            list[TimelineKind] | None,
            strawberry.argument(description="Only these kinds of item; all by default."),
        ] = None,
        order_by: Annotated[
            TimelineOrder | None, strawberry.argument(description="Sort order; newest first by default.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[TimelineItem]:
        page = page_request(first, after, last, before)
        return await timeline_connection(info, self.pk, kinds, order_by, page)

    @strawberry.field(
        description=(
            "The network around this party: the parties (and staff) within `depth` links, "
            "with the links between them, as they stand today (or on asOf: the links in force "
            "and the hierarchy of that day; names as today). Stops at maxNodes (see `truncated`)."
        )
    )
    async def neighbourhood(
        self,
        info: Info,
        depth: Annotated[int, strawberry.argument(description="How many links out, 1-3.")] = 1,
        relation_types: Annotated[
            list[str] | None, strawberry.argument(description="Only relations with these type names.")
        ] = None,
        include: Annotated[
            list[NeighbourhoodKind] | None,
            strawberry.argument(description="Which kinds of link to follow; all by default."),
        ] = None,
        max_nodes: Annotated[
            int, strawberry.argument(description=f"At most this many nodes, 1-{MAX_NODES:,}.")
        ] = 200,
        as_of: AsOf = None,
    ) -> Neighbourhood:
        return await neighbourhood_of(
            info,
            self.pk,
            depth=depth,
            relation_types=relation_types,
            include=include,
            max_nodes=max_nodes,
            day=day_of(as_of, self.as_of),
        )
