"""IDs are never reused (issue 18): AUTOINCREMENT on SQLite, sequences past every known id.

SQLite gave a new row max(id) + 1, the id of the newest row if it had been deleted: a new
membership took a deleted one's id (and erasure, which then found events by object id,
missed the old one's), and a deleted document's download URL served the next upload.
Each table with an integer surrogate key is rebuilt with AUTOINCREMENT (batch mode:
copy, drop, rename; the migration environment switches foreign key enforcement off for
the rebuild, so dropping a table cascades nothing, and checks every reference before
commit). Indexes the rebuild would not carry over as they were (partial and expression
indexes) are made again from their own SQL.

Then each table's counter starts past the highest id it ever had, as far as the database
can tell: its max(id), and the ids the audit trail recorded for objects of that table
(a deleted row's id lives on there; party ids also as the party and second party of
events). PostgreSQL's sequences never went back; a sequence behind such an id (moved back
by a bulk load) is moved forward, nothing else changes there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The tables with an integer surrogate key as of this revision, with the audit object
# types whose object ids are that table's ids.
TABLES: dict[str, tuple[str, ...]] = {
    "users": (),
    "api_tokens": (),
    "audit_events": (),
    "parties": ("Party", "Organisation", "Person", "SalesRelation", "PurchaseRelation", "EmployeeData"),
    "addresses": ("Address",),
    "memberships": ("Membership",),
    "relation_types": ("RelationType",),
    "relations": ("Relation",),
    "internal_relation_categories": ("InternalRelationCategory",),
    "internal_relations": ("InternalRelation",),
    "party_types": ("PartyType",),
    "documents": ("Document",),
    "bank_accounts": ("BankAccount",),
    "contact_means": ("ContactMean",),
    "customer_groups": ("CustomerGroup",),
    "notes": ("Note",),
    "activities": ("Activity",),
}


def _highest_known_id(table: str) -> int:
    """The highest id `table` has had, as far as its rows and the audit trail tell."""
    parts = [f"SELECT max(id) AS id FROM {table}"]
    parts += [
        f"SELECT max(object_id) FROM audit_events WHERE object_type = '{object_type}'"
        for object_type in TABLES[table]
    ]
    if table == "parties":
        parts += ["SELECT max(party_id) FROM audit_events", "SELECT max(other_party_id) FROM audit_events"]
    query = f"SELECT coalesce(max(id), 0) FROM ({' UNION ALL '.join(parts)}) AS known"
    return int(op.get_bind().execute(text(query)).scalar_one())


def _rebuild(table: str, *, autoincrement: bool) -> None:
    bind = op.get_bind()
    # Reflection drops an expression index and may lose a partial index's WHERE: such
    # indexes go before the rebuild and come back from their own SQL after it.
    indexes = bind.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
        ),
        {"t": table},
    ).all()
    triggers = (
        bind.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table}
        )
        .scalars()
        .all()
    )
    for name, _sql in indexes:
        op.execute(f"DROP INDEX {name}")
    with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass
    for sql in [sql for _name, sql in indexes] + list(triggers):
        op.execute(sql)


def _start_sqlite_counter_past(table: str, highest: int) -> None:
    bind = op.get_bind()
    params = {"t": table, "n": highest}
    bind.execute(text("UPDATE sqlite_sequence SET seq = :n WHERE name = :t AND seq < :n"), params)
    bind.execute(
        text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT :t, :n"
            " WHERE :n > 0 AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :t)"
        ),
        params,
    )


def _start_postgres_sequence_past(table: str, highest: int) -> None:
    if highest > 0:
        op.get_bind().execute(
            text(
                "SELECT setval(s.seq, :n) FROM (SELECT pg_get_serial_sequence(:t, 'id')::regclass AS seq) AS s"
                " WHERE coalesce(pg_sequence_last_value(s.seq), 0) < :n"
            ),
            {"t": table, "n": highest},
        )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        if sqlite:
            _rebuild(table, autoincrement=True)
            _start_sqlite_counter_past(table, _highest_known_id(table))
        else:
            _start_postgres_sequence_past(table, _highest_known_id(table))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, autoincrement=False)
        op.get_bind().execute(text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
