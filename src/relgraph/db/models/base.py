"""The declarative base, column types and enums shared by every table."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

__all__ = [
    "AddressKind",
    "Base",
    "ContactKind",
    "Gender",
    "Id",
    "OrganisationStatus",
    "PartyKind",
    "Permission",
    "Role",
    "UTCDateTime",
    "enum_check",
    "utcnow",
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


class ContactKind(enum.StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    MOBILE = "MOBILE"
    FAX = "FAX"
    WEBSITE = "WEBSITE"
    SOCIAL = "SOCIAL"


def enum_check(column: str, values: type[enum.StrEnum]) -> str:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({allowed})"
