"""Bank accounts (bankrekeningen) of parties. Financial: shown only with FINANCE."""

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

from relgraph.db.models.base import Base, Id, Stamped

__all__ = ["BankAccount"]


class BankAccount(Stamped, Base):
    """An IBAN of a party, stored compact and upper case ("NL91ABNA0417164300").

    The same IBAN may sit on two parties (a group paying centrally); `iban` is indexed
    to report such possible duplicates.
    """

    __tablename__ = "bank_accounts"
    __table_args__ = (
        CheckConstraint("active OR NOT is_primary", name="primary_is_active"),
        Index(
            "uq_bank_accounts_primary",
            "party_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
        Index("uq_bank_accounts_party_iban", "party_id", "iban", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # No index of its own: uq_bank_accounts_party_iban starts with party_id.
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    iban: Mapped[str] = mapped_column(String(34), index=True)
    bic: Mapped[str | None] = mapped_column(String(11))
    holder_name: Mapped[str | None] = mapped_column(String(200))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
