"""lighter_audit_indexes: two fewer index entries per audit event, the same plans.

Every write records an audit event, and an import records one per row: each index of
audit_events is one more entry per event (bench/import.py measured the indexes at a
quarter of the events' insert time on PostgreSQL). ix_audit_events_party_id repeated the
first column of ix_audit_events_party_at, which serves every lookup by party (a trail, a
timeline, an erasure, the ids an import may not reuse). ix_audit_events_other_party_id held
an entry for every event, though only the events of memberships and relations name
another party; it now holds those alone, which every query by other_party_id asks for
(an equality implies IS NOT NULL, on both databases).

Revision ID: 0020_lighter_audit_indexes
Revises: 0019_memberships_by_organisation
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_lighter_audit_indexes"
down_revision = "0019_memberships_by_organisation"
branch_labels = None
depends_on = None

_NAMED = sa.text("other_party_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_audit_events_party_id", table_name="audit_events")
    op.drop_index("ix_audit_events_other_party_id", table_name="audit_events")
    op.create_index(
        "ix_audit_events_other_party_id",
        "audit_events",
        ["other_party_id"],
        postgresql_where=_NAMED,
        sqlite_where=_NAMED,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_other_party_id", table_name="audit_events")
    op.create_index("ix_audit_events_other_party_id", "audit_events", ["other_party_id"])
    op.create_index("ix_audit_events_party_id", "audit_events", ["party_id"])
