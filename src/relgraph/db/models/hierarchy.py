"""The history of the hierarchy: which parent an organisation had on which days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id

__all__ = ["ParentPeriod"]


class ParentPeriod(Base):
    """An organisation sat under `parent_id` from `valid_from` to `valid_to`, both days included.

    A missing `valid_from` reaches back before anything recorded; a missing `valid_to` is
    the open period, the parent of today (`organisations.parent_id`). Periods of one
    organisation do not overlap: a reparenting closes the open one the day before it opens
    the next (domain/organisations/parent_periods.py). The same in-force rule as a
    membership's dates decides which period holds on a day (db/models/in_force.py).
    """

    __tablename__ = "organisation_parent_periods"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="dates"),
        CheckConstraint("parent_id <> organisation_id", name="not_own_parent"),
        Index("ix_organisation_parent_periods_organisation", "organisation_id", "valid_from"),
        Index("ix_organisation_parent_periods_parent", "parent_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    parent_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
