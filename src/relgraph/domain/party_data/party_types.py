"""Party types (koppelingen) and type-specific data: sales, purchase and employee data.

Filling type-specific data adds the type; a type with data cannot be taken away until
its data is cleared.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id, grouped
from relgraph.db.models import (
    EmployeeData,
    PartyKind,
    PartyType,
    PartyTypeLink,
    PurchaseRelation,
    SalesRelation,
)
from relgraph.db.models.party_types import CUSTOMER, EMPLOYEE, SUPPLIER
from relgraph.domain import parties, versions
from relgraph.domain.classified import check_writable
from relgraph.domain.history import audit_writes
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Conflict, InvalidInput
from relgraph.policy import Viewer

__all__ = [
    "TYPED_DATA",
    "create_type",
    "data_of",
    "get_many",
    "list_types",
    "set_data",
    "set_types",
    "types_of",
]

# Type code -> the table holding that type's data, and what it is called in the API.
TYPED_DATA: dict[str, tuple[type[Any], str, str]] = {
    CUSTOMER: (SalesRelation, "salesRelation", "party_id"),
    SUPPLIER: (PurchaseRelation, "purchaseRelation", "party_id"),
    EMPLOYEE: (EmployeeData, "employee", "person_id"),
}
_MONEY_MAX = decimal.Decimal("999999999999.99")
# A new type's event names its code; the type is domain data, on no party.
_PARTY_TYPES = AuditedRows(PartyType, ["code"], "party type", party=None)


async def list_types(session: AsyncSession, *, include_inactive: bool = False) -> list[PartyType]:
    stmt = select(PartyType).order_by(PartyType.party_kind, PartyType.name)
    if not include_inactive:
        stmt = stmt.where(PartyType.active.is_(True))
    return list(await session.scalars(stmt))


async def get_many(session: AsyncSession, ids: Sequence[int]) -> list[PartyType | None]:
    return await by_id(session, PartyType, ids)


async def types_of(session: AsyncSession, party_ids: Sequence[int]) -> list[list[PartyType]]:
    """The types of each party, by name, aligned with `party_ids`."""
    rows = await session.execute(
        select(PartyTypeLink.party_id, PartyType)
        .join(PartyType, PartyType.id == PartyTypeLink.party_type_id)
        .where(PartyTypeLink.party_id.in_(party_ids))
        .order_by(PartyTypeLink.party_id, PartyType.name)
    )
    return grouped(rows.all(), party_ids)


async def data_of(session: AsyncSession, code: str, party_ids: Sequence[int]) -> list[Any]:
    """The `code` type's data row of each party (or None), aligned with `party_ids`."""
    model, _, key = TYPED_DATA[code]
    column = getattr(model, key)
    found = {getattr(r, key): r for r in await session.scalars(select(model).where(column.in_(party_ids)))}
    return [found.get(i) for i in party_ids]


async def create_type(
    session: AsyncSession, *, actor: Viewer, code: str, name: str, party_kind: str, description: str | None
) -> PartyType:
    """Add a party type (ADMIN domain data)."""
    checks = Checks()
    clean_code = checks.text("code", code, max_length=40, required=True)
    if clean_code and not clean_code.replace("_", "").isalnum():
        checks.fail("code", "Use letters, digits and underscores, e.g. PARTNER.")
    clean_name = checks.text("name", name, max_length=100, required=True)
    clean_description = checks.multiline("description", description, max_length=2000)
    checks.raise_if_any()
    row = PartyType(
        code=(clean_code or "").upper(),
        name=clean_name,
        party_kind=PartyKind(party_kind).value,
        description=clean_description,
        built_in=False,
        active=True,
    )
    session.add(row)
    taken = f"A party type with code {row.code} already exists."
    await versions.flush(session, "party type", unique=("code", taken))
    _PARTY_TYPES.record_creation(session, actor, row)
    return row


async def _link(session: AsyncSession, party_id: int, type_ids: set[int]) -> None:
    present = set(
        await session.scalars(select(PartyTypeLink.party_type_id).where(PartyTypeLink.party_id == party_id))
    )
    if missing := type_ids - present:
        await session.execute(
            insert(PartyTypeLink), [{"party_id": party_id, "party_type_id": t} for t in sorted(missing)]
        )


async def set_types(
    session: AsyncSession, *, actor: Viewer, party: tuple[str, int], codes: Sequence[str]
) -> list[PartyType]:
    """Make the party's types exactly `codes`; types of the other party kind are refused."""
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1])
    wanted = {c.strip().upper() for c in codes if c.strip()}
    # Only what could be a code is looked up: anything else (a NUL, which PostgreSQL refuses
    # in any text, say) is simply unknown.
    lookup = {c for c in wanted if c.replace("_", "").isalnum()}
    known = {t.code: t for t in await session.scalars(select(PartyType).where(PartyType.code.in_(lookup)))}
    checks = Checks()
    for code in sorted(wanted):
        found = known.get(code)
        if found is None:
            checks.fail("types", f"Unknown party type {code}.")
        elif found.party_kind != target.kind:
            checks.fail("types", f"{code} is a type for {found.party_kind.lower()}s.")
    checks.raise_if_any()
    before = [t.code for t in (await types_of(session, [target.id]))[0]]
    for code in sorted(set(before) - wanted):
        if code in TYPED_DATA and (await data_of(session, code, [target.id]))[0] is not None:
            _, name, _ = TYPED_DATA[code]
            raise Conflict("types", f"Clear the {name} data before removing type {code}.")
    await session.execute(delete(PartyTypeLink).where(PartyTypeLink.party_id == target.id))
    await _link(session, target.id, {t.id for t in known.values()})
    audit_writes.record(
        session,
        actor=actor,
        object_type="Party",
        object_id=target.id,
        party_id=target.id,
        action="SET_TYPES",
        changes={"types": {"before": sorted(before), "after": sorted(wanted)}},
    )
    await session.flush()
    return (await types_of(session, [target.id]))[0]


def _clean(checks: Checks, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if code == CUSTOMER:
        for name in ("vat_liable", "order_stop"):
            if data.get(name) is not None:
                values[name] = bool(data[name])
        if "credit_limit" in data:
            values["credit_limit"] = checks.decimal(
                "creditLimit", data["credit_limit"], minimum=decimal.Decimal(0), maximum=_MONEY_MAX
            )
        if "currency" in data:
            values["currency"] = checks.currency("currency", data["currency"])
        if "discount_percent" in data:
            values["discount_percent"] = checks.decimal(
                "discountPercent",
                data["discount_percent"],
                minimum=decimal.Decimal(0),
                maximum=decimal.Decimal(100),
            )
    if code in (CUSTOMER, SUPPLIER) and "payment_term_days" in data:
        values["payment_term_days"] = checks.integer(
            "paymentTermDays", data["payment_term_days"], minimum=0, maximum=365
        )
    if code == SUPPLIER and "our_account_number" in data:
        values["our_account_number"] = checks.text(
            "ourAccountNumber", data["our_account_number"], max_length=50
        )
    if code == EMPLOYEE:
        if "employee_number" in data:
            values["employee_number"] = checks.text("employeeNumber", data["employee_number"], max_length=30)
        if "salary" in data:
            values["salary"] = checks.decimal(
                "salary", data["salary"], minimum=decimal.Decimal(0), maximum=decimal.Decimal("9999999999.99")
            )
        if "currency" in data:
            values["currency"] = checks.currency("currency", data["currency"])
    return values


async def set_data(
    session: AsyncSession,
    *,
    actor: Viewer,
    code: str,
    party: tuple[str, int],
    data: Mapping[str, Any],
    field: str = "partyId",
) -> Any:
    """Create or change the `code` type's data of a party; the type is added if missing.

    `field` names the input field that holds the party, for the error paths.
    """
    model, _, key = TYPED_DATA[code]
    # Who may not read a value may not write it either (R4), whoever the party is.
    check_writable(actor, model.__name__, data, what=f"Changing {code.lower()} data")
    party_type = await session.scalar(select(PartyType).where(PartyType.code == code))
    assert party_type is not None  # built in by the migrations
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1], field=field)
    if target.kind != party_type.party_kind:
        raise InvalidInput.at(field, f"{code} data belongs to {party_type.party_kind.lower()}s.")
    checks = Checks()
    values = _clean(checks, code, data)
    checks.raise_if_any()
    row = await session.get(model, target.id, populate_existing=True)
    before = audit_writes.snapshot(row, sorted(values)) if row is not None else {}
    if row is None:
        row = model(**{key: target.id})
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    await session.flush()
    await _link(session, target.id, {party_type.id})
    audit_writes.record(
        session,
        actor=actor,
        object_type=model.__name__,
        object_id=target.id,
        party_id=target.id,
        action="SET",
        changes=audit_writes.changes_between(before, audit_writes.snapshot(row, sorted(values))),
    )
    await session.flush()
    return row
