"""Invoice data on organisations; addresses get audit columns, a version and kind rules (issue 9).

Existing data is brought in line with the new rules before they are enforced: a second
POSTAL or INVOICE address of one party (possible after a merge) becomes a plain visit
address rather than being lost, and a party with visit addresses but no head office
gets its oldest visit address as the head office.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _repair_addresses() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE addresses SET kind = 'VISIT' WHERE kind <> 'VISIT' AND EXISTS ("
            " SELECT 1 FROM addresses older WHERE older.party_id = addresses.party_id"
            " AND older.kind = addresses.kind AND older.id < addresses.id)"
        )
    )
    bind.execute(sa.text("UPDATE addresses SET is_head_office = false WHERE kind <> 'VISIT'"))
    bind.execute(
        sa.text(
            "UPDATE addresses SET is_head_office = true WHERE id IN ("
            " SELECT min(a.id) FROM addresses a WHERE a.kind = 'VISIT' GROUP BY a.party_id"
            " HAVING NOT EXISTS (SELECT 1 FROM addresses h"
            " WHERE h.party_id = a.party_id AND h.is_head_office))"
        )
    )


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invoice_company_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("invoice_email", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("invoice_uses_postal_address", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column("invoice_uses_postal_address", server_default=None)

    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_by_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE addresses SET updated_at = created_at")
    _repair_addresses()
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("version", existing_type=sa.Integer(), server_default=None)
        batch_op.create_foreign_key(
            batch_op.f("fk_addresses_created_by_id_users"), "users", ["created_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_addresses_updated_by_id_users"), "users", ["updated_by_id"], ["id"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_addresses_head_office_is_visit"), "kind = 'VISIT' OR NOT is_head_office"
        )
        batch_op.create_index(
            "uq_addresses_single_kind",
            ["party_id", "kind"],
            unique=True,
            sqlite_where=sa.text("kind <> 'VISIT'"),
            postgresql_where=sa.text("kind <> 'VISIT'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_addresses_single_kind",
            sqlite_where=sa.text("kind <> 'VISIT'"),
            postgresql_where=sa.text("kind <> 'VISIT'"),
        )
        batch_op.drop_constraint(batch_op.f("ck_addresses_head_office_is_visit"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_addresses_updated_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_addresses_created_by_id_users"), type_="foreignkey")
        batch_op.drop_column("version")
        batch_op.drop_column("updated_by_id")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("created_by_id")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("invoice_uses_postal_address")
        batch_op.drop_column("invoice_email")
        batch_op.drop_column("invoice_company_name")
