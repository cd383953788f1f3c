"""Writing the audit trail (R6): every change records who, when, what, before and after."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import insert_rows
from relgraph.db.models import AuditEvent
from relgraph.domain.history import feed_writes
from relgraph.policy import Viewer

__all__ = ["changes_between", "event", "record", "record_many", "snapshot"]


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """The JSON-ready values of `fields` on `obj`."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """{field: {"before": ..., "after": ...}} for the fields whose value differs."""
    return {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def record(
    session: AsyncSession,
    *,
    actor: Viewer | None,
    object_type: str,
    object_id: int,
    action: str,
    party_id: int | None = None,
    other_party_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Add one audit event to the unit of work; it commits (or not) with the change, and
    so does the change it makes in the feed (feed_writes)."""
    row = AuditEvent(
        actor_id=actor.id if actor else None,
        object_type=object_type,
        object_id=object_id,
        party_id=party_id,
        other_party_id=other_party_id,
        action=action,
        changes=dict(changes or {}),
        reason=reason,
    )
    session.add(row)
    feed_writes.note(
        session,
        {
            "object_type": object_type,
            "object_id": object_id,
            "action": action,
            "changes": row.changes,
            "party_id": party_id,
            "other_party_id": other_party_id,
        },
    )


def event(
    *,
    actor: Viewer | None,
    object_type: str,
    object_id: int,
    action: str,
    party_id: int | None = None,
    other_party_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """One audit event as a row for `record_many`."""
    return {
        "at": at or dt.datetime.now(dt.UTC),
        "actor_id": actor.id if actor else None,
        "object_type": object_type,
        "object_id": object_id,
        "party_id": party_id,
        "other_party_id": other_party_id,
        "action": action,
        "changes": dict(changes or {}),
        "reason": reason,
    }


async def record_many(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    """Insert many audit events at once (bulk work: still one event per changed object),
    and their changes in the feed."""
    await insert_rows(session, AuditEvent.__table__, events)
    await feed_writes.write(session, events)
