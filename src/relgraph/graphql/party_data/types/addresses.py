"""Addresses of parties."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import strawberry

from relgraph.db import models
from relgraph.domain.party_data import addresses
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import Node, owning_party, register_type
from relgraph.graphql.party_data.loaders import address_by_id, addresses_by_party
from relgraph.graphql.users.types import staff_user
from relgraph.policy import may_read, readable_kinds

__all__ = ["Address", "AddressInput", "AddressKind", "addresses_of"]

AddressKind: TypeAlias = models.AddressKind
strawberry.enum(
    AddressKind,
    description="VISIT (bezoekadres), POSTAL (postadres) or INVOICE (factuuradres).",
)


@strawberry.type(
    description=(
        "An address (adres) of a party: a VISIT address (bezoekadres; one of them is the head "
        "office), the POSTAL address (postadres) or the INVOICE address (factuuradres). A party "
        "has at most one POSTAL and one INVOICE address. INVOICE addresses are invoice data: "
        "only users with FINANCE see or change them."
    )
)
class Address(Node):
    pk: strawberry.Private[int]
    party_id: strawberry.Private[int]
    kind: AddressKind = strawberry.field(description="VISIT, POSTAL or INVOICE; fixed once added.")
    street: str | None = strawberry.field(description="Street name (straat).")
    house_number: str | None = strawberry.field(description="House number (huisnummer).")
    house_number_addition: str | None = strawberry.field(
        description="Addition to the house number (toevoeging), e.g. 'A' or 'bis'."
    )
    postcode: str | None = strawberry.field(description='Postcode; Dutch ones as "1234 AB".')
    city: str | None = strawberry.field(description="City (plaats).")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. NL.")
    is_head_office: bool = strawberry.field(
        description=(
            "True for the one visit address that is the head office (hoofdkantoor): the first "
            "visit address added, changeable with setHeadOffice."
        )
    )
    lines: list[str] = strawberry.field(
        description=(
            'The address as printed on an envelope: "Street 12 A", "1234 AB City", and the '
            "country code when it is not NL; empty parts are left out."
        )
    )
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")
    created_at: dt.datetime = strawberry.field(description="When the address was added.")
    updated_at: dt.datetime = strawberry.field(description="When the address was last changed.")
    created_by_id: strawberry.Private[int | None]
    updated_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.Address) -> Address:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("Address", row.id)),
            party_id=row.party_id,
            kind=AddressKind(row.kind),
            street=row.street,
            house_number=row.house_number,
            house_number_addition=row.house_number_addition,
            postcode=row.postcode,
            city=row.city,
            country=row.country,
            is_head_office=row.is_head_office,
            lines=addresses.lines(row),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            created_by_id=row.created_by_id,
            updated_by_id=row.updated_by_id,
        )

    @strawberry.field(description='The address on one line: its lines joined by ", ".')
    def formatted(self) -> str:
        return ", ".join(self.lines)

    created_by = staff_user("created_by_id", "The staff user who added the address, when known.")

    updated_by = staff_user("updated_by_id", "The staff user who last changed the address, when known.")

    party = owning_party("The organisation or person this address belongs to.")


async def addresses_of(info: Info, party_id: int, kinds: list[AddressKind] | None) -> list[Address]:
    """The addresses of a party through the request's loader; only the kinds the viewer may see (R4)."""
    wanted = {k.value for k in kinds} if kinds is not None else {k.value for k in AddressKind}
    wanted &= readable_kinds(info.context.viewer, "Address")
    rows = await info.context.loaders[addresses_by_party].load(party_id)
    return [Address.from_row(r) for r in rows if r.kind in wanted]


@strawberry.input(description="An address; every field is optional, the country defaults to NL.")
class AddressInput:
    street: str | None = strawberry.field(default=None, description="Street name.")
    house_number: str | None = strawberry.field(default=None, description="House number.")
    house_number_addition: str | None = strawberry.field(
        default=None, description="Addition to the house number."
    )
    postcode: str | None = strawberry.field(default=None, description='Postcode, e.g. "1234 AB".')
    city: str | None = strawberry.field(default=None, description="City.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 code; NL when empty."
    )

    def to_data(self) -> dict[str, str | None]:
        return {
            "street": self.street,
            "house_number": self.house_number,
            "house_number_addition": self.house_number_addition,
            "postcode": self.postcode,
            "city": self.city,
            "country": self.country,
        }


async def _address(info: Info, pk: int) -> Address | None:
    row = await info.context.loaders[address_by_id].load(pk)
    # R4: an address of a kind the viewer may not see is as absent as one that does not exist.
    if row is None or not may_read(info.context.viewer, "Address", kind=row.kind):
        return None
    return Address.from_row(row)


register_type(Address, _address)
