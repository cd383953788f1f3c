"""Every audit event of an invoice address names the address's kind (issue 18).

Who may read an address's events depends on its kind (R4: an invoice address does not
exist for a viewer without FINANCE, nor do its events), and the trail decides that from
the event itself. Merges moved invoice addresses with events that did not say so; they
get the kind from the address's other events, or from the address as it is today.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_INVOICE = "INVOICE"
_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer),
    sa.column("changes", sa.JSON),
)
_addresses = sa.table("addresses", sa.column("id", sa.Integer), sa.column("kind", sa.String))


def _kinds(changes: Any) -> set[Any]:
    kind = changes.get("kind") if isinstance(changes, dict) else None
    return {kind.get("before"), kind.get("after")} if isinstance(kind, dict) else set()


def upgrade() -> None:
    bind = op.get_bind()
    events = bind.execute(
        sa.select(_events.c.id, _events.c.object_id, _events.c.changes).where(
            _events.c.object_type == "Address"
        )
    ).all()
    invoices = {e.object_id for e in events if _INVOICE in _kinds(e.changes)}
    invoices |= set(bind.scalars(sa.select(_addresses.c.id).where(_addresses.c.kind == _INVOICE)))
    for event in events:
        if event.object_id in invoices and "kind" not in (event.changes or {}):
            changes = {**(event.changes or {}), "kind": {"before": _INVOICE, "after": _INVOICE}}
            bind.execute(sa.update(_events).where(_events.c.id == event.id).values(changes=changes))


def downgrade() -> None:
    # The kind is true of those events either way; nothing to take back.
    pass
