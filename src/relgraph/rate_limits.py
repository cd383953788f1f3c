"""The per-user rate limit on query cost points (snelheidslimiet), counted in the database.

Every worker process (and every machine) charges the same row, so N workers enforce one
limit. A fixed one-minute window: the first request of a new minute starts the count anew.

On SQLite a charge is a write, and a long write of another connection (an import, a bulk
relink, a merge) holds the database's one write lock for seconds. A request does not wait
for it: after a short wait the process checks the last committed count plus what it
counted itself meanwhile, and owes those points, which its next charge adds. While such a
write lasts each process enforces the limit on its own; otherwise all of them together.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import ReturningInsert

from relgraph.db.engine import SQLITE_BUSY_TIMEOUT_MS, statement_counter
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


def _upsert(
    engine: AsyncEngine, user_id: int, window: int, points: int, limit: int | None
) -> ReturningInsert[int]:
    """Add `points` to the user's count in `window` (a newer window starts anew), unless
    that would pass `limit`; None adds them whatever the count."""
    table = RateLimitWindow.__table__
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(table)
    insert = insert.values(user_id=user_id, window_start=window, points=points)
    new = insert.excluded
    # A worker whose clock lags a little may still send the previous minute: count that in
    # the current window rather than resetting it.
    newer_window = new.window_start > table.c.window_start
    within = true() if limit is None else table.c.points + new.points <= limit
    return insert.on_conflict_do_update(
        index_elements=[table.c.user_id],
        set_={
            "window_start": case((newer_window, new.window_start), else_=table.c.window_start),
            "points": case((newer_window, new.points), else_=table.c.points + new.points),
        },
        # A refused request spends nothing: no row is updated, none returned.
        where=newer_window | within,
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


# How long a charge on SQLite waits for the write lock before counting in the process: a
# charge holds it for a millisecond or two, a bulk write for seconds. After such a wait the
# process counts on its own for as long again before it tries the lock anew, so that
# concurrent requests do not each wait in turn.
SQLITE_LOCK_WAIT_MS = 100


@dataclass
class _Local:
    """One process's counting beside a SQLite database whose write lock is held."""

    # Points counted here and owed to the shared count, by user: (window, points).
    owed: dict[int, tuple[int, int]] = field(default_factory=dict)
    # time.monotonic() until which charges do not try the lock.
    skip_lock_until: float = 0.0


_local: weakref.WeakKeyDictionary[Any, _Local] = weakref.WeakKeyDictionary()


def _busy(error: OperationalError) -> bool:
    return getattr(error.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


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
    (it commits at once whatever the request does next), on SQLite and PostgreSQL alike;
    on SQLite, points owed from a held write lock go in first.
    """
    now = time.time() if now is None else now
    window = int(now) // WINDOW_SECONDS * WINDOW_SECONDS
    reset_at = dt.datetime.fromtimestamp(window + WINDOW_SECONDS, dt.UTC)
    retry_after = max(1, window + WINDOW_SECONDS - int(now))
    engine: AsyncEngine = sessionmaker.kw["bind"]
    local = _local.setdefault(engine.sync_engine, _Local()) if engine.dialect.name == "sqlite" else None

    def answer(allowed: bool, spent: int) -> Charge:
        return Charge(allowed, limit, max(0, limit - spent), reset_at, retry_after)

    # Constant per request and no part of what a query asks for: left out of the
    # statement counts with which the tests watch the loaders.
    hidden = statement_counter.set(None)
    try:
        async with _turn(sessionmaker), engine.connect() as connection:
            # Read in the queue: the charges of one process take their turns there.
            owed_window, owed = local.owed.get(user_id, (window, 0)) if local else (window, 0)
            owed = owed if owed_window == window else 0  # owed points lapse with their window
            if local is not None and time.monotonic() < local.skip_lock_until:
                return answer(*await _count_here(connection, local, user_id, window, points, owed, limit))
            if local is not None:
                # Each statement a transaction of its own: the charge is one (owed points,
                # when there are any, go in just before it).
                await connection.execution_options(sqlite_begin=None)
                await connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_MS}")
            flushed = False
            try:
                if owed:
                    await connection.execute(_upsert(engine, user_id, window, owed, None))
                    local.owed.pop(user_id, None)  # type: ignore[union-attr]  # points are owed to a local queue only
                    flushed = True
                spent = await connection.scalar(_upsert(engine, user_id, window, points, limit))
                if spent is None:  # refused: the count is what it was
                    current = await connection.scalar(_points_of(user_id)) or 0
                if local is None:  # (SQLite's statements committed themselves)
                    await connection.commit()
            except OperationalError as error:
                if local is None or not _busy(error):
                    raise
                local.skip_lock_until = time.monotonic() + SQLITE_LOCK_WAIT_MS / 1000
                return answer(
                    *await _count_here(
                        connection, local, user_id, window, points, 0 if flushed else owed, limit
                    )
                )
            finally:
                if local is not None:  # the connection goes back to the pool
                    await connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        statement_counter.reset(hidden)
    return answer(False, current) if spent is None else answer(True, spent)


async def _count_here(
    connection: AsyncConnection,
    local: _Local,
    user_id: int,
    window: int,
    points: int,
    owed: int,
    limit: int,
) -> tuple[bool, int]:
    """SQLite's write lock is held: charge against the last committed count (readers are
    never blocked in write-ahead-log mode) and what this process owes; owe the points.
    Whether the request may run, and the points spent in the window after it."""
    row = (await connection.execute(_window_of(user_id))).first()
    used = (row.points if row is not None and row.window_start == window else 0) + owed
    if used + points > limit:
        return False, used
    local.owed[user_id] = (window, owed + points)
    return True, used + points


def _points_of(user_id: int) -> Select[*tuple[Any, ...]]:
    return select(RateLimitWindow.points).where(RateLimitWindow.user_id == user_id)


def _window_of(user_id: int) -> Select[*tuple[Any, ...]]:
    return select(RateLimitWindow.window_start, RateLimitWindow.points).where(
        RateLimitWindow.user_id == user_id
    )
