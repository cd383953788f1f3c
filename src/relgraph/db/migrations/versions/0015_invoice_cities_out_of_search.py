"""Invoice addresses out of the organisations' search text (issue 18, item 6)

The search text held the city of every address, so a search for a city found an
organisation by its INVOICE address, which is invoice data (R4): readable only with
FINANCE. From this revision the search text holds the cities of the other addresses, and
the invoice city moves to a second text, `invoice_search_text`, which only FINANCE
viewers search: through a trigram index on PostgreSQL (as search_text), a partial index
of the non-empty ones on SQLite (most are empty).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_SEPARATOR = " | "


def _without_invoice_cities(text: str, cities: list[tuple[str, str]]) -> str:
    """`text` less the parts that were the cities of invoice addresses.

    `cities` are (kind, folded city) of the organisation's addresses in id order, as the
    text listed them after its names and numbers; the invoice ones leave that run. A text
    where the run is not found (written by hand) loses one equal part per invoice city.
    """
    parts = text.split(_SEPARATOR)
    run = [city for _, city in cities]
    start = next((i for i in range(len(parts)) if parts[i : i + len(run)] == run), None)
    if start is not None:
        kept = [city for kind, city in cities if kind != "INVOICE"]
        return _SEPARATOR.join(parts[:start] + kept + parts[start + len(run) :])
    for kind, city in cities:
        if kind == "INVOICE" and city in parts:
            parts.remove(city)
    return _SEPARATOR.join(parts)


def upgrade() -> None:
    # Not in batch mode: SQLite adds (and drops) a column in place, keeping the search triggers.
    op.add_column(
        "organisations", sa.Column("invoice_search_text", sa.Text(), nullable=False, server_default="")
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_organisations_invoice_search_text_trgm ON organisations"
            " USING gin (invoice_search_text gin_trgm_ops)"
        )
    else:
        op.execute(
            "CREATE INDEX ix_organisations_invoice_search_text ON organisations (invoice_search_text)"
            " WHERE invoice_search_text <> ''"
        )
    rows = bind.execute(
        sa.text(
            "SELECT o.id, o.search_text, a.kind, a.city_key FROM organisations o"
            " JOIN addresses a ON a.party_id = o.id"
            " WHERE a.city_key <> '' AND EXISTS (SELECT 1 FROM addresses i"
            " WHERE i.party_id = o.id AND i.kind = 'INVOICE' AND i.city_key <> '')"
            " ORDER BY o.id, a.id"
        )
    ).all()
    texts: dict[int, str] = {}
    cities: dict[int, list[tuple[str, str]]] = {}
    for org_id, text, kind, city in rows:
        texts[org_id] = text
        cities.setdefault(org_id, []).append((kind, city))
    updates = [
        {
            "id": org_id,
            "text": _without_invoice_cities(text, cities[org_id]),
            "invoice": _SEPARATOR.join(city for kind, city in cities[org_id] if kind == "INVOICE"),
        }
        for org_id, text in texts.items()
    ]
    if updates:
        # On SQLite the search triggers keep the FTS5 index in step with these updates.
        bind.execute(
            sa.text(
                "UPDATE organisations SET search_text = :text, invoice_search_text = :invoice WHERE id = :id"
            ),
            updates,
        )


def downgrade() -> None:
    # The invoice cities go back into the search text, as the code before this revision kept it.
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE organisations SET search_text = CASE WHEN search_text = '' THEN invoice_search_text"
            " ELSE search_text || ' | ' || invoice_search_text END WHERE invoice_search_text <> ''"
        )
    )
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_organisations_invoice_search_text_trgm")
    else:
        op.execute("DROP INDEX ix_organisations_invoice_search_text")
    op.drop_column("organisations", "invoice_search_text")
