"""Persons (personen): search, create, update."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db import search
from relgraph.db.batches import by_id
from relgraph.db.bulk import lock_rows
from relgraph.db.models import Gender, Person
from relgraph.db.pagination import OrderKey, Page, PageRequest, paginate
from relgraph.domain import parties, versions
from relgraph.domain.party_data import contact_means, groups, search_text
from relgraph.domain.persons.names import is_tombstone
from relgraph.domain.validation import EARLIEST_DATE, Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import NotFound
from relgraph.policy import Viewer, persons_visible

__all__ = [
    "AUDITED_FIELDS",
    "PERSONS",
    "PersonFilter",
    "count_all",
    "create",
    "get_many",
    "list_page",
    "listed",
    "matching",
    "order_keys",
    "update",
]

AUDITED_FIELDS = [
    "gender",
    "title",
    "initials",
    "first_name",
    "infix",
    "last_name",
    "birth_date",
    "bsn",
    "active",
]
EARLIEST_BIRTH_DATE = EARLIEST_DATE  # the first day any date may be
PERSONS = AuditedRows(Person, AUDITED_FIELDS, "person", party="id")


@dataclass(frozen=True)
class PersonFilter:
    search: str | None = None
    # In at least one of these customer groups.
    group_ids: tuple[int, ...] | None = None
    # Deactivated persons too (R3); deleted ones (tombstones) never.
    include_inactive: bool = False
    created_since: dt.datetime | None = None
    updated_since: dt.datetime | None = None


def listed(include_inactive: bool) -> ColumnElement[bool]:
    """SQL: the persons that search and lists show (R3): no tombstone; active unless asked."""
    alive = Person.deleted_at.is_(None)
    return alive if include_inactive else and_(alive, Person.active.is_(True))


def order_keys(field: str = "NAME", descending: bool = False) -> list[OrderKey]:
    columns = {
        "NAME": (Person.sort_key, "sort_key"),
        "CREATED_AT": (Person.created_at, "created_at"),
        "UPDATED_AT": (Person.updated_at, "updated_at"),
    }
    column, attribute = columns[field]
    return [OrderKey(column, attribute, descending), OrderKey(Person.id, "id", descending)]


def _visible(viewer: Viewer) -> Select[*tuple[Any, ...]]:
    return select(Person).where(persons_visible(viewer))


def _conditions(viewer: Viewer, flt: PersonFilter) -> list[ColumnElement[bool]]:
    """What R1 and `flt` ask, on the persons table alone (no condition needs `parties`)."""
    conditions = [persons_visible(viewer), listed(flt.include_inactive)]
    if flt.search and flt.search.strip():
        patterns = search_text.search_patterns(flt.search)
        conditions.append(search.matches(Person.search_text, Person.id, patterns))
    if flt.group_ids is not None:
        conditions.append(groups.in_any_of(Person.id, flt.group_ids))
    conditions += parties.changed_since(
        Person.id, created_since=flt.created_since, updated_since=flt.updated_since
    )
    return conditions


def matching(viewer: Viewer, flt: PersonFilter) -> Select[*tuple[Any, ...]]:
    """The ids of the persons matching `flt` that `viewer` may see (compiled reads page
    them in their own statement)."""
    return select(Person.__table__.c.id).where(*_conditions(viewer, flt))


def _filtered(viewer: Viewer, flt: PersonFilter) -> Select[*tuple[Any, ...]]:
    return select(Person).where(*_conditions(viewer, flt))


async def get_many(session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]) -> list[Person | None]:
    """The persons with `ids` that `viewer` may see, aligned with `ids` (None otherwise)."""
    return await by_id(session, Person, ids, persons_visible(viewer))


async def list_page(
    session: AsyncSession, *, viewer: Viewer, flt: PersonFilter, order: list[OrderKey], page: PageRequest
) -> Page[Person]:
    return await paginate(session, _filtered(viewer, flt), order, page)


async def count_all(session: AsyncSession, *, viewer: Viewer, flt: PersonFilter) -> int:
    """How many persons `viewer` may see match `flt`; counted on the persons table alone
    (see organisations.count_all)."""
    stmt = select(func.count()).select_from(Person.__table__).where(*_conditions(viewer, flt))
    return (await session.scalar(stmt)) or 0


def clean(checks: Checks, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if creating or "last_name" in data:
        clean["last_name"] = checks.text("lastName", data.get("last_name"), max_length=150, required=True)
    texts = {
        "title": ("title", 50),
        "initials": ("initials", 20),
        "first_name": ("firstName", 100),
        "infix": ("infix", 30),
    }
    for name, (field, length) in texts.items():
        if name in data:
            clean[name] = checks.text(field, data[name], max_length=length)
    if "email" in data:
        clean["email"] = checks.email("email", data["email"])
    if "phone" in data:
        clean["phone"] = checks.phone_number("phone", data["phone"])
    if "bsn" in data:
        clean["bsn"] = checks.bsn("bsn", data["bsn"])
    if "active" in data:
        if data["active"] is None:
            checks.fail("active", "Say true (active) or false (deactivated).")
        else:
            clean["active"] = bool(data["active"])
    if "gender" in data:
        clean["gender"] = Gender(data["gender"] or Gender.UNKNOWN).value
    if "birth_date" in data:
        born = data["birth_date"]
        if born is not None and not EARLIEST_BIRTH_DATE <= born <= dt.date.today():
            checks.fail("birthDate", "A birth date lies between 1900-01-01 and today.")
        clean["birth_date"] = born
    return clean


async def create(session: AsyncSession, *, actor: Viewer, data: Mapping[str, Any]) -> Person:
    """Create a person from `data` (field name -> value)."""
    checks = Checks()
    values = clean(checks, data, creating=True)
    checks.raise_if_any()
    contacts = contact_means.take_party_fields(values)
    person = Person(**values, **versions.created(actor))
    search_text.set_person_keys(
        person, contact_terms=search_text.terms_of((k, v) for k, v in contacts.items() if v)
    )
    session.add(person)
    await PERSONS.flush(session)
    await contact_means.set_primary_values(session, actor=actor, party_id=person.id, values=contacts)
    # Its event follows those of its contact means, in the order the trail has always shown them.
    PERSONS.record_creation(session, actor, person)
    return person


async def load_for_update(
    session: AsyncSession, *, viewer: Viewer, id: int, expected_version: int | None, field: str = "id"
) -> Person:
    """Fetch a person `viewer` may see, to change it; a hidden person is NOT_FOUND."""
    # Locked first (PostgreSQL), the persons row as bulk relinks and merges lock it: a
    # concurrent change queues here, then the read below sees what it committed.
    await lock_rows(session, Person.__table__, [id])
    person = await session.scalar(
        _visible(viewer).where(Person.id == id).execution_options(populate_existing=True)
    )
    if person is None:
        raise NotFound(field, "No person with this id.")
    if is_tombstone(person):
        # Deleted is final: nothing is left to change, and no new data may be attached.
        raise NotFound(field, "This person was deleted.")
    versions.check_version(person, expected_version, "person")
    return person


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Person:
    """Change the fields present in `data`; absent fields keep their value."""
    checks = Checks()
    values = clean(checks, data, creating=False)
    checks.raise_if_any()
    person = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    # Before the person's own fields change: these writes flush the session.
    await contact_means.set_primary_values(
        session, actor=actor, party_id=person.id, values=contact_means.take_party_fields(values)
    )
    before = PERSONS.snapshot(person)
    for name, value in values.items():
        setattr(person, name, value)
    await search_text.refresh_person(session, person)
    return await PERSONS.save(session, actor, person, before)
