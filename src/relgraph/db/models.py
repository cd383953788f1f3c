"""The relational model: one class per table, no ORM relationships.

Navigation between rows goes through the request's DataLoaders, never through lazy
ORM attributes, so that the statement count of a request depends on its shape only.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Address",
    "AddressKind",
    "Base",
    "Gender",
    "LockRow",
    "Membership",
    "MembershipTag",
    "Organisation",
    "OrganisationStatus",
    "Party",
    "PartyKind",
    "Permission",
    "Person",
    "Role",
    "User",
]

# Stable constraint names, so that migrations can refer to them on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(DateTime):
    """A timezone-aware timestamp; SQLite hands back naive values, so we re-attach UTC."""

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        parent = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            if parent is not None:
                value = parent(value)
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            return value

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    TEAM = "TEAM"
    BUSINESS = "BUSINESS"
    READONLY = "READONLY"


class Permission(enum.StrEnum):
    FINANCE = "FINANCE"
    SENSITIVE = "SENSITIVE"


class PartyKind(enum.StrEnum):
    ORGANISATION = "ORGANISATION"
    PERSON = "PERSON"


class OrganisationStatus(enum.StrEnum):
    PROSPECT = "PROSPECT"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class Gender(enum.StrEnum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class AddressKind(enum.StrEnum):
    VISIT = "VISIT"
    POSTAL = "POSTAL"
    INVOICE = "INVOICE"


def _enum_check(column: str, values: type[enum.StrEnum]) -> str:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({allowed})"


class User(Base):
    """A staff account (gebruiker); not a Person in the CRM."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_enum_check("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(String(16))
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Party(Base):
    """Every relation (relatie) is a party: an organisation or a person.

    The shared table gives relations, addresses and documents one foreign key to point at.
    """

    __tablename__ = "parties"
    __table_args__ = (CheckConstraint(_enum_check("kind", PartyKind), name="kind"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"polymorphic_on": "kind", "version_id_col": version}


class Organisation(Party):
    """An organisation (organisatie), optionally under a parent (hoofdorganisatie)."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(_enum_check("status", OrganisationStatus), name="status"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case, accent-free name: the sort key and the duplicate check.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    legal_name: Mapped[str | None] = mapped_column(String(200))
    kvk_number: Mapped[str | None] = mapped_column(String(8), index=True)
    vat_number: Mapped[str | None] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=OrganisationStatus.ACTIVE.value)
    checked: Mapped[bool] = mapped_column(Boolean, default=False)
    creditworthy: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Accent-free, lower-case text of name, legal name, code, KvK and city: what search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"polymorphic_identity": PartyKind.ORGANISATION.value}


class Person(Party):
    """A natural person (persoon); a business relation when it has a membership."""

    __tablename__ = "persons"
    __table_args__ = (CheckConstraint(_enum_check("gender", Gender), name="gender"),)

    id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    gender: Mapped[str] = mapped_column(String(16), default=Gender.UNKNOWN.value)
    title: Mapped[str | None] = mapped_column(String(50))
    initials: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str | None] = mapped_column(String(100))
    infix: Mapped[str | None] = mapped_column(String(30))
    last_name: Mapped[str] = mapped_column(String(150))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    bsn: Mapped[str | None] = mapped_column(String(9))
    # The Dutch sort order: last name without infix, then first name ("berg, jan van der").
    sort_key: Mapped[str] = mapped_column(String(300), index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"polymorphic_identity": PartyKind.PERSON.value}


class Address(Base):
    """A postal address (adres) of a party; one VISIT address is the head office."""

    __tablename__ = "addresses"
    __table_args__ = (
        CheckConstraint(_enum_check("kind", AddressKind), name="kind"),
        Index(
            "uq_addresses_head_office",
            "party_id",
            unique=True,
            sqlite_where=text("is_head_office"),
            postgresql_where=text("is_head_office"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(10))
    house_number_addition: Mapped[str | None] = mapped_column(String(10))
    postcode: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="NL")
    is_head_office: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Membership(Base):
    """A person's place in an organisation (persoon in organisatie, "PIO")."""

    __tablename__ = "memberships"
    __table_args__ = (
        # One active membership per person, organisation and role (no role counts as one).
        Index(
            "uq_memberships_active_role",
            "person_id",
            "organisation_id",
            text("coalesce(role, '')"),
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
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
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class MembershipTag(Base):
    """A keyword (kenmerk) on a membership, used for mailing lists."""

    __tablename__ = "membership_tags"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class AuditEvent(Base):
    """Who changed what, when: one row per changed object per mutation."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Id)
    # The party whose trail shows the event (the organisation of a membership, say).
    party_id: Mapped[int | None] = mapped_column(Id, index=True)
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

