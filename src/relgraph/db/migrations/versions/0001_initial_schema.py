"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:43:22.689550
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "locks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("counter", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_locks")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('ADMIN', 'TEAM', 'BUSINESS', 'READONLY')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_party_id"), ["party_id"], unique=False)

    op.create_table(
        "parties",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('ORGANISATION', 'PERSON')", name=op.f("ck_parties_kind")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_parties_created_by_id_users")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_parties_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    op.create_table(
        "addresses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("house_number", sa.String(length=10), nullable=True),
        sa.Column("house_number_addition", sa.String(length=10), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("city_key", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("is_head_office", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('VISIT', 'POSTAL', 'INVOICE')", name=op.f("ck_addresses_kind")),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_addresses_party_id_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addresses_city_key"), ["city_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_addresses_party_id"), ["party_id"], unique=False)
        batch_op.create_index(
            "uq_addresses_head_office",
            ["party_id"],
            unique=True,
            sqlite_where=sa.text("is_head_office"),
            postgresql_where=sa.text("is_head_office"),
        )

    op.create_table(
        "organisations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("legal_name", sa.String(length=200), nullable=True),
        sa.Column("kvk_number", sa.String(length=8), nullable=True),
        sa.Column("vat_number", sa.String(length=20), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("creditworthy", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('PROSPECT', 'ACTIVE', 'INACTIVE')", name=op.f("ck_organisations_status")
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_organisations_not_own_parent")
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["parties.id"], name=op.f("fk_organisations_id_parties"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["organisations.id"], name=op.f("fk_organisations_parent_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_archived"), ["archived"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisations_kvk_number"), ["kvk_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisations_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisations_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=True),
        sa.Column("initials", sa.String(length=20), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("infix", sa.String(length=30), nullable=True),
        sa.Column("last_name", sa.String(length=150), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("bsn", sa.String(length=9), nullable=True),
        sa.Column("sort_key", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "gender IN ('FEMALE', 'MALE', 'OTHER', 'UNKNOWN')", name=op.f("ck_persons_gender")
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["parties.id"], name=op.f("fk_persons_id_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_sort_key"), ["sort_key"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("job_title", sa.String(length=100), nullable=True),
        sa.Column("business_email", sa.String(length=254), nullable=True),
        sa.Column("phone1", sa.String(length=32), nullable=True),
        sa.Column("phone2", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("account_manager_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name=op.f("ck_memberships_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["account_manager_id"], ["users.id"], name=op.f("fk_memberships_account_manager_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_memberships_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_memberships_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_memberships_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_memberships_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_person_id"), ["person_id"], unique=False)
        # One active membership per person, organisation and role (a missing role counts as one).
        batch_op.create_index(
            "uq_memberships_active_role",
            ["person_id", "organisation_id", sa.text("coalesce(role, '')")],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.create_table(
        "membership_tags",
        sa.Column("membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_membership_tags_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("membership_id", "tag", name=op.f("pk_membership_tags")),
    )
    with op.batch_alter_table("membership_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_tags_tag"), ["tag"], unique=False)

    # The row that hierarchy changes update to serialise their cycle checks.
    op.bulk_insert(
        sa.table("locks", sa.column("name"), sa.column("counter")), [{"name": "hierarchy", "counter": 0}]
    )


def downgrade() -> None:
    with op.batch_alter_table("membership_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_tags_tag"))

    op.drop_table("membership_tags")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("uq_memberships_active_role")
        batch_op.drop_index(batch_op.f("ix_memberships_person_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_organisation_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_sort_key"))

    op.drop_table("persons")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_parent_id"))
        batch_op.drop_index(batch_op.f("ix_organisations_name_key"))
        batch_op.drop_index(batch_op.f("ix_organisations_kvk_number"))
        batch_op.drop_index(batch_op.f("ix_organisations_archived"))

    op.drop_table("organisations")
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_addresses_head_office",
            sqlite_where=sa.text("is_head_office"),
            postgresql_where=sa.text("is_head_office"),
        )
        batch_op.drop_index(batch_op.f("ix_addresses_party_id"))
        batch_op.drop_index(batch_op.f("ix_addresses_city_key"))

    op.drop_table("addresses")
    op.drop_table("parties")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_party_id"))
        batch_op.drop_index("ix_audit_events_object")

    op.drop_table("audit_events")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("locks")
