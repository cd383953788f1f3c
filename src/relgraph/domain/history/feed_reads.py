"""Reading the changes feed: the committed changes a viewer may read, in commit order.

The order is (commit_no, id): commit numbers are handed out in commit order
(feed_writes.py), so a reader that resumes after a cursor never skips a change that
committed later with a smaller id. Which changes a viewer reads is policy
(`changes_readable`); cursors are those of the changes shown, so a page ends at the last
change its reader may read, never at a hidden one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Change
from relgraph.db.pagination import OrderKey, Page, PageRequest, count, paginate
from relgraph.policy import Viewer, changes_readable

__all__ = ["ORDER", "count_all", "list_page", "listed"]

ORDER = [OrderKey(Change.commit_no, "commit_no"), OrderKey(Change.id, "id")]


def listed(viewer: Viewer) -> Select[*tuple[Any, ...]]:
    """The committed changes `viewer` may read (changes_readable)."""
    return select(Change).where(Change.commit_no.is_not(None), changes_readable(viewer))


async def list_page(session: AsyncSession, *, viewer: Viewer, page: PageRequest) -> Page[Change]:
    """One page of the feed, oldest change first."""
    return await paginate(session, listed(viewer), ORDER, page)


async def count_all(session: AsyncSession, *, viewer: Viewer) -> int:
    """How many changes the feed has for `viewer`."""
    return await count(session, listed(viewer))
