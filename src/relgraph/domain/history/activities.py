"""Activities (activiteiten) on parties: tasks, calls and meetings, planned or done.

An activity is DONE once done_at is set, OVERDUE while open past its due time, and
PLANNED otherwise (lopend / gereed in the seed's words). Reopening clears done_at.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id
from relgraph.db.models import Activity, ActivityKind, User
from relgraph.db.pagination import OrderKey, Page, PageRequest, count_many, paginate_many
from relgraph.domain import parties, versions
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.policy import Viewer, party_visible

__all__ = [
    "AUDITED_FIELDS",
    "Status",
    "add",
    "complete",
    "count_for",
    "get_many",
    "list_for",
    "listed",
    "order_keys",
    "remove",
    "status_clause",
    "status_of",
    "status_sql",
    "update",
]

AUDITED_FIELDS = ["party_id", "kind", "subject", "body", "due_at", "done_at", "assignee_id"]
_ACTIVITIES = AuditedRows(Activity, AUDITED_FIELDS, "activity")


class Status(enum.StrEnum):
    PLANNED = "PLANNED"
    OVERDUE = "OVERDUE"
    DONE = "DONE"


def status_of(activity: Activity, now: dt.datetime) -> Status:
    if activity.done_at is not None:
        return Status.DONE
    if activity.due_at is not None and activity.due_at < now:
        return Status.OVERDUE
    return Status.PLANNED


def status_clause(status: Status, now: Any) -> ColumnElement[bool]:
    if status is Status.DONE:
        return Activity.done_at.is_not(None)
    if status is Status.OVERDUE:
        return and_(Activity.done_at.is_(None), Activity.due_at < now)
    return and_(Activity.done_at.is_(None), or_(Activity.due_at.is_(None), Activity.due_at >= now))


def status_sql(now: Any) -> ColumnElement[str]:
    """SQL: the status of an activity row at `now` (status_of, for a statement)."""
    return case(
        (status_clause(Status.DONE, now), Status.DONE.value),
        (status_clause(Status.OVERDUE, now), Status.OVERDUE.value),
        else_=Status.PLANNED.value,
    )


# When an activity happens: when it was done, else its due time, else when it was recorded.
_WHEN = func.coalesce(Activity.done_at, Activity.due_at, Activity.created_at)


def _when(activity: Activity) -> dt.datetime:
    return activity.done_at or activity.due_at or activity.created_at


def order_keys(status: Status | None) -> list[OrderKey]:
    """Open work soonest first (what is next); otherwise, and for done work, latest first."""
    descending = status not in (Status.PLANNED, Status.OVERDUE)
    return [OrderKey(_WHEN, _when, descending=descending), OrderKey(Activity.id, "id", descending=descending)]


_OWNERS = {"party": Activity.party_id, "assignee": Activity.assignee_id}


def listed(viewer: Viewer, status: Status | None, now: Any) -> Select[*tuple[Any, ...]]:
    """The activities a list shows `viewer` (of `status` at `now`: a time, or SQL for one)."""
    stmt = select(Activity).where(party_visible(viewer, Activity.party_id))
    return stmt if status is None else stmt.where(status_clause(status, now))


async def list_for(
    session: AsyncSession,
    owner_ids: Sequence[int],
    *,
    by: str,
    viewer: Viewer,
    status: Status | None,
    page: PageRequest,
) -> dict[Hashable, Page[Activity]]:
    """One page of the activities of each party (by="party") or assignee (by="assignee")."""
    now = dt.datetime.now(dt.UTC)
    return await paginate_many(
        session, listed(viewer, status, now), Activity, _OWNERS[by], owner_ids, order_keys(status), page
    )


async def count_for(
    session: AsyncSession, owner_ids: Sequence[int], *, by: str, viewer: Viewer, status: Status | None
) -> dict[Hashable, int]:
    now = dt.datetime.now(dt.UTC)
    return await count_many(session, listed(viewer, status, now), _OWNERS[by], owner_ids)


async def get_many(session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]) -> list[Activity | None]:
    """The activities with `ids` on parties `viewer` may see, aligned with `ids`."""
    return await by_id(session, Activity, ids, party_visible(viewer, Activity.party_id))


async def _clean(session: AsyncSession, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    checks = Checks()
    values: dict[str, Any] = {}
    if creating or data.get("kind") is not None:
        values["kind"] = ActivityKind(data.get("kind") or ActivityKind.TASK).value
    if creating or "subject" in data:
        values["subject"] = checks.text("subject", data.get("subject"), max_length=200, required=True)
    if "body" in data:
        values["body"] = checks.multiline("body", data["body"], max_length=10_000)
    for name, field in (("due_at", "dueAt"), ("done_at", "doneAt")):
        if name in data:
            values[name] = checks.instant(field, data[name])
    done_at = values.get("done_at")
    # A time without offset has failed above already; it cannot be compared with an aware one.
    if done_at and done_at.tzinfo and done_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
        checks.fail("doneAt", "An activity cannot be done in the future.")
    if data.get("assignee_id") is not None:
        user = await session.get(User, data["assignee_id"])
        if user is None:
            checks.fail("assigneeId", "No user with this id.")
        elif not user.active:
            checks.fail("assigneeId", f"{user.name} is no longer active; assign someone else.")
    if "assignee_id" in data:
        values["assignee_id"] = data["assignee_id"]
    checks.raise_if_any()
    return values


async def add(
    session: AsyncSession, *, actor: Viewer, party: tuple[str, int], data: Mapping[str, Any]
) -> Activity:
    """Plan (or log, with doneAt) an activity on a party `actor` may see."""
    values = await _clean(session, data, creating=True)
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1])
    row = Activity(
        party_id=target.id,
        **values,
        **versions.created(actor),
    )
    return await _ACTIVITIES.add(session, actor, row)


async def _load(session: AsyncSession, actor: Viewer, id: int, expected_version: int | None) -> Activity:
    return await _ACTIVITIES.load_of_visible_party(
        session, viewer=actor, id=id, expected_version=expected_version
    )


async def _change(
    session: AsyncSession, actor: Viewer, row: Activity, values: Mapping[str, Any], action: str
) -> Activity:
    before = _ACTIVITIES.snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    return await _ACTIVITIES.save(session, actor, row, before, action, only_if_changed=True)


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Activity:
    """Change an activity; doneAt null reopens a done one."""
    row = await _load(session, actor, id, expected_version)
    values = await _clean(session, data, creating=False)
    action = (
        "REOPEN"
        if "done_at" in values and values["done_at"] is None and row.done_at is not None
        else "UPDATE"
    )
    return await _change(session, actor, row, values, action)


async def complete(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> Activity:
    """Mark an activity done now; one done already keeps its doneAt."""
    row = await _load(session, actor, id, expected_version)
    if row.done_at is not None:
        return row
    return await _change(session, actor, row, {"done_at": dt.datetime.now(dt.UTC)}, "COMPLETE")


async def remove(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> int:
    """Delete an activity; the audit trail keeps what it was."""
    row = await _load(session, actor, id, expected_version)
    await _ACTIVITIES.remove(session, actor, row)
    return id
