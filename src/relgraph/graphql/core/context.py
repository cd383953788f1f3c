"""What every resolver gets: the viewer, the request's database session and its loaders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relgraph.errors import DomainError
from relgraph.graphql.core.errors import PublicError
from relgraph.graphql.core.loaders import Loaders
from relgraph.policy import Viewer
from relgraph.storage import DocumentStore

__all__ = ["Context", "Info"]

T = TypeVar("T")


@dataclass
class Context:
    """Per-request state. One session, used by one coroutine at a time (the lock).

    `viewer` is None only while the request authenticates (on this same session).
    """

    viewer: Viewer  # None only until authenticated (web.py)
    sessionmaker: async_sessionmaker[AsyncSession]
    request_id: str
    store: DocumentStore
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

    async def read(self, fn: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """Run a domain query on the request's session.

        DataLoaders of different fields dispatch concurrently; an AsyncSession allows one
        statement at a time, so they take turns.
        """
        async with self._lock:
            if self._closed:
                raise RuntimeError("the request has finished; this result has no reader")
            try:
                return await fn(self._get_session(), *args, **kwargs)
            except DomainError as error:  # a bad cursor or filter value in a query
                raise PublicError(error.errors[0].message, "BAD_USER_INPUT") from None

    async def release_connection(self) -> None:
        """End the read transaction (authentication's) so the connection goes back to the pool.

        For work that takes a connection of its own meanwhile (the rate-limit charge):
        holding one while waiting for another would let concurrent requests exhaust the pool.
        """
        async with self._lock:
            if self._session is not None:
                await self._session.rollback()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block succeeds, rolls back when it raises."""
        async with self._lock:
            session = self._get_session()
            # End the read transaction so the write starts on fresh data, as an
            # IMMEDIATE transaction on SQLite (it queues for the write lock up front).
            await session.rollback()
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            try:
                yield session
                await session.commit()
            except BaseException:
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
                await self._session.close()
                self._session = None


Info = strawberry.Info[Context, None]
