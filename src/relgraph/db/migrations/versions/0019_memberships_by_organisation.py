"""ix_memberships_by_organisation: an organisation's memberships read from the index alone.

ix_memberships_organisation_id found an organisation's memberships, then each row in the
table, where they lie scattered (written person by person): the big organisation card
read 1,250 rows from as many pages, a third of its SQLite statement's time. The new
index holds what a card shows of a membership and what decides whether it is in force;
it leads with organisation_id, so it serves everything the old one did.

Revision ID: 0019_memberships_by_organisation
Revises: 0018_trusted_operations
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0019_memberships_by_organisation"
down_revision = "0018_trusted_operations"
branch_labels = None
depends_on = None

_COLUMNS = ["organisation_id", "active", "start_date", "end_date", "person_id", "job_title", "role"]


def upgrade() -> None:
    op.create_index("ix_memberships_by_organisation", "memberships", _COLUMNS, postgresql_include=["id"])
    op.drop_index("ix_memberships_organisation_id", table_name="memberships")


def downgrade() -> None:
    op.create_index("ix_memberships_organisation_id", "memberships", ["organisation_id"])
    op.drop_index("ix_memberships_by_organisation", table_name="memberships")
