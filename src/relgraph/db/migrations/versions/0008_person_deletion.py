"""Person deactivation and tombstones (issue 9).

persons.active hides a person from search and lists without deleting anything;
persons.deleted_at / deleted_by_id mark a tombstone: a deleted person whose personal
data was erased while the row stays for what refers to it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        # The server default fills the existing rows (and bulk inserts that leave it out).
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deleted_by_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_persons_deleted_by_id_users"), "users", ["deleted_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_persons_deleted_by_id_users"), type_="foreignkey")
        batch_op.drop_column("deleted_by_id")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("active")
