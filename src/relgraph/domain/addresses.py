"""Addresses (adresgegevens) of parties; the first visit address is the head office."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Address, AddressKind
from relgraph.domain.validation import Checks

__all__ = ["clean", "list_for_parties", "set_head_office_fields"]

FIELDS = ("street", "house_number", "house_number_addition", "postcode", "city", "country")


def clean(checks: Checks, data: Mapping[str, Any], *, prefix: Sequence[str]) -> dict[str, Any]:
    """Validate an address input; errors are reported under `prefix`."""
    sub = checks.nested(*prefix)
    country = sub.country("country", data.get("country"))
    values = {
        "street": sub.text("street", data.get("street"), max_length=200),
        "house_number": sub.text("houseNumber", data.get("house_number"), max_length=10),
        "house_number_addition": sub.text(
            "houseNumberAddition", data.get("house_number_addition"), max_length=10
        ),
        "postcode": sub.postcode("postcode", data.get("postcode"), country),
        "city": sub.text("city", data.get("city"), max_length=100),
        "country": country,
    }
    return values


async def set_head_office_fields(
    session: AsyncSession, *, party_id: int, values: Mapping[str, Any]
) -> Address:
    """Overwrite the head-office visit address of a party, creating it when there is none."""
    address = await session.scalar(
        select(Address).where(Address.party_id == party_id, Address.is_head_office.is_(True))
    )
    if address is None:
        address = Address(party_id=party_id, kind=AddressKind.VISIT.value, is_head_office=True)
        session.add(address)
    for name in FIELDS:
        setattr(address, name, values.get(name))
    await session.flush()
    return address


async def list_for_parties(session: AsyncSession, party_ids: Sequence[int]) -> list[list[Address]]:
    """The addresses of each party, head office first, aligned with `party_ids`."""
    rows = await session.scalars(
        select(Address)
        .where(Address.party_id.in_(party_ids))
        .order_by(Address.party_id, Address.is_head_office.desc(), Address.id)
    )
    grouped: dict[int, list[Address]] = {i: [] for i in party_ids}
    for address in rows:
        grouped[address.party_id].append(address)
    return [grouped[i] for i in party_ids]
