"""Writing checked import rows: set-based inserts, one audit event per new object.

Ids are reserved up front (no RETURNING), rows go in with one executemany per table
(one array per column on PostgreSQL), and every imported organisation, person or
membership gets its own CREATE audit event, inserted in the same batches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import (
    analyze,
    chunked,
    insert_rows,
    reserve_ids,
    rows_in,
    update_rows,
)
from relgraph.db.models import (
    Address,
    AddressKind,
    ContactKind,
    ContactMean,
    Gender,
    Membership,
    MembershipTag,
    Organisation,
    OrganisationStatus,
    Party,
    PartyKind,
    Person,
)
from relgraph.domain import audit, contact_values, memberships, organisations, persons
from relgraph.text import fold, search_key
from relgraph.transfer.rows import Row

__all__ = ["Progress", "write_rows"]

Progress = Callable[[str, int, int], None]

_parties = Party.__table__
_orgs = Organisation.__table__
_people = Person.__table__
_m = Membership.__table__
_tags = MembershipTag.__table__
_contacts = ContactMean.__table__
_addresses = Address.__table__

_ORG_FIELDS = (
    "name",
    "code",
    "legal_name",
    "kvk_number",
    "vat_number",
    "invoice_company_name",
    "invoice_email",
    "industry",
    "description",
    "website",
    "status",
    "checked",
    "creditworthy",
    "archived",
)
_PERSON_FIELDS = ("gender", "title", "initials", "first_name", "infix", "last_name", "birth_date")
# What a membership row holds is what its audit events record.
_MEMBERSHIP_FIELDS = tuple(memberships.AUDITED_FIELDS)


async def _assign_ids(session: AsyncSession, rows: Sequence[Row], table: Any) -> None:
    given = [r.values["id"] for r in rows if r.values.get("id") is not None]
    missing = [r for r in rows if r.values.get("id") is None]
    for row, new_id in zip(
        missing, await reserve_ids(session, table, len(missing), above=max(given, default=0)), strict=True
    ):
        row.values["id"] = new_id


def _contact_terms(values: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(ContactKind.EMAIL.value, values.get("email")), (ContactKind.PHONE.value, values.get("phone"))]
    return [(kind, value) for kind, value in found if value]


def _party_rows(rows: Sequence[Row], kind: str, now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": r.values["id"],
            "kind": kind,
            "created_at": now,
            "created_by_id": None,
            "updated_at": now,
            "updated_by_id": None,
            "version": 1,
        }
        for r in rows
    ]


def _contact_rows(rows: Sequence[Row], now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "party_id": r.values["id"],
            "kind": kind,
            "value": value,
            "label": None,
            "is_primary": True,
            "active": True,
            "created_at": now,
            "created_by_id": None,
            "updated_at": now,
            "updated_by_id": None,
            "version": 1,
        }
        for r in rows
        for kind, value in _contact_terms(r.values)
    ]


def _event(
    row: Row,
    object_type: str,
    object_id: int,
    party_id: int,
    fields: Iterable[str],
    source: str,
    now: dt.datetime,
) -> dict[str, Any]:
    changes = {
        name: {"before": None, "after": value.isoformat() if isinstance(value, dt.date) else value}
        for name in fields
        if (value := row.values.get(name)) not in (None, [], False)
    }
    return audit.event(
        actor=None,
        object_type=object_type,
        object_id=object_id,
        party_id=party_id,
        action="CREATE",
        changes=changes,
        reason=f"Imported from {source}, line {row.line}.",
        at=now,
    )


async def _insert(
    session: AsyncSession, table: Any, rows: list[dict[str, Any]], progress: Progress, stage: str
) -> None:
    done = 0
    for part in chunked(rows):
        await insert_rows(session, table, part)
        done += len(part)
        progress(stage, done, len(rows))


def _depths(rows: Sequence[Row]) -> dict[int, int]:
    """How many parents in the file each row has above it (the checks ruled out cycles)."""
    by_id = {r.values["id"]: r for r in rows}
    depth: dict[int, int] = {}
    for row in rows:
        chain, node = [], row
        while node is not None and node.values["id"] not in depth:
            chain.append(node)
            parent = node.values.get("parent_id")
            node = by_id.get(parent) if parent is not None else None
        level = depth[node.values["id"]] + 1 if node is not None else 0
        for found in reversed(chain):
            depth[found.values["id"]] = level
            level += 1
    return depth


async def _write_organisations(
    session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress
) -> None:
    now = dt.datetime.now(dt.UTC)
    await _assign_ids(session, rows, _parties)
    org_rows, address_rows = [], []
    for row in rows:
        v = row.values
        address = v.get("address")
        names = SimpleNamespace(
            name=v["name"], legal_name=v.get("legal_name"), code=v.get("code"), kvk_number=v.get("kvk_number")
        )
        organisations.set_search_keys(
            names,  # type: ignore[arg-type]
            [address.get("city")] if address else [],
            contact_values.terms_of(_contact_terms(v)),
        )
        org_rows.append(
            {
                "id": v["id"],
                **{name: v.get(name) for name in _ORG_FIELDS},
                "status": v.get("status") or OrganisationStatus.ACTIVE.value,
                "checked": bool(v.get("checked")),
                "creditworthy": bool(v.get("creditworthy")),
                "invoice_uses_postal_address": bool(v.get("invoice_uses_postal_address")),
                "archived": bool(v.get("archived")),
                "parent_id": v.get("parent_id"),
                "merged_into_id": None,
                "name_key": names.name_key,
                "search_text": names.search_text,
            }
        )
        if address:
            address_rows.append(
                {
                    "party_id": v["id"],
                    "kind": AddressKind.VISIT.value,
                    **address,
                    "city_key": fold(address.get("city")),
                    "is_head_office": True,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
    await _insert(
        session, _parties, _party_rows(rows, PartyKind.ORGANISATION.value, now), progress, "writing"
    )
    # A parent may come later in the file: the rows go in parents first, each with its parent.
    depth = _depths(rows)
    await insert_rows(session, _orgs, sorted(org_rows, key=lambda o: depth[o["id"]]))
    await insert_rows(session, _addresses, address_rows)
    await insert_rows(session, _contacts, _contact_rows(rows, now))
    fields = ("name", *_ORG_FIELDS[1:], "invoice_uses_postal_address", "parent_id", "email", "phone")
    await audit.record_many(
        session,
        [_event(r, "Organisation", r.values["id"], r.values["id"], fields, source, now) for r in rows],
    )


async def _write_persons(session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress) -> None:
    now = dt.datetime.now(dt.UTC)
    await _assign_ids(session, rows, _parties)
    person_rows = []
    for row in rows:
        v = row.values
        person = SimpleNamespace(**{name: v.get(name) for name in _PERSON_FIELDS})
        persons.refresh_search(person, (), contact_values.terms_of(_contact_terms(v)))  # type: ignore[arg-type]
        person_rows.append(
            {
                "id": v["id"],
                **{name: v.get(name) for name in _PERSON_FIELDS},
                "gender": v.get("gender") or Gender.UNKNOWN.value,
                "bsn": None,
                "sort_key": person.sort_key,
                "search_text": person.search_text,
            }
        )
    await _insert(session, _parties, _party_rows(rows, PartyKind.PERSON.value, now), progress, "writing")
    await insert_rows(session, _people, person_rows)
    await insert_rows(session, _contacts, _contact_rows(rows, now))
    fields = (*_PERSON_FIELDS, "email", "phone")
    await audit.record_many(
        session, [_event(r, "Person", r.values["id"], r.values["id"], fields, source, now) for r in rows]
    )


async def _write_memberships(
    session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress
) -> None:
    now = dt.datetime.now(dt.UTC)
    await _assign_ids(session, rows, _m)
    membership_rows = [
        {
            "id": r.values["id"],
            **{name: r.values.get(name) for name in _MEMBERSHIP_FIELDS},
            "active": bool(r.values.get("active")),
            "created_at": now,
            "created_by_id": None,
            "updated_at": now,
            "updated_by_id": None,
            "version": 1,
        }
        for r in rows
    ]
    await _insert(session, _m, membership_rows, progress, "writing")
    tag_rows = [{"membership_id": r.values["id"], "tag": t} for r in rows for t in r.values.get("tags") or []]
    await insert_rows(session, _tags, tag_rows)
    fields = (*_MEMBERSHIP_FIELDS, "tags")
    await audit.record_many(
        session,
        [
            _event(r, "Membership", r.values["id"], r.values["organisation_id"], fields, source, now)
            for r in rows
        ],
    )
    await _refresh_person_search(session, rows)


async def _refresh_person_search(session: AsyncSession, rows: Sequence[Row]) -> None:
    """Search finds people by their business emails: add the new ones to their search text.

    Appended, not rebuilt: search matches a part anywhere in the text, so the order does
    not matter, and rebuilding would parse every phone number of these people again. The
    next change of a person rebuilds the text in its usual order.
    """
    emails: dict[int, list[str]] = {}
    for row in rows:
        if email := row.values.get("business_email"):
            emails.setdefault(row.values["person_id"], []).append(email)
    texts = await rows_in(session, select(_people.c.id, _people.c.search_text), _people.c.id, emails)
    updates = []
    for person in texts:
        text = person.search_text or ""
        new = [key for key in dict.fromkeys(search_key(e) for e in emails[person.id]) if key not in text]
        if new:
            updates.append(
                {"id": person.id, "search_text": " | ".join([text, *new]) if text else " | ".join(new)}
            )
    await update_rows(session, _people, updates)


# The tables each kind writes that queries join, and from how many rows on their statistics
# are refreshed (fewer rows hardly change what the planner should do; autovacuum catches up
# with those, and with audit_events, which is only ever read by party or object).
_WRITTEN = {
    "organisations": (_parties, _orgs, _addresses, _contacts),
    "persons": (_parties, _people, _contacts),
    "memberships": (_m, _tags, _people),
}
_ANALYZE_FROM = 1000

_WRITE: dict[str, Callable[[AsyncSession, Sequence[Row], str, Progress], Awaitable[None]]] = {
    "organisations": _write_organisations,
    "persons": _write_persons,
    "memberships": _write_memberships,
}


async def write_rows(
    session: AsyncSession, kind: str, rows: Sequence[Row], source: str, progress: Progress
) -> None:
    """Insert checked `rows` of `kind` from the file named `source`; the caller commits."""
    await _WRITE[kind](session, rows, source, progress)
    if len(rows) >= _ANALYZE_FROM:
        await analyze(session, _WRITTEN[kind])
