"""The one shape of a write of one row: load it at the version the caller saw, snapshot its
audited fields, set them, stamp, flush (a lost race or a taken unique key is a CONFLICT),
and record the audit event (R6).

Each aggregate declares its rows once (`AuditedRows`) and writes them with `add`,
`snapshot` ... `save`, and `remove`; what is particular to it (validation, the rules,
what else changes with the row) stays in its own module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models.base import Stamped
from relgraph.domain import versions
from relgraph.domain.history import audit_writes
from relgraph.errors import NotFound
from relgraph.policy import SENSITIVE, Viewer, field_need

__all__ = ["AuditedRows", "removed"]

# What the trail keeps of a sensitive value (R4): that it changed, never the value.
_SENSITIVE_CHANGE = "<changed>"


def removed(before: Mapping[str, Any]) -> dict[str, Any]:
    """The changes of a deletion: every value of `before` goes."""
    return {name: {"before": value, "after": None} for name, value in before.items()}


@dataclass(frozen=True)
class AuditedRows:
    """How rows of one model are written: the fields their events show, the noun their
    messages use, what their unique indexes mean, and the parties their events are on."""

    model: type[Any]
    fields: Sequence[str]
    noun: str
    # (field, message) of a clash in a unique index at flush; None where one is a bug.
    unique: tuple[str, str] | None = None
    # The columns naming the party whose trail shows the events, and a second party the
    # object names (a membership's person); None for domain data, which is on no party.
    party: str | None = "party_id"
    other_party: str | None = None
    # A relation's events stand on the trails of both its ends.
    both_ways: bool = False
    # Whether an event must name the row's kind even where it did not change: who may
    # read the event depends on it (policy.audit_events_readable).
    names_kind: Callable[[Any], bool] | None = None

    @property
    def object_type(self) -> str:
        return self.model.__name__

    def snapshot(self, row: Any) -> dict[str, Any]:
        """The JSON-ready values of the audited fields of `row`."""
        return audit_writes.snapshot(row, list(self.fields))

    def record(
        self,
        session: AsyncSession,
        actor: Viewer | None,
        row: Any,
        action: str,
        changes: Mapping[str, Any],
        *,
        reason: str | None = None,
    ) -> None:
        """Add the audit event(s) of `action` on `row` to the unit of work."""
        shown = {
            name: _SENSITIVE_CHANGE if field_need(self.object_type, name) is SENSITIVE else change
            for name, change in changes.items()
        }
        if self.names_kind is not None and self.names_kind(row):
            shown.setdefault("kind", {"before": row.kind, "after": row.kind})
        party_id = getattr(row, self.party) if self.party else None
        other_party_id = getattr(row, self.other_party) if self.other_party else None
        ends = [(party_id, other_party_id)]
        if self.both_ways:
            ends.append((other_party_id, party_id))
        for party_id, other_party_id in ends:
            audit_writes.record(
                session,
                actor=actor,
                object_type=self.object_type,
                object_id=row.id,
                party_id=party_id,
                other_party_id=other_party_id,
                action=action,
                changes=shown,
                reason=reason,
            )

    async def flush(self, session: AsyncSession, *, at: str | None = None) -> None:
        """Flush the unit of work; a clash in a unique index is a CONFLICT at `at` (or the
        declared field)."""
        unique = None if self.unique is None else (at or self.unique[0], self.unique[1])
        await versions.flush(session, self.noun, unique=unique)

    async def load(
        self, session: AsyncSession, *, id: int, expected_version: int | None, field: str = "id"
    ) -> Any:
        """Fetch row `id` (domain data, visible to every writer) to change it."""
        row = await session.get(self.model, id, populate_existing=True)
        if row is None:
            raise NotFound(field, f"No {self.noun} with this id.")
        versions.check_version(row, expected_version, self.noun)
        return row

    async def load_of_visible_party(
        self, session: AsyncSession, *, viewer: Viewer, id: int, expected_version: int | None
    ) -> Any:
        """Fetch row `id` of a party `viewer` may see (R1) to change it."""
        return await versions.load_of_visible_party(
            session, self.model, viewer=viewer, id=id, expected_version=expected_version, noun=self.noun
        )

    async def add(
        self, session: AsyncSession, actor: Viewer | None, row: Any, *, at: str | None = None
    ) -> Any:
        """Insert `row` and record its creation."""
        session.add(row)
        await self.flush(session, at=at)
        self.record_creation(session, actor, row)
        return row

    def record_creation(
        self, session: AsyncSession, actor: Viewer | None, row: Any, action: str = "CREATE"
    ) -> None:
        """Record that `row` (flushed) was created with the values it has."""
        self.record(session, actor, row, action, audit_writes.changes_between({}, self.snapshot(row)))

    async def save(
        self,
        session: AsyncSession,
        actor: Viewer | None,
        row: Any,
        before: Mapping[str, Any],
        action: str = "UPDATE",
        *,
        at: str | None = None,
        reason: str | None = None,
        only_if_changed: bool = False,
    ) -> Any:
        """Write the changes made to `row` since `before` (its snapshot): stamp, flush, record.

        With `only_if_changed`, a row whose audited fields are as they were is left alone
        (no new version, no event). No actor: a change the system makes, stamped by nobody.
        """
        if only_if_changed and self.snapshot(row) == before:
            return row
        if actor is not None and issubclass(self.model, Stamped):
            versions.stamp(row, actor)
        await self.flush(session, at=at)
        changes = audit_writes.changes_between(before, self.snapshot(row))
        self.record(session, actor, row, action, changes, reason=reason)
        return row

    async def remove(
        self,
        session: AsyncSession,
        actor: Viewer,
        row: Any,
        *,
        before: Mapping[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        """Delete `row`; its event keeps what it was (`before`, by default its snapshot)."""
        gone = removed(self.snapshot(row) if before is None else before)
        self.record(session, actor, row, "DELETE", gone, reason=reason)
        await session.delete(row)
        await session.flush()
