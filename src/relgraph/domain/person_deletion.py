"""Deleting a person (contactpersoon verwijderen): the personal data goes, a tombstone stays.

Irreversible (seed 004): names, birth date, BSN, contact means, bank accounts, addresses,
documents, employee data, party types and customer group links are erased, and so are
their values in the audit trail. The row itself stays, named "Deleted contact", so that
memberships (deactivated), relations, internal relations, notes and audit events that
point at it still read sensibly. Existing invoices are not touched.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import (
    Address,
    AuditEvent,
    BankAccount,
    ContactMean,
    Document,
    EmployeeData,
    Gender,
    Membership,
    PartyGroup,
    PartyTypeLink,
    Person,
    PurchaseRelation,
    SalesRelation,
)
from relgraph.db.models.in_force import has_ended
from relgraph.domain import audit, documents, memberships, persons, versions
from relgraph.errors import InvalidInput
from relgraph.policy import Viewer
from relgraph.storage import DocumentStore

__all__ = ["ERASED", "Deletion", "delete_person", "remove_files"]

# What an erased value reads as in the audit trail: that there was a value, not which.
ERASED = "<erased>"
# Objects of the person whose every audited value is personal data.
PERSONAL_OBJECTS = frozenset({"Person", "ContactMean", "BankAccount", "Address", "Document", "EmployeeData"})
# The membership fields that are the person's (the job title and role are the organisation's history).
MEMBERSHIP_PERSONAL_FIELDS = frozenset({"business_email", "phone1", "phone2"})
# Rows erased with the person, by what the deletion event counts them as.
_ERASED_ROWS: tuple[tuple[str, Any, Any], ...] = (
    ("contact means", ContactMean, ContactMean.party_id),
    ("bank accounts", BankAccount, BankAccount.party_id),
    ("addresses", Address, Address.party_id),
    ("employee data", EmployeeData, EmployeeData.person_id),
    ("sales data", SalesRelation, SalesRelation.party_id),
    ("purchase data", PurchaseRelation, PurchaseRelation.party_id),
    ("party types", PartyTypeLink, PartyTypeLink.party_id),
    ("customer groups", PartyGroup, PartyGroup.party_id),
)


@dataclass(frozen=True)
class Deletion:
    """A committed-to-be deletion: the tombstone, and the stored files its documents used."""

    person: Person
    file_hashes: tuple[str, ...]
    # time.time() when the deletion began: a file touched later belongs to a new upload.
    started: float


def _erased(value: Any) -> Any:
    return None if value is None else ERASED


def scrub(changes: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """`changes` with the values of `fields` (all when None) replaced by ERASED; names stay."""
    wanted = None if fields is None else set(fields)
    scrubbed: dict[str, Any] = {}
    for name, change in changes.items():
        if wanted is not None and name not in wanted:
            scrubbed[name] = change
        elif isinstance(change, Mapping):
            scrubbed[name] = {side: _erased(value) for side, value in change.items()}
        else:
            scrubbed[name] = _erased(change)
    return scrubbed


async def _scrub_trail(session: AsyncSession, person_id: int, membership_ids: Sequence[int]) -> int:
    """Erase the person's values from the audit events that hold them; return how many changed."""
    personal = select(AuditEvent).where(
        or_(
            (AuditEvent.party_id == person_id) & AuditEvent.object_type.in_(PERSONAL_OBJECTS),
            (AuditEvent.object_type == "Person") & (AuditEvent.object_id == person_id),
        )
    )
    # Memberships deleted as wrong links left events that name the person only in their
    # changes; such deletions are rare, so reading them all and matching here stays cheap
    # (and the same on both backends, where JSON operators differ).
    gone = select(AuditEvent).where(
        AuditEvent.object_type == "Membership",
        ~exists(select(Membership.id).where(Membership.id == AuditEvent.object_id)),
    )
    kept = select(AuditEvent).where(
        AuditEvent.object_type == "Membership", AuditEvent.object_id.in_(membership_ids)
    )
    changed = 0
    for event in await session.scalars(personal):
        changed += _replace(event, scrub(event.changes or {}))
    for event in list(await session.scalars(kept)) + [
        e for e in await session.scalars(gone) if _names_person(e.changes or {}, person_id)
    ]:
        changed += _replace(event, scrub(event.changes or {}, MEMBERSHIP_PERSONAL_FIELDS))
    return changed


def _names_person(changes: Mapping[str, Any], person_id: int) -> bool:
    change = changes.get("person_id")
    return isinstance(change, Mapping) and person_id in (change.get("before"), change.get("after"))


def _replace(event: AuditEvent, changes: dict[str, Any]) -> int:
    if changes == (event.changes or {}):
        return 0
    event.changes = changes
    return 1


async def _end_memberships(session: AsyncSession, actor: Viewer, person_id: int) -> list[Membership]:
    """Deactivate the person's memberships (ended today) and erase their contact details."""
    today = dt.date.today()
    rows = list(
        await session.scalars(
            select(Membership).where(Membership.person_id == person_id).order_by(Membership.id)
        )
    )
    for membership in rows:
        before = audit.snapshot(membership, memberships.AUDITED_FIELDS)
        was_active = not has_ended(membership)
        if was_active:
            membership.active = False
            if membership.end_date is None or membership.end_date > today:
                # A membership that was to start later ends the day it would have begun.
                start = membership.start_date
                membership.end_date = max(start, today) if start else today
        for name in MEMBERSHIP_PERSONAL_FIELDS:
            setattr(membership, name, None)
        if audit.snapshot(membership, memberships.AUDITED_FIELDS) == before:
            continue
        versions.stamp(membership, actor)
        changes = audit.changes_between(before, audit.snapshot(membership, memberships.AUDITED_FIELDS))
        audit.record(
            session,
            actor=actor,
            object_type="Membership",
            object_id=membership.id,
            party_id=membership.organisation_id,
            other_party_id=person_id,
            action="DEACTIVATE" if was_active else "UPDATE",
            changes=scrub(changes, MEMBERSHIP_PERSONAL_FIELDS),
            reason="The person was deleted.",
        )
    return rows


def _erase_person(person: Person, actor: Viewer) -> None:
    person.gender = Gender.UNKNOWN.value
    person.title = person.initials = person.first_name = person.infix = None
    person.birth_date = None
    person.bsn = None
    person.last_name = persons.TOMBSTONE_NAME
    person.active = False
    person.deleted_at = dt.datetime.now(dt.UTC)
    person.deleted_by_id = actor.id
    persons.refresh_search(person)
    versions.stamp(person, actor)


async def delete_person(
    session: AsyncSession, *, actor: Viewer, id: int, confirm: bool, expected_version: int | None = None
) -> Deletion:
    """Erase person `id`'s personal data and leave its tombstone; needs `confirm` true."""
    if confirm is not True:
        raise InvalidInput.at("confirm", "Deleting a person cannot be undone: send confirm: true to go ahead.")
    started = time.time()
    person = await persons.load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    ended = await _end_memberships(session, actor, person.id)
    # Before the deletion event joins the trail (the memberships' new events hold no values).
    scrubbed = await _scrub_trail(session, person.id, [m.id for m in ended])
    hashes = tuple(sorted(set(await session.scalars(select(Document.sha256).where(Document.party_id == person.id)))))
    counts = {"documents": await _delete_rows(session, Document, Document.party_id, person.id)}
    for what, model, column in _ERASED_ROWS:
        counts[what] = await _delete_rows(session, model, column, person.id)
    _erase_person(person, actor)
    await versions.flush(session, "person")
    erased = ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "no related rows"
    audit.record(
        session,
        actor=actor,
        object_type="Person",
        object_id=person.id,
        party_id=person.id,
        action="DELETE",
        changes={"deleted": {"before": False, "after": True}},
        reason=(
            f"Personal data erased ({erased}); {len(ended)} membership(s) ended; "
            f"{scrubbed} audit event(s) scrubbed."
        ),
    )
    await session.flush()
    return Deletion(person=person, file_hashes=hashes, started=started)


async def _delete_rows(session: AsyncSession, model: Any, column: Any, person_id: int) -> int:
    result = await session.execute(delete(model).where(column == person_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def remove_files(session: AsyncSession, store: DocumentStore, deletion: Deletion) -> int:
    """After the deletion committed: remove the stored files no document refers to any more.

    A file another party's document shares (same content) stays; so does one touched
    since the deletion began, which is a new upload of the same content whose row may
    not have committed yet (`relgraph documents cleanup` takes it if that upload failed).
    """
    return await documents.remove_unreferenced(
        session, store, deletion.file_hashes, untouched_since=deletion.started
    )
