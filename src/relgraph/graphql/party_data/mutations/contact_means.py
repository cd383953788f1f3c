"""Contact means of parties: add, update, remove, and choose the primary one."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.party_data import contact_means
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id, parse_party_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.payloads import DeletePayload, perform
from relgraph.graphql.party_data.types.contact_means import ContactKind, ContactMean
from relgraph.policy import Write

__all__ = ["ContactMeanMutations"]


@strawberry.input(description="A new contact mean of a party.")
class AddContactMeanInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation or person.")
    kind: ContactKind = strawberry.field(description="EMAIL, PHONE, MOBILE, FAX, WEBSITE or SOCIAL.")
    value: str = strawberry.field(
        description=(
            "An email address; a phone number in any format (without country code it is "
            'Dutch: "020 123 4567"), stored as E.164; a http(s) URL; for SOCIAL a URL or an @handle.'
        )
    )
    label: str | None = strawberry.field(default=None, description='What it is for, e.g. "support desk".')
    primary: bool | None = strawberry.field(
        default=None,
        description=(
            "Make it the primary one of its kind (the previous primary stays, as a plain one). "
            "Left out: primary when the party has no primary of this kind yet."
        ),
    )


@strawberry.input(
    description="Changes to a contact mean; only the fields you send change. The kind is fixed."
)
class UpdateContactMeanInput:
    id: strawberry.ID = strawberry.field(description="The contact mean.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last saw; if someone changed it since, you get CONFLICT."
    )
    value: str | None = strawberry.field(default=UNSET, description="New value, validated as for its kind.")
    label: str | None = strawberry.field(default=UNSET, description="New label; null clears it.")
    active: bool | None = strawberry.field(
        default=UNSET,
        description="Deactivate (false) or reactivate (true); a deactivated primary stops being primary.",
    )


@strawberry.input(description="Identifies one contact mean.")
class ContactMeanIdInput:
    id: strawberry.ID = strawberry.field(description="The contact mean.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last saw (optimistic concurrency)."
    )


@strawberry.type(description="Result of a mutation on a contact mean.")
class ContactMeanPayload:
    contact_mean: ContactMean | None = strawberry.field(
        default=None, description="The contact mean after the change; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


def _payload(row: Any) -> dict[str, Any]:
    return {"contact_mean": ContactMean.from_row(row)}


@strawberry.type
class ContactMeanMutations:
    @strawberry.mutation(
        description=(
            "Add an email address, phone number, website or social media profile to a party. "
            "Invalid values are INVALID at `value`; a value the party has already is a CONFLICT."
        )
    )
    async def add_contact_mean(
        self, info: Info, input: Annotated[AddContactMeanInput, strawberry.argument(description=INPUT)]
    ) -> ContactMeanPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = {
                "kind": input.kind.value,
                "value": input.value,
                "label": input.label,
                "primary": input.primary,
            }
            row = await contact_means.add(
                session, actor=info.context.viewer, party=parse_party_id(input.party_id, "partyId"), data=data
            )
            return _payload(row)

        return await perform(info, ContactMeanPayload, Write.ORGANISATION, change)

    @strawberry.mutation(description="Change a contact mean's value, label or active flag.")
    async def update_contact_mean(
        self, info: Info, input: Annotated[UpdateContactMeanInput, strawberry.argument(description=INPUT)]
    ) -> ContactMeanPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await contact_means.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "ContactMean", "id"),
                data=provided(input, {"value": "value", "label": "label", "active": "active"}),
                expected_version=input.expected_version,
            )
            return _payload(row)

        return await perform(info, ContactMeanPayload, Write.ORGANISATION, change)

    @strawberry.mutation(description="Delete a contact mean (to keep it for history, deactivate it instead).")
    async def remove_contact_mean(
        self, info: Info, input: Annotated[ContactMeanIdInput, strawberry.argument(description=INPUT)]
    ) -> DeletePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            await contact_means.remove(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "ContactMean", "id"),
                expected_version=input.expected_version,
            )
            return {"deleted_id": input.id}

        return await perform(info, DeletePayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description=(
            "Make a contact mean the primary one of its kind, in one step: the previous primary "
            "stays as a plain one. An inactive one cannot be primary (INVALID)."
        )
    )
    async def set_primary_contact_mean(
        self, info: Info, input: Annotated[ContactMeanIdInput, strawberry.argument(description=INPUT)]
    ) -> ContactMeanPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await contact_means.set_primary(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "ContactMean", "id"),
                expected_version=input.expected_version,
            )
            return _payload(row)

        return await perform(info, ContactMeanPayload, Write.ORGANISATION, change)
