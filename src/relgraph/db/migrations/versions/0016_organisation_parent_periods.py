"""organisation_parent_periods: the hierarchy's history (issue 21).

A reparenting overwrote `organisations.parent_id` and survived only as an audit event.
From this revision every parent link has a period (valid_from, valid_to; both days
included, a missing one unbounded). The table starts with what the audit trail tells:
every event that changed an organisation's parent (SET_PARENT, a move with the other
subsidiaries, a merge, an update or a CREATE that set it) ends the period before it the
day before and begins the next on its day; the first parent an organisation is known to
have had reaches back without a start. The open period of each organisation is its
parent of today: where the trail does not end there (a change it never saw), the table
wins, from the last change the trail knows.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ONE_DAY = dt.timedelta(days=1)


def _day(at: Any) -> dt.date:
    if isinstance(at, str):  # SQLite hands back text
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC)
    return at.date()


def _periods(
    changes: list[tuple[dt.date, Any, Any]], today_parent: int | None, known: set[int]
) -> list[tuple[int, dt.date | None, dt.date | None]]:
    """(parent, valid_from, valid_to) of one organisation from its parent changes in order:
    (day, before, after) each."""
    periods: list[tuple[int, dt.date | None, dt.date | None]] = []
    parent = changes[0][1] if changes else None
    since: dt.date | None = None
    for day, _before, after in changes:
        if parent is not None and (since is None or day - _ONE_DAY >= since):
            periods.append((parent, since, day - _ONE_DAY))
        parent, since = after, day
    if today_parent is not None:
        periods.append((today_parent, since, None))
    return [(p, start, end) for p, start, end in periods if p in known]


def _backfill() -> None:
    bind = op.get_bind()
    organisations: dict[int, int | None] = {
        row.id: row.parent_id for row in bind.execute(sa.text("SELECT id, parent_id FROM organisations"))
    }
    events = bind.execute(
        sa.text(
            "SELECT object_id, at, changes FROM audit_events WHERE object_type = 'Organisation'"
            " AND CAST(changes AS TEXT) LIKE '%parent_id%' ORDER BY object_id, at, id"
        )
    )
    changes: dict[int, list[tuple[dt.date, Any, Any]]] = {}
    for object_id, at, recorded in events:
        values = json.loads(recorded) if isinstance(recorded, str) else recorded
        change = (values or {}).get("parent_id")
        if isinstance(change, dict) and change.get("before") != change.get("after"):
            changes.setdefault(object_id, []).append((_day(at), change.get("before"), change.get("after")))
    known = set(organisations)
    rows = [
        {"organisation_id": pk, "parent_id": parent, "valid_from": start, "valid_to": end}
        for pk in sorted(known)
        for parent, start, end in _periods(changes.get(pk, []), organisations[pk], known)
        if parent != pk
    ]
    table = sa.table(
        "organisation_parent_periods",
        sa.column("organisation_id"),
        sa.column("parent_id"),
        sa.column("valid_from"),
        sa.column("valid_to"),
    )
    for start in range(0, len(rows), 5000):
        bind.execute(table.insert(), rows[start : start + 5000])


def upgrade() -> None:
    op.create_table(
        "organisation_parent_periods",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("organisation_id", _ID, nullable=False),
        sa.Column("parent_id", _ID, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_parent_periods_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_parent_periods_parent_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name=op.f("ck_organisation_parent_periods_dates"),
        ),
        sa.CheckConstraint(
            "parent_id <> organisation_id", name=op.f("ck_organisation_parent_periods_not_own_parent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_parent_periods")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_organisation_parent_periods_organisation",
        "organisation_parent_periods",
        ["organisation_id", "valid_from"],
    )
    op.create_index(
        "ix_organisation_parent_periods_parent", "organisation_parent_periods", ["parent_id", "valid_from"]
    )
    _backfill()


def downgrade() -> None:
    op.drop_table("organisation_parent_periods")
