"""Notes (notities) and activities (activiteiten) on parties."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id, Stamped, UTCDateTime, enum_check

__all__ = ["Activity", "ActivityKind", "Note", "NoteKind"]


class NoteKind(enum.StrEnum):
    GENERAL = "GENERAL"
    INTERNAL = "INTERNAL"
    PRICE_AGREEMENT = "PRICE_AGREEMENT"


class ActivityKind(enum.StrEnum):
    TASK = "TASK"
    CALL = "CALL"
    MEETING = "MEETING"


class Note(Stamped, Base):
    """A note on a party: general, internal (staff only) or a price agreement (financial)."""

    __tablename__ = "notes"
    __table_args__ = (
        CheckConstraint(enum_check("kind", NoteKind), name="kind"),
        # A party's notes newest first, and the timeline's keyset.
        Index("ix_notes_party_created", "party_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)


class Activity(Stamped, Base):
    """A task, call or meeting about a party: planned until done_at is set."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint(enum_check("kind", ActivityKind), name="kind"),
        Index("ix_activities_party_created", "party_id", "created_at", "id"),
        Index("ix_activities_assignee_done", "assignee_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
