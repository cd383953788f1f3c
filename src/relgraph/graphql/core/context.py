"""What every resolver gets: the viewer, the request's database session and its loaders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relgraph.db.engine import reads_without_transaction
from relgraph.db.faults import connection_lost
from relgraph.errors import DomainError
from relgraph.graphql.core.errors import (
    COMMIT_OUTCOME_UNKNOWN,
    RETRY_AFTER_SECONDS,
    SERVICE_UNAVAILABLE,
    PublicError,
)
from relgraph.graphql.core.loaders import Loaders
from relgraph.policy import Viewer
from relgraph.rate_limits import Charge, RateLimiter
from relgraph.storage import DocumentStore

__all__ = ["Context", "Info"]

T = TypeVar("T")

logger = logging.getLogger("relgraph.db")

_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def _unavailable(request_id: str) -> PublicError:
    return PublicError(
        f"The database connection was lost (request id {request_id}); nothing was changed. "
        f"Send the request again in {RETRY_AFTER_SECONDS} s.",
        SERVICE_UNAVAILABLE,
    )


@dataclass
class Context:
    """Per-request state. One session, used by one coroutine at a time (the lock).

    `viewer` is None only while the request authenticates (on this same session).
    """

    viewer: Viewer  # None only until authenticated (web.py)
    sessionmaker: async_sessionmaker[AsyncSession]
    request_id: str
    store: DocumentStore
    # This process's count of the rate limit; None when the limit is off.
    rate_limiter: RateLimiter | None = None
    # What the operation costs and the user's budget once charged (or, for a dry run or a
    # refused document, as it stands): set by QueryCostLimiter, read by `rateLimit` and the
    # X-RateLimit-* headers.
    query_cost: int | None = None
    rate_limit: Charge | None = None
    _session: AsyncSession | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _loaders: Loaders | None = None
    _closed: bool = False

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self)
        return self._loaders

    def _get_session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.sessionmaker()
        return self._session

    async def _read_session(self) -> AsyncSession:
        """The session for a read: outside a transaction where that changes nothing a read
        sees (db/engine.reads_without_transaction), saving BEGIN and ROLLBACK."""
        session = self._get_session()
        if not session.in_transaction() and reads_without_transaction(self.sessionmaker.kw["bind"]):
            await session.connection(execution_options=_AUTOCOMMIT)
        return session

    async def read(self, fn: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """Run a domain query on the request's session.

        DataLoaders of different fields dispatch concurrently; an AsyncSession allows one
        statement at a time, so they take turns. A read whose connection died is run once
        more on a fresh session (reads change nothing); a second loss is SERVICE_UNAVAILABLE.
        """
        async with self._lock:
            if self._closed:
                raise RuntimeError("the request has finished; this result has no reader")
            try:
                try:
                    return await fn(await self._read_session(), *args, **kwargs)
                except DBAPIError as error:
                    if not connection_lost(error):
                        raise
                    logger.warning(
                        "request %s: database connection lost in a read; reading again", self.request_id
                    )
                    await self._discard_session()
                try:
                    return await fn(await self._read_session(), *args, **kwargs)
                except DBAPIError as error:
                    if not connection_lost(error):
                        raise
                    logger.warning("request %s: database connection lost twice in a read", self.request_id)
                    await self._discard_session()
                    raise _unavailable(self.request_id) from None
            except DomainError as error:  # a bad cursor or filter value in a query
                raise PublicError(error.errors[0].message, "BAD_USER_INPUT") from None

    async def _discard_session(self) -> None:
        """Drop a session whose connection died; the next statement gets a fresh connection."""
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.invalidate()
            except Exception:  # the connection is gone either way; the pool forgets it
                logger.debug("request %s: discarding a dead session failed", self.request_id, exc_info=True)

    async def release_connection(self) -> None:
        """End the read transaction (authentication's) so the connection goes back to the pool.

        For work that takes a connection of its own meanwhile (the rate-limit charge):
        holding one while waiting for another would let concurrent requests exhaust the pool.
        """
        async with self._lock:
            if self._session is not None:
                await self._rollback_or_discard()

    async def _rollback_or_discard(self) -> None:
        """End the session's transaction, before anything of this request is written; a
        connection that died meanwhile is replaced, the request loses nothing by it."""
        assert self._session is not None
        try:
            await self._session.rollback()
        except DBAPIError as error:
            if not connection_lost(error):
                raise
            await self._discard_session()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block succeeds, rolls back when it raises.

        A connection that dies before the commit is sent rolls the transaction back in the
        database: SERVICE_UNAVAILABLE, the client may send the request again. One that dies
        during the commit leaves its outcome unknown: COMMIT_OUTCOME_UNKNOWN, the client
        reads before it retries.
        """
        async with self._lock:
            if self._session is not None:
                # End the read transaction so the write starts on fresh data.
                await self._rollback_or_discard()
            session = self._get_session()
            committing = False
            try:
                # An IMMEDIATE transaction on SQLite: it queues for the write lock up front.
                await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                yield session
                await session.flush()
                committing = True
                await session.commit()
            except BaseException as error:
                if isinstance(error, DBAPIError) and connection_lost(error):
                    await self._discard_session()
                    if committing:
                        logger.error("request %s: database connection lost during a commit", self.request_id)
                        raise PublicError(
                            f"The database connection was lost while the change was being committed "
                            f"(request id {self.request_id}): it may or may not have been saved. Read the "
                            "data again before you send the change again.",
                            COMMIT_OUTCOME_UNKNOWN,
                        ) from None
                    logger.warning("request %s: database connection lost before a commit", self.request_id)
                    raise _unavailable(self.request_id) from None
                await session.rollback()
                raise
            finally:
                # Later fields must not read what loaders cached before the change.
                self._loaders = None

    async def close(self) -> None:
        """End the request's session once no query is running on it.

        Execution can finish while a sibling field's loader is still querying (a non-null
        field failed next to it); the lock waits for that query, and later ones refuse.
        """
        async with self._lock:
            self._closed = True
            # The loaders refer back to this context: emptying and dropping them breaks the
            # cycle, so a request's rows are freed when it ends, not at the next collection.
            if self._loaders is not None:
                self._loaders.forget()
                self._loaders = None
            if self._session is not None:
                session, self._session = self._session, None
                try:
                    await session.close()
                except DBAPIError as error:
                    # The answer is made; a connection that died after it changes nothing in it.
                    if not connection_lost(error):
                        raise


Info = strawberry.Info[Context, None]
