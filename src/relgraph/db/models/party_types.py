"""Party types (koppelingen) and their type-specific data."""

from __future__ import annotations

import decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id, PartyKind, enum_check

__all__ = ["EmployeeData", "PartyType", "PartyTypeLink", "PurchaseRelation", "SalesRelation"]

# Codes of the built-in types; their type-specific data lives in the tables below.
CUSTOMER = "CUSTOMER"
SUPPLIER = "SUPPLIER"
MANUFACTURER = "MANUFACTURER"
EMPLOYEE = "EMPLOYEE"
TAX_CLIENT = "TAX_CLIENT"


class PartyType(Base):
    """A role a party plays for us (type): customer, supplier, employee... ADMIN adds more."""

    __tablename__ = "party_types"
    __table_args__ = (CheckConstraint(enum_check("party_kind", PartyKind), name="party_kind"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    party_kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    built_in: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PartyTypeLink(Base):
    """That a party is of a type (koppeling)."""

    __tablename__ = "party_type_links"

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    party_type_id: Mapped[int] = mapped_column(ForeignKey("party_types.id"), primary_key=True, index=True)


class SalesRelation(Base):
    """Data of a CUSTOMER (verkooprelatie). Financial: shown only with FINANCE."""

    __tablename__ = "sales_relations"
    __table_args__ = (
        CheckConstraint(
            "discount_percent IS NULL OR (discount_percent >= 0 AND discount_percent <= 100)", name="discount"
        ),
        CheckConstraint("payment_term_days IS NULL OR payment_term_days >= 0", name="payment_term"),
    )

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    vat_liable: Mapped[bool] = mapped_column(Boolean, default=True)
    credit_limit: Mapped[decimal.Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    payment_term_days: Mapped[int | None] = mapped_column(Integer)
    discount_percent: Mapped[decimal.Decimal | None] = mapped_column(Numeric(5, 2))
    order_stop: Mapped[bool] = mapped_column(Boolean, default=False)


class PurchaseRelation(Base):
    """Data of a SUPPLIER (inkooprelatie). Financial: shown only with FINANCE."""

    __tablename__ = "purchase_relations"
    __table_args__ = (
        CheckConstraint("payment_term_days IS NULL OR payment_term_days >= 0", name="payment_term"),
    )

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    payment_term_days: Mapped[int | None] = mapped_column(Integer)
    our_account_number: Mapped[str | None] = mapped_column(String(50))


class EmployeeData(Base):
    """Data of an EMPLOYEE person (medewerker); the salary is financial."""

    __tablename__ = "employee_data"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    employee_number: Mapped[str | None] = mapped_column(String(30))
    salary: Mapped[decimal.Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
