"""Bank accounts (bankrekeningen) of parties: add, change, remove, choose the primary one.

The IBAN is stored compact; when no BIC is given, the bank registry's is filled in (see
iban.py). Financial data (R4): the API layer lets only FINANCE users read or write them. The same
IBAN may belong to two parties (a subsidiary paying from the holding's account); such
parties are reported as possible duplicates, never refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id, grouped
from relgraph.db.models import BankAccount, Organisation, Person
from relgraph.domain import parties, versions
from relgraph.domain.party_data import iban as ibans
from relgraph.domain.party_data.owned import OwnedRecords
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Conflict
from relgraph.policy import Viewer, party_visible, persons_visible

__all__ = [
    "AUDITED_FIELDS",
    "OWNED",
    "add",
    "get_many",
    "list_for_parties",
    "load_for_update",
    "possible_duplicates",
    "remove",
    "set_primary",
    "update",
]

AUDITED_FIELDS = ["party_id", "iban", "bic", "holder_name", "is_primary", "active"]
# The merge of two organisations keeps one of each (merging/belongings.py).
OWNED = OwnedRecords(
    AuditedRows(
        BankAccount,
        AUDITED_FIELDS,
        "bank account",
        # The unique indexes: one primary per party, and no IBAN twice on one party.
        unique=(
            "iban",
            "This party already has this IBAN, or another primary account was just chosen; reload.",
        ),
    ),
    key=("iban",),
)


def _sort_key(row: BankAccount) -> tuple[bool, bool, int]:
    return (not row.is_primary, not row.active, row.id)


async def list_for_parties(session: AsyncSession, party_ids: Sequence[int]) -> list[list[BankAccount]]:
    """Every bank account of each party, the primary one first, aligned with `party_ids`."""
    rows = await session.scalars(select(BankAccount).where(BankAccount.party_id.in_(party_ids)))
    return [sorted(found, key=_sort_key) for found in grouped(((r.party_id, r) for r in rows), party_ids)]


async def get_many(session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]) -> list[BankAccount | None]:
    """The bank accounts with `ids` whose party `viewer` may see (R1), aligned with `ids`."""
    return await by_id(session, BankAccount, ids, party_visible(viewer, BankAccount.party_id))


async def possible_duplicates(
    session: AsyncSession, *, viewer: Viewer, account: BankAccount, limit: int = 10
) -> list[Organisation | Person]:
    """Other parties `viewer` may see with a bank account of the same IBAN, by id."""
    others = select(BankAccount.party_id).where(
        BankAccount.iban == account.iban, BankAccount.party_id != account.party_id
    )
    orgs = await session.scalars(select(Organisation).where(Organisation.id.in_(others)))
    people = await session.scalars(select(Person).where(Person.id.in_(others), persons_visible(viewer)))
    return sorted([*orgs, *people], key=lambda party: party.id)[:limit]


def _clean(checks: Checks, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if creating or "iban" in data:
        values["iban"] = checks.iban("iban", data.get("iban"), required=True)
    if "bic" in data:
        values["bic"] = checks.bic("bic", data["bic"])
    if values.get("iban") and not values.get("bic"):
        # The bank's BIC as the registry knows it, filled in for the user; a new IBAN
        # without one of its own replaces the old IBAN's BIC, which need not fit it.
        bank = ibans.bank_of(values["iban"]) if not checks.errors else None
        values["bic"] = bank.bic if bank else None
    if "holder_name" in data:
        values["holder_name"] = checks.text("holderName", data["holder_name"], max_length=200)
    if data.get("active") is not None:
        values["active"] = bool(data["active"])
    return values


async def _check_free(session: AsyncSession, party_id: int, iban: str, own_id: int | None) -> None:
    if await OWNED.same(session, party_id, (iban,), own_id) is not None:
        raise Conflict("iban", "This party already has a bank account with this IBAN.")


async def add(
    session: AsyncSession, *, actor: Viewer, party: tuple[str, int], data: Mapping[str, Any]
) -> BankAccount:
    """Add a bank account to a party `actor` may see; its first one is the primary one."""
    checks = Checks()
    values = _clean(checks, data, creating=True)
    checks.raise_if_any()
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1])
    await _check_free(session, target.id, values["iban"], None)
    row = BankAccount(party_id=target.id, active=True, **versions.created(actor), **values)
    await OWNED.add(session, actor, row, data.get("primary"))
    await session.flush()
    return row


async def load_for_update(
    session: AsyncSession, *, viewer: Viewer, id: int, expected_version: int | None
) -> BankAccount:
    """Fetch a bank account of a party `viewer` may see, checking the version the caller saw."""
    return await OWNED.rows.load_of_visible_party(
        session, viewer=viewer, id=id, expected_version=expected_version
    )


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> BankAccount:
    """Change the fields present in `data`; a deactivated primary stops being primary."""
    checks = Checks()
    values = _clean(checks, data, creating=False)
    checks.raise_if_any()
    row = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    if "iban" in values:
        await _check_free(session, row.party_id, values["iban"], row.id)
    await OWNED.update(session, actor, row, values)
    await session.flush()
    return row


async def remove(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> int:
    """Delete a bank account; the audit trail keeps what it was."""
    row = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    await OWNED.rows.remove(session, actor, row)
    return id


async def set_primary(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> BankAccount:
    """Make a bank account the party's primary one; the previous primary stays, as a plain one."""
    row = await load_for_update(session, viewer=actor, id=id, expected_version=expected_version)
    await OWNED.set_primary(session, actor, row)
    await session.flush()
    return row
