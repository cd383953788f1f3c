"""change_feed: the changes feed (issue 20, item 5).

A table of changes of organisations, persons, memberships and relations, numbered in
commit order (`commit_no`, see domain/history/feed_writes.py), and the lock row that
hands those numbers out. It starts with one change per object that exists: CREATED at
its creation, and MERGED or ERASED for merged organisations and erased persons, all
with commit number 0 (committed before any later change).

Revision ID: 0017_change_feed
Revises: 0016
Create Date: 2026-12-07 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_change_feed"
down_revision = "0016"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_NONE = "CAST(NULL AS BIGINT)"
# (kind, object_type, object_id, at, survivor_id, party_id, other_party_id, FROM ...): the
# changes that made the objects as they are, in the order their ids are handed out.
_EXISTING = [
    ("CREATED", "Organisation", "o.id", "p.created_at", _NONE, "o.id", _NONE,
     "organisations o JOIN parties p ON p.id = o.id"),
    ("CREATED", "Person", "s.id", "p.created_at", _NONE, "s.id", _NONE,
     "persons s JOIN parties p ON p.id = s.id"),
    ("CREATED", "Membership", "id", "created_at", _NONE, "organisation_id", "person_id", "memberships"),
    ("CREATED", "Relation", "id", "created_at", _NONE, "source_id", "target_id", "relations"),
    ("MERGED", "Organisation", "o.id", "p.updated_at", "o.merged_into_id", "o.id", _NONE,
     "organisations o JOIN parties p ON p.id = o.id WHERE o.merged_into_id IS NOT NULL"),
    ("ERASED", "Person", "id", "deleted_at", _NONE, "id", _NONE, "persons WHERE deleted_at IS NOT NULL"),
]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("commit_no", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", _ID, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("survivor_id", _ID, nullable=True),
        sa.Column("party_id", _ID, nullable=True),
        sa.Column("other_party_id", _ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_changes_commit_no_id", "changes", ["commit_no", "id"])
    op.create_index("ix_changes_object", "changes", ["object_type", "object_id"])
    for kind, object_type, *columns, source in _EXISTING:
        op.execute(
            "INSERT INTO changes (kind, object_type, object_id, at, survivor_id, party_id,"
            f" other_party_id, commit_no) SELECT '{kind}', '{object_type}', {', '.join(columns)}, 0"
            f" FROM {source}"
        )
    op.bulk_insert(
        sa.table("locks", sa.column("name"), sa.column("counter")), [{"name": "change_feed", "counter": 0}]
    )


def downgrade() -> None:
    op.execute("DELETE FROM locks WHERE name = 'change_feed'")
    op.drop_index("ix_changes_object", table_name="changes")
    op.drop_index("ix_changes_commit_no_id", table_name="changes")
    op.drop_table("changes")
