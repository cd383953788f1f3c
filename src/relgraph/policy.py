"""The visibility and write rules (DESIGN.md R1-R6), in one place.

Pure functions of the viewer: booleans for resolvers and mutations, SQL conditions for
the queries behind the loaders. No I/O here, and no copy of a rule anywhere else.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, true

from relgraph.db.models import (
    Document,
    InternalRelation,
    InternalRelationCategory,
    Membership,
    Permission,
    Person,
    Role,
)
from relgraph.db.models.relations import ACCOUNT_MANAGER

__all__ = [
    "OPEN_ADDRESS_KINDS",
    "Viewer",
    "Write",
    "address_kinds_readable",
    "can_export_person_data",
    "can_see_financials",
    "can_see_sensitive",
    "can_write",
    "documents_of_party_visible",
    "documents_visible",
    "note_kinds_readable",
    "note_kinds_writable",
    "party_visible",
    "persons_visible",
    "sees_all_persons",
]


@dataclass(frozen=True)
class Viewer:
    """The authenticated staff user a request runs as."""

    id: int
    email: str
    name: str
    role: Role
    permissions: frozenset[Permission]
    active: bool = True


class Write(enum.Enum):
    """The kinds of change the write matrix (R5) distinguishes."""

    ORGANISATION = "organisation"
    PERSON = "person"
    MEMBERSHIP = "membership"
    RELATION = "relation"
    INTERNAL_RELATION = "internal relation"
    DOCUMENT = "document"
    USER = "user"
    DOMAIN_DATA = "domain data"
    DELETE_PERSON = "person deletion"
    NOTE = "note"
    ACTIVITY = "activity"


_WRITES: dict[Role, frozenset[Write]] = {
    Role.READONLY: frozenset(),
    Role.BUSINESS: frozenset(
        {Write.ORGANISATION, Write.PERSON, Write.MEMBERSHIP, Write.RELATION, Write.NOTE, Write.ACTIVITY}
    ),
    Role.TEAM: frozenset(
        {
            Write.ORGANISATION,
            Write.PERSON,
            Write.MEMBERSHIP,
            Write.RELATION,
            Write.INTERNAL_RELATION,
            Write.DOCUMENT,
            Write.NOTE,
            Write.ACTIVITY,
        }
    ),
    Role.ADMIN: frozenset(Write),
}


def can_write(viewer: Viewer, kind: Write) -> bool:
    """R5: may `viewer` make a change of `kind`?"""
    return kind in _WRITES[viewer.role]


def sees_all_persons(viewer: Viewer) -> bool:
    """R1: ADMIN and TEAM see every person; the others only business relations."""
    return viewer.role in (Role.ADMIN, Role.TEAM)


def persons_visible(viewer: Viewer) -> ColumnElement[bool]:
    """R1 as SQL: the persons `viewer` may see (a person with any membership, for most)."""
    if sees_all_persons(viewer):
        return true()
    return exists(select(Membership.id).where(Membership.person_id == Person.id))


def party_visible(viewer: Viewer, party_id: Any) -> ColumnElement[bool]:
    """R1 as SQL for any party column: it is not a person hidden from `viewer`.

    Organisations are always visible; so is every person to ADMIN and TEAM.
    """
    if sees_all_persons(viewer):
        return true()
    people = Person.__table__
    hidden = select(people.c.id).where(people.c.id == party_id, ~persons_visible(viewer))
    return ~hidden.exists()


def can_export_person_data(viewer: Viewer) -> bool:
    """Data subject access (inzage): only ADMIN, who also deletes persons, exports all about one."""
    return viewer.role is Role.ADMIN


def can_see_financials(viewer: Viewer) -> bool:
    """R4: financial values need the FINANCE permission."""
    return Permission.FINANCE in viewer.permissions


def can_see_sensitive(viewer: Viewer) -> bool:
    """R4: the BSN needs the SENSITIVE permission."""
    return Permission.SENSITIVE in viewer.permissions


# Address kinds (db.models.AddressKind values) that everyone who sees the party may read;
# an INVOICE address is invoice data (R4).
OPEN_ADDRESS_KINDS = frozenset({"VISIT", "POSTAL"})
_FINANCIAL_ADDRESS = "INVOICE"


def address_kinds_readable(viewer: Viewer) -> frozenset[str]:
    """R4: which kinds of address `viewer` may read, or find a party by, on a party it sees."""
    if can_see_financials(viewer):
        return OPEN_ADDRESS_KINDS | {_FINANCIAL_ADDRESS}
    return OPEN_ADDRESS_KINDS


def _current_account_managers(party_id: Any, today: dt.date) -> Any:
    return (
        select(InternalRelation.user_id)
        .join(InternalRelationCategory, InternalRelationCategory.id == InternalRelation.category_id)
        .where(
            InternalRelation.party_id == party_id,
            InternalRelationCategory.code == ACCOUNT_MANAGER,
            InternalRelation.holds_on(today),
        )
    )


def documents_of_party_visible(viewer: Viewer, party_id: Any, today: dt.date | None = None) -> ColumnElement[bool]:
    """R2 as SQL: may `viewer` see the documents of the party `party_id` (a value or a column)?

    Once a party has account managers, its documents are for those account managers and
    ADMIN only (need-to-know); without account managers, for everyone who sees the party.
    """
    if viewer.role is Role.ADMIN:
        return true()
    managers = _current_account_managers(party_id, today or dt.date.today())
    return or_(~managers.exists(), managers.where(InternalRelation.user_id == viewer.id).exists())


def documents_visible(viewer: Viewer, today: dt.date | None = None) -> ColumnElement[bool]:
    """R2 as SQL, for rows of the documents table."""
    return documents_of_party_visible(viewer, Document.party_id, today)


# Note kinds (db.models.NoteKind values) by what they need to be read.
_STAFF_NOTE = "INTERNAL"
_FINANCIAL_NOTE = "PRICE_AGREEMENT"


def note_kinds_readable(viewer: Viewer) -> frozenset[str]:
    """Which kinds of note `viewer` may read on a party it sees.

    GENERAL: everyone. INTERNAL: the CRM staff proper, ADMIN and TEAM (not the business
    user group, not READONLY). PRICE_AGREEMENT: financial (R4), FINANCE only.
    """
    kinds = {"GENERAL"}
    if viewer.role in (Role.ADMIN, Role.TEAM):
        kinds.add(_STAFF_NOTE)
    if can_see_financials(viewer):
        kinds.add(_FINANCIAL_NOTE)
    return frozenset(kinds)


def note_kinds_writable(viewer: Viewer) -> frozenset[str]:
    """R5 for notes: the kinds `viewer` may read, if its role may write notes at all."""
    return note_kinds_readable(viewer) if can_write(viewer, Write.NOTE) else frozenset()
