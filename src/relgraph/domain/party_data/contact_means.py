"""Contact means (contactgegevens) of parties: add, change, remove, choose the primary one.

A party's first active contact mean of a kind becomes its primary one; `set_primary`
moves the flag. The organisation's and person's `email` and `phone` are their primary
EMAIL and PHONE contact means, written through `set_primary_value`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import phonenumbers
from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id, grouped
from relgraph.db.models import ContactKind, ContactMean
from relgraph.domain import parties, versions
from relgraph.domain.party_data import phones, search_text
from relgraph.domain.party_data.owned import OwnedRecords
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Conflict
from relgraph.policy import Viewer, party_visible

__all__ = [
    "AUDITED_FIELDS",
    "OWNED",
    "PARTY_FIELDS",
    "add",
    "clean_value",
    "display_order",
    "formatted",
    "get_many",
    "list_for_parties",
    "load_for_update",
    "remove",
    "set_primary",
    "set_primary_value",
    "set_primary_values",
    "take_party_fields",
    "update",
]

AUDITED_FIELDS = ["party_id", "kind", "value", "label", "is_primary", "active"]
# The merge of two organisations keeps one of each (merging/belongings.py).
OWNED = OwnedRecords(
    AuditedRows(
        ContactMean,
        AUDITED_FIELDS,
        "contact mean",
        # The unique indexes: one primary per party and kind, and no value twice per kind.
        unique=(
            "value",
            "This party already has this value, or another primary one was just chosen; reload.",
        ),
    ),
    key=("kind", "value"),
    per=("kind",),
)
# The order a party's contact means are listed in: by kind, then primary, active, oldest first.
_KIND_ORDER = {kind.value: i for i, kind in enumerate(ContactKind)}
_NOUNS = {
    ContactKind.EMAIL.value: "email address",
    ContactKind.PHONE.value: "phone number",
    ContactKind.MOBILE.value: "mobile number",
    ContactKind.FAX.value: "fax number",
    ContactKind.WEBSITE.value: "website",
    ContactKind.SOCIAL.value: "social media profile",
}


def clean_value(checks: Checks, kind: str, value: str | None, field: str = "value") -> str | None:
    """Validate and normalise a value of `kind`: emails in their normal form, phone numbers E.164."""
    if value is None or not value.strip():
        checks.fail(field, "This field is required.")
        return None
    if kind == ContactKind.EMAIL:
        return checks.email(field, value)
    if kind in phones.PHONE_KINDS:
        return checks.phone_number(field, value)
    if kind == ContactKind.WEBSITE:
        return checks.url(field, value)
    return checks.social(field, value)


def formatted(kind: str, value: str) -> str:
    """The value for people to read: phone numbers internationally ("+31 20 123 4567")."""
    if kind in phones.PHONE_KINDS:
        number = phones.parse(value)
        if number is not None:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return value


def _sort_key(row: ContactMean) -> tuple[int, bool, bool, int]:
    return (_KIND_ORDER[row.kind], not row.is_primary, not row.active, row.id)


def display_order(table: Any) -> list[Any]:
    """SQL: `_sort_key` over the contact_means table (or an alias of it): by kind, the
    primary one first, then the active ones, the oldest first. Compiled reads render it."""
    return [
        case(_KIND_ORDER, value=table.c.kind),
        case((table.c.is_primary.is_(True), 0), else_=1),
        case((table.c.active.is_(True), 0), else_=1),
        table.c.id,
    ]


async def list_for_parties(session: AsyncSession, party_ids: Sequence[int]) -> list[list[ContactMean]]:
    """Every contact mean of each party (inactive ones too), aligned with `party_ids`."""
    rows = await session.scalars(select(ContactMean).where(ContactMean.party_id.in_(party_ids)))
    return [sorted(found, key=_sort_key) for found in grouped(((r.party_id, r) for r in rows), party_ids)]


async def get_many(session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]) -> list[ContactMean | None]:
    """The contact means with `ids` whose party `viewer` may see (R1), aligned with `ids`."""
    return await by_id(session, ContactMean, ids, party_visible(viewer, ContactMean.party_id))


async def _check_free(
    session: AsyncSession, party_id: int, kind: str, value: str, own_id: int | None
) -> None:
    if await OWNED.same(session, party_id, (kind, value), own_id) is not None:
        raise Conflict("value", f"This party already has this {_NOUNS[kind]}.")


async def add(
    session: AsyncSession, *, actor: Viewer, party: tuple[str, int], data: Mapping[str, Any]
) -> ContactMean:
    """Add a contact mean to a party `actor` may see; the first active one of a kind is primary."""
    checks = Checks()
    kind = ContactKind(data["kind"]).value
    value = clean_value(checks, kind, data.get("value"))
    label = checks.text("label", data.get("label"), max_length=100)
    checks.raise_if_any()
    assert value is not None
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1])
    await _check_free(session, target.id, kind, value, None)
    row = ContactMean(
        party_id=target.id, kind=kind, value=value, label=label, active=True, **versions.created(actor)
    )
    await OWNED.add(session, actor, row, data.get("primary"))
    await search_text.refresh(session, target.id)
    return row


async def load_for_update(
    session: AsyncSession, *, viewer: Viewer, id: int, expected_version: int | None
) -> ContactMean:
    """Fetch a contact mean of a party `viewer` may see, checking the version the caller saw."""
    return await OWNED.rows.load_of_visible_party(
        session, viewer=viewer, id=id, expected_version=expected_version
    )


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ContactMean:
    """Change the value, label or active flag; a deactivated primary stops being primary."""
    row = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    checks = Checks()
    values: dict[str, Any] = {}
    if "value" in data:
        values["value"] = clean_value(checks, row.kind, data["value"])
    if "label" in data:
        values["label"] = checks.text("label", data["label"], max_length=100)
    if data.get("active") is not None:
        values["active"] = bool(data["active"])
    checks.raise_if_any()
    if "value" in values:
        await _check_free(session, row.party_id, row.kind, values["value"], row.id)
    before = await OWNED.update(session, actor, row, values)
    if before["value"] != row.value or before["active"] != row.active:
        await search_text.refresh(session, row.party_id)
    return row


async def remove(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> int:
    """Delete a contact mean; the audit trail keeps what it was."""
    row = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    party_id = row.party_id
    await OWNED.rows.remove(session, actor, row)
    await search_text.refresh(session, party_id)
    return id


async def set_primary(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> ContactMean:
    """Make a contact mean the primary one of its kind; the previous primary stays, as a plain one."""
    row = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    return await OWNED.set_primary(session, actor, row)


# The input fields of an organisation or person that are its primary contact means, by kind.
PARTY_FIELDS = {"email": ContactKind.EMAIL.value, "phone": ContactKind.PHONE.value}


def take_party_fields(values: dict[str, Any]) -> dict[str, str | None]:
    """Take the contact fields out of a party's cleaned `values`: {kind: value}, for those sent."""
    return {kind: values.pop(name) for name, kind in PARTY_FIELDS.items() if name in values}


async def set_primary_values(
    session: AsyncSession, *, actor: Viewer, party_id: int, values: Mapping[str, str | None]
) -> None:
    """`set_primary_value` for each kind in `values` ({kind: value})."""
    for kind, value in values.items():
        await set_primary_value(session, actor=actor, party_id=party_id, kind=kind, value=value)


async def set_primary_value(
    session: AsyncSession, *, actor: Viewer, party_id: int, kind: str, value: str | None
) -> None:
    """Make `value` (already validated) the party's primary contact mean of `kind`.

    This is what `email` / `phone` on an organisation or person input do: the primary
    entry's value is replaced (or the entry created); null removes the primary entry.
    The caller refreshes the party's search text.
    """
    current = await OWNED.holder(session, party_id, kind)
    if current is not None and current.value == value:
        return
    rows = OWNED.rows
    if current is not None:
        existing = None if value is None else await OWNED.same(session, party_id, (kind, value), current.id)
        if value is None or existing is not None:
            await rows.remove(session, actor, current)
        else:
            before = rows.snapshot(current)
            current.value = value
            await rows.save(session, actor, current, before)
            return
    if value is None:
        return
    existing = await OWNED.same(session, party_id, (kind, value), None)
    if existing is not None:
        # The value is there already, as a plain (maybe inactive) entry: promote it.
        before = rows.snapshot(existing)
        existing.is_primary = True
        existing.active = True
        await rows.save(session, actor, existing, before)
        return
    row = ContactMean(
        party_id=party_id,
        kind=kind,
        value=value,
        is_primary=True,
        active=True,
        **versions.created(actor),
    )
    await rows.add(session, actor, row)
