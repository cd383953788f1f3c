"""Memberships (persoon in organisatie) and their tags."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id, Stamped
from relgraph.db.models.in_force import EndedByHand

__all__ = [
    "Membership",
    "MembershipTag",
]


class Membership(EndedByHand, Stamped, Base):
    """A person's place in an organisation (persoon in organisatie, "PIO").

    Whether it is active (in force on a day) is `holds_on`, never the `active` column
    alone: that flag is false once ended by hand (db/models/in_force.py).
    """

    __tablename__ = "memberships"
    __table_args__ = (
        # One membership per person, organisation and role not ended by hand (no role
        # counts as one); a lapsed one gives way to a new one (db/models/in_force.py).
        Index(
            "uq_memberships_active_role",
            "person_id",
            "organisation_id",
            text("coalesce(role, '')"),
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
        # An organisation's memberships in force, with what a card shows of them, read from
        # the index alone: the rows themselves lie scattered over the table (written person
        # by person), a page each (0019).
        Index(
            "ix_memberships_by_organisation",
            "organisation_id",
            "active",
            "start_date",
            "end_date",
            "person_id",
            "job_title",
            "role",
            postgresql_include=["id"],  # SQLite's indexes hold the rowid, the id, anyway
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    department: Mapped[str | None] = mapped_column(String(100))
    job_title: Mapped[str | None] = mapped_column(String(100))
    business_email: Mapped[str | None] = mapped_column(String(254))
    phone1: Mapped[str | None] = mapped_column(String(32))
    phone2: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(100))
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)


class MembershipTag(Base):
    """A keyword (kenmerk) on a membership, used for mailing lists."""

    __tablename__ = "membership_tags"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)
