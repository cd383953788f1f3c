"""Contact means (contactgegevens) of parties: emails, phone numbers, websites, social media."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import (
    Base,
    ContactKind,
    Id,
    Stamped,
    enum_check,
)

__all__ = ["ContactMean"]


class ContactMean(Stamped, Base):
    """One way to reach a party: an email address, a phone number (E.164), a URL.

    The primary one of each kind is what `Organisation.email` / `.phone` show; the
    partial unique index keeps it to one per party and kind, and a primary is active.
    """

    __tablename__ = "contact_means"
    __table_args__ = (
        CheckConstraint(enum_check("kind", ContactKind), name="kind"),
        CheckConstraint("active OR NOT is_primary", name="primary_is_active"),
        Index(
            "uq_contact_means_primary",
            "party_id",
            "kind",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
        Index("uq_contact_means_value", "party_id", "kind", "value", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # No index of its own: uq_contact_means_value starts with party_id.
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # Normalised: lower-case emails, E.164 phone numbers ("+31201234567"), URLs as given.
    value: Mapped[str] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(100))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
