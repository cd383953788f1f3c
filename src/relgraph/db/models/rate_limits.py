"""The rate limit's counters: cost points spent per user in the current minute."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id

__all__ = ["RateLimitWindow"]


class RateLimitWindow(Base):
    """One row per user: the minute being counted and the points spent in it.

    A new minute overwrites the row instead of adding one, so the table never grows past
    the number of users; every worker process updates the same row (see relgraph/rate_limits.py).
    """

    __tablename__ = "rate_limit_windows"

    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Seconds since the epoch at the start of the minute, UTC.
    window_start: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
