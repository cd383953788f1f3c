"""The per-user rate limit on query cost points (snelheidslimiet): counted in memory by each
process, written to the database in batches, shared by all workers and machines through it.

A request is charged against what its process knows: the user's count in the database as
last read or written, plus what the process counted since. No charge waits for the
database: a background task adds each process's counted points to the shared row and
reads back the total (all processes' points) at most every flush interval (250 ms by
default). The first request of a user a process has not seen reads that user's row.

Tolerance: a process does not see what other processes counted since its last flush, nor
what they have not written yet, so a user spread over several processes can overspend the
limit by what their requests cost at the other processes within about two flush
intervals (half a second by default), and never by more than the limit per process.
Within one process the limit is exact. A refused request spends nothing. A fixed
one-minute window: the first points of a new minute start the count anew.

On SQLite a long write of another connection (an import, a bulk relink) holds the one
write lock for seconds: the flush then keeps its points and tries again at the next
interval, while every process goes on counting (and reading the committed counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import functools
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import ReturningInsert

from relgraph.db.batches import in_values
from relgraph.db.engine import SQLITE_BUSY_TIMEOUT_MS, statement_counter
from relgraph.db.models import RateLimitWindow
from relgraph.db.sqlite_library import sqlite as sqlite_library

__all__ = ["FLUSH_INTERVAL_SECONDS", "WINDOW_SECONDS", "Charge", "RateLimiter"]

logger = logging.getLogger("relgraph.rate_limits")

WINDOW_SECONDS = 60
FLUSH_INTERVAL_SECONDS = 0.25
# How long a flush on SQLite waits for another connection's write lock before it keeps
# its points for the next interval: a flush holds the lock for a millisecond, a bulk write
# for seconds.
SQLITE_LOCK_WAIT_MS = 100


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


@dataclass
class _Budget:
    """One user's count in the window, as this process knows it."""

    window: int
    # The database's count for the window when last read or written (every process's).
    shared: int = 0
    # Points counted here and not written yet.
    pending: int = 0
    # Points of a flush under way, and the window they belong to.
    writing: int = 0
    writing_window: int = 0

    @property
    def used(self) -> int:
        return self.shared + self.writing + self.pending

    def start_window(self, window: int) -> None:
        # The last window's points lapse with it, written or not.
        self.window, self.shared, self.pending = window, 0, 0

    def learn(self, window: int, points: int) -> None:
        """Take the database's count: a row of an older window counts nothing now."""
        if window > self.window:  # another machine's clock runs ahead: follow it
            self.start_window(window)
        self.shared = points if window == self.window else 0


def _busy(error: OperationalError) -> bool:
    return getattr(error.orig, "sqlite_errorcode", None) == sqlite_library.SQLITE_BUSY


def _window_of(now: float) -> int:
    return int(now) // WINDOW_SECONDS * WINDOW_SECONDS


@functools.cache
def _add(dialect: str) -> ReturningInsert[Any]:
    """Add each row's points to its user's count (a newer window starts the count anew).

    Built once per dialect and run with the rows as parameters (executemany): an INSERT ...
    ON CONFLICT refers to its `excluded` alias and back, a reference cycle that a statement
    built per flush would leave for the garbage collector every 250 ms.
    """
    table = RateLimitWindow.__table__
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
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
    ).returning(table.c.user_id, table.c.window_start, table.c.points)


def _counts(user_ids: list[int]) -> Select[int, int, int]:
    return select(RateLimitWindow.user_id, RateLimitWindow.window_start, RateLimitWindow.points).where(
        in_values(RateLimitWindow.user_id, user_ids)
    )


class RateLimiter:
    """One process's (one application's) counting of the shared per-user limit."""

    def __init__(self, engine: AsyncEngine, *, limit: int, interval: float = FLUSH_INTERVAL_SECONDS) -> None:
        self.engine = engine
        self.limit = limit
        self.interval = interval
        self._budgets: dict[int, _Budget] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._charged_since_flush = False
        self._flush_lock = asyncio.Lock()
        self._failing = False
        # Set on shutdown: the flusher ends after its current flush (a flush cancelled in the
        # middle of a statement would leave its connection unusable).
        self._closing = asyncio.Event()

    def knows(self, user_id: int, *, now: float | None = None) -> bool:
        """Whether a charge of this user can be decided without reading the database."""
        budget = self._budgets.get(user_id)
        return budget is not None and budget.window >= _window_of(time.time() if now is None else now)

    async def charge(self, user_id: int, points: int, *, now: float | None = None) -> Charge:
        """Spend `points` of the user's budget for the current minute, if that many are left."""
        now = time.time() if now is None else now
        window = _window_of(now)
        budget = self._budgets.get(user_id)
        if budget is None:
            budget = await self._first_sight(user_id, window)
        if window > budget.window:
            budget.start_window(window)
        # A charge stamped with an older minute (a lagging `now`) counts in the current one.
        window = budget.window
        reset_at = dt.datetime.fromtimestamp(window + WINDOW_SECONDS, dt.UTC)
        retry_after = max(1, window + WINDOW_SECONDS - int(now))
        used = budget.used
        if used + points > self.limit:
            return Charge(False, self.limit, max(0, self.limit - used), reset_at, retry_after)
        budget.pending += points
        self._charged_since_flush = True
        self._start_flusher()
        return Charge(True, self.limit, self.limit - used - points, reset_at, retry_after)

    async def peek(self, user_id: int, *, now: float | None = None) -> Charge:
        """The user's budget as a charge of nothing would leave it (a dry run, a refused document)."""
        now = time.time() if now is None else now
        window = _window_of(now)
        budget = self._budgets.get(user_id)
        if budget is None:
            budget = await self._first_sight(user_id, window)
        if window > budget.window:
            budget.start_window(window)
        window = budget.window
        reset_at = dt.datetime.fromtimestamp(window + WINDOW_SECONDS, dt.UTC)
        retry_after = max(1, window + WINDOW_SECONDS - int(now))
        return Charge(True, self.limit, max(0, self.limit - budget.used), reset_at, retry_after)

    async def _first_sight(self, user_id: int, window: int) -> _Budget:
        # Constant per request and no part of what a query asks for: left out of the
        # statement counts with which the tests watch the loaders.
        hidden = statement_counter.set(None)
        try:
            async with self.engine.connect() as connection:
                row = (await connection.execute(_counts([user_id]))).first()
        finally:
            statement_counter.reset(hidden)
        # A concurrent request of the same user may have been first.
        budget = self._budgets.setdefault(user_id, _Budget(window))
        if row is not None:
            budget.learn(row.window_start, row.points)
        return budget

    def _start_flusher(self) -> None:
        if self._flusher is None or self._flusher.done():
            # A context of its own: the request's (its statement counter) is none of its business.
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush_while_busy(), context=contextvars.Context()
            )

    async def _flush_while_busy(self) -> None:
        """Flush every interval until an interval passes without a charge, all points written
        (or the database refusing them: the next charge starts the flushing again)."""
        while not self._closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.interval)
            charged, self._charged_since_flush = self._charged_since_flush, False
            await self.flush()
            if not charged and (self._failing or not any(b.pending for b in self._budgets.values())):
                return

    async def flush(self, *, now: float | None = None) -> None:
        """Write the points counted here and read back every active user's shared count."""
        async with self._flush_lock:
            window = _window_of(time.time() if now is None else now)
            for user_id in [u for u, b in self._budgets.items() if b.window < window]:
                # Not charged this minute: its points lapsed, and a next charge reads anew.
                del self._budgets[user_id]
            try:
                async with self.engine.connect() as connection:
                    try:
                        await self._write(connection)
                    except OperationalError as error:
                        if not _busy(error):
                            raise
                        # SQLite's write lock is held (a long import): the points stay
                        # counted here and go with a later flush; the counts can be read.
                    await self._read(connection)
                self._failing = False
            except Exception:
                # Protection, not data: the points stay counted here and go with the next
                # flush. Logged once per run of failures, not every interval.
                if not self._failing:
                    logger.warning("rate limit: counts not written to the database", exc_info=True)
                self._failing = True

    async def _write(self, connection: AsyncConnection) -> None:
        batch = sorted((user_id, b) for user_id, b in self._budgets.items() if b.pending)
        if not batch:
            return
        for _, budget in batch:
            budget.writing, budget.writing_window, budget.pending = budget.pending, budget.window, 0
        rows = [{"user_id": u, "window_start": b.writing_window, "points": b.writing} for u, b in batch]
        sqlite_lock = self.engine.dialect.name == "sqlite"
        try:
            if sqlite_lock:
                # One statement, its own transaction; a held write lock fails it soon.
                await connection.execution_options(sqlite_begin=None)
                await connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_MS}")
            written = (await connection.execute(_add(self.engine.dialect.name), rows)).all()
            if not sqlite_lock:
                await connection.commit()
        except BaseException:
            for _, budget in batch:  # counted again, unless their window has passed
                if budget.window == budget.writing_window:
                    budget.pending += budget.writing
                budget.writing = 0
            raise
        finally:
            if sqlite_lock:
                await connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        self._learn({row.user_id: (row.window_start, row.points) for row in written}, clear_writing=True)

    async def _read(self, connection: AsyncConnection) -> None:
        user_ids = sorted(self._budgets)
        if not user_ids:
            return
        rows = (await connection.execute(_counts(user_ids))).all()
        counts = {row.user_id: (row.window_start, row.points) for row in rows}
        self._learn({user_id: counts.get(user_id, (0, 0)) for user_id in user_ids}, clear_writing=False)

    def _learn(self, counts: Mapping[int, tuple[int, int]], *, clear_writing: bool) -> None:
        for user_id, (window, points) in counts.items():
            budget = self._budgets.get(user_id)
            if budget is None:
                continue
            if clear_writing:
                budget.writing = 0
            budget.learn(window, points)

    async def aclose(self) -> None:
        """Stop the background flushing and write what is still counted (on shutdown)."""
        self._closing.set()
        if self._flusher is not None:
            await self._flusher
            self._flusher = None
        await self.flush()
