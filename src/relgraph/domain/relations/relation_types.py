"""Relation types (relatietypes): domain data that says how two parties can be related."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id
from relgraph.db.models import PartyKind, Relation, RelationType
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Conflict, InvalidInput
from relgraph.policy import Viewer

__all__ = ["create", "delete", "get_many", "list_all", "update"]

AUDITED_FIELDS = [
    "name",
    "inverse_name",
    "symmetric",
    "source_kinds",
    "target_kinds",
    "description",
    "active",
]
_RELATION_TYPES = AuditedRows(
    RelationType,
    AUDITED_FIELDS,
    "relation type",
    unique=("name", "A relation type with this name already exists."),
    party=None,
)


async def list_all(session: AsyncSession, *, include_inactive: bool = False) -> list[RelationType]:
    """Every relation type, by name."""
    stmt = select(RelationType).order_by(RelationType.name, RelationType.id)
    if not include_inactive:
        stmt = stmt.where(RelationType.active.is_(True))
    return list(await session.scalars(stmt))


async def get_many(session: AsyncSession, ids: Sequence[int]) -> list[RelationType | None]:
    return await by_id(session, RelationType, ids)


def _kinds(checks: Checks, field: str, value: Any) -> list[str]:
    kinds = sorted({str(k) for k in value or []})
    if not kinds:
        checks.fail(field, "Name at least one party kind (ORGANISATION or PERSON).")
    for kind in kinds:
        if kind not in PartyKind.__members__:
            checks.fail(field, f"Unknown party kind {kind}.")
    return kinds


def clean(checks: Checks, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if creating or "name" in data:
        values["name"] = checks.text("name", data.get("name"), max_length=100, required=True)
    if "inverse_name" in data:
        values["inverse_name"] = checks.text("inverseName", data["inverse_name"], max_length=100)
    if "description" in data:
        values["description"] = checks.multiline("description", data["description"], max_length=2000)
    for name, field in (("source_kinds", "sourceKinds"), ("target_kinds", "targetKinds")):
        if creating or name in data:
            values[name] = _kinds(checks, field, data.get(name))
    if "symmetric" in data:
        values["symmetric"] = bool(data["symmetric"])
    return values


def _settle(values: dict[str, Any], current: RelationType | None = None) -> None:
    """Check the type as it will be; a symmetric one reads the same from both sides."""
    names = ("name", "inverse_name", "symmetric", "source_kinds", "target_kinds")
    final = {k: values[k] if k in values else getattr(current, k, None) for k in names}
    if final["symmetric"]:
        values["inverse_name"] = final["name"]
        if sorted(final["source_kinds"] or []) != sorted(final["target_kinds"] or []):
            raise InvalidInput.at("targetKinds", "A symmetric type allows the same kinds on both sides.")
    elif not final["inverse_name"]:
        raise InvalidInput.at("inverseName", 'Give the name read from the other side, e.g. "customer of".')


async def _in_use(session: AsyncSession, type_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(Relation.type_id == type_id))))


async def create(session: AsyncSession, *, actor: Viewer, data: Mapping[str, Any]) -> RelationType:
    """Add a relation type; names are unique."""
    checks = Checks()
    values = clean(checks, data, creating=True)
    checks.raise_if_any()
    _settle(values)
    return await _RELATION_TYPES.add(session, actor, RelationType(active=True, **values))


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> RelationType:
    """Change a relation type. Kinds and symmetry are fixed once relations use the type."""
    checks = Checks()
    values = clean(checks, data, creating=False)
    if "active" in data and data["active"] is not None:
        values["active"] = bool(data["active"])
    checks.raise_if_any()
    row = await _RELATION_TYPES.load(session, id=id, expected_version=expected_version)
    structural = {
        k
        for k in ("symmetric", "source_kinds", "target_kinds")
        if k in values and values[k] != getattr(row, k)
    }
    if structural and await _in_use(session, row.id):
        field = {"symmetric": "symmetric", "source_kinds": "sourceKinds", "target_kinds": "targetKinds"}[
            min(structural)
        ]
        raise Conflict(field, "Relations use this type; its kinds and symmetry can no longer change.")
    _settle(values, row)
    before = _RELATION_TYPES.snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    return await _RELATION_TYPES.save(session, actor, row, before)


async def delete(session: AsyncSession, *, actor: Viewer, id: int) -> None:
    """Remove a relation type no relation uses; one in use can only be deactivated."""
    row = await _RELATION_TYPES.load(session, id=id, expected_version=None)
    if await _in_use(session, row.id):
        raise Conflict("id", "Relations use this type: deactivate it instead of deleting it.")
    await _RELATION_TYPES.remove(session, actor, row)
