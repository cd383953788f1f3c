"""The audit trail and the lock rows that serialise some changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import (
    Base,
    Id,
    UTCDateTime,
    utcnow,
)

__all__ = [
    "AuditEvent",
    "LockRow",
]


class AuditEvent(Base):
    """Who changed what, when: one row per changed object per mutation."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        # A party's trail and timeline, newest first (keyset on at, id); it leads with
        # party_id, so it also finds a party's events (no index on party_id alone).
        Index("ix_audit_events_party_at", "party_id", "at", "id"),
        # Only the events that name another party (memberships, relations) are indexed by
        # it: an index entry per event of every other kind would only say "no other party".
        Index(
            "ix_audit_events_other_party_id",
            "other_party_id",
            sqlite_where=text("other_party_id IS NOT NULL"),
            postgresql_where=text("other_party_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Id)
    # The party whose trail shows the event (the organisation of a membership, say).
    party_id: Mapped[int | None] = mapped_column(Id)
    # The other party the event names: a membership's person on its organisation's trail,
    # the far end of a relation. Kept in a column, not only in `changes`, because reading
    # (R1: a reader must see both parties) and erasure (find a person's events by the
    # person, never by a reused object id) both need it for events whose object is gone.
    other_party_id: Mapped[int | None] = mapped_column(Id)
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)


class LockRow(Base):
    """Named rows that transactions update to serialise one kind of change.

    Updating the 'hierarchy' row takes PostgreSQL's row lock and SQLite's write lock alike,
    so two reparentings can never both pass their cycle check against stale data.
    """

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
