"""The state one merge hands from step to step (`merge`, `belongings`, `links`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Organisation
from relgraph.domain import versions
from relgraph.domain.history import audit_writes
from relgraph.domain.organisations.merging.report import MergeReport
from relgraph.policy import Viewer

__all__ = ["MergeJob"]


@dataclass
class MergeJob:
    """One merge in progress: the pair, its clock, its report and its audit events (written at the end)."""

    session: AsyncSession
    actor: Viewer
    source: Organisation
    target: Organisation
    today: dt.date
    now: dt.datetime
    report: MergeReport = field(default_factory=MergeReport)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return f"Merged {self.source.name} (organisation {self.source.id}) into {self.target.name}."

    def stamped(self, table: Any) -> dict[str, Any]:
        """The version and stamp of each row of `table` this merge changes."""
        return versions.stamped(table, self.actor, self.now)

    def event(self, object_type: str, object_id: int, action: str, party_id: int, **kwargs: Any) -> None:
        self.events.append(
            audit_writes.event(
                actor=self.actor,
                object_type=object_type,
                object_id=object_id,
                party_id=party_id,
                action=action,
                at=self.now,
                reason=kwargs.pop("reason", self.reason),
                **kwargs,
            )
        )
