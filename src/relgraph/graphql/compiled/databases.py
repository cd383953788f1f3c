"""The dialect the compiler writes for each database, by SQLAlchemy's dialect name."""

from __future__ import annotations

from relgraph.graphql.compiled.dialect_sqlite import SQLite
from relgraph.graphql.compiled.dialects import Dialect, PostgreSQL

__all__ = ["DIALECTS"]

DIALECTS: dict[str, Dialect] = {d.name: d for d in (PostgreSQL(), SQLite())}
