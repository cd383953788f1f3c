"""Memberships (persoon in organisatie): who works where, in which role, since when.

Leaving a job deactivates the membership (history kept); deleting is for a wrong link,
and the reason is kept in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Membership, MembershipTag, Organisation, Person, User
from relgraph.db.models.in_force import has_ended
from relgraph.domain import parties, places, versions
from relgraph.domain.memberships.queries import (
    MembershipFilter,
    count_for,
    get_many,
    has_memberships,
    list_for,
    tags_of,
)
from relgraph.domain.party_data import search_text
from relgraph.domain.persons import persons
from relgraph.domain.persons.names import is_tombstone
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import InvalidInput, NotFound
from relgraph.policy import Viewer

__all__ = [
    "AUDITED_FIELDS",
    "MEMBERSHIPS",
    "MembershipFilter",
    "add",
    "clean",
    "count_for",
    "deactivate",
    "delete_wrong_link",
    "get_many",
    "has_memberships",
    "link",
    "list_for",
    "load_for_update",
    "reactivate",
    "tags_of",
    "update",
]

AUDITED_FIELDS = [
    "person_id",
    "organisation_id",
    "department",
    "job_title",
    "business_email",
    "phone1",
    "phone2",
    "role",
    "account_manager_id",
    "active",
    "start_date",
    "end_date",
]
MAX_TAGS = 20
MEMBERSHIPS = AuditedRows(
    Membership,
    AUDITED_FIELDS,
    "membership",
    # Two concurrent adds of the same person, organisation and role meet in the unique index.
    unique=("role", "This person already has an active membership here in this role."),
    party="organisation_id",
    other_party="person_id",
)


def clean(checks: Checks, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the membership fields present in `data`; tags come back as a sorted list."""
    values: dict[str, Any] = {}
    texts = {"department": ("department", 100), "job_title": ("jobTitle", 100), "role": ("role", 100)}
    for name, (field, length) in texts.items():
        if name in data:
            values[name] = checks.text(field, data[name], max_length=length)
    if "business_email" in data:
        values["business_email"] = checks.email("businessEmail", data["business_email"])
    for name in ("phone1", "phone2"):
        if name in data:
            values[name] = checks.phone(name, data[name])
    for name, field in (("start_date", "startDate"), ("end_date", "endDate")):
        if name in data:
            values[name] = checks.date(field, data[name])
    if "account_manager_id" in data:
        values["account_manager_id"] = data["account_manager_id"]
    if "tags" in data:
        tags: dict[str, None] = {}
        for i, raw in enumerate(data["tags"] or []):
            tag = checks.text(("tags", str(i)), raw, max_length=50)
            if tag:
                tags[tag.lower()] = None
        if len(tags) > MAX_TAGS:
            checks.fail("tags", f"At most {MAX_TAGS} tags.")
        values["tags"] = sorted(tags)
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None and end is not None and end < start:
        checks.fail("endDate", "The end date lies before the start date.")
    return values


def _check_dates(start: dt.date | None, end: dt.date | None, field: str = "endDate") -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput.at(field, "The end date lies before the start date.")


async def _check_account_manager(session: AsyncSession, user_id: int | None) -> None:
    if user_id is not None and await session.get(User, user_id) is None:
        raise NotFound("accountManagerId", "No user with this id.")


async def _set_tags(session: AsyncSession, membership_id: int, tags: list[str]) -> None:
    await session.execute(delete(MembershipTag).where(MembershipTag.membership_id == membership_id))
    if tags:
        await session.execute(
            insert(MembershipTag), [{"membership_id": membership_id, "tag": t} for t in tags]
        )


async def _refresh_person_search(session: AsyncSession, person_id: int) -> None:
    person = await session.get(Person, person_id)
    if person is not None:
        await search_text.refresh_person(session, person)


async def add(
    session: AsyncSession,
    *,
    actor: Viewer,
    person_id: int,
    organisation_id: int,
    data: Mapping[str, Any],
) -> Membership:
    """Link an existing person (one `actor` may see) to an existing organisation."""
    checks = Checks()
    clean(checks, data)
    checks.raise_if_any()
    person = (await persons.get_many(session, viewer=actor, ids=[person_id]))[0]
    if person is None or is_tombstone(person):
        raise NotFound("personId", "No person with this id.")
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("organisationId", "No organisation with this id.")
    parties.refuse_merged(organisation, "organisationId")
    return await link(session, actor=actor, person=person, organisation=organisation, data=data)


async def link(
    session: AsyncSession,
    *,
    actor: Viewer,
    person: Person,
    organisation: Organisation,
    data: Mapping[str, Any],
) -> Membership:
    """Create the membership of `person` at `organisation`, both already fetched."""
    checks = Checks()
    values = clean(checks, data)
    checks.raise_if_any()
    await _check_account_manager(session, values.get("account_manager_id"))
    tags = values.pop("tags", [])
    membership = Membership(
        person_id=person.id,
        organisation_id=organisation.id,
        active=True,
        **versions.created(actor),
        **values,
    )
    await places.take_membership_place(session, membership)
    await MEMBERSHIPS.add(session, actor, membership)
    await _set_tags(session, membership.id, tags)
    await search_text.refresh_person(session, person)
    await session.flush()
    return membership


async def load_for_update(session: AsyncSession, *, id: int, expected_version: int | None) -> Membership:
    # Locked (PostgreSQL) before anything is written, in the order every bulk operation
    # locks (db/bulk.py): the person, then the membership. A concurrent change of the same
    # membership waits here and then meets the new version as a CONFLICT, instead of racing
    # this one through the tags and the unique index; a bulk relink of the same person
    # queues instead of deadlocking (this change may update the person's search text).
    await session.execute(
        select(Person.id)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.id == id)
        .with_for_update(of=Person.__table__, key_share=True)
    )
    membership = await session.get(
        Membership, id, populate_existing=True, with_for_update={"key_share": True}
    )
    if membership is None:
        raise NotFound("id", "No membership with this id.")
    versions.check_version(membership, expected_version, "membership")
    return membership


async def _check_person_not_deleted(session: AsyncSession, membership: Membership) -> None:
    # The membership of a deleted person stays as history; it takes no new contact data.
    person = await session.get(Person, membership.person_id)
    if person is not None and is_tombstone(person):
        raise InvalidInput.at("id", "The person of this membership was deleted; its history cannot change.")


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Membership:
    """Change the fields present in `data` (tags are replaced as a whole when sent)."""
    checks = Checks()
    values = clean(checks, data)
    checks.raise_if_any()
    membership = await load_for_update(session, id=id, expected_version=expected_version)
    await _check_person_not_deleted(session, membership)
    before = MEMBERSHIPS.snapshot(membership)
    tags = values.pop("tags", None)
    for name, value in values.items():
        setattr(membership, name, value)
    _check_dates(membership.start_date, membership.end_date)
    await _check_account_manager(session, membership.account_manager_id)
    if "role" in values and membership.active:
        if has_ended(membership):
            membership.active = False  # lapsed: it needs no place (domain/places.py)
        else:
            await places.take_membership_place(session, membership)
    if tags is not None:
        await _set_tags(session, membership.id, tags)
    await MEMBERSHIPS.save(session, actor, membership, before)
    await session.flush()
    if "business_email" in values:
        await _refresh_person_search(session, membership.person_id)
    return membership


async def deactivate(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    end_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Membership:
    """End a membership (uit dienst) on `end_date` (default today); history stays.

    Ended today or earlier, it is inactive at once (ended by hand, db/models/in_force.py);
    with a later end date it stays active until that day: a planned end.
    """
    membership = await load_for_update(session, id=id, expected_version=expected_version)
    if has_ended(membership):
        raise InvalidInput.at("id", "This membership is already inactive.")
    today = dt.date.today()
    end_date = end_date or today
    checks = Checks()
    checks.date("endDate", end_date)
    checks.raise_if_any()
    _check_dates(membership.start_date, end_date)
    before = MEMBERSHIPS.snapshot(membership)
    membership.active = end_date > today
    membership.end_date = end_date
    await MEMBERSHIPS.save(session, actor, membership, before, "DEACTIVATE")
    await session.flush()
    return membership


async def reactivate(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> Membership:
    """Make an ended membership active again (the end date is cleared)."""
    membership = await load_for_update(session, id=id, expected_version=expected_version)
    if not has_ended(membership):
        raise InvalidInput.at("id", "This membership has not ended.")
    await _check_person_not_deleted(session, membership)
    before = MEMBERSHIPS.snapshot(membership)
    membership.active = True
    membership.end_date = None
    await places.take_membership_place(session, membership)
    await MEMBERSHIPS.save(session, actor, membership, before, "REACTIVATE")
    await session.flush()
    return membership


async def delete_wrong_link(
    session: AsyncSession, *, actor: Viewer, id: int, reason: str, expected_version: int | None = None
) -> int:
    """Delete a membership that should never have existed; the reason stays in the audit trail."""
    checks = Checks()
    reason_text = checks.multiline("reason", reason, max_length=1000)
    if reason_text is None or len(reason_text) < 3:
        checks.fail("reason", "Say why this link is wrong (at least 3 characters).")
    checks.raise_if_any()
    membership = await load_for_update(session, id=id, expected_version=expected_version)
    tags = (await tags_of(session, [membership.id]))[0]
    before = {**MEMBERSHIPS.snapshot(membership), "tags": tags}
    person_id = membership.person_id
    await MEMBERSHIPS.remove(session, actor, membership, before=before, reason=reason_text)
    await _refresh_person_search(session, person_id)
    return id
