"""Trusted operations: the GraphQL documents a production frontend may send (issue 20)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relgraph.db.models.base import Base, UTCDateTime, utcnow

__all__ = ["TrustedOperation"]


class TrustedOperation(Base):
    """One registered document, under the SHA-256 of its exact text (what clients send as its hash)."""

    __tablename__ = "trusted_operations"

    # Lowercase hexadecimal, 64 characters.
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    # The document's operation names, for `relgraph operations list`; empty for an anonymous one.
    names: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
