"""Writing a checked bulk relink set-based: executemany updates and inserts, one audit
event per changed membership."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import insert_rows, reserve_ids, update_each
from relgraph.db.models import Membership, MembershipTag
from relgraph.domain import places, versions
from relgraph.domain.history import audit_writes
from relgraph.domain.memberships.memberships import AUDITED_FIELDS
from relgraph.domain.memberships.relinking.plan import (
    MembershipState,
    Plan,
    RelinkItem,
    Target,
)
from relgraph.policy import Viewer

__all__ = ["apply"]

_m = Membership.__table__
_tags = MembershipTag.__table__

_DAY = dt.timedelta(days=1)
# What a relink with history carries over to the new membership.
_CARRIED = ("department", "job_title", "business_email", "phone1", "phone2", "role", "account_manager_id")


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _created(values: dict[str, Any], tags: list[str]) -> dict[str, Any]:
    """The audit changes of a new membership: every audited field that has a value."""
    changes = {
        name: {"before": None, "after": _iso(value) if isinstance(value, dt.date) else value}
        for name in AUDITED_FIELDS
        if (value := values[name]) is not None
    }
    changes["tags"] = {"before": None, "after": tags}
    return changes


async def apply(session: AsyncSession, plan: Plan, items: Sequence[RelinkItem], actor: Viewer) -> None:
    """Write the plan set-based; the plan's membership states become what was written."""
    now = dt.datetime.now(dt.UTC)
    ended: list[tuple[int, MembershipState, Target, dt.date]] = []
    moved: list[tuple[int, MembershipState, Target, dt.date | None]] = []
    for index, membership, org, start in plan.valid:
        if items[index].keep_history:
            assert start is not None
            ended.append((index, membership, org, start))
        else:
            moved.append((index, membership, org, start))
    stamp = versions.stamped(_m, actor, now)
    events: list[dict[str, Any]] = []

    if ended:
        ends = [{"b_id": m.id, "b_end": start - _DAY} for _, m, _, start in ended]
        await update_each(session, _m, ends, active=False, end_date=bindparam("b_end"), **stamp)
    if moved:
        # A move can take the place of another membership moving away in this call; those
        # step aside (inactive) first, so the unique index never sees both at once.
        arriving = {
            places.membership_place(m.person_id, org.id, m.role)
            for _, m, org, _ in [*moved, *ended]
            if m.active
        }
        blocking = [
            m.id
            for _, m, _, _ in moved
            if m.active and places.membership_place(m.person_id, m.organisation_id, m.role) in arriving
        ]
        if blocking:
            await session.execute(update(_m).where(_m.c.id.in_(blocking)).values(active=False))
        await update_each(
            session,
            _m,
            [
                {"b_id": m.id, "b_org": org.id, "b_start": start or m.start_date, "b_active": m.active}
                for _, m, org, start in moved
            ],
            organisation_id=bindparam("b_org"),
            start_date=bindparam("b_start"),
            active=bindparam("b_active"),
            **stamp,
        )

    new_ids = await reserve_ids(session, _m, len(ended))
    new_rows = [
        {
            "id": new_id,
            "person_id": m.person_id,
            "organisation_id": org.id,
            **{name: getattr(m, name) for name in _CARRIED},
            "active": True,
            "start_date": start,
            "end_date": None,
            "created_at": now,
            "created_by_id": actor.id,
            "updated_at": now,
            "updated_by_id": actor.id,
            "version": 1,
        }
        for new_id, (_, m, org, start) in zip(new_ids, ended, strict=True)
    ]
    await insert_rows(session, _m, new_rows)
    tag_rows = [
        {"membership_id": new_id, "tag": tag}
        for new_id, (_, m, _, _) in zip(new_ids, ended, strict=True)
        for tag in plan.tags[m.id]
    ]
    await insert_rows(session, _tags, tag_rows)

    for values, (index, m, org, start) in zip(new_rows, ended, strict=True):
        end = start - _DAY
        tags = plan.tags[m.id]
        events.append(
            audit_writes.event(
                actor=actor,
                object_type="Membership",
                object_id=m.id,
                party_id=m.organisation_id,
                other_party_id=m.person_id,
                action="DEACTIVATE",
                changes={
                    "active": {"before": True, "after": False},
                    "end_date": {"before": _iso(m.end_date), "after": end.isoformat()},
                },
                reason=f"Relinked to {org.name}: membership {values['id']}.",
                at=now,
            )
        )
        events.append(
            audit_writes.event(
                actor=actor,
                object_type="Membership",
                object_id=values["id"],
                party_id=org.id,
                other_party_id=m.person_id,
                action="CREATE",
                changes=_created(values, tags),
                reason=f"Relinked from membership {m.id}.",
                at=now,
            )
        )
        m.active, m.end_date, m.version, m.updated_at, m.updated_by_id = (
            False,
            end,
            m.version + 1,
            now,
            actor.id,
        )
        plan.results[index].new = MembershipState(**values)
        plan.tags[values["id"]] = tags
    for index, m, org, start in moved:
        changes: dict[str, dict[str, Any]] = {
            "organisation_id": {"before": m.organisation_id, "after": org.id}
        }
        if start is not None and start != m.start_date:
            changes["start_date"] = {"before": _iso(m.start_date), "after": start.isoformat()}
            m.start_date = start
        events.append(
            audit_writes.event(
                actor=actor,
                object_type="Membership",
                object_id=m.id,
                party_id=org.id,
                other_party_id=m.person_id,
                action="RELINK",
                changes=changes,
                at=now,
            )
        )
        m.organisation_id, m.version, m.updated_at, m.updated_by_id = org.id, m.version + 1, now, actor.id
        plan.results[index].new = m
    await audit_writes.record_many(session, events)
