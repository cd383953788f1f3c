"""Addresses of parties: add, update, remove, and choose the head office."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain import parties
from relgraph.domain.party_data import addresses
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id, parse_party_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.node import party_or_none
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.party_data.types.addresses import Address, AddressKind
from relgraph.graphql.party_data.types.party import Party
from relgraph.policy import Write

__all__ = ["AddressMutations"]

_VERSION = "The version you last saw; if someone changed it since, you get CONFLICT and nothing changes."


@strawberry.input(
    description=(
        "A new address of a party. Every address field is optional; the country defaults to NL. "
        "An INVOICE address needs FINANCE."
    )
)
class AddAddressInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation or person.")
    kind: AddressKind = strawberry.field(
        description=(
            "VISIT, POSTAL or INVOICE. The first VISIT address becomes the head office; a party "
            "has at most one POSTAL and one INVOICE address (a second one is a CONFLICT)."
        )
    )
    street: str | None = strawberry.field(default=None, description="Street name.")
    house_number: str | None = strawberry.field(default=None, description="House number.")
    house_number_addition: str | None = strawberry.field(
        default=None, description="Addition to the house number, e.g. 'A'."
    )
    postcode: str | None = strawberry.field(
        default=None, description='Postcode; a Dutch one must look like "1234 AB" (the space is optional).'
    )
    city: str | None = strawberry.field(default=None, description="City.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country code, e.g. NL or DE; NL when left out."
    )


_D = "Leave out to keep the current value; null clears it."


@strawberry.input(description="Changes to an address; only the fields you send change. The kind is fixed.")
class UpdateAddressInput:
    id: strawberry.ID = strawberry.field(description="The address.")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)
    street: str | None = strawberry.field(default=UNSET, description=f"Street name. {_D}")
    house_number: str | None = strawberry.field(default=UNSET, description=f"House number. {_D}")
    house_number_addition: str | None = strawberry.field(
        default=UNSET, description=f"Addition to the house number. {_D}"
    )
    postcode: str | None = strawberry.field(
        default=UNSET, description=f"Postcode, checked against the (new) country. {_D}"
    )
    city: str | None = strawberry.field(default=UNSET, description=f"City. {_D}")
    country: str | None = strawberry.field(
        default=UNSET, description="ISO 3166-1 alpha-2 country code; null makes it NL."
    )


@strawberry.input(description="Identifies one address to remove.")
class RemoveAddressInput:
    id: strawberry.ID = strawberry.field(description="The address.")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="The visit address that becomes the head office.")
class SetHeadOfficeInput:
    address_id: strawberry.ID = strawberry.field(description="A VISIT address of the party.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version of that address you last saw (optimistic concurrency)."
    )


async def _party(info: Info, key: tuple[str, int] | None) -> Party | None:
    return None if key is None else await party_or_none(info, *key)


@strawberry.type(description="Result of a mutation on an address.")
class AddressPayload:
    address: Address | None = strawberry.field(
        default=None, description="The address after the change; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )
    party_key: strawberry.Private[tuple[str, int] | None] = None

    @strawberry.field(
        description="The party the address belongs to, after the change (e.g. to reload its addresses)."
    )
    async def party(self, info: Info) -> Party | None:
        return await _party(info, self.party_key)


@strawberry.type(description="Result of removeAddress.")
class RemoveAddressPayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the removed address; null when userErrors is not empty."
    )
    new_head_office: Address | None = strawberry.field(
        default=None,
        description="When the head office was removed: the oldest remaining visit address, which took over.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )
    party_key: strawberry.Private[tuple[str, int] | None] = None

    @strawberry.field(description="The party the address belonged to, after the change.")
    async def party(self, info: Info) -> Party | None:
        return await _party(info, self.party_key)


async def _key(session: AsyncSession, party_id: int) -> tuple[str, int]:
    kind = (await parties.kinds_of(session, [party_id]))[0]
    assert kind is not None
    return kind, party_id


async def _payload(session: AsyncSession, row: Any) -> dict[str, Any]:
    return {"address": Address.from_row(row), "party_key": await _key(session, row.party_id)}


_FIELDS = {name: name for name in addresses.FIELDS}


@strawberry.type
class AddressMutations:
    @strawberry.mutation(
        description=(
            "Add an address to a party. The first visit address becomes the head office. Invalid "
            "fields are INVALID at their name; an INVOICE address without FINANCE is FORBIDDEN."
        )
    )
    async def add_address(
        self, info: Info, input: Annotated[AddAddressInput, strawberry.argument(description=INPUT)]
    ) -> AddressPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await addresses.add(
                session,
                actor=info.context.viewer,
                party=parse_party_id(input.party_id, "partyId"),
                kind=input.kind.value,
                data={name: getattr(input, name) for name in addresses.FIELDS},
            )
            return await _payload(session, row)

        return await perform(info, AddressPayload, Write.ORGANISATION, change)

    @strawberry.mutation(description="Change an address's fields; the kind stays.")
    async def update_address(
        self, info: Info, input: Annotated[UpdateAddressInput, strawberry.argument(description=INPUT)]
    ) -> AddressPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await addresses.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Address", "id"),
                data=provided(input, _FIELDS),
                expected_version=input.expected_version,
            )
            return await _payload(session, row)

        return await perform(info, AddressPayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description=(
            "Remove an address. When it was the head office, the oldest remaining visit address "
            "becomes the head office (see newHeadOffice)."
        )
    )
    async def remove_address(
        self, info: Info, input: Annotated[RemoveAddressInput, strawberry.argument(description=INPUT)]
    ) -> RemoveAddressPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            party_id, promoted = await addresses.remove(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Address", "id"),
                expected_version=input.expected_version,
            )
            return {
                "deleted_id": input.id,
                "new_head_office": Address.from_row(promoted) if promoted else None,
                "party_key": await _key(session, party_id),
            }

        return await perform(info, RemoveAddressPayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description=(
            "Make a visit address the party's head office (hoofdkantoor), in one step; the previous "
            "head office stays as a plain visit address. Another kind of address is INVALID."
        )
    )
    async def set_head_office(
        self, info: Info, input: Annotated[SetHeadOfficeInput, strawberry.argument(description=INPUT)]
    ) -> AddressPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await addresses.set_head_office(
                session,
                actor=info.context.viewer,
                id=parse_id(input.address_id, "Address", "addressId"),
                expected_version=input.expected_version,
            )
            return await _payload(session, row)

        return await perform(info, AddressPayload, Write.ORGANISATION, change)
