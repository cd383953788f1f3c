"""Parties: organisations and persons, and their addresses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, validates

from relgraph.db.models.base import (
    AddressKind,
    Base,
    Gender,
    Id,
    OrganisationStatus,
    PartyKind,
    Stamped,
    UTCDateTime,
    enum_check,
)
from relgraph.text import fold

__all__ = [
    "Address",
    "Organisation",
    "Party",
    "Person",
]


class Party(Stamped, Base):
    """Every relation (relatie) is a party: an organisation or a person.

    The shared table gives relations, addresses and documents one foreign key to point at.
    """

    __tablename__ = "parties"
    __table_args__: tuple[Any, ...] = (CheckConstraint(enum_check("kind", PartyKind), name="kind"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"polymorphic_on": "kind", "version_id_col": cls.__table__.c.version}


class Organisation(Party):
    """An organisation (organisatie), optionally under a parent (hoofdorganisatie)."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(enum_check("status", OrganisationStatus), name="status"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case, accent-free name: the sort key and the duplicate check. Text, not
    # String(200): folding can lengthen a name ("ß" becomes "ss").
    name_key: Mapped[str] = mapped_column(Text, index=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    legal_name: Mapped[str | None] = mapped_column(String(200))
    kvk_number: Mapped[str | None] = mapped_column(String(8), index=True)
    vat_number: Mapped[str | None] = mapped_column(String(20))
    # Invoice data (factuurgegevens, financial: R4). While the flag is set, the postal
    # address is the invoice address: read through, never copied, so the two cannot drift.
    invoice_company_name: Mapped[str | None] = mapped_column(String(200))
    invoice_email: Mapped[str | None] = mapped_column(String(254))
    invoice_uses_postal_address: Mapped[bool] = mapped_column(Boolean, default=False)
    industry: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=OrganisationStatus.ACTIVE.value)
    checked: Mapped[bool] = mapped_column(Boolean, default=False)
    creditworthy: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Set when this organisation was merged into another: old IDs still resolve to the survivor.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Accent-free, lower-case text of name, legal name, code, KvK, cities and active contact
    # means (phone numbers also as digits): what search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The same of the INVOICE address's city: invoice data (R4), which only FINANCE searches.
    invoice_search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    __mapper_args__ = {"polymorphic_identity": PartyKind.ORGANISATION.value}


class Person(Party):
    """A natural person (persoon); a business relation when it has a membership."""

    __tablename__ = "persons"
    __table_args__ = (CheckConstraint(enum_check("gender", Gender), name="gender"),)

    id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    gender: Mapped[str] = mapped_column(String(16), default=Gender.UNKNOWN.value)
    title: Mapped[str | None] = mapped_column(String(50))
    initials: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str | None] = mapped_column(String(100))
    infix: Mapped[str | None] = mapped_column(String(30))
    last_name: Mapped[str] = mapped_column(String(150))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    bsn: Mapped[str | None] = mapped_column(String(9))
    # The Dutch sort order: last name without infix, then first name and infix ("berg jan van der").
    sort_key: Mapped[str] = mapped_column(Text, index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Deactivated (gedeactiveerd): kept, but left out of search and lists unless asked.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Set when the person was deleted: the personal data is erased and the row stays as a
    # tombstone, so that memberships, relations and the audit trail still point somewhere.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __mapper_args__ = {"polymorphic_identity": PartyKind.PERSON.value}


def _city_key(context: Any) -> str:
    # Runs for Core inserts too (bulk loads), where the ORM validator below does not.
    return fold(context.get_current_parameters().get("city"))


class Address(Stamped, Base):
    """A postal address (adres) of a party; one VISIT address is the head office.

    A party has any number of visit addresses but at most one POSTAL and one INVOICE
    address: the invoice address must be unambiguous.
    """

    __tablename__ = "addresses"
    __table_args__ = (
        CheckConstraint(enum_check("kind", AddressKind), name="kind"),
        CheckConstraint("kind = 'VISIT' OR NOT is_head_office", name="head_office_is_visit"),
        Index(
            "uq_addresses_head_office",
            "party_id",
            unique=True,
            sqlite_where=text("is_head_office"),
            postgresql_where=text("is_head_office"),
        ),
        Index(
            "uq_addresses_single_kind",
            "party_id",
            "kind",
            unique=True,
            sqlite_where=text("kind <> 'VISIT'"),
            postgresql_where=text("kind <> 'VISIT'"),
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
    # The folded city ("evry" for "Évry"), so the city filter ignores case and accents on
    # both backends (SQLite's lower() only knows ASCII). Filled from `city`, never by hand.
    city_key: Mapped[str] = mapped_column(String(100), default=_city_key, index=True)
    country: Mapped[str] = mapped_column(String(2), default="NL")
    is_head_office: Mapped[bool] = mapped_column(Boolean, default=False)

    @validates("city")
    def _keep_city_key(self, _key: str, city: str | None) -> str | None:
        self.city_key = fold(city)
        return city
