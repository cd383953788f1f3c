"""trusted_operations: the documents `relgraph operations register` stores (issue 20).

Revision ID: 0018_trusted_operations
Revises: 0016
Create Date: 2026-12-07 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_trusted_operations"
down_revision = "0017_change_feed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trusted_operations",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("names", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_trusted_operations")),
    )


def downgrade() -> None:
    op.drop_table("trusted_operations")
