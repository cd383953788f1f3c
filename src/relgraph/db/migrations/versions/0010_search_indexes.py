"""Search indexes for large datasets (issue 10): substring search without a full scan.

PostgreSQL: pg_trgm GIN indexes on organisations.search_text and persons.search_text,
which serve the LIKE '%term%' search as it is. SQLite: an FTS5 trigram table beside each
table (external content, kept in step by triggers), which relgraph.db.search queries;
detail='none': LIKE needs only which rows hold a trigram, and the index is half the size.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 14:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("organisations", "persons")


def _sqlite_ddl(table: str) -> list[str]:
    # Frozen copy of relgraph.db.search.sqlite_search_ddl as of this revision.
    fts = f"{table}_search"
    return [
        (
            f"CREATE VIRTUAL TABLE {fts} USING fts5("
            f"search_text, content='{table}', content_rowid='id', tokenize='trigram', detail='none')"
        ),
        (
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
        ),
        (
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
        ),
        (
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_text ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
        ),
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for statement in _sqlite_ddl(table):
                op.execute(statement)
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        op.execute(f"CREATE INDEX ix_{table}_search_trgm ON {table} USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_search")
        return
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_trgm")
