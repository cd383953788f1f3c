"""Bulk relinking of memberships: after a reorganisation, people move to another organisation.

All or nothing: every item is validated (each error carries the item's index), and only
when none fails are the changes written, set-based: a few chunked IN queries to load,
executemany to write, one audit event per changed membership. The duplicate rule (one
active membership per person, organisation and role) is checked on the state the whole
call would leave behind, so two items of one call cannot build a duplicate between them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import is_postgres, lock_rows, one_of, rows_in
from relgraph.db.models import Membership, MembershipTag, Organisation, Person
from relgraph.domain import places, versions
from relgraph.domain.memberships.relinking import writes
from relgraph.domain.memberships.relinking.plan import (
    STATE_COLUMNS,
    MembershipState,
    Plan,
    RelinkItem,
    RelinkOutcome,
    RelinkResult,
    Target,
)
from relgraph.domain.validation import date_problem
from relgraph.errors import Conflict, ErrorCode, FieldError, InvalidInput
from relgraph.policy import Viewer

__all__ = [
    "MAX_ITEMS",
    "MembershipState",
    "RelinkItem",
    "RelinkOutcome",
    "RelinkResult",
    "check_item_count",
    "relink",
]

MAX_ITEMS = 10_000

_m = Membership.__table__
_tags = MembershipTag.__table__
_orgs = Organisation.__table__
_people = Person.__table__


def check_item_count(count: int, at: str | Sequence[str] = "items") -> None:
    """INVALID at `at` when one call asks more than MAX_ITEMS relinks."""
    if count > MAX_ITEMS:
        raise InvalidInput.at(
            at, f"At most {MAX_ITEMS} items per call; this one has {count}. Split it into several calls."
        )


def _fail(result: RelinkResult, name: str, message: str, code: ErrorCode = ErrorCode.INVALID) -> None:
    result.errors.append(FieldError((name,), message, code))


def _as_role(role: str | None) -> str:
    return f" as {role}" if role else ""


async def _load(session: AsyncSession, items: Sequence[RelinkItem]) -> Plan:
    membership_ids = {i.membership_id for i in items if i.membership_id is not None}
    target_ids = {i.organisation_id for i in items if i.organisation_id is not None}
    # Lock order, shared by every bulk operation: organisations, persons, memberships.
    await lock_rows(session, _orgs, target_ids, shared=True)
    org_rows = await rows_in(
        session,
        select(_orgs.c.id, _orgs.c.name, _orgs.c.archived, _orgs.c.merged_into_id),
        _orgs.c.id,
        target_ids,
    )
    orgs = {r.id: Target(r.id, r.name, r.archived, r.merged_into_id) for r in org_rows}
    person_ids = [
        r.person_id for r in await rows_in(session, select(_m.c.person_id), _m.c.id, membership_ids)
    ]
    if is_postgres(session):
        # The persons first: two bulk calls over the same people queue here, so the second
        # sees what the first did to their memberships (the duplicate rule included).
        await lock_rows(session, _people, person_ids)
    # Their lapsed memberships give up their places (domain/places.py): from here on the
    # flag of a membership of theirs says it has not ended, which is what the duplicate
    # rule and the unique index compare.
    if person_ids:
        await places.free_lapsed(session, Membership, one_of(session, _m.c.person_id, person_ids))
    rows = await rows_in(session, select(*STATE_COLUMNS), _m.c.id, membership_ids, lock=True)
    memberships = {r.id: MembershipState(*r) for r in rows}
    tags: dict[int, list[str]] = {i: [] for i in memberships}
    for row in await rows_in(
        session, select(_tags.c.membership_id, _tags.c.tag), _tags.c.membership_id, memberships
    ):
        tags[row.membership_id].append(row.tag)
    for names in tags.values():
        names.sort()
    return Plan([], memberships, orgs, tags, [])


def _check_items(plan: Plan, items: Sequence[RelinkItem], today: dt.date) -> None:
    """The checks each item passes or fails on its own (and against earlier items)."""
    first_item_of: dict[int, int] = {}
    for index, item in enumerate(items):
        result = RelinkResult(index, errors=list(item.errors))
        plan.results.append(result)
        membership = plan.memberships.get(item.membership_id) if item.membership_id is not None else None
        org = plan.orgs.get(item.organisation_id) if item.organisation_id is not None else None
        result.old = membership
        result.from_organisation_id = membership.organisation_id if membership else None
        if item.membership_id is not None and membership is None:
            _fail(result, "membershipId", "No membership with this id.", ErrorCode.NOT_FOUND)
        if item.start_date is not None and (problem := date_problem(item.start_date)):
            _fail(result, "startDate", problem)
        if item.organisation_id is not None and org is None:
            _fail(result, "organisationId", "No organisation with this id.", ErrorCode.NOT_FOUND)
        elif org is not None and org.archived:
            survivor = plan.orgs.get(org.merged_into_id or 0)
            hint = f"; it was merged into {survivor.name}" if survivor else ""
            if org.merged_into_id and not survivor:
                hint = "; it was merged into another organisation"
            _fail(result, "organisationId", f"{org.name} is archived{hint}.")
        if result.errors or membership is None or org is None:
            continue
        if item.expected_version is not None and item.expected_version != membership.version:
            _fail(
                result,
                "expectedVersion",
                f"This membership is at version {membership.version}, not {item.expected_version}; reload it.",
                ErrorCode.CONFLICT,
            )
        if membership.organisation_id == org.id:
            _fail(result, "organisationId", f"This membership is already at {org.name}.")
        earlier = first_item_of.setdefault(membership.id, index)
        if earlier != index:
            _fail(
                result, "membershipId", f"Item {earlier} relinks this membership already.", ErrorCode.CONFLICT
            )
        start = item.start_date
        if item.keep_history:
            start = start or today
            if not membership.active:
                _fail(
                    result,
                    "membershipId",
                    "This membership has ended already; move it with keepHistory false instead.",
                )
            elif membership.start_date is not None and start <= membership.start_date:
                _fail(
                    result,
                    "startDate",
                    f"The membership started on {membership.start_date.isoformat()}; "
                    "the new one must start after that day.",
                )
        elif start is not None and membership.end_date is not None and membership.end_date < start:
            _fail(
                result,
                "startDate",
                f"The membership ended on {membership.end_date.isoformat()}, before this date.",
            )
        if not result.errors:
            plan.valid.append((index, membership, org, start))


def _check_duplicates(plan: Plan, active: Sequence[Any]) -> None:
    """One active membership per person, organisation and role, in the state after the call."""
    vacated = {m.id for _, m, _, _ in plan.valid if m.active}
    holder: dict[tuple[int, int, str], tuple[str, int]] = {}
    for row in active:
        if row.id not in vacated:
            place = places.membership_place(row.person_id, row.organisation_id, row.role)
            holder[place] = ("membership", row.id)
    for index, membership, org, _ in plan.valid:
        if not membership.active:
            continue  # moving an ended membership makes no active one
        key = places.membership_place(membership.person_id, org.id, membership.role)
        found = holder.setdefault(key, ("item", index))
        if found == ("item", index):
            continue
        where = f"at {org.name}{_as_role(membership.role)}"
        message = (
            f"This person already has an active membership {where}."
            if found[0] == "membership"
            else f"Item {found[1]} already gives this person an active membership {where}."
        )
        _fail(plan.results[index], "organisationId", message, ErrorCode.CONFLICT)


async def _plan(session: AsyncSession, items: Sequence[RelinkItem], today: dt.date) -> Plan:
    plan = await _load(session, items)
    _check_items(plan, items, today)
    person_ids = {m.person_id for _, m, _, _ in plan.valid}
    active = await rows_in(
        session,
        select(_m.c.id, _m.c.person_id, _m.c.organisation_id, _m.c.role).where(_m.c.active.is_(True)),
        _m.c.person_id,
        person_ids,
    )
    _check_duplicates(plan, active)
    return plan


_RACE = "Another change made one of these memberships at the same moment; nothing was applied. Try again."


async def relink(
    session: AsyncSession, *, actor: Viewer, items: Sequence[RelinkItem], today: dt.date | None = None
) -> RelinkOutcome:
    """Relink memberships to other organisations, all or nothing.

    keep_history: the old membership ends the day before `start_date` (default today) and
    a new one starts at the target with the same job, contact details, role and tags.
    Otherwise the membership itself moves. When any item fails, nothing is written and
    every item's result says what is wrong with it.
    """
    check_item_count(len(items))
    today = today or dt.date.today()
    for attempt in (1, 2):
        plan = await _plan(session, items, today)
        outcome = RelinkOutcome(plan.results, plan.tags)
        if outcome.failed:
            return outcome
        try:
            # A single addMembership racing this call meets it in the unique index; the
            # savepoint keeps the transaction usable so the second plan can say where.
            async with session.begin_nested():
                await writes.apply(session, plan, items, actor)
        except DBAPIError as error:
            if not _is_race(error):
                raise
            if attempt == 2:
                raise Conflict("items", _RACE) from None
            continue
        return outcome
    raise AssertionError("unreachable")


def _is_race(error: DBAPIError) -> bool:
    # A unique violation, or a race lost otherwise (a deadlock victim): worth a second look.
    return isinstance(error, IntegrityError) or versions.lost_race(error) is not None
