"""Customer groups (klantgroepen): domain data, and which parties belong to which group."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id, UTCDateTime, utcnow

__all__ = ["CustomerGroup", "PartyGroup"]


class CustomerGroup(Base):
    """A named set of parties, e.g. for a mailing list or a campaign (ADMIN domain data)."""

    __tablename__ = "customer_groups"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Lower-case, accent-free name: the sort key and what the name search matches.
    name_key: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class PartyGroup(Base):
    """That a party belongs to a customer group."""

    __tablename__ = "party_groups"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="CASCADE"), primary_key=True
    )
    party_id: Mapped[int] = mapped_column(
        ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
