"""The visibility and write rules (DESIGN.md R1-R6), in one place.

Pure functions of the viewer: booleans for resolvers and mutations, SQL conditions for
the queries behind the loaders. No I/O here, and no copy of a rule anywhere else.

R4 is a data classification: which objects, kinds of object and fields are financial or
sensitive, keyed by object type (the model's class name, as audit events name objects)
and field (the column's attribute name, as audit events name changes). Every path a
value can leave by (fields, mutations, the audit trail, exports) asks `may_read`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true

from relgraph.db.models import (
    AddressKind,
    AuditEvent,
    Change,
    Document,
    InternalRelation,
    InternalRelationCategory,
    Membership,
    NoteKind,
    Permission,
    Person,
    Role,
)
from relgraph.db.models.relations import ACCOUNT_MANAGER

__all__ = [
    "CLASSIFIED_FIELDS",
    "CLASSIFIED_KINDS",
    "CLASSIFIED_OBJECTS",
    "EVERY_FIELD",
    "FINANCIAL",
    "SENSITIVE",
    "Need",
    "Viewer",
    "Write",
    "audit_events_readable",
    "can_export_person_data",
    "can_see_financials",
    "can_see_sensitive",
    "can_write",
    "changes_readable",
    "documents_of_party_visible",
    "documents_visible",
    "field_need",
    "hidden_kinds",
    "kind_is_classified",
    "mask_record",
    "may_read",
    "note_kinds_readable",
    "note_kinds_writable",
    "open_kinds",
    "party_visible",
    "persons_visible",
    "readable_kinds",
    "sees_all_persons",
    "unreadable",
    "withheld_fields",
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
    """R4: financial values need the FINANCE permission (`viewerCanSeeFinancials`)."""
    return FINANCIAL.met_by(viewer)


def can_see_sensitive(viewer: Viewer) -> bool:
    """R4: the BSN needs the SENSITIVE permission (`viewerCanSeeSensitive`)."""
    return SENSITIVE.met_by(viewer)


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


def documents_of_party_visible(
    viewer: Viewer, party_id: Any, today: dt.date | None = None
) -> ColumnElement[bool]:
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


@dataclass(frozen=True)
class Need:
    """What reading a classified object, kind or field takes: a permission, or one of some roles."""

    permission: Permission | None = None
    roles: frozenset[Role] | None = None

    def met_by(self, viewer: Viewer) -> bool:
        if self.permission is not None and self.permission not in viewer.permissions:
            return False
        return self.roles is None or viewer.role in self.roles

    def describe(self) -> str:
        """For messages: "the FINANCE permission", "the role ADMIN or TEAM"."""
        if self.permission is not None:
            return f"the {self.permission.value} permission"
        return "the role " + " or ".join(sorted(r.value for r in self.roles or ()))


FINANCIAL = Need(permission=Permission.FINANCE)
SENSITIVE = Need(permission=Permission.SENSITIVE)
# The CRM staff proper, not the business user group, not READONLY.
_STAFF = Need(roles=frozenset({Role.ADMIN, Role.TEAM}))
# Stands for every field of an object type that is shown as a whole or not at all.
EVERY_FIELD = "*"

# R4 fields: without the need the value is withheld (null with FORBIDDEN, masked in the
# trail, left out of exports) while the object itself is shown.
CLASSIFIED_FIELDS: dict[str, dict[str, Need]] = {
    # Invoice data (factuurgegevens).
    "Organisation": {
        "vat_number": FINANCIAL,
        "invoice_company_name": FINANCIAL,
        "invoice_email": FINANCIAL,
        "invoice_uses_postal_address": FINANCIAL,
    },
    "Person": {"bsn": SENSITIVE},
    # The salary and the currency it is paid in; the personnel number is not financial.
    "EmployeeData": {"salary": FINANCIAL, "currency": FINANCIAL},
    "InternalRelation": {"commission_percent": FINANCIAL},
    # Type-specific data of customers and suppliers: all of it is financial.
    "SalesRelation": {EVERY_FIELD: FINANCIAL},
    "PurchaseRelation": {EVERY_FIELD: FINANCIAL},
}
# R4 objects: without the need they do not exist for the viewer (null by ID, left out of
# lists, counts and the trail), as if they had never been made.
CLASSIFIED_OBJECTS: dict[str, Need] = {"BankAccount": FINANCIAL}
# The same per kind of object: a note or address of such a kind does not exist for the viewer.
CLASSIFIED_KINDS: dict[str, dict[str, Need]] = {
    "Address": {AddressKind.INVOICE.value: FINANCIAL},
    "Note": {NoteKind.INTERNAL.value: _STAFF, NoteKind.PRICE_AGREEMENT.value: FINANCIAL},
}
_KINDS: dict[str, tuple[str, ...]] = {
    "Address": tuple(k.value for k in AddressKind),
    "Note": tuple(k.value for k in NoteKind),
}


def field_need(object_type: str, field: str) -> Need | None:
    """What reading `field` of an `object_type` takes; None when it is not classified."""
    fields = CLASSIFIED_FIELDS.get(object_type, {})
    return fields.get(field) or fields.get(EVERY_FIELD)


def unreadable(
    viewer: Viewer, object_type: str, fields: Iterable[str] = (), *, kind: str | None = None
) -> list[tuple[str | None, Need]]:
    """What of an `object_type` (of `kind`) and its `fields` `viewer` may not read, and why.

    (None, need) for the object as a whole (a bank account, an invoice address, sales
    data), (field, need) for each field; empty when `viewer` may read it all.
    """
    wholes = [
        CLASSIFIED_OBJECTS.get(object_type),
        CLASSIFIED_KINDS.get(object_type, {}).get(kind) if kind is not None else None,
        CLASSIFIED_FIELDS.get(object_type, {}).get(EVERY_FIELD),
    ]
    missing: list[tuple[str | None, Need]] = [
        (None, need) for need in wholes if need is not None and not need.met_by(viewer)
    ]
    for name in fields:
        need = CLASSIFIED_FIELDS.get(object_type, {}).get(name)
        if need is not None and not need.met_by(viewer):
            missing.append((name, need))
    return missing


def may_read(viewer: Viewer, object_type: str, field: str | None = None, *, kind: str | None = None) -> bool:
    """R4: may `viewer` read an `object_type` (of `kind`), or that object's `field`?"""
    return not unreadable(viewer, object_type, () if field is None else (field,), kind=kind)


def mask_record(viewer: Viewer, object_type: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` (field -> value) of an `object_type` without the fields `viewer` may not read."""
    return {name: value for name, value in record.items() if may_read(viewer, object_type, name)}


def withheld_fields(viewer: Viewer, object_type: str) -> list[str]:
    """The classified fields of `object_type` that `viewer` may not read (EVERY_FIELD included)."""
    return sorted(f for f, need in CLASSIFIED_FIELDS.get(object_type, {}).items() if not need.met_by(viewer))


def kind_is_classified(object_type: str, kind: str) -> bool:
    """Whether such an object's audit events must name its kind: who may read them depends on it."""
    return kind in CLASSIFIED_KINDS.get(object_type, {})


def hidden_kinds(viewer: Viewer, object_type: str) -> frozenset[str]:
    """The kinds of `object_type` that do not exist for `viewer`."""
    kinds = CLASSIFIED_KINDS.get(object_type, {})
    return frozenset(kind for kind, need in kinds.items() if not need.met_by(viewer))


def open_kinds(object_type: str) -> frozenset[str]:
    """The kinds of `object_type` (Address, Note) that everyone who sees the party may see."""
    return frozenset(_KINDS[object_type]) - CLASSIFIED_KINDS.get(object_type, {}).keys()


def readable_kinds(viewer: Viewer, object_type: str) -> frozenset[str]:
    """The kinds of `object_type` (Address, Note) that `viewer` may see."""
    return frozenset(_KINDS[object_type]) - hidden_kinds(viewer, object_type)


def note_kinds_readable(viewer: Viewer) -> frozenset[str]:
    """Which kinds of note `viewer` may read on a party it sees.

    GENERAL: everyone. INTERNAL: the CRM staff proper, ADMIN and TEAM (not the business
    user group, not READONLY). PRICE_AGREEMENT: financial (R4), FINANCE only.
    """
    return readable_kinds(viewer, "Note")


def note_kinds_writable(viewer: Viewer) -> frozenset[str]:
    """R5 for notes: the kinds `viewer` may read, if its role may write notes at all."""
    return note_kinds_readable(viewer) if can_write(viewer, Write.NOTE) else frozenset()


def _recorded_kind(side: str) -> ColumnElement[str]:
    # Events of addresses and notes record the object's kind as a change (kept when unchanged).
    return func.coalesce(AuditEvent.changes[("kind", side)].as_string(), "")


def audit_events_readable(viewer: Viewer, today: dt.date | None = None) -> ColumnElement[bool]:
    """SQL: the audit events `viewer` may read.

    An event is readable when the object it describes and every party it names are visible
    to the reader, the object as it reads itself: the party of the trail and the other
    party (a membership's person, a relation's far end) by R1, a document by R2, an object
    or kind of object R4 makes absent (a bank account, an invoice address, a note of a
    kind the reader may not read) not at all. Fields R4 withholds are masked per change
    (`may_read`), not here.
    """
    event = AuditEvent
    # A document is shielded by the party it is on now (a merge moves it to the survivor,
    # whose account managers then decide); a deleted one by the party it was on.
    document_party = func.coalesce(
        # The event's row comes from the query this condition is part of, however deep it
        # nests (documents_of_party_visible puts it inside an EXISTS).
        select(Document.party_id)
        .where(Document.id == event.object_id)
        .correlate_except(Document)
        .scalar_subquery(),
        event.party_id,
    )
    conditions = [
        party_visible(viewer, event.party_id),
        party_visible(viewer, event.other_party_id),
        or_(event.object_type != "Document", documents_of_party_visible(viewer, document_party, today)),
    ]
    absent = sorted(t for t, need in CLASSIFIED_OBJECTS.items() if not need.met_by(viewer))
    if absent:
        conditions.append(event.object_type.not_in(absent))
    for object_type in CLASSIFIED_KINDS:
        hidden = sorted(hidden_kinds(viewer, object_type))
        if hidden:
            recorded = [_recorded_kind(side).not_in(hidden) for side in ("before", "after")]
            conditions.append(or_(event.object_type != object_type, and_(*recorded)))
    return and_(*conditions)


def changes_readable(viewer: Viewer) -> ColumnElement[bool]:
    """SQL: the changes of the feed `viewer` may read.

    A change is read as its object's audit events are: when every party it names is
    visible now (R1). So a person's changes, and those of its memberships and relations,
    show once the person is a business relation, and none while it is hidden: not even the
    deletion of the membership that made it one, which would tell of a person that, to
    this reader, does not exist.
    """
    if sees_all_persons(viewer):
        return true()
    return and_(party_visible(viewer, Change.party_id), party_visible(viewer, Change.other_party_id))
