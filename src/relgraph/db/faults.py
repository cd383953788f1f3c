"""Telling a dead database connection from other database errors."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

__all__ = ["connection_lost"]


def connection_lost(error: BaseException) -> bool:
    """Whether `error` says the connection to the database died (terminated, reset, closed).

    SQLAlchemy asks the driver (asyncpg: is the connection closed?) and marks such an
    error `connection_invalidated`; the pool then drops that connection, so a new session
    gets a working one.
    """
    return isinstance(error, DBAPIError) and error.connection_invalidated
