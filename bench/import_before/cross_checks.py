"""The checks of an import between its rows and against the database.

Given ids must be free, customer numbers unique, parents must exist (in the database or
the file) without cycles or too deep a group, memberships need people and organisations
that exist and make no second active membership per person, organisation and role.
Each check reads what it needs set-based, in a few chunked queries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from import_before.rows import Row
from relgraph.db.bulk import chunked, rows_in
from relgraph.db.models import AuditEvent, Membership, Organisation, Party, Person, User
from relgraph.domain import places
from relgraph.domain.organisations import hierarchy

__all__ = ["check_rows"]

_parties = Party.__table__
_orgs = Organisation.__table__
_people = Person.__table__
_m = Membership.__table__
_users = User.__table__
_events = AuditEvent.__table__
# Where the audit trail names the ids a table ever had: every party is the party of its own
# events, every membership the object of its own.
_USED_IDS = {
    _parties.name: (select(_events.c.party_id).distinct(), _events.c.party_id),
    _m.name: (
        select(_events.c.object_id).where(_events.c.object_type == "Membership").distinct(),
        _events.c.object_id,
    ),
}


def _once_in_file(rows: Sequence[Row], column: str, what: str) -> dict[Any, int]:
    """The values of `column` given in the file, each with the first line that has it; a
    later line with the same value fails ("Line 3 has `what` already", {} the value)."""
    first_line: dict[Any, int] = {}
    for row in rows:
        if (value := row.values.get(column)) is not None:
            first = first_line.setdefault(value, row.line)
            if first != row.line:
                row.fail(column, f"Line {first} has {what.format(value)} already.")
    return first_line


async def _free_ids(session: AsyncSession, rows: Sequence[Row], table: Any) -> None:
    """Given ids must be unique in the file, not taken, and never used before: the audit
    trail remembers the ids of deleted rows (IDs are never reused)."""
    seen = _once_in_file(rows, "id", "this id")
    taken = {r.id for r in await rows_in(session, select(table.c.id), table.c.id, seen)}
    query, column = _USED_IDS[table.name]
    used = {r[0] for r in await rows_in(session, query, column, seen)}
    for row in rows:
        if row.values.get("id") in taken:
            row.fail("id", f"Id {row.values['id']} is taken.")
        elif row.values.get("id") in used:
            row.fail("id", f"Id {row.values['id']} belonged to a deleted row; leave it empty for a new id.")


async def _check_organisations(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _free_ids(session, rows, _parties)
    codes = _once_in_file(rows, "code", "customer number {}")
    taken = {r.code for r in await rows_in(session, select(_orgs.c.code), _orgs.c.code, codes)}
    for row in rows:
        if row.values.get("code") in taken:
            row.fail("code", f"Customer number {row.values['code']} is already in use.")
    await _check_parents(session, rows)


async def _check_parents(session: AsyncSession, rows: Sequence[Row]) -> None:
    """A parent is an organisation of the database or of the file; no cycles, not too deep."""
    in_file = {r.values["id"]: r for r in rows if r.values.get("id") is not None}
    wanted = {r.values["parent_id"] for r in rows if r.values.get("parent_id") is not None}
    outside = wanted - set(in_file)
    existing = sorted(r.id for r in await rows_in(session, select(_orgs.c.id), _orgs.c.id, outside))
    depth_of: dict[int, int] = {}
    for part in chunked(existing):
        ancestors = await hierarchy.ancestors_of(session, part)
        depth_of.update(zip(part, (len(a) for a in ancestors), strict=True))
    for row in rows:
        parent = row.values.get("parent_id")
        if parent is None:
            continue
        if parent == row.values.get("id"):
            row.fail("parent_id", "An organisation cannot be its own parent.")
        elif parent not in in_file and parent not in depth_of:
            row.fail("parent_id", f"No organisation {parent}, in the database or in this file.")
    # Walk up from each row through the file: a cycle, or a group deeper than allowed.
    for row in rows:
        if row.values.get("parent_id") == row.values.get("id"):
            continue  # reported above
        seen, node, depth = {row.values.get("id")}, row.values.get("parent_id"), 0
        while node is not None and node in in_file:
            if node in seen:
                row.fail("parent_id", "The parents in this file make a cycle.")
                break
            seen.add(node)
            depth += 1
            node = in_file[node].values.get("parent_id")
        else:
            if depth + (depth_of.get(node, 0) + 1 if node is not None else 0) > hierarchy.MAX_DEPTH:
                row.fail("parent_id", f"A group can be at most {hierarchy.MAX_DEPTH} levels deep.")


async def _check_persons(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _free_ids(session, rows, _parties)


async def _check_memberships(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _free_ids(session, rows, _m)
    person_ids = {r.values["person_id"] for r in rows if r.values.get("person_id")}
    org_ids = {r.values["organisation_id"] for r in rows if r.values.get("organisation_id")}
    # A deleted person (tombstone) takes no new memberships: to an import it does not exist.
    alive = select(_people.c.id).where(_people.c.deleted_at.is_(None))
    found_people = {r.id for r in await rows_in(session, alive, _people.c.id, person_ids)}
    found_orgs = {r.id for r in await rows_in(session, select(_orgs.c.id), _orgs.c.id, org_ids)}
    emails = {r.values["account_manager"] for r in rows if r.values.get("account_manager")}
    staff = {
        u.email: u.id
        for u in await rows_in(session, select(_users.c.email, _users.c.id), _users.c.email, emails)
    }
    active = await rows_in(
        session,
        # A lapsed one gives up its place when the rows are written (writing.py).
        select(_m.c.person_id, _m.c.organisation_id, _m.c.role).where(Membership.not_ended()),
        _m.c.person_id,
        person_ids,
    )
    holders = {places.membership_place(a.person_id, a.organisation_id, a.role): 0 for a in active}
    for row in rows:
        values = row.values
        if values.get("person_id") and values["person_id"] not in found_people:
            row.fail("person_id", f"No person {values['person_id']}.")
        if values.get("organisation_id") and values["organisation_id"] not in found_orgs:
            row.fail("organisation_id", f"No organisation {values['organisation_id']}.")
        manager = values.get("account_manager")
        values["account_manager_id"] = staff.get(manager) if manager else None
        if manager and manager not in staff:
            row.fail("account_manager", f"No staff user with email {manager}.")
        if values.get("active") and values.get("person_id") and values.get("organisation_id"):
            key = places.membership_place(values["person_id"], values["organisation_id"], values.get("role"))
            first = holders.setdefault(key, row.line)
            if first != row.line:
                where = f"line {first}" if first else "the database"
                role = f" as {values['role']}" if values.get("role") else ""
                row.fail("role", f"This person already has an active membership here{role} ({where}).")


_CHECK: dict[str, Callable[[AsyncSession, Sequence[Row]], Awaitable[None]]] = {
    "organisations": _check_organisations,
    "persons": _check_persons,
    "memberships": _check_memberships,
}


async def check_rows(session: AsyncSession, kind: str, rows: Sequence[Row]) -> None:
    """Check `rows` of `kind` against each other and the database; failures go to the rows."""
    await _CHECK[kind](session, rows)
