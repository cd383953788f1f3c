"""contact means, bank accounts, customer groups

The email and phone of organisations and persons become their primary EMAIL and PHONE
contact means (phone numbers in E.164), and the four columns go.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:34:16.808776
"""

from __future__ import annotations

import re

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# (table, column, contact kind): the fields that move into contact_means.
_MOVED = (
    ("organisations", "email", "EMAIL"),
    ("organisations", "phone", "PHONE"),
    ("persons", "email", "EMAIL"),
    ("persons", "phone", "PHONE"),
)


def _phone(raw: str) -> tuple[str, str | None, list[str]]:
    """(value, label, search terms) of a free-text phone number from before this revision.

    As the domain does it at this revision: E.164, searchable also by its national
    digits. A number that does not parse keeps its text, labelled, rather than being lost.
    """
    try:
        number = phonenumbers.parse(raw, "NL")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return raw, "unchecked (migrated)", [raw.casefold(), re.sub(r"\D", "", raw)]
    value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return value, None, [value, re.sub(r"\D", "", national)]


def _move_contacts() -> None:
    """Copy every email and phone into contact_means and add them to the search texts."""
    bind = op.get_bind()
    terms: dict[tuple[str, int], list[str]] = {}
    for table, column, kind in _MOVED:
        rows = bind.execute(
            sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id")
        ).all()
        values = []
        for party_id, raw in rows:
            raw = raw.strip()
            if not raw:
                continue
            if kind == "PHONE":
                value, label, found = _phone(raw)
            else:
                value, label, found = raw, None, [raw.casefold()]
            values.append({"party_id": party_id, "kind": kind, "value": value, "label": label})
            # A person's email is in the search text already; everything else is new there.
            if (table, column) != ("persons", "email"):
                terms.setdefault((table, party_id), []).extend(t for t in found if t)
        if values:
            bind.execute(
                sa.text(
                    "INSERT INTO contact_means (party_id, kind, value, label, is_primary, active,"
                    " created_at, created_by_id, updated_at, updated_by_id, version)"
                    " SELECT :party_id, :kind, :value, :label, true, true,"
                    " created_at, created_by_id, updated_at, updated_by_id, 1"
                    " FROM parties WHERE id = :party_id"
                ),
                values,
            )
    for table in ("organisations", "persons"):
        updates = [
            {"id": party_id, "terms": " | ".join(found)}
            for (name, party_id), found in terms.items()
            if name == table and found
        ]
        if updates:
            bind.execute(
                sa.text(
                    f"UPDATE {table} SET search_text = CASE WHEN search_text = '' THEN :terms"
                    " ELSE search_text || ' | ' || :terms END WHERE id = :id"
                ),
                updates,
            )


def upgrade() -> None:
    op.create_table(
        "customer_groups",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_customer_groups_name")),
    )
    op.create_table(
        "bank_accounts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("party_id", _ID, nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("holder_name", sa.String(length=200), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", _ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", _ID, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("active OR NOT is_primary", name=op.f("ck_bank_accounts_primary_is_active")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_bank_accounts_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_bank_accounts_party_id_parties"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_bank_accounts_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_accounts")),
    )
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_accounts_iban"), ["iban"], unique=False)
        batch_op.create_index("uq_bank_accounts_party_iban", ["party_id", "iban"], unique=True)
        # One primary account per party.
        batch_op.create_index(
            "uq_bank_accounts_primary",
            ["party_id"],
            unique=True,
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )

    op.create_table(
        "contact_means",
        sa.Column("id", _ID, nullable=False),
        sa.Column("party_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", _ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", _ID, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('EMAIL', 'PHONE', 'MOBILE', 'FAX', 'WEBSITE', 'SOCIAL')",
            name=op.f("ck_contact_means_kind"),
        ),
        sa.CheckConstraint("active OR NOT is_primary", name=op.f("ck_contact_means_primary_is_active")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_contact_means_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_contact_means_party_id_parties"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_contact_means_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_means")),
    )
    with op.batch_alter_table("contact_means", schema=None) as batch_op:
        # One primary per party and kind.
        batch_op.create_index(
            "uq_contact_means_primary",
            ["party_id", "kind"],
            unique=True,
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )
        batch_op.create_index("uq_contact_means_value", ["party_id", "kind", "value"], unique=True)

    op.create_table(
        "party_groups",
        sa.Column("group_id", _ID, nullable=False),
        sa.Column("party_id", _ID, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_party_groups_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["customer_groups.id"],
            name=op.f("fk_party_groups_group_id_customer_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_groups_party_id_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "party_id", name=op.f("pk_party_groups")),
    )
    with op.batch_alter_table("party_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_groups_party_id"), ["party_id"], unique=False)

    _move_contacts()
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not batch mode: batch mode would
    # recreate these tables, and dropping the old persons table cascades (employee_data).
    for table, column, _kind in _MOVED:
        op.drop_column(table, column)


def downgrade() -> None:
    for table, column, _kind in _MOVED:
        length = 254 if column == "email" else 32
        op.add_column(table, sa.Column(column, sa.String(length=length), nullable=True))
    # The primary EMAIL and PHONE go back into the columns; other contact means are lost.
    for table, column, kind in _MOVED:
        length = 254 if column == "email" else 32
        op.execute(
            f"UPDATE {table} SET {column} = (SELECT substr(value, 1, {length}) FROM contact_means"
            f" WHERE contact_means.party_id = {table}.id AND kind = '{kind}' AND is_primary)"
        )

    with op.batch_alter_table("party_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_groups_party_id"))
    op.drop_table("party_groups")
    with op.batch_alter_table("contact_means", schema=None) as batch_op:
        batch_op.drop_index("uq_contact_means_value")
        batch_op.drop_index(
            "uq_contact_means_primary",
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )
    op.drop_table("contact_means")
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bank_accounts_primary",
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )
        batch_op.drop_index("uq_bank_accounts_party_iban")
        batch_op.drop_index(batch_op.f("ix_bank_accounts_iban"))
    op.drop_table("bank_accounts")
    op.drop_table("customer_groups")
