"""The changes feed: one row per change of an organisation, person, membership or relation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id, UTCDateTime, utcnow

__all__ = ["Change"]


class Change(Base):
    """A change as the feed lists it: what changed how, never a value (erasure leaves none).

    `commit_no` numbers the committing transactions in commit order (domain/history/
    feed_writes.py); it is null until the change's transaction commits, so the feed lists
    only committed changes, in (commit_no, id) order.
    """

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_commit_no_id", "commit_no", "id"),
        # Whether an object has a change at all (feed_writes.backfill).
        Index("ix_changes_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    commit_no: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(20))
    # The organisation a merged one lives on in.
    survivor_id: Mapped[int | None] = mapped_column(Id)
    # The parties the object names (as on its audit events): who may read the change
    # depends on them (policy.changes_readable), also once the object is gone.
    party_id: Mapped[int | None] = mapped_column(Id)
    other_party_id: Mapped[int | None] = mapped_column(Id)
