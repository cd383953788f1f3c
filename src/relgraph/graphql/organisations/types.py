"""Organisations as the API shows them."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Annotated

import strawberry

from relgraph.db import models
from relgraph.db.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from relgraph.domain import identifiers
from relgraph.domain.organisations.hierarchy import MAX_DEPTH
from relgraph.graphql.core.as_of import AsOf, dated, day_of
from relgraph.graphql.core.connections import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    loaded_page,
    page_request,
)
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import OrderDirection, PartyKind, described_enum
from relgraph.graphql.core.errors import PublicError, shown_only_if_readable
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.list_bounds import ListFirst, at_most, first_of, sized_by
from relgraph.graphql.core.node import register_type
from relgraph.graphql.memberships.types import (
    IncludeInactive,
    Membership,
    MembershipFilterArgument,
    MembershipOrderArgument,
    memberships_connection,
)
from relgraph.graphql.organisations.descendants import OrganisationDescendantConnection
from relgraph.graphql.organisations.loaders import (
    ancestors_by_organisation,
    descendants_count,
    descendants_page,
    organisation_by_id,
    subsidiaries_count,
    subsidiaries_page,
)
from relgraph.graphql.organisations.ordering import SubsidiaryOrder
from relgraph.graphql.party_data.loaders import addresses_by_party
from relgraph.graphql.party_data.types.addresses import Address, AddressKind
from relgraph.graphql.party_data.types.contact_means import ContactKind, primary_value
from relgraph.graphql.party_data.types.party import Party
from relgraph.graphql.relations.loaders import account_managers_by_party
from relgraph.graphql.users.types import User

__all__ = [
    "Organisation",
    "OrganisationStatus",
    "organisation_or_none",
]

OrganisationStatus = models.OrganisationStatus
described_enum(
    OrganisationStatus,
    values={
        "PROSPECT": "A possible customer we are in touch with, not (yet) doing business.",
        "ACTIVE": "We do business with it.",
        "INACTIVE": "We no longer do business with it.",
    },
    description="Where an organisation stands with us: PROSPECT, ACTIVE or INACTIVE.",
)

_FINANCIAL = (
    "Invoice data, financial (R4): needs FINANCE, else null with a FORBIDDEN error "
    "(check `viewerCanSeeFinancials`)."
)


@dataclass(frozen=True)
class InvoiceData:
    """The invoice data of an organisation; each resolver asks policy before showing a value."""

    vat_number: str | None
    company_name: str | None
    email: str | None
    uses_postal_address: bool

    @classmethod
    def from_row(cls, row: models.Organisation) -> InvoiceData:
        vat_number = identifiers.vat_formatted(row.vat_number) if row.vat_number else None
        return cls(vat_number, row.invoice_company_name, row.invoice_email, row.invoice_uses_postal_address)


def _invoice_field(info: Info, column: str) -> None:
    shown_only_if_readable(info.context.viewer, "Organisation", column, what="invoice data")


IncludeArchived = Annotated[bool, strawberry.argument(description="Also list archived organisations.")]
_ON_A_DAY = (
    "As of today, or of asOf (the hierarchy of that day, as its periods recorded it; archived "
    "and names as today)."
)


@strawberry.type(
    description=(
        "An organisation (organisatie): a company, foundation or branch. Organisations form a "
        "hierarchy through `parent` (hoofdorganisatie) and `subsidiaries` (suborganisaties)."
    )
)
class Organisation(Party):
    name: str = strawberry.field(description="Trade name; what search and sorting use.")
    code: str | None = strawberry.field(description="Customer number (klantnummer), unique when set.")
    legal_name: str | None = strawberry.field(description="Registered legal name (juridische naam).")
    kvk_number: str | None = strawberry.field(
        description="Dutch Chamber of Commerce number (KvK-nummer): 8 digits."
    )
    invoice_data: strawberry.Private[InvoiceData]
    industry: str | None = strawberry.field(description="Industry or sector (branche).")
    description: str | None = strawberry.field(description="Free-text description.")
    website: str | None = strawberry.field(description="Website URL.")
    status: OrganisationStatus = strawberry.field(description="PROSPECT, ACTIVE or INACTIVE.")
    checked: bool = strawberry.field(description="The data has been checked (gecontroleerd).")
    creditworthy: bool = strawberry.field(description="Judged creditworthy (kredietwaardig).")
    archived: bool = strawberry.field(
        description="Archived organisations are left out of search unless asked for."
    )
    parent_id: strawberry.Private[int | None]
    merged_into_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.Organisation) -> Organisation:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("Organisation", row.id)),
            kind=PartyKind.ORGANISATION,
            display_name=row.name,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            created_by_id=row.created_by_id,
            updated_by_id=row.updated_by_id,
            name=row.name,
            code=row.code,
            legal_name=row.legal_name,
            kvk_number=row.kvk_number,
            invoice_data=InvoiceData.from_row(row),
            industry=row.industry,
            description=row.description,
            website=row.website,
            status=OrganisationStatus(row.status),
            checked=row.checked,
            creditworthy=row.creditworthy,
            archived=row.archived,
            parent_id=row.parent_id,
            merged_into_id=row.merged_into_id,
        )

    @strawberry.field(description="General email address: the primary EMAIL contact mean.")
    async def email(self, info: Info) -> str | None:
        return await primary_value(info, self.pk, ContactKind.EMAIL)

    @strawberry.field(
        description='General phone number (E.164, "+31201234567"): the primary PHONE contact mean.'
    )
    async def phone(self, info: Info) -> str | None:
        return await primary_value(info, self.pk, ContactKind.PHONE)

    @strawberry.field(
        description=(
            "The organisation this one was merged into; null unless it was merged. A merged "
            "organisation is archived and keeps its ID: follow mergedInto to the survivor."
        )
    )
    async def merged_into(self, info: Info) -> Organisation | None:
        if self.merged_into_id is None:
            return None
        row = await info.context.loaders[organisation_by_id].load(self.merged_into_id)
        return Organisation.from_row(row) if row else None

    @strawberry.field(
        description=(
            "VAT identification number (btw-nummer) with its country prefix, as its country writes "
            f"it: NL004495445B01, GB 980 7806 84. {_FINANCIAL}"
        )
    )
    def vat_number(self, info: Info) -> str | None:
        _invoice_field(info, "vat_number")
        return self.invoice_data.vat_number

    @strawberry.field(
        description=f"Name to put on invoices (factuur bedrijfsnaam) when not the trade name. {_FINANCIAL}"
    )
    def invoice_company_name(self, info: Info) -> str | None:
        _invoice_field(info, "invoice_company_name")
        return self.invoice_data.company_name

    @strawberry.field(description=f"Email address invoices are sent to (factuur e-mailadres). {_FINANCIAL}")
    def invoice_email(self, info: Info) -> str | None:
        _invoice_field(info, "invoice_email")
        return self.invoice_data.email

    @strawberry.field(
        description=(
            "True when invoices go to the postal address (postadres is factuuradres): then "
            f"`invoiceAddress` is the POSTAL address itself, not a copy. {_FINANCIAL}"
        )
    )
    def invoice_uses_postal_address(self, info: Info) -> bool | None:
        _invoice_field(info, "invoice_uses_postal_address")
        return self.invoice_data.uses_postal_address

    @strawberry.field(
        description=(
            "Where invoices go (factuuradres): the POSTAL address while "
            "invoiceUsesPostalAddress is set (so it follows every change of the postal address), "
            f"else the INVOICE address; null when there is none. {_FINANCIAL}"
        )
    )
    async def invoice_address(self, info: Info) -> Address | None:
        _invoice_field(info, "invoice_uses_postal_address")
        kind = AddressKind.POSTAL if self.invoice_data.uses_postal_address else AddressKind.INVOICE
        shown_only_if_readable(info.context.viewer, "Address", kind=kind.value, what="invoice data")
        rows = await info.context.loaders[addresses_by_party].load(self.pk)
        found = next((r for r in rows if r.kind == kind), None)
        return Address.from_row(found) if found else None

    @strawberry.field(description="The head-office visit address (hoofdkantoor), if any.")
    async def visit_address(self, info: Info) -> Address | None:
        rows = await info.context.loaders[addresses_by_party].load(self.pk)
        head = next((r for r in rows if r.is_head_office), None)
        return Address.from_row(head) if head else None

    async def _ancestor_rows(self, info: Info, day: dt.date | None) -> list[models.Organisation]:
        return await info.context.loaders[ancestors_by_organisation].load((self.pk, day))

    @strawberry.field(description=f"The parent organisation (hoofdorganisatie), if any. {_ON_A_DAY}")
    async def parent(self, info: Info, as_of: AsOf = None) -> Organisation | None:
        day = day_of(as_of, self.as_of)
        if day is None:
            if self.parent_id is None:
                return None
            row = await info.context.loaders[organisation_by_id].load(self.parent_id)
            return Organisation.from_row(row) if row else None
        rows = await self._ancestor_rows(info, day)
        return dated(Organisation.from_row(rows[0]), day) if rows else None

    @strawberry.field(
        description=(
            "The chain of parents up to the top of the group, nearest first; empty for a root. "
            f"At most {MAX_DEPTH}: no group is deeper. {_ON_A_DAY}"
        ),
        metadata=at_most(MAX_DEPTH),
    )
    async def ancestors(self, info: Info, as_of: AsOf = None) -> list[Organisation]:
        day = day_of(as_of, self.as_of)
        rows = (await self._ancestor_rows(info, day))[:MAX_DEPTH]
        return [dated(Organisation.from_row(r), day) for r in rows]

    @strawberry.field(
        description=f"The top of this organisation's group; itself when it has no parent. {_ON_A_DAY}"
    )
    async def root(self, info: Info, as_of: AsOf = None) -> Organisation:
        day = day_of(as_of, self.as_of)
        rows = await self._ancestor_rows(info, day)
        if rows:
            return dated(Organisation.from_row(rows[-1]), day)
        return self if day == self.as_of else dated(copy.copy(self), day)

    @strawberry.field(
        description=f"How many levels below the root this organisation sits; 0 for a root. {_ON_A_DAY}"
    )
    async def depth(self, info: Info, as_of: AsOf = None) -> int:
        return len(await self._ancestor_rows(info, day_of(as_of, self.as_of)))

    @strawberry.field(
        description=(
            f"Direct subsidiaries (suborganisaties), sorted by name unless orderBy says otherwise. {_ON_A_DAY}"
        )
    )
    async def subsidiaries(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        include_archived: IncludeArchived = False,
        as_of: AsOf = None,
        order_by: Annotated[
            SubsidiaryOrder | None, strawberry.argument(description="Sort order; by name by default.")
        ] = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Organisation]:
        day = day_of(as_of, self.as_of)
        page = page_request(first, after, last, before)
        order = order_by or SubsidiaryOrder()
        key = (self.pk, include_archived, day)
        descending = order.direction is OrderDirection.DESC
        rows, total = await loaded_page(
            info, subsidiaries_page, subsidiaries_count, key, page, (order.field.name, descending)
        )
        return connection(rows, lambda row: dated(Organisation.from_row(row), day), total)

    @strawberry.field(
        description=(
            "Every organisation below this one, breadth first: all subsidiaries (depth 1), "
            f"then theirs (depth 2), and so on; sorted by name within a level. {_ON_A_DAY}"
        )
    )
    async def descendants(
        self,
        info: Info,
        max_depth: Annotated[
            int | None,
            strawberry.argument(description=f"How many levels down to go, 1-{MAX_DEPTH}; all when null."),
        ] = None,
        first: First = None,
        after: After = None,
        include_archived: IncludeArchived = False,
        as_of: AsOf = None,
        last: Last = None,
        before: Before = None,
    ) -> OrganisationDescendantConnection:
        if max_depth is not None and not 1 <= max_depth <= MAX_DEPTH:
            raise PublicError(f"maxDepth must be between 1 and {MAX_DEPTH}.", "BAD_USER_INPUT")
        day = day_of(as_of, self.as_of)
        depth = max_depth or MAX_DEPTH
        page = page_request(first, after, last, before)
        loaders = info.context.loaders
        rows = await loaders[descendants_page].load((self.pk, depth, include_archived, day, page))

        async def total() -> int:
            if rows.total is not None:  # counted by the page's own statement (a first page)
                return rows.total
            return await loaders[descendants_count].load((self.pk, depth, include_archived, day))

        return OrganisationDescendantConnection.build(rows, total, day)

    @strawberry.field(
        description=(
            "The staff users who are account managers of this organisation now (0, 1 or more; "
            "they need not be active users). Derived from ACCOUNT_MANAGER internal relations "
            "in force today, or on asOf."
        ),
        metadata=sized_by("first", MAX_PAGE_SIZE),
    )
    async def account_managers(
        self, info: Info, first: Annotated[int, ListFirst] = DEFAULT_PAGE_SIZE, as_of: AsOf = None
    ) -> list[User]:
        key = (self.pk, day_of(as_of, self.as_of))
        managers = await info.context.loaders[account_managers_by_party].load(key)
        return first_of([User.from_row(u) for u in managers], first)

    @strawberry.field(
        description=(
            "The people in this organisation (persoon in organisatie), sorted by last name unless "
            "orderBy says otherwise. "
            "Inactive memberships (ended, or not begun yet: not in force today, or on asOf) "
            "only with includeInactive."
        )
    )
    async def memberships(
        self,
        info: Info,
        include_inactive: IncludeInactive = False,
        filter: MembershipFilterArgument = None,
        order_by: MembershipOrderArgument = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        as_of: AsOf = None,
    ) -> Connection[Membership]:
        day = day_of(as_of, self.as_of)
        page = page_request(first, after, last, before)
        return await memberships_connection(
            info, self.pk, "organisation", include_inactive, filter, order_by, page, day
        )


async def organisation_or_none(info: Info, pk: int | None) -> Organisation | None:
    """Load organisation `pk` through the request's loader."""
    if pk is None:
        return None
    row = await info.context.loaders[organisation_by_id].load(pk)
    return Organisation.from_row(row) if row else None


register_type(Organisation, organisation_or_none)
