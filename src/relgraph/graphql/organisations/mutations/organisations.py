"""Create, update and archive organisations."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.organisations import organisations
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.list_bounds import DUPLICATES_SHOWN, at_most
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.organisations.types import Organisation, OrganisationStatus
from relgraph.graphql.party_data.types.addresses import AddressInput
from relgraph.policy import Write

__all__ = ["CreateOrganisationInput", "OrganisationMutations", "OrganisationPayload", "organisation_data"]

_FIELDS = {
    "name": "name",
    "code": "code",
    "legal_name": "legal_name",
    "kvk_number": "kvk_number",
    "vat_number": "vat_number",
    "invoice_company_name": "invoice_company_name",
    "invoice_email": "invoice_email",
    "invoice_uses_postal_address": "invoice_uses_postal_address",
    "industry": "industry",
    "description": "description",
    "website": "website",
    "email": "email",
    "phone": "phone",
    "status": "status",
    "checked": "checked",
    "creditworthy": "creditworthy",
}

_D = "Leave out to keep the current value; null clears it."
_FINANCE = "Invoice data: sending it without FINANCE is FORBIDDEN at this field."


@strawberry.input(description="A new organisation. Only the name is required.")
class CreateOrganisationInput:
    name: str = strawberry.field(description="Trade name, at most 200 characters.")
    code: str | None = strawberry.field(default=None, description="Customer number; must be unique.")
    legal_name: str | None = strawberry.field(default=None, description="Registered legal name.")
    kvk_number: str | None = strawberry.field(default=None, description="KvK number: exactly 8 digits.")
    vat_number: str | None = strawberry.field(
        default=None,
        description=(
            "VAT number with its country prefix (an EU member state, GB, NO or CH), e.g. NL004495445B01; "
            "checked with the country's check digits and, with a visitAddress, against its country. "
            f"{_FINANCE}"
        ),
    )
    invoice_company_name: str | None = strawberry.field(
        default=None, description=f"Name on invoices, when not the trade name. {_FINANCE}"
    )
    invoice_email: str | None = strawberry.field(
        default=None, description=f"Email address invoices are sent to. {_FINANCE}"
    )
    invoice_uses_postal_address: bool = strawberry.field(
        default=False, description=f"Invoices go to the postal address. {_FINANCE}"
    )
    industry: str | None = strawberry.field(default=None, description="Industry or sector.")
    description: str | None = strawberry.field(
        default=None, description="Free text, at most 4000 characters."
    )
    website: str | None = strawberry.field(default=None, description="http(s) URL.")
    email: str | None = strawberry.field(default=None, description="General email address.")
    phone: str | None = strawberry.field(default=None, description="General phone number.")
    status: OrganisationStatus = strawberry.field(
        default=OrganisationStatus.ACTIVE, description="PROSPECT, ACTIVE (default) or INACTIVE."
    )
    checked: bool = strawberry.field(default=False, description="The data has been checked.")
    creditworthy: bool = strawberry.field(default=False, description="Judged creditworthy.")
    visit_address: AddressInput | None = strawberry.field(
        default=None, description="The head-office visit address."
    )


@strawberry.input(description="Changes to an organisation; only the fields you send change.")
class UpdateOrganisationInput:
    id: strawberry.ID = strawberry.field(description="The organisation to change.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you last saw; if someone changed it since, you get CONFLICT and nothing changes.",
    )
    name: str | None = strawberry.field(default=UNSET, description="Trade name; cannot be cleared.")
    code: str | None = strawberry.field(default=UNSET, description=f"Customer number. {_D}")
    legal_name: str | None = strawberry.field(default=UNSET, description=f"Legal name. {_D}")
    kvk_number: str | None = strawberry.field(default=UNSET, description=f"KvK number. {_D}")
    vat_number: str | None = strawberry.field(
        default=UNSET,
        description=(
            "VAT number, checked with its country's check digits and against the head office's country "
            f"(the visitAddress sent with it, else the stored one). {_D} {_FINANCE}"
        ),
    )
    invoice_company_name: str | None = strawberry.field(
        default=UNSET, description=f"Name on invoices. {_D} {_FINANCE}"
    )
    invoice_email: str | None = strawberry.field(
        default=UNSET, description=f"Email address for invoices. {_D} {_FINANCE}"
    )
    invoice_uses_postal_address: bool | None = strawberry.field(
        default=UNSET,
        description=(
            "True: invoices go to the postal address, which then is `invoiceAddress` (no copy); "
            f"false: to the INVOICE address. {_FINANCE}"
        ),
    )
    industry: str | None = strawberry.field(default=UNSET, description=f"Industry. {_D}")
    description: str | None = strawberry.field(default=UNSET, description=f"Description. {_D}")
    website: str | None = strawberry.field(default=UNSET, description=f"Website URL. {_D}")
    email: str | None = strawberry.field(default=UNSET, description=f"Email address. {_D}")
    phone: str | None = strawberry.field(default=UNSET, description=f"Phone number. {_D}")
    status: OrganisationStatus | None = strawberry.field(default=UNSET, description="New status.")
    checked: bool | None = strawberry.field(default=UNSET, description="Checked flag.")
    creditworthy: bool | None = strawberry.field(default=UNSET, description="Creditworthy flag.")
    visit_address: AddressInput | None = strawberry.field(
        default=UNSET, description="Replaces the head-office visit address (created when missing)."
    )


@strawberry.input(description="Archive or unarchive one organisation.")
class ArchiveOrganisationInput:
    id: strawberry.ID = strawberry.field(description="The organisation.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last saw (optimistic concurrency)."
    )


@strawberry.type(description="Result of createOrganisation.")
class CreateOrganisationPayload:
    organisation: Organisation | None = strawberry.field(
        default=None, description="The new organisation; null when userErrors is not empty."
    )
    possible_duplicates: list[Organisation] = strawberry.field(
        default_factory=list,
        description=(
            "Existing organisations with the same KvK number or the same name (ignoring case "
            f"and accents), by name, at most {DUPLICATES_SHOWN}. Shown, not blocking: the new "
            "organisation was still created."
        ),
        metadata=at_most(DUPLICATES_SHOWN),
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


@strawberry.type(description="Result of a mutation that changes one organisation.")
class OrganisationPayload:
    organisation: Organisation | None = strawberry.field(
        default=None, description="The organisation after the change; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


def organisation_data(source: Any) -> dict[str, Any]:
    data = provided(source, _FIELDS)
    if source.visit_address not in (UNSET, None):
        data["visit_address"] = source.visit_address.to_data()
    return data


async def _archive(info: Info, input: ArchiveOrganisationInput, archived: bool) -> OrganisationPayload:
    async def change(session: AsyncSession) -> dict[str, Any]:
        org = await organisations.archive(
            session,
            actor=info.context.viewer,
            id=parse_id(input.id, "Organisation", "id"),
            archived=archived,
            expected_version=input.expected_version,
        )
        return {"organisation": Organisation.from_row(org)}

    return await perform(info, OrganisationPayload, Write.ORGANISATION, change)


@strawberry.type
class OrganisationMutations:
    @strawberry.mutation(
        description=(
            "Add an organisation. The payload lists possible duplicates (same KvK or name) "
            "so the user can check, but does not block the create."
        )
    )
    async def create_organisation(
        self, info: Info, input: Annotated[CreateOrganisationInput, strawberry.argument(description=INPUT)]
    ) -> CreateOrganisationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            org = await organisations.create(
                session, actor=info.context.viewer, data=organisation_data(input)
            )
            duplicates = await organisations.possible_duplicates(session, org=org, limit=DUPLICATES_SHOWN)
            return {
                "organisation": Organisation.from_row(org),
                "possible_duplicates": [Organisation.from_row(d) for d in duplicates],
            }

        return await perform(info, CreateOrganisationPayload, Write.ORGANISATION, change)

    @strawberry.mutation(description="Change an organisation's fields.")
    async def update_organisation(
        self, info: Info, input: Annotated[UpdateOrganisationInput, strawberry.argument(description=INPUT)]
    ) -> OrganisationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            org = await organisations.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Organisation", "id"),
                data=organisation_data(input),
                expected_version=input.expected_version,
            )
            return {"organisation": Organisation.from_row(org)}

        return await perform(info, OrganisationPayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description="Archive an organisation: it leaves search results but keeps its data and history."
    )
    async def archive_organisation(
        self, info: Info, input: Annotated[ArchiveOrganisationInput, strawberry.argument(description=INPUT)]
    ) -> OrganisationPayload:
        return await _archive(info, input, archived=True)

    @strawberry.mutation(description="Bring an archived organisation back into search results.")
    async def unarchive_organisation(
        self, info: Info, input: Annotated[ArchiveOrganisationInput, strawberry.argument(description=INPUT)]
    ) -> OrganisationPayload:
        return await _archive(info, input, archived=False)
