"""Documents (documenten): files on a party; the bytes live in the document store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, Id, UTCDateTime, utcnow

__all__ = ["Document"]


class Document(Base):
    """One uploaded file of a party; `sha256` names its content in the document store.

    Two documents with the same content share one stored file.
    """

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_party_uploaded", "party_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
