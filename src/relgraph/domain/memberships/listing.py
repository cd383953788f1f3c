"""All memberships at once, oldest first: the root list a sync script pages through."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Membership
from relgraph.db.pagination import OrderKey, Page, PageRequest, paginate
from relgraph.domain import versions

__all__ = ["ListFilter", "count_all", "list_page"]

_ORDER = [OrderKey(Membership.id, "id")]


@dataclass(frozen=True)
class ListFilter:
    # Also those not in force today (ended, or not begun yet): R3.
    include_inactive: bool = False
    created_since: dt.datetime | None = None
    updated_since: dt.datetime | None = None


def _conditions(flt: ListFilter) -> list[Any]:
    # R1 hides no membership: its person is a business relation through it.
    conditions = versions.stamped_since(
        Membership, created_since=flt.created_since, updated_since=flt.updated_since
    )
    if not flt.include_inactive:
        conditions.append(Membership.holds_on())
    return conditions


def _listed(flt: ListFilter) -> Select[*tuple[Any, ...]]:
    return select(Membership).where(*_conditions(flt))


async def list_page(session: AsyncSession, *, flt: ListFilter, page: PageRequest) -> Page[Membership]:
    """One page of the memberships matching `flt`, oldest first."""
    return await paginate(session, _listed(flt), _ORDER, page)


async def count_all(session: AsyncSession, *, flt: ListFilter) -> int:
    """How many memberships match `flt`."""
    return (await session.scalar(select(func.count()).select_from(Membership).where(*_conditions(flt)))) or 0
