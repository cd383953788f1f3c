"""Drop the index on organisations.archived.

Almost every organisation is not archived, so the index selects nothing; without
statistics SQLite still preferred it to the parent_id index for "the subsidiaries of X
that are not archived" and scanned all organisations (26 ms instead of 0.4 ms for a small
card on 100,000 organisations; issue 10).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 16:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_organisations_archived", table_name="organisations")


def downgrade() -> None:
    op.create_index("ix_organisations_archived", "organisations", ["archived"])
