"""Reading the audit trail (R6): a party's events, with values masked per viewer (R4).

Events keep the values as they were; masking happens here, at read time, so that a
viewer with FINANCE or SENSITIVE sees what changed and one without sees only that it
changed. Which events a viewer may read at all is policy (`audit_events_readable`).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import AuditEvent
from relgraph.db.pagination import OrderKey, Page, PageRequest, count_many, paginate_many
from relgraph.domain.organisations.merging.report import Sight, for_reader
from relgraph.policy import Viewer, audit_events_readable, may_read

__all__ = [
    "ShownChange",
    "count_for",
    "list_for",
    "shown_changes",
]

_ORDER = [OrderKey(AuditEvent.at, "at", descending=True), OrderKey(AuditEvent.id, "id", descending=True)]


def _listed(viewer: Viewer) -> Select[*tuple[Any, ...]]:
    return select(AuditEvent).where(AuditEvent.party_id.is_not(None), audit_events_readable(viewer))


async def list_for(
    session: AsyncSession, party_ids: Sequence[int], *, viewer: Viewer, page: PageRequest
) -> dict[Hashable, Page[AuditEvent]]:
    """One page of each party's audit trail, newest first."""
    return await paginate_many(
        session, _listed(viewer), AuditEvent, AuditEvent.party_id, party_ids, _ORDER, page
    )


async def count_for(
    session: AsyncSession, party_ids: Sequence[int], *, viewer: Viewer
) -> dict[Hashable, int]:
    return await count_many(session, _listed(viewer), AuditEvent.party_id, party_ids)


@dataclass(frozen=True)
class ShownChange:
    field: str
    before: str | None
    after: str | None
    masked: bool


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def shown_changes(event: AuditEvent, viewer: Viewer, merge_sight: Sight | None = None) -> list[ShownChange]:
    """The event's changes as `viewer` may see them: masked values are null, `masked` true.

    A merge's report is counted for the reader by `merge_sight` (merging.report.sight_of, or
    a loader): without it, what depends on the database counts as hidden.
    """
    # A merge's report, never as stored (it names hidden parties): counted for this reader.
    changes = for_reader(event.changes or {}, merge_sight or Sight(viewer))
    shown = []
    for name in sorted(changes):
        change = changes[name]
        if not isinstance(change, Mapping):
            change = {"before": None, "after": change}
        if may_read(viewer, event.object_type, name):
            shown.append(ShownChange(name, _json(change.get("before")), _json(change.get("after")), False))
        else:
            shown.append(ShownChange(name, None, None, True))
    return shown
