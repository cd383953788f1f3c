"""Deleting a person (contactpersoon verwijderen): the personal data goes, a tombstone stays.

Irreversible (seed 004): names, birth date, BSN, contact means, bank accounts, addresses,
documents, employee data, party types and customer group links are erased, and so are the
texts written about the person (notes, activities, relation notes); every value of these
goes from the audit trail too, with the reasons recorded there. The row itself stays,
named "Deleted contact", so that memberships (ended; their job, department, role and
tags are the organisation's history), relations, internal relations, notes, activities
and audit events that point at it still read sensibly. Existing invoices are not touched.

The audit trail is searched by the person (the party and the second party of its events),
never by the ids of its objects: an id may have named another object before ids were
never reused.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import (
    Activity,
    Address,
    AuditEvent,
    BankAccount,
    ContactMean,
    Document,
    EmployeeData,
    Gender,
    Membership,
    Note,
    PartyGroup,
    PartyTypeLink,
    Person,
    PurchaseRelation,
    Relation,
    SalesRelation,
)
from relgraph.db.models.in_force import has_ended
from relgraph.domain import documents, versions
from relgraph.domain.history import audit_writes
from relgraph.domain.memberships import memberships
from relgraph.domain.party_data import search_text
from relgraph.domain.persons import persons
from relgraph.domain.persons.names import TOMBSTONE_NAME
from relgraph.errors import InvalidInput
from relgraph.policy import Viewer
from relgraph.storage import DocumentStore

__all__ = ["ERASED", "Deletion", "delete_person", "remove_files"]

# What an erased value reads as in the audit trail: that there was a value, not which.
ERASED = "<erased>"
# The reason of the changes the deletion makes to what outlives the person.
DELETED = "The person was deleted."
# Objects of the person's that outlive it (their rows stay): the fields that are the
# person's. Every other object on the person's trail is the person's own: all its values go.
MEMBERSHIP_PERSONAL_FIELDS = frozenset({"business_email", "phone1", "phone2"})
SHARED_OBJECTS_PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "Membership": MEMBERSHIP_PERSONAL_FIELDS,
    "Relation": frozenset({"note"}),
    "InternalRelation": frozenset(),
}
# Events that are nothing but a link of the person to domain data (the group): they go whole.
LINK_EVENTS = frozenset({("CustomerGroup", "ADD_MEMBER"), ("CustomerGroup", "REMOVE_MEMBER")})
# Rows erased with the person: the column that ties each to it.
_ERASED_ROWS: tuple[Any, ...] = (
    Document.party_id,
    ContactMean.party_id,
    BankAccount.party_id,
    Address.party_id,
    EmployeeData.person_id,
    SalesRelation.party_id,
    PurchaseRelation.party_id,
    PartyTypeLink.party_id,
    PartyGroup.party_id,
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


# Kept in every event: who may read an event of an address or a note depends on its kind
# (policy.audit_events_readable), and a kind is no personal data. Erased, an invoice
# address's or a price agreement's events would become readable to everyone.
_KEPT = frozenset({"kind"})


def scrub(changes: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """`changes` with the values of `fields` (all when None) replaced by ERASED; names stay,
    and so does the kind of the object."""
    wanted = None if fields is None else set(fields)
    scrubbed: dict[str, Any] = {}
    for name, change in changes.items():
        if (wanted is not None and name not in wanted) or name in _KEPT:
            scrubbed[name] = change
        elif isinstance(change, Mapping):
            scrubbed[name] = {side: _erased(value) for side, value in change.items()}
        else:
            scrubbed[name] = _erased(change)
    return scrubbed


async def _scrub_trail(session: AsyncSession, person_id: int) -> None:
    """Erase the person's values (and the reasons given) from the events that name the
    person; drop its links to domain data."""
    events = await session.scalars(
        select(AuditEvent).where(
            or_(AuditEvent.party_id == person_id, AuditEvent.other_party_id == person_id)
        )
    )
    for event in events:
        if (event.object_type, event.action) in LINK_EVENTS:
            await session.delete(event)
            continue
        changes = scrub(event.changes or {}, SHARED_OBJECTS_PERSONAL_FIELDS.get(event.object_type))
        reason = _erased(event.reason)
        if changes != (event.changes or {}) or reason != event.reason:
            event.changes, event.reason = changes, reason


async def _erase_texts(session: AsyncSession, actor: Viewer, person_id: int) -> None:
    """Blank what staff wrote about the person; the notes and activities themselves stay
    (kind, dates, who), and so do the relations (both ends are told on their trails)."""
    now = dt.datetime.now(dt.UTC)
    await session.execute(
        update(Note)
        .where(Note.party_id == person_id)
        .values(body=ERASED, **versions.stamped(Note.__table__, actor, now))
    )
    await session.execute(
        update(Activity)
        .where(Activity.party_id == person_id)
        .values(subject=ERASED, body=None, **versions.stamped(Activity.__table__, actor, now))
    )
    ends = (
        await session.execute(
            select(Relation.id, Relation.source_id, Relation.target_id).where(
                or_(Relation.source_id == person_id, Relation.target_id == person_id),
                Relation.note.is_not(None),
            )
        )
    ).all()
    if ends:
        await session.execute(
            update(Relation)
            .where(Relation.id.in_([r.id for r in ends]))
            .values(note=None, **versions.stamped(Relation.__table__, actor, now))
        )
        erased = {"note": {"before": ERASED, "after": None}}
        await audit_writes.record_many(
            session,
            [
                audit_writes.event(
                    actor=actor, object_type="Relation", object_id=r.id, party_id=party_id,
                    other_party_id=other_party_id, action="UPDATE", changes=erased, reason=DELETED,
                )
                for r in ends
                for party_id, other_party_id in ((r.source_id, r.target_id), (r.target_id, r.source_id))
            ],
        )  # fmt: skip


async def _end_memberships(session: AsyncSession, actor: Viewer, person_id: int) -> list[Membership]:
    """Deactivate the person's memberships (ended today) and erase their contact details."""
    today = dt.date.today()
    rows = list(
        await session.scalars(
            select(Membership).where(Membership.person_id == person_id).order_by(Membership.id)
        )
    )
    for membership in rows:
        before = memberships.MEMBERSHIPS.snapshot(membership)
        was_active = not has_ended(membership)
        if was_active:
            membership.active = False
            if membership.end_date is None or membership.end_date > today:
                # A membership that was to start later ends the day it would have begun.
                start = membership.start_date
                membership.end_date = max(start, today) if start else today
        for name in MEMBERSHIP_PERSONAL_FIELDS:
            setattr(membership, name, None)
        after = memberships.MEMBERSHIPS.snapshot(membership)
        if after == before:
            continue
        versions.stamp(membership, actor)
        changes = scrub(audit_writes.changes_between(before, after), MEMBERSHIP_PERSONAL_FIELDS)
        action = "DEACTIVATE" if was_active else "UPDATE"
        memberships.MEMBERSHIPS.record(session, actor, membership, action, changes, reason=DELETED)
    return rows


def _erase_person(person: Person, actor: Viewer) -> None:
    person.gender = Gender.UNKNOWN.value
    person.title = person.initials = person.first_name = person.infix = None
    person.birth_date = None
    person.bsn = None
    person.last_name = TOMBSTONE_NAME
    person.active = False
    person.deleted_at = dt.datetime.now(dt.UTC)
    person.deleted_by_id = actor.id
    search_text.set_person_keys(person)
    versions.stamp(person, actor)


async def delete_person(
    session: AsyncSession, *, actor: Viewer, id: int, confirm: bool, expected_version: int | None = None
) -> Deletion:
    """Erase person `id`'s personal data and leave its tombstone; needs `confirm` true."""
    if confirm is not True:
        raise InvalidInput.at(
            "confirm", "Deleting a person cannot be undone: send confirm: true to go ahead."
        )
    started = time.time()
    person = await persons.load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    # Before the deletion's own events join the trail (they hold no personal values).
    await _scrub_trail(session, person.id)
    ended = await _end_memberships(session, actor, person.id)
    hashes = tuple(
        sorted(set(await session.scalars(select(Document.sha256).where(Document.party_id == person.id))))
    )
    for column in _ERASED_ROWS:
        await session.execute(delete(column.class_).where(column == person.id))
    await _erase_texts(session, actor, person.id)
    _erase_person(person, actor)
    await persons.PERSONS.flush(session)
    persons.PERSONS.record(
        session,
        actor,
        person,
        "DELETE",
        {"deleted": {"before": False, "after": True}},
        # No counts of what was erased: bank accounts, invoice addresses, shielded documents
        # and notes of some kinds do not exist for some readers of this trail (R2, R4).
        reason=f"Personal data erased; {len(ended)} membership(s) ended.",
    )
    await session.flush()
    return Deletion(person=person, file_hashes=hashes, started=started)


async def remove_files(session: AsyncSession, store: DocumentStore, deletion: Deletion) -> int:
    """After the deletion committed: remove the stored files no document refers to any more.

    A file another party's document shares (same content) stays; so does one touched
    since the deletion began, which is a new upload of the same content whose row may
    not have committed yet (`relgraph documents cleanup` takes it if that upload failed).
    """
    return await documents.remove_unreferenced(
        session, store, deletion.file_hashes, untouched_since=deletion.started
    )
