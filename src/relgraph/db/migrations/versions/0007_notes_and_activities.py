"""Notes and activities on parties; the audit trail's party index (issue 9).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _audit_columns(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", _ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", _ID, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f(f"fk_{table}_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f(f"fk_{table}_updated_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f(f"fk_{table}_party_id_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("party_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('GENERAL', 'INTERNAL', 'PRICE_AGREEMENT')", name=op.f("ck_notes_kind")),
        *_audit_columns("notes"),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index("ix_notes_party_created", ["party_id", "created_at", "id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", _ID, nullable=False),
        sa.Column("party_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", _ID, nullable=True),
        sa.CheckConstraint("kind IN ('TASK', 'CALL', 'MEETING')", name=op.f("ck_activities_kind")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_activities_assignee_id_users")),
        *_audit_columns("activities"),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_party_created", ["party_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_activities_assignee_done", ["assignee_id", "done_at"], unique=False)

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_party_at", ["party_id", "at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_party_at")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_assignee_done")
        batch_op.drop_index("ix_activities_party_created")
    op.drop_table("activities")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index("ix_notes_party_created")
    op.drop_table("notes")
