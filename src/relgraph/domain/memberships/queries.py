"""Reading memberships (persoon in organisatie): the pages and counts of an organisation's
people or a person's organisations, tags, and whether a person is a business relation."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Date, Select, String, exists, func, literal, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id, grouped, in_values
from relgraph.db.models import Membership, MembershipTag, Organisation, Party, Person
from relgraph.db.pagination import (
    OrderKey,
    Page,
    PageRequest,
    count_many,
    paginate_rows_many,
)
from relgraph.text import like_pattern

__all__ = [
    "ORDER_FIELDS",
    "MembershipFilter",
    "business_relation",
    "count_for",
    "get_many",
    "has_memberships",
    "list_for",
    "order_keys",
    "tags_of",
]

# What a list of memberships sorts on: the other side's name (the person's in an
# organisation's list, the organisation's in a person's), the start date, the role.
ORDER_FIELDS = ("NAME", "START_DATE", "ROLE")


@dataclass(frozen=True)
class MembershipFilter:
    # Also those not in force on `day` (ended, or not begun yet).
    include_inactive: bool = False
    # The day the list is about; None: today.
    day: dt.date | None = None
    role: str | None = None
    tag: str | None = None
    search: str | None = None


# Plain tables: joining the mapped classes would join their shared `parties` table twice.
_people = Person.__table__
_orgs = Organisation.__table__


# The columns of a person as Person's attributes (parties' and persons' own), for rows that
# carry a membership and its person together.
_PERSON_COLUMNS = [
    *Party.__table__.c,
    *(c for c in _people.c if c.key != "id"),
]
_parties = Party.__table__
ListedPerson = namedtuple("ListedPerson", [c.key for c in _PERSON_COLUMNS])  # type: ignore[misc]  # fields from the tables


class ListedMembership(NamedTuple):
    """A membership's columns, in the table's order, and its person (a ListedPerson)."""

    id: int
    person_id: int
    organisation_id: int
    department: str | None
    job_title: str | None
    business_email: str | None
    phone1: str | None
    phone2: str | None
    role: str | None
    account_manager_id: int | None
    active: bool
    start_date: dt.date | None
    end_date: dt.date | None
    created_at: dt.datetime
    created_by_id: int | None
    updated_at: dt.datetime
    updated_by_id: int | None
    version: int
    person: Any


# list_for fills the fields from a row's leading columns, by position.
assert ListedMembership._fields == (*(c.key for c in Membership.__table__.c), "person")


def _listing(
    flt: MembershipFilter, other: Any, by: str, *, with_person: bool = False
) -> Select[*tuple[Any, ...]]:
    """Memberships matching `flt`, with the sort key of the other side labelled `sort_key`.

    `with_person`: rows of the membership's columns, then its person's (labelled
    `person__<attribute>`), then `sort_key`; else the membership's id and `sort_key` (for
    counting).
    """
    columns = [*Membership.__table__.c, *(c.label(f"person__{c.key}") for c in _PERSON_COLUMNS)]
    stmt = (
        select(*(columns if with_person else [Membership.id]), other.label("sort_key"))
        .select_from(Membership)
        .join(_people, _people.c.id == Membership.person_id)
    )
    if with_person:
        stmt = stmt.join(_parties, _parties.c.id == _people.c.id)
    if by == "person":  # sorted by organisation name; an organisation's list needs only persons
        stmt = stmt.join(_orgs, _orgs.c.id == Membership.organisation_id)
    if not flt.include_inactive:
        stmt = stmt.where(Membership.holds_on(flt.day))
        if by == "organisation":
            # A deactivated person leaves the organisation's people list (seed 004), not
            # its own card: there the memberships are what the person is looked at for.
            stmt = stmt.where(_people.c.active.is_(True))
    if flt.role and flt.role.strip():
        stmt = stmt.where(func.lower(Membership.role) == flt.role.strip().lower())
    if flt.tag and flt.tag.strip():
        stmt = stmt.where(
            exists(
                select(MembershipTag.tag).where(
                    MembershipTag.membership_id == Membership.id, MembershipTag.tag == flt.tag.strip().lower()
                )
            )
        )
    if flt.search and flt.search.strip():
        pattern = like_pattern(flt.search)
        stmt = stmt.where(
            or_(
                _people.c.search_text.like(pattern, escape="\\"),
                func.lower(Membership.job_title).like(pattern, escape="\\"),
                func.lower(Membership.department).like(pattern, escape="\\"),
            )
        )
    return stmt


def _side(by: str) -> tuple[Any, Any]:
    """(partition column, sort column) for listing by organisation or by person."""
    if by == "organisation":
        return Membership.organisation_id, _people.c.sort_key
    return Membership.person_id, _orgs.c.name_key


def _sort_column(by: str, field: str) -> Any:
    """The column a list sorts on. Start date and role may be missing: a missing one sorts
    as the smallest value, as keyset cursors cannot compare with NULL."""
    if field == "START_DATE":
        return func.coalesce(Membership.start_date, literal(dt.date.min, Date))
    if field == "ROLE":
        return type_coerce(func.coalesce(func.lower(Membership.role), ""), String)
    return _side(by)[1]


def order_keys(by: str, field: str = "NAME", descending: bool = False) -> list[OrderKey]:
    """The sort keys of a list of memberships by organisation or by person, on `field` (one
    of ORDER_FIELDS), then by id; the field's name tags its cursors."""
    return [
        OrderKey(_sort_column(by, field), lambda row: row.sort_key, descending, tag=field),
        OrderKey(Membership.id, lambda row: row.id, descending),
    ]


async def list_for(
    session: AsyncSession,
    ids: Sequence[int],
    *,
    by: str,
    flt: MembershipFilter,
    page: PageRequest,
    field: str = "NAME",
    descending: bool = False,
) -> dict[Hashable, Page[Any]]:
    """One page of memberships per organisation or per person, sorted on `field` (one of
    ORDER_FIELDS; NAME: by person, or by organisation), then by id.

    The items are ListedMembership rows (a Membership's attributes and `person`, a
    ListedPerson with a Person's attributes), read in one statement: a person with a
    membership is visible to every viewer (R1), so no check is skipped. Plain rows rather
    than ORM entities: a big card lists a thousand of them, read-only.
    """
    partition = _side(by)[0]
    other = _sort_column(by, field)
    order = order_keys(by, field, descending)
    plain = flt.role is None and flt.tag is None and flt.search is None
    kept = ("memberships", by, field, descending, flt.include_inactive, flt.day, dt.date.today())
    pages = await paginate_rows_many(
        session,
        lambda: _listing(flt, other, by, with_person=True),
        partition,
        ids,
        order,
        page,
        # The people lists of cards: one statement per side, order, inactive-or-not and
        # day, kept (the day and today are bound in it).
        reuse_as=kept if plain else None,
    )
    width = len(Membership.__table__.c)
    for result in pages.values():
        result.items = [
            ListedMembership._make(
                (*row[:width], ListedPerson._make(row[width : width + len(_PERSON_COLUMNS)]))
            )
            for row in result.items
        ]
    return pages


async def count_for(
    session: AsyncSession, ids: Sequence[int], *, by: str, flt: MembershipFilter
) -> dict[Hashable, int]:
    partition, other = _side(by)
    return await count_many(session, _listing(flt, other, by), partition, ids)


async def tags_of(session: AsyncSession, membership_ids: Sequence[int]) -> list[list[str]]:
    """The tags of each membership, alphabetically, aligned with `membership_ids`."""
    rows = await session.execute(
        select(MembershipTag.membership_id, MembershipTag.tag)
        .where(in_values(MembershipTag.membership_id, membership_ids))
        .order_by(MembershipTag.membership_id, MembershipTag.tag)
    )
    return grouped(rows.all(), membership_ids)


def business_relation(person_id: Any) -> ColumnElement[bool]:
    """SQL: the person `person_id` has a membership (active or not): a business relation."""
    return exists(select(Membership.id).where(Membership.person_id == person_id))


async def has_memberships(session: AsyncSession, person_ids: Sequence[int]) -> list[bool]:
    """Whether each person has any membership (active or not): a business relation."""
    rows = await session.scalars(
        select(Membership.person_id).where(Membership.person_id.in_(person_ids)).distinct()
    )
    with_membership = set(rows)
    return [i in with_membership for i in person_ids]


async def get_many(session: AsyncSession, ids: Sequence[int]) -> list[Membership | None]:
    return await by_id(session, Membership, ids)
