"""Addresses (adresgegevens) of parties: add, change, remove, choose the head office.

One visit address is the head office (hoofdkantoor): the first visit address added,
changeable later; removing it promotes the oldest remaining visit address (seed 004).
A party has at most one POSTAL and one INVOICE address, so the invoice address is never
ambiguous. INVOICE addresses are invoice data, financial (R4): changing them needs
FINANCE (checked here), and the API layer shows them only to FINANCE users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id, grouped, in_values
from relgraph.db.models import Address, AddressKind, Organisation
from relgraph.domain import parties, versions
from relgraph.domain.classified import check_writable
from relgraph.domain.history import audit_writes
from relgraph.domain.party_data import search_text
from relgraph.domain.party_data.countries import HOME_COUNTRY
from relgraph.domain.party_data.owned import OwnedRecords
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Conflict, InvalidInput, NotFound
from relgraph.policy import Viewer, kind_is_classified, may_read, party_visible

__all__ = [
    "AUDITED_FIELDS",
    "FIELDS",
    "add",
    "clean",
    "get_many",
    "head_office_country",
    "lines",
    "list_for_parties",
    "load_for_update",
    "promote_head_office",
    "remove",
    "set_head_office",
    "set_head_office_fields",
    "update",
]

FIELDS = ("street", "house_number", "house_number_addition", "postcode", "city", "country")
AUDITED_FIELDS = ["party_id", "kind", *FIELDS, "is_head_office"]
_HEAD_OFFICES = OwnedRecords(
    AuditedRows(
        Address,
        AUDITED_FIELDS,
        "address",
        # The unique indexes: one head office per party, one POSTAL and one INVOICE address.
        unique=("id", "Someone else just changed this party's addresses; reload."),
        # Every event of an invoice address names its kind, so that reading the trail can
        # leave it out for who may not see the address (R4) even when the kind did not change.
        names_kind=lambda address: kind_is_classified("Address", address.kind),
    ),
    flag="is_head_office",
)
_ADDRESSES = _HEAD_OFFICES.rows


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


def lines(row: Address) -> list[str]:
    """The address as it goes on an envelope: street line, postcode and city, and the
    country code when it is not the home country; empty parts left out."""
    number = " ".join(p for p in (row.house_number, row.house_number_addition) if p)
    out = [
        " ".join(p for p in (row.street, number) if p),
        " ".join(p for p in (row.postcode, row.city) if p),
        "" if row.country == HOME_COUNTRY else row.country,
    ]
    return [line for line in out if line]


async def list_for_parties(session: AsyncSession, party_ids: Sequence[int]) -> list[list[Address]]:
    """The addresses of each party, head office first, aligned with `party_ids`."""
    rows = await session.scalars(
        select(Address)
        .where(in_values(Address.party_id, party_ids))
        .order_by(Address.party_id, Address.is_head_office.desc(), Address.id)
    )
    return grouped(((address.party_id, address) for address in rows), party_ids)


async def get_many(session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]) -> list[Address | None]:
    """The addresses with `ids` whose party `viewer` may see (R1), aligned with `ids`."""
    return await by_id(session, Address, ids, party_visible(viewer, Address.party_id))


def _check_financial(actor: Viewer, kind: str, field: str) -> None:
    # Invoice addresses are invoice data (R4): who may not read them may not write them.
    check_writable(actor, "Address", kind=kind, what=f"Changing {kind.lower()} addresses", at=(field,))


async def _refresh_search(session: AsyncSession, party_id: int) -> None:
    """An organisation is found by the cities of its addresses: recompute its search text."""
    org = await session.get(Organisation, party_id)
    if org is not None:
        await search_text.refresh_organisation(session, org)
        await session.flush()


def _new(
    actor: Viewer | None, party_id: int, kind: str, head_office: bool, values: Mapping[str, Any]
) -> Address:
    return Address(
        party_id=party_id, kind=kind, is_head_office=head_office, **versions.created(actor), **values
    )


async def add(
    session: AsyncSession, *, actor: Viewer, party: tuple[str, int], kind: str, data: Mapping[str, Any]
) -> Address:
    """Add an address to a party `actor` may see; its first visit address is the head office."""
    checks = Checks()
    values = clean(checks, data, prefix=())
    checks.raise_if_any()
    _check_financial(actor, kind, "kind")
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1])
    if kind != AddressKind.VISIT:
        taken = await session.scalar(
            select(Address.id).where(Address.party_id == target.id, Address.kind == kind)
        )
        if taken is not None:
            raise Conflict(
                "kind", f"This party has a {kind.lower()} address already; change that one instead."
            )
    head = kind == AddressKind.VISIT and await _HEAD_OFFICES.holder(session, target.id) is None
    row = await _ADDRESSES.add(session, actor, _new(actor, target.id, kind, head, values), at="kind")
    await _refresh_search(session, target.id)
    await session.flush()
    return row


async def load_for_update(
    session: AsyncSession, *, viewer: Viewer, id: int, expected_version: int | None, field: str = "id"
) -> Address:
    """Fetch an address of a party `viewer` may see and change, checking the version the caller saw."""
    try:
        row = await _ADDRESSES.load_of_visible_party(session, viewer=viewer, id=id, expected_version=None)
    except NotFound:
        row = None
    # An address of a kind the viewer may not read does not exist for it (R4), as by node(id:).
    if row is None or not may_read(viewer, "Address", kind=row.kind):
        raise NotFound(field, "No address with this id.")
    versions.check_version(row, expected_version, "address")
    return row


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Address:
    """Change the fields present in `data`; the kind is fixed.

    The whole address is checked again, since a postcode is valid or not for its country.
    """
    row = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    merged = {name: getattr(row, name) for name in FIELDS} | dict(data)
    checks = Checks()
    values = clean(checks, merged, prefix=())
    checks.raise_if_any()
    before = _ADDRESSES.snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    await _ADDRESSES.save(session, actor, row, before)
    await _refresh_search(session, row.party_id)
    await session.flush()
    return row


async def head_office_country(session: AsyncSession, party_id: int) -> str | None:
    """The country of the party's head office; None when it has none."""
    address = await _HEAD_OFFICES.holder(session, party_id)
    return address.country if address is not None else None


async def promote_head_office(
    session: AsyncSession, *, actor: Viewer | None, party_id: int
) -> Address | None:
    """Make the oldest visit address the head office when the party has none; return it."""
    if await _HEAD_OFFICES.holder(session, party_id) is not None:
        return None
    oldest = await session.scalar(
        select(Address)
        .where(Address.party_id == party_id, Address.kind == AddressKind.VISIT)
        .order_by(Address.created_at, Address.id)
        .limit(1)
    )
    if oldest is None:
        return None
    before = _ADDRESSES.snapshot(oldest)
    oldest.is_head_office = True
    return await _ADDRESSES.save(session, actor, oldest, before)


async def remove(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> tuple[int, Address | None]:
    """Delete an address; when it was the head office, the oldest remaining visit address
    takes over. Returns the party's id and that new head office, if any."""
    row = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    party_id, was_head = row.party_id, row.is_head_office
    await _ADDRESSES.remove(session, actor, row)
    promoted = await promote_head_office(session, actor=actor, party_id=party_id) if was_head else None
    await _refresh_search(session, party_id)
    await session.flush()
    return party_id, promoted


async def set_head_office(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> Address:
    """Make a visit address the head office; the previous one stays, as a plain visit address."""
    row = await load_for_update(
        session, viewer=actor, id=id, expected_version=expected_version, field="addressId"
    )
    if row.kind != AddressKind.VISIT:
        raise InvalidInput.at("addressId", "Only a visit address can be the head office.")
    await _HEAD_OFFICES.take(session, actor, row, at="addressId", holder_at="addressId")
    await session.flush()
    return row


async def set_head_office_fields(
    session: AsyncSession, *, actor: Viewer | None, party_id: int, values: Mapping[str, Any]
) -> Address:
    """Overwrite the head-office visit address of a party, creating it when there is none."""
    address = await _HEAD_OFFICES.holder(session, party_id)
    if address is None:
        address = _new(actor, party_id, AddressKind.VISIT.value, True, values)
        return await _ADDRESSES.add(session, actor, address)
    before = _ADDRESSES.snapshot(address)
    for name in FIELDS:
        setattr(address, name, values.get(name))
    if actor is not None:
        versions.stamp(address, actor)
    await _ADDRESSES.flush(session)
    changes = audit_writes.changes_between(before, _ADDRESSES.snapshot(address))
    if changes:
        _ADDRESSES.record(session, actor, address, "UPDATE", changes)
    return address
