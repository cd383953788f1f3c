"""Typed relations between parties, and internal relations between staff and parties."""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id, Stamped, UTCDateTime, utcnow
from relgraph.db.models.in_force import EndedByHand, dates_hold, dates_hold_sql

__all__ = ["InternalRelation", "InternalRelationCategory", "Relation", "RelationType"]

ACCOUNT_MANAGER = "ACCOUNT_MANAGER"


class RelationType(Base):
    """A kind of relation between parties (relatietype): "supplier of" / "customer of"."""

    __tablename__ = "relation_types"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    inverse_name: Mapped[str] = mapped_column(String(100))
    symmetric: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which party kinds may stand on each side: a list of "ORGANISATION" / "PERSON".
    source_kinds: Mapped[list[str]] = mapped_column(JSON)
    target_kinds: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Relation(EndedByHand, Stamped, Base):
    """A typed link between two parties (relatie tussen klanten).

    A symmetric type's relations are stored with the lower party id as source, so that
    the unique index below also forbids the same pair in the other direction. Whether it
    is active (in force on a day) is `holds_on`, never the `active` column alone: that
    flag is false once ended by hand (db/models/in_force.py).
    """

    __tablename__ = "relations"
    __table_args__ = (
        CheckConstraint("source_id <> target_id", name="not_self"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
        Index(
            "uq_relations_active_pair",
            "type_id",
            "source_id",
            "target_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("relation_types.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class InternalRelationCategory(Base):
    """A kind of internal relation (interne relatiecategorie): account manager, tax advisor..."""

    __tablename__ = "internal_relation_categories"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # Set for built-in categories (ACCOUNT_MANAGER), which cannot be removed.
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class InternalRelation(Stamped, Base):
    """A staff member linked to a customer file (interne relatie), since a date, maybe until one."""

    __tablename__ = "internal_relations"
    __table_args__ = (
        CheckConstraint(
            "commission_percent IS NULL OR (commission_percent >= 0 AND commission_percent <= 100)",
            name="commission",
        ),
        CheckConstraint("until IS NULL OR since IS NULL OR until >= since", name="dates"),
        Index("ix_internal_relations_party_category", "party_id", "category_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("internal_relation_categories.id"))
    since: Mapped[dt.date | None] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)
    commission_percent: Mapped[decimal.Decimal | None] = mapped_column(Numeric(5, 2))

    @hybrid_method
    def holds_on(self, day: dt.date | None = None) -> bool:
        """In force on `day` (default today): begun (or no start) and not ended (or no end)."""
        return dates_hold(self.since, self.until, day)

    # A hybrid_method's expression() sets it in place (mypy mistypes its `inplace`).
    @holds_on.expression
    @classmethod
    def _holds_on_sql(cls, day: dt.date | None = None) -> ColumnElement[bool]:
        return dates_hold_sql(cls.since, cls.until, day)
