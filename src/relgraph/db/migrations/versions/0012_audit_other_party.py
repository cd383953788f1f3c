"""audit_events.other_party_id: the second party an event names (issue 18).

A membership's events sit on its organisation's trail and name its person; a relation's
events sit on each end's trail and name the other end. Reading the trail (R1: both parties
must be visible to the reader) and erasing a person (find its events by the person) need
that party for events whose object is gone, so it gets a column of its own.

Existing events are filled from what they recorded themselves: the person (or the ends)
in their changes, else the nearest earlier event of the same object that named one (an
object id may have been reused on SQLite, so the table of today is the last resort).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json_id(path: tuple[str, str]) -> str:
    """SQL for the integer at changes.<field>.<side> on this database."""
    field, side = path
    if op.get_bind().dialect.name == "postgresql":
        return f"(changes -> '{field}' ->> '{side}')::bigint"
    return f"json_extract(changes, '$.{field}.{side}')"


def _backfill() -> None:
    person = f"coalesce({_json_id(('person_id', 'after'))}, {_json_id(('person_id', 'before'))})"
    op.execute(
        f"UPDATE audit_events SET other_party_id = {person} "
        "WHERE object_type = 'Membership' AND other_party_id IS NULL"
    )
    # A relation's event on one end's trail names the other end.
    for side in ("after", "before"):
        source, target = _json_id(("source_id", side)), _json_id(("target_id", side))
        op.execute(
            f"UPDATE audit_events SET other_party_id = CASE WHEN {source} = party_id THEN {target} "
            f"WHEN {target} = party_id THEN {source} END "
            "WHERE object_type = 'Relation' AND other_party_id IS NULL"
        )
    # Events that recorded only what changed take the party of the nearest earlier event of
    # the same object: on the same trail for a relation (one event per end), on any trail for
    # a membership (its person never changes; a RELINK moves its events to another trail).
    same = "IS NOT DISTINCT FROM" if op.get_bind().dialect.name == "postgresql" else "IS"
    op.execute(
        "UPDATE audit_events SET other_party_id = ("
        " SELECT e.other_party_id FROM audit_events e"
        " WHERE e.object_type = audit_events.object_type AND e.object_id = audit_events.object_id"
        f" AND e.party_id {same} audit_events.party_id AND e.id < audit_events.id"
        " AND e.other_party_id IS NOT NULL ORDER BY e.id DESC LIMIT 1)"
        " WHERE object_type = 'Relation' AND other_party_id IS NULL"
    )
    op.execute(
        "UPDATE audit_events SET other_party_id = ("
        " SELECT e.other_party_id FROM audit_events e"
        " WHERE e.object_type = 'Membership' AND e.object_id = audit_events.object_id"
        " AND e.id < audit_events.id AND e.other_party_id IS NOT NULL ORDER BY e.id DESC LIMIT 1)"
        " WHERE object_type = 'Membership' AND other_party_id IS NULL"
    )
    # Last resort: the rows as they are today.
    op.execute(
        "UPDATE audit_events SET other_party_id ="
        " (SELECT m.person_id FROM memberships m WHERE m.id = audit_events.object_id)"
        " WHERE object_type = 'Membership' AND other_party_id IS NULL"
    )
    op.execute(
        "UPDATE audit_events SET other_party_id = (SELECT CASE WHEN r.source_id = audit_events.party_id"
        " THEN r.target_id ELSE r.source_id END FROM relations r WHERE r.id = audit_events.object_id)"
        " WHERE object_type = 'Relation' AND other_party_id IS NULL"
    )


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("other_party_id", _ID, nullable=True))
    _backfill()
    op.create_index("ix_audit_events_other_party_id", "audit_events", ["other_party_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_other_party_id", table_name="audit_events")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("other_party_id")
