"""Addresses of parties."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from relgraph.graphql.ids import encode_id
from relgraph.graphql.types.enums import AddressKind

if TYPE_CHECKING:
    from relgraph.db import models

__all__ = ["Address", "AddressInput"]


@strawberry.type(description="A postal address (adres) of a party.")
class Address:
    id: strawberry.ID = strawberry.field(description="Globally unique, opaque ID.")
    kind: AddressKind = strawberry.field(description="VISIT, POSTAL or INVOICE.")
    street: str | None = strawberry.field(description="Street name (straat).")
    house_number: str | None = strawberry.field(description="House number (huisnummer).")
    house_number_addition: str | None = strawberry.field(
        description="Addition to the house number (toevoeging), e.g. 'A' or 'bis'."
    )
    postcode: str | None = strawberry.field(description='Postcode; Dutch ones as "1234 AB".')
    city: str | None = strawberry.field(description="City (plaats).")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. NL.")
    is_head_office: bool = strawberry.field(
        description="True for the one visit address that is the head office (hoofdkantoor)."
    )

    @classmethod
    def from_row(cls, row: models.Address) -> Address:
        return cls(
            id=strawberry.ID(encode_id("Address", row.id)),
            kind=AddressKind(row.kind),
            street=row.street,
            house_number=row.house_number,
            house_number_addition=row.house_number_addition,
            postcode=row.postcode,
            city=row.city,
            country=row.country,
            is_head_office=row.is_head_office,
        )


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
