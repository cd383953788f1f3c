"""Internal relations (interne relaties): which staff member looks after which customer file.

The built-in category ACCOUNT_MANAGER backs `Organisation.accountManagers`. A relation is
current from `since` (or always) until `until` (or for good).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id
from relgraph.db.models import InternalRelation, InternalRelationCategory, User
from relgraph.db.models.relations import ACCOUNT_MANAGER
from relgraph.db.pagination import OrderKey, Page, PageRequest, count_many, paginate_many
from relgraph.domain import parties, versions
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Conflict, InvalidInput, NotFound
from relgraph.policy import Viewer, party_visible

__all__ = [
    "AUDITED_FIELDS",
    "InternalRelationFilter",
    "account_manager_links",
    "account_managers_of",
    "add",
    "categories",
    "count_for",
    "create_category",
    "delete",
    "get_categories",
    "get_many",
    "list_for",
    "listed",
    "update",
    "update_category",
]

AUDITED_FIELDS = ["user_id", "party_id", "category_id", "since", "until", "commission_percent"]
_INTERNAL_RELATIONS = AuditedRows(InternalRelation, AUDITED_FIELDS, "internal relation")
_CATEGORIES = AuditedRows(
    InternalRelationCategory,
    ["name", "description", "active"],
    "category",
    unique=("name", "A category with this name already exists."),
    party=None,
)
_HUNDRED = decimal.Decimal(100)


@dataclass(frozen=True)
class InternalRelationFilter:
    category_ids: tuple[int, ...] | None = None
    # Also those not in force on `day` (ended, or not begun yet).
    include_ended: bool = False
    # The day the list is about; None: today.
    day: dt.date | None = None


def _current(today: Any) -> Any:
    return InternalRelation.holds_on(today)


# ---- categories (domain data) ----------------------------------------------------------


async def categories(
    session: AsyncSession, *, include_inactive: bool = False
) -> list[InternalRelationCategory]:
    """Every category, by name."""
    stmt = select(InternalRelationCategory).order_by(InternalRelationCategory.name)
    if not include_inactive:
        stmt = stmt.where(InternalRelationCategory.active.is_(True))
    return list(await session.scalars(stmt))


async def get_categories(session: AsyncSession, ids: Sequence[int]) -> list[InternalRelationCategory | None]:
    return await by_id(session, InternalRelationCategory, ids)


async def create_category(
    session: AsyncSession, *, actor: Viewer, name: str, description: str | None
) -> InternalRelationCategory:
    """Add an internal relation category."""
    checks = Checks()
    clean_name = checks.text("name", name, max_length=100, required=True)
    clean_description = checks.multiline("description", description, max_length=2000)
    checks.raise_if_any()
    row = InternalRelationCategory(name=clean_name, description=clean_description, active=True)
    session.add(row)
    await _CATEGORIES.flush(session)
    _CATEGORIES.record(session, actor, row, "CREATE", {"name": {"before": None, "after": clean_name}})
    return row


async def update_category(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> InternalRelationCategory:
    """Rename, describe, (de)activate a category; the built-in one stays active."""
    row = await _CATEGORIES.load(session, id=id, expected_version=expected_version)
    checks = Checks()
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = checks.text("name", data["name"], max_length=100, required=True)
    if "description" in data:
        values["description"] = checks.multiline("description", data["description"], max_length=2000)
    if data.get("active") is not None:
        values["active"] = bool(data["active"])
        if row.code == ACCOUNT_MANAGER and not values["active"]:
            checks.fail("active", "The built-in account manager category cannot be deactivated.")
    checks.raise_if_any()
    before = _CATEGORIES.snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    return await _CATEGORIES.save(session, actor, row, before)


# ---- internal relations ----------------------------------------------------------------


def _listing(viewer: Viewer, flt: InternalRelationFilter, today: dt.date) -> Select[*tuple[Any, ...]]:
    # R1: files of persons the viewer may not see are left out.
    stmt = select(InternalRelation).where(party_visible(viewer, InternalRelation.party_id))
    if not flt.include_ended:
        stmt = stmt.where(_current(flt.day or today))
    if flt.category_ids is not None:
        stmt = stmt.where(InternalRelation.category_id.in_(flt.category_ids))
    return stmt


_ORDER = [OrderKey(InternalRelation.id, "id")]


def listed(viewer: Viewer, flt: InternalRelationFilter, today: dt.date) -> Select[*tuple[Any, ...]]:
    """What `list_for` and `count_for` list, for every party and user at once (R1, in force
    on the filter's day or `today`, categories), in the order of the relations' ids.
    Compiled reads (graphql/compiled/internal_relations.py) render it for their own rows."""
    return _listing(viewer, flt, today)


async def list_for(
    session: AsyncSession,
    ids: Sequence[int],
    *,
    by: str,
    viewer: Viewer,
    flt: InternalRelationFilter,
    page: PageRequest,
    today: dt.date | None = None,
) -> dict[Hashable, Page[InternalRelation]]:
    """One page of internal relations per party (by="party") or per staff user (by="user")."""
    partition = InternalRelation.party_id if by == "party" else InternalRelation.user_id
    stmt = _listing(viewer, flt, today or dt.date.today())
    return await paginate_many(session, stmt, InternalRelation, partition, ids, _ORDER, page)


async def count_for(
    session: AsyncSession,
    ids: Sequence[int],
    *,
    by: str,
    viewer: Viewer,
    flt: InternalRelationFilter,
    today: dt.date | None = None,
) -> dict[Hashable, int]:
    partition = InternalRelation.party_id if by == "party" else InternalRelation.user_id
    return await count_many(session, _listing(viewer, flt, today or dt.date.today()), partition, ids)


def account_manager_links(today: Any = None) -> Select[int, int]:
    """(party_id, user_id) of every ACCOUNT_MANAGER relation in force on `today` (default
    today; or a SQL expression of a day, as in_force.py takes): who `account_managers_of`
    lists; compiled reads render it for their own rows."""
    day = dt.date.today() if today is None else today
    return (
        select(InternalRelation.party_id, InternalRelation.user_id)
        .join(InternalRelationCategory, InternalRelationCategory.id == InternalRelation.category_id)
        .where(InternalRelationCategory.code == ACCOUNT_MANAGER, _current(day))
    )


@functools.lru_cache(maxsize=8)
def _account_managers_statement(day: dt.date) -> Select[Any]:
    """account_managers_of's statement for `day`, the parties a parameter. Built once per day:
    a subquery made per request would be a reference cycle, left to the rare collection
    (relgraph/gc_tuning.py; tests/web/test_gc_tuning.py found it)."""
    parties: BindParameter[int] = bindparam("party_ids", expanding=True)
    links = account_manager_links(day).where(InternalRelation.party_id.in_(parties)).subquery()
    return (
        select(links.c.party_id, User)
        .join(User, User.id == links.c.user_id)
        .order_by(links.c.party_id, User.name, User.id)
    )


async def account_managers_of(
    session: AsyncSession, party_ids: Sequence[int], today: dt.date | None = None
) -> list[list[User]]:
    """The current account managers of each party (users, active or not), by name."""
    stmt = _account_managers_statement(today or dt.date.today())
    # De-duplicated here, not with DISTINCT: PostgreSQL cannot compare the JSON column of users.
    found: dict[int, dict[int, User]] = {i: {} for i in party_ids}
    for party_id, user in (await session.execute(stmt, {"party_ids": list(party_ids)})).all():
        found[party_id].setdefault(user.id, user)
    return [list(found[i].values()) for i in party_ids]


async def get_many(
    session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]
) -> list[InternalRelation | None]:
    """The internal relations with `ids` that `viewer` may see, aligned with `ids`."""
    return await by_id(session, InternalRelation, ids, party_visible(viewer, InternalRelation.party_id))


def _clean(checks: Checks, data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("since", "until"):
        if name in data:
            values[name] = checks.date(name, data[name])
    if "commission_percent" in data:
        values["commission_percent"] = checks.decimal(
            "commissionPercent", data["commission_percent"], minimum=decimal.Decimal(0), maximum=_HUNDRED
        )
    return values


def _check_dates(row: InternalRelation) -> None:
    if row.since and row.until and row.until < row.since:
        raise InvalidInput.at("until", "The end date lies before the start date.")


async def _refuse_overlap(
    session: AsyncSession, row: InternalRelation, category: InternalRelationCategory | None, *, field: str
) -> None:
    """One user holds a category on a party at most once at any day.

    Checked over the whole period, not only today: a relation that starts next month
    beside an open-ended one would otherwise become a duplicate when that month comes, and
    an update could reopen an ended relation beside its successor.
    """
    other = InternalRelation
    conditions = [
        other.user_id == row.user_id,
        other.party_id == row.party_id,
        other.category_id == row.category_id,
    ]
    if row.id is not None:
        conditions.append(other.id != row.id)
    # Periods [since, until] overlap unless one ends before the other starts; NULL is open.
    if row.until is not None:
        conditions.append(or_(other.since.is_(None), other.since <= row.until))
    if row.since is not None:
        conditions.append(or_(other.until.is_(None), other.until >= row.since))
    clash = await session.scalar(select(func.count()).select_from(other).where(*conditions))
    if clash:
        name = category.name.lower() if category else "linked"
        raise Conflict(field, f"This user is already {name} of this party in that period.")


async def add(
    session: AsyncSession,
    *,
    actor: Viewer,
    user_id: int,
    party: tuple[str, int],
    category_id: int,
    data: Mapping[str, Any],
) -> InternalRelation:
    """Link staff user `user_id` (active or not) to a customer file in a category."""
    checks = Checks()
    values = _clean(checks, data)
    checks.raise_if_any()
    if await session.get(User, user_id) is None:
        raise NotFound("employeeId", "No user with this id.")
    category = await session.get(InternalRelationCategory, category_id)
    if category is None:
        raise NotFound("categoryId", "No category with this id.")
    if not category.active:
        raise InvalidInput.at("categoryId", f"The category {category.name!r} is no longer in use.")
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1])
    row = InternalRelation(
        user_id=user_id,
        party_id=target.id,
        category_id=category_id,
        **versions.created(actor),
        **values,
    )
    _check_dates(row)
    await _refuse_overlap(session, row, category, field="employeeId")
    return await _INTERNAL_RELATIONS.add(session, actor, row)


async def _load(
    session: AsyncSession, *, viewer: Viewer, id: int, expected_version: int | None
) -> InternalRelation:
    return await _INTERNAL_RELATIONS.load_of_visible_party(
        session, viewer=viewer, id=id, expected_version=expected_version
    )


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> InternalRelation:
    """Change since, until or the commission."""
    checks = Checks()
    values = _clean(checks, data)
    checks.raise_if_any()
    row = await _load(session, viewer=actor, id=id, expected_version=expected_version)
    before = _INTERNAL_RELATIONS.snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    _check_dates(row)
    if values.keys() & {"since", "until"}:
        category = await session.get(InternalRelationCategory, row.category_id)
        await _refuse_overlap(session, row, category, field="since" if "since" in values else "until")
    return await _INTERNAL_RELATIONS.save(session, actor, row, before)


async def delete(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> None:
    """Remove an internal relation (set `until` instead to keep the history)."""
    row = await _load(session, viewer=actor, id=id, expected_version=expected_version)
    # The event keeps the values it had (a missing one is no value).
    had = {name: value for name, value in _INTERNAL_RELATIONS.snapshot(row).items() if value is not None}
    await _INTERNAL_RELATIONS.remove(session, actor, row, before=had)
