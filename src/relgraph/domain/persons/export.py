"""Everything stored about one person as one JSON document (inzageverzoek, data subject access).

The document follows the tables, not the API: every column of the person's own rows,
plus the names that make the links readable (organisations, relation types, staff).
Financial and sensitive values follow R4 like everywhere else, as policy classifies
them: an object or kind the viewer may not see (bank accounts, invoice addresses, price
agreements) is left out with its audit events, a field it may not read is left out of
its row and masked in the events, and `withheld` says what and why.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import (
    Activity,
    Address,
    AuditEvent,
    BankAccount,
    ContactMean,
    CustomerGroup,
    Document,
    EmployeeData,
    InternalRelation,
    InternalRelationCategory,
    Membership,
    MembershipTag,
    Note,
    Organisation,
    PartyGroup,
    PartyType,
    PartyTypeLink,
    Person,
    Relation,
    RelationType,
    User,
)
from relgraph.domain.classified import camel
from relgraph.domain.history import audit_reads
from relgraph.domain.persons import persons
from relgraph.domain.persons.names import display_name, sort_name
from relgraph.policy import (
    Viewer,
    audit_events_readable,
    hidden_kinds,
    mask_record,
    may_read,
    unreadable,
    withheld_fields,
)

__all__ = ["export_person"]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _row(obj: Any, viewer: Viewer, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Every mapped column of `obj` that `viewer` may read (JSON-ready, camelCase keys) except `skip`."""
    left_out = {"version", "search_text", "sort_key", "city_key", "name_key", *skip}
    columns = {a.key: getattr(obj, a.key) for a in inspect(obj).mapper.column_attrs if a.key not in left_out}
    return {
        camel(name): _plain(value) for name, value in mask_record(viewer, type(obj).__name__, columns).items()
    }


def _visible(viewer: Viewer, row: Any) -> bool:
    """May `viewer` see the object (of its kind) at all (R4)?"""
    return may_read(viewer, type(row).__name__, kind=getattr(row, "kind", None))


def _shown(viewer: Viewer, rows: Iterable[Any]) -> list[Any]:
    return [r for r in rows if _visible(viewer, r)]


# The document's sections of rows, by the object type policy classifies them as.
_SECTIONS = (
    ("person", "Person"),
    ("contactMeans", "ContactMean"),
    ("addresses", "Address"),
    ("bankAccounts", "BankAccount"),
    ("employee", "EmployeeData"),
    ("memberships", "Membership"),
    ("relations", "Relation"),
    ("internalRelations", "InternalRelation"),
    ("documents", "Document"),
    ("notes", "Note"),
    ("activities", "Activity"),
)


def _withheld(viewer: Viewer) -> list[str]:
    """What R4 keeps out of the document for `viewer`, and why; the same whatever the person has."""
    withheld = []
    for section, object_type in _SECTIONS:
        for _, need in unreadable(viewer, object_type):
            withheld.append(f"{section} (needs {need.describe()})")
        for kind in sorted(hidden_kinds(viewer, object_type)):
            need = unreadable(viewer, object_type, kind=kind)[0][1]
            withheld.append(f"{section} of kind {kind} (needs {need.describe()})")
        for field in withheld_fields(viewer, object_type):
            need = unreadable(viewer, object_type, (field,))[-1][1]
            withheld.append(f"{section}.{camel(field)} (needs {need.describe()})")
    return withheld


async def _names(session: AsyncSession, party_ids: Iterable[int]) -> dict[int, str]:
    """The display name of each party: an organisation's name, a person's written name."""
    ids = sorted(set(party_ids))
    if not ids:
        return {}
    found = {
        o.id: o.name for o in await session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    }
    found |= {p.id: display_name(p) for p in await session.scalars(select(Person).where(Person.id.in_(ids)))}
    return found


async def _users(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, dict[str, str]]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await session.scalars(select(User).where(User.id.in_(wanted)))
    return {u.id: {"name": u.name, "email": u.email} for u in rows}


async def _all(session: AsyncSession, stmt: Any) -> list[Any]:
    return list(await session.scalars(stmt))


async def export_person(session: AsyncSession, *, viewer: Viewer, id: int) -> dict[str, Any] | None:
    """The data subject access document of person `id`; None when `viewer` cannot see it."""
    person = (await persons.get_many(session, viewer=viewer, ids=[id]))[0]
    if person is None:
        return None
    own = _row(person, viewer, skip={"kind"})
    own |= {"displayName": display_name(person), "sortName": sort_name(person)}

    contact_means = await _all(
        session, select(ContactMean).where(ContactMean.party_id == id).order_by(ContactMean.id)
    )
    addresses = await _all(session, select(Address).where(Address.party_id == id).order_by(Address.id))
    bank_accounts = await _all(
        session, select(BankAccount).where(BankAccount.party_id == id).order_by(BankAccount.id)
    )
    employee = await session.get(EmployeeData, id)
    memberships = await _all(
        session, select(Membership).where(Membership.person_id == id).order_by(Membership.id)
    )
    tags: dict[int, list[str]] = {}
    for membership_id, tag in (
        await session.execute(
            select(MembershipTag.membership_id, MembershipTag.tag)
            .where(MembershipTag.membership_id.in_([m.id for m in memberships]))
            .order_by(MembershipTag.tag)
        )
    ).all():
        tags.setdefault(membership_id, []).append(tag)
    relations = (
        await session.execute(
            select(Relation, RelationType)
            .join(RelationType, RelationType.id == Relation.type_id)
            .where(or_(Relation.source_id == id, Relation.target_id == id))
            .order_by(Relation.id)
        )
    ).all()
    internal = (
        await session.execute(
            select(InternalRelation, InternalRelationCategory)
            .join(InternalRelationCategory, InternalRelationCategory.id == InternalRelation.category_id)
            .where(InternalRelation.party_id == id)
            .order_by(InternalRelation.id)
        )
    ).all()
    types = await _all(
        session,
        select(PartyType)
        .join(PartyTypeLink, PartyTypeLink.party_type_id == PartyType.id)
        .where(PartyTypeLink.party_id == id)
        .order_by(PartyType.code),
    )
    groups = await _all(
        session,
        select(CustomerGroup)
        .join(PartyGroup, PartyGroup.group_id == CustomerGroup.id)
        .where(PartyGroup.party_id == id)
        .order_by(CustomerGroup.name_key),
    )
    documents = await _all(session, select(Document).where(Document.party_id == id).order_by(Document.id))
    notes = await _all(session, select(Note).where(Note.party_id == id).order_by(Note.id))
    activities = await _all(session, select(Activity).where(Activity.party_id == id).order_by(Activity.id))
    events = await _events(session, viewer, id)

    names = await _names(
        session,
        [m.organisation_id for m in memberships]
        + [r.target_id if r.source_id == id else r.source_id for r, _ in relations],
    )
    staff = await _users(
        session,
        [ir.user_id for ir, _ in internal]
        + [m.account_manager_id for m in memberships]
        + [a.assignee_id for a in activities]
        + [e.actor_id for e in events],
    )

    document: dict[str, Any] = {
        "exportedAt": dt.datetime.now(dt.UTC).isoformat(),
        "person": own,
        "contactMeans": [_row(c, viewer, skip={"party_id"}) for c in _shown(viewer, contact_means)],
        "addresses": [_row(a, viewer, skip={"party_id"}) for a in _shown(viewer, addresses)],
        "memberships": [
            _row(m, viewer, skip={"person_id"})
            | {
                "active": m.holds_on(),
                "organisationName": names.get(m.organisation_id),
                "tags": tags.get(m.id, []),
            }
            | {"accountManager": staff.get(m.account_manager_id) if m.account_manager_id else None}
            for m in _shown(viewer, memberships)
        ],
        "relations": [_relation(r, t, id, names, viewer) for r, t in relations if _visible(viewer, r)],
        "internalRelations": [
            _row(ir, viewer, skip={"party_id"}) | {"category": c.name, "staff": staff.get(ir.user_id)}
            for ir, c in internal
            if _visible(viewer, ir)
        ],
        "partyTypes": [t.code for t in types],
        "customerGroups": [g.name for g in groups],
        "documents": [_row(d, viewer, skip={"party_id"}) for d in _shown(viewer, documents)],
        "notes": [_row(n, viewer, skip={"party_id"}) for n in _shown(viewer, notes)],
        "activities": [
            _row(a, viewer, skip={"party_id"})
            | {"assignee": staff.get(a.assignee_id) if a.assignee_id else None}
            for a in _shown(viewer, activities)
        ],
        "bankAccounts": [_row(b, viewer, skip={"party_id"}) for b in _shown(viewer, bank_accounts)],
        "employee": _row(employee, viewer) if employee else None,
        "auditEvents": [_event(e, viewer, staff) for e in events],
    }
    for section, object_type in _SECTIONS:
        if unreadable(viewer, object_type):
            del document[section]  # a kind of object the viewer may not see at all, as in the API
    document["withheld"] = _withheld(viewer)
    return document


def _relation(
    relation: Relation, kind: RelationType, person_id: int, names: dict[int, str], viewer: Viewer
) -> dict[str, Any]:
    outgoing = relation.source_id == person_id
    other = relation.target_id if outgoing else relation.source_id
    label = kind.name if outgoing or kind.symmetric else kind.inverse_name
    return _row(relation, viewer) | {
        "active": relation.holds_on(),
        "label": label,
        "otherPartyId": other,
        "otherPartyName": names.get(other),
    }


async def _events(session: AsyncSession, viewer: Viewer, person_id: int) -> list[AuditEvent]:
    """The events `viewer` may read on the person's trail, and those of its memberships (kept
    on the organisations', found by the person they name: also those of deleted wrong links)."""
    stmt = (
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.party_id == person_id,
                (AuditEvent.object_type == "Person") & (AuditEvent.object_id == person_id),
                (AuditEvent.object_type == "Membership") & (AuditEvent.other_party_id == person_id),
            ),
            audit_events_readable(viewer),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return await _all(session, stmt)


def _decoded(shown: str | None) -> Any:
    # The trail shows values as JSON text; the export is JSON already.
    return None if shown is None else json.loads(shown)


def _event(event: AuditEvent, viewer: Viewer, staff: dict[int, dict[str, str]]) -> dict[str, Any]:
    return {
        "at": _plain(event.at),
        "actor": staff.get(event.actor_id) if event.actor_id else None,
        "objectType": event.object_type,
        "objectId": event.object_id,
        "action": event.action,
        "changes": {
            c.field: {"before": _decoded(c.before), "after": _decoded(c.after), "masked": c.masked}
            for c in audit_reads.shown_changes(event, viewer)
        },
        "reason": event.reason,
    }
