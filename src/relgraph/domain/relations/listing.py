"""All relations at once, oldest first: the root list a sync script pages through."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Relation
from relgraph.db.pagination import OrderKey, Page, PageRequest, paginate
from relgraph.domain import versions
from relgraph.domain.relations.relations import ends_visible
from relgraph.policy import Viewer

__all__ = ["ListFilter", "count_all", "list_page"]

_ORDER = [OrderKey(Relation.id, "id")]


@dataclass(frozen=True)
class ListFilter:
    # Also those not in force today (ended, or not begun yet): R3.
    include_inactive: bool = False
    created_since: dt.datetime | None = None
    updated_since: dt.datetime | None = None


def _conditions(viewer: Viewer, flt: ListFilter) -> list[Any]:
    conditions = [
        ends_visible(viewer),
        *versions.stamped_since(Relation, created_since=flt.created_since, updated_since=flt.updated_since),
    ]
    if not flt.include_inactive:
        conditions.append(Relation.holds_on())
    return conditions


def _listed(viewer: Viewer, flt: ListFilter) -> Select[*tuple[Any, ...]]:
    return select(Relation).where(*_conditions(viewer, flt))


async def list_page(
    session: AsyncSession, *, viewer: Viewer, flt: ListFilter, page: PageRequest
) -> Page[Relation]:
    """One page of the relations `viewer` may see that match `flt`, oldest first."""
    return await paginate(session, _listed(viewer, flt), _ORDER, page)


async def count_all(session: AsyncSession, *, viewer: Viewer, flt: ListFilter) -> int:
    """How many relations `viewer` may see match `flt`."""
    stmt = select(func.count()).select_from(Relation).where(*_conditions(viewer, flt))
    return (await session.scalar(stmt)) or 0
