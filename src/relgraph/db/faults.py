"""Telling a dead database connection from other database errors, and reading once more."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

__all__ = ["connection_lost", "read_once_more_if_lost"]

T = TypeVar("T")

logger = logging.getLogger("relgraph.db")


def connection_lost(error: BaseException) -> bool:
    """Whether `error` says the connection to the database died (terminated, reset, closed).

    SQLAlchemy asks the driver (asyncpg: is the connection closed?) and marks such an
    error `connection_invalidated`; the pool then drops that connection, so a new session
    gets a working one.
    """
    return isinstance(error, DBAPIError) and error.connection_invalidated


async def read_once_more_if_lost(read: Callable[[], Awaitable[T]], what: str) -> T:
    """`read()` (on a session of its own), and once more when its connection died: the pool
    hands out connections unchecked, and one may have died idle (a restart of the database).
    A second loss is raised (reads change nothing, so running one again is safe)."""
    try:
        return await read()
    except DBAPIError as error:
        if not connection_lost(error):
            raise
        logger.warning("%s: database connection lost; reading again", what)
    return await read()
