"""The declarative base, column types and enums shared by every table."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, Table, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

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
    "Stamped",
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


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp, stored in UTC.

    SQLite keeps no offset: values go in converted to UTC and come back naive, so UTC is
    re-attached on the way out. (A DateTime subclass cannot do this: the SQLite dialect
    swaps it for its own DATETIME type, and the override is lost.)
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    @property
    def python_type(self) -> type[dt.datetime]:
        # TypeDecorator answers `object`; cursors decode by this type.
        return dt.datetime

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model maps a Table (built by __table_cls__ below, or its parent's under
        # single-table inheritance); SQLAlchemy can only type it as any FromClause.
        __table__: ClassVar[Table]

    @classmethod
    def __table_cls__(cls, name: str, metadata: MetaData, *args: Any, **kwargs: Any) -> Table:
        # IDs are never reused: without AUTOINCREMENT, SQLite gives a new row max(id) + 1,
        # the id of the newest row if it was deleted (PostgreSQL's sequences never go back).
        kwargs.setdefault("sqlite_autoincrement", True)
        return Table(name, metadata, *args, **kwargs)


class Stamped:
    """A row that says who created it and who last changed it, and when, and counts its
    versions: a change based on an older version loses (domain/versions.py). Its columns
    come after the row's own."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]  # a mixin: the model has it


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
