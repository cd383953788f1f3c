"""The per-user rate limit on query cost points (snelheidslimiet), counted in the database.

Every worker process (and every machine) charges the same row, so N workers enforce one
limit. A fixed one-minute window: the first request of a new minute starts the count anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relgraph.db.engine import statement_counter
from relgraph.db.models import RateLimitWindow

__all__ = ["WINDOW_SECONDS", "Charge", "charge"]

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Charge:
    """The outcome of charging a request's cost against its user's budget."""

    allowed: bool
    limit: int
    # Points left in this window after the charge (before it, when refused).
    remaining: int
    reset_at: dt.datetime
    # Whole seconds until the window ends: the Retry-After of a refusal.
    retry_after: int


def _upsert(session: AsyncSession, user_id: int, window: int, points: int, limit: int):  # type: ignore[no-untyped-def]
    table = RateLimitWindow.__table__
    insert = (postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert)(table)
    insert = insert.values(user_id=user_id, window_start=window, points=points)
    new = insert.excluded
    # A worker whose clock lags a little may still send the previous minute: count that in
    # the current window rather than resetting it.
    newer_window = new.window_start > table.c.window_start
    return insert.on_conflict_do_update(
        index_elements=[table.c.user_id],
        set_={
            "window_start": case((newer_window, new.window_start), else_=table.c.window_start),
            "points": case((newer_window, new.points), else_=table.c.points + new.points),
        },
        # A refused request spends nothing: no row is updated, none returned.
        where=newer_window | (table.c.points + new.points <= limit),
    ).returning(table.c.points)


# SQLite has one writer at a time, and its busy handler makes waiting writers sleep in
# growing steps: concurrent requests of one process queue here instead, which keeps the
# charge a short write. PostgreSQL needs no queue (row locks); other processes still meet
# in SQLite's lock.
_sqlite_queues: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


def _turn(sessionmaker: async_sessionmaker[AsyncSession]) -> contextlib.AbstractAsyncContextManager[Any]:
    engine = sessionmaker.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    queue = _sqlite_queues.get(engine.sync_engine)
    if queue is None:
        queue = _sqlite_queues[engine.sync_engine] = asyncio.Lock()
    return queue


async def charge(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    user_id: int,
    points: int,
    limit: int,
    now: float | None = None,
) -> Charge:
    """Spend `points` of the user's `limit` for the current minute, if that many are left.

    One atomic INSERT ... ON CONFLICT DO UPDATE ... RETURNING in a transaction of its own
    (it commits at once whatever the request does next), on SQLite and PostgreSQL alike.
    """
    now = time.time() if now is None else now
    window = int(now) // WINDOW_SECONDS * WINDOW_SECONDS
    reset_at = dt.datetime.fromtimestamp(window + WINDOW_SECONDS, dt.UTC)
    retry_after = max(1, window + WINDOW_SECONDS - int(now))
    # Constant per request and no part of what a query asks for: left out of the
    # statement counts with which the tests watch the loaders.
    hidden = statement_counter.set(None)
    try:
        async with _turn(sessionmaker), sessionmaker() as session:
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            spent = await session.scalar(_upsert(session, user_id, window, points, limit))
            if spent is None:
                # Refused: the count is what it was; report what is left of it.
                current = await session.scalar(select(RateLimitWindow.points).where(RateLimitWindow.user_id == user_id))
            await session.commit()
    finally:
        statement_counter.reset(hidden)
    if spent is None:
        return Charge(False, limit, max(0, limit - (current or 0)), reset_at, retry_after)
    return Charge(True, limit, max(0, limit - spent), reset_at, retry_after)
