"""relations and party types

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:51:03.367589
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "internal_relation_categories",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_relation_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_internal_relation_categories_code")),
        sa.UniqueConstraint("name", name=op.f("uq_internal_relation_categories_name")),
    )
    op.create_table(
        "party_types",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("party_kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("built_in", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "party_kind IN ('ORGANISATION', 'PERSON')", name=op.f("ck_party_types_party_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_types")),
        sa.UniqueConstraint("code", name=op.f("uq_party_types_code")),
    )
    op.create_table(
        "relation_types",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("inverse_name", sa.String(length=100), nullable=False),
        sa.Column("symmetric", sa.Boolean(), nullable=False),
        sa.Column("source_kinds", sa.JSON(), nullable=False),
        sa.Column("target_kinds", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relation_types")),
        sa.UniqueConstraint("name", name=op.f("uq_relation_types_name")),
    )
    op.create_table(
        "internal_relations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("category_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("commission_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "commission_percent IS NULL OR (commission_percent >= 0 AND commission_percent <= 100)",
            name=op.f("ck_internal_relations_commission"),
        ),
        sa.CheckConstraint(
            "until IS NULL OR since IS NULL OR until >= since", name=op.f("ck_internal_relations_dates")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["internal_relation_categories.id"],
            name=op.f("fk_internal_relations_category_id_internal_relation_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_internal_relations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_internal_relations_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_internal_relations_updated_by_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_internal_relations_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_relations")),
    )
    with op.batch_alter_table("internal_relations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_internal_relations_party_category", ["party_id", "category_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_internal_relations_party_id"), ["party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_internal_relations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "party_type_links",
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("party_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["parties.id"],
            name=op.f("fk_party_type_links_party_id_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_type_id"], ["party_types.id"], name=op.f("fk_party_type_links_party_type_id_party_types")
        ),
        sa.PrimaryKeyConstraint("party_id", "party_type_id", name=op.f("pk_party_type_links")),
    )
    with op.batch_alter_table("party_type_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_party_type_links_party_type_id"), ["party_type_id"], unique=False
        )

    op.create_table(
        "purchase_relations",
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payment_term_days", sa.Integer(), nullable=True),
        sa.Column("our_account_number", sa.String(length=50), nullable=True),
        sa.CheckConstraint(
            "payment_term_days IS NULL OR payment_term_days >= 0",
            name=op.f("ck_purchase_relations_payment_term"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["parties.id"],
            name=op.f("fk_purchase_relations_party_id_parties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("party_id", name=op.f("pk_purchase_relations")),
    )
    op.create_table(
        "relations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("target_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name=op.f("ck_relations_dates"),
        ),
        sa.CheckConstraint("source_id <> target_id", name=op.f("ck_relations_not_self")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_relations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["source_id"], ["parties.id"], name=op.f("fk_relations_source_id_parties")),
        sa.ForeignKeyConstraint(["target_id"], ["parties.id"], name=op.f("fk_relations_target_id_parties")),
        sa.ForeignKeyConstraint(
            ["type_id"], ["relation_types.id"], name=op.f("fk_relations_type_id_relation_types")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_relations_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relations")),
    )
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relations_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relations_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relations_type_id"), ["type_id"], unique=False)
        batch_op.create_index(
            "uq_relations_active_pair",
            ["type_id", "source_id", "target_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.create_table(
        "sales_relations",
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("vat_liable", sa.Boolean(), nullable=False),
        sa.Column("credit_limit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_term_days", sa.Integer(), nullable=True),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("order_stop", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "discount_percent IS NULL OR (discount_percent >= 0 AND discount_percent <= 100)",
            name=op.f("ck_sales_relations_discount"),
        ),
        sa.CheckConstraint(
            "payment_term_days IS NULL OR payment_term_days >= 0",
            name=op.f("ck_sales_relations_payment_term"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_sales_relations_party_id_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("party_id", name=op.f("pk_sales_relations")),
    )
    op.create_table(
        "employee_data",
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("employee_number", sa.String(length=30), nullable=True),
        sa.Column("salary", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_employee_data_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_employee_data")),
    )
    # Built-in domain data: the account manager category and the party types of the seeds.
    op.bulk_insert(
        sa.table(
            "internal_relation_categories",
            sa.column("code"),
            sa.column("name"),
            sa.column("description"),
            sa.column("active"),
            sa.column("version"),
        ),
        [
            {
                "code": "ACCOUNT_MANAGER",
                "name": "Account manager",
                "description": "The staff member responsible for this customer (accountmanager).",
                "active": True,
                "version": 1,
            }
        ],
    )
    party_types = sa.table(
        "party_types",
        sa.column("code"),
        sa.column("name"),
        sa.column("party_kind"),
        sa.column("description"),
        sa.column("built_in"),
        sa.column("active"),
    )
    op.bulk_insert(
        party_types,
        [
            {
                "code": code,
                "name": name,
                "party_kind": kind,
                "description": text,
                "built_in": True,
                "active": True,
            }
            for code, name, kind, text in [
                ("CUSTOMER", "Customer", "ORGANISATION", "Sales relation (verkooprelatie)."),
                ("SUPPLIER", "Supplier", "ORGANISATION", "Purchase relation (inkooprelatie)."),
                ("MANUFACTURER", "Manufacturer", "ORGANISATION", "Manufacturer (fabrikant)."),
                ("EMPLOYEE", "Employee", "PERSON", "Employee (medewerker)."),
                ("TAX_CLIENT", "Tax client", "PERSON", "Income tax client (cliënt IB)."),
            ]
        ],
    )


def downgrade() -> None:
    op.drop_table("employee_data")
    op.drop_table("sales_relations")
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_relations_active_pair", sqlite_where=sa.text("active"), postgresql_where=sa.text("active")
        )
        batch_op.drop_index(batch_op.f("ix_relations_type_id"))
        batch_op.drop_index(batch_op.f("ix_relations_target_id"))
        batch_op.drop_index(batch_op.f("ix_relations_source_id"))

    op.drop_table("relations")
    op.drop_table("purchase_relations")
    with op.batch_alter_table("party_type_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_type_links_party_type_id"))

    op.drop_table("party_type_links")
    with op.batch_alter_table("internal_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_internal_relations_user_id"))
        batch_op.drop_index(batch_op.f("ix_internal_relations_party_id"))
        batch_op.drop_index("ix_internal_relations_party_category")

    op.drop_table("internal_relations")
    op.drop_table("relation_types")
    op.drop_table("party_types")
    op.drop_table("internal_relation_categories")
