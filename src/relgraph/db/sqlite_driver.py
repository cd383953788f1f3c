"""SQLite through aiosqlite in one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips to aiosqlite's worker thread for every
statement (open a cursor, execute, fetch all rows, close the cursor), each a hand-off to
that thread and back to the event loop: about 0.1 ms each on this project's machine,
where SQLite itself needs microseconds for most of relgraph's statements. Here one
function runs all four in the thread. Everything else (transactions, errors, the
connection's life) is SQLAlchemy's adapter as it is; `create_engine` passes this module
for sqlite+aiosqlite URLs.

aiosqlite itself opens connections with Python's own sqlite3: here they are opened with
db/sqlite_library.py's SQLite instead, and SQLAlchemy is told its exception classes.
"""

from __future__ import annotations

import collections
import functools
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

from relgraph.db.sqlite_library import sqlite

__all__ = ["one_trip_dbapi"]


class _Outcome:
    """What SQLAlchemy reads of a DBAPI cursor once a statement has run."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def close(self) -> None:
        """The cursor was closed in the thread, right after the statement."""


def _statement_in_thread(
    connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool
) -> tuple[Any, int, int | None, list[Any]]:
    # In aiosqlite's thread: the whole statement, its rows and the cursor's end.
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Outcome()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            aio = self._connection
            description, rowcount, lastrowid, rows = await aio._execute(
                _statement_in_thread, aio, operation, parameters, many
            )
        outcome = cast(_Outcome, self._cursor)  # made by _make_new_cursor
        outcome.description, outcome.rowcount, outcome.lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._run(operation, seq_of_parameters, many=True)


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneTripCursor


class _LibraryDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite adapter over sqlite_library's SQLite: its connections, and its
    exception classes (aiosqlite names Python's own, which would not match them)."""

    _connection_class: type[AsyncAdapt_aiosqlite_connection] = AsyncAdapt_aiosqlite_connection

    def _init_dbapi_attributes(self) -> None:
        super()._init_dbapi_attributes()
        for name in (
            "DatabaseError",
            "Error",
            "IntegrityError",
            "NotSupportedError",
            "OperationalError",
            "ProgrammingError",
            "sqlite_version",
            "sqlite_version_info",
        ):
            setattr(self, name, getattr(self.sqlite, name))

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        database = str(arg[0] if arg else kw.pop("database"))
        connection = self.aiosqlite.Connection(
            functools.partial(self.sqlite.connect, database, *arg[1:], **kw), iter_chunk_size=64
        )
        # As SQLAlchemy's own adapter does: the worker thread must not keep the process alive.
        connection._thread.daemon = True
        return self._connection_class(self, await_(connection))


class _OneTripDBAPI(_LibraryDBAPI):
    _connection_class = _OneTripConnection


def _supported() -> bool:
    """Whether the installed aiosqlite and SQLAlchemy have the parts this relies on (their
    private parts: checked, not assumed, so that an upgrade falls back to the stock adapter)."""
    cursor = AsyncAdapt_aiosqlite_cursor
    return (
        hasattr(aiosqlite.Connection, "_execute")
        and hasattr(aiosqlite.Connection, "_conn")
        and all(
            hasattr(cursor, name)
            for name in ("_make_new_cursor", "_aenter_cursor", "_awaitable_cursor_close")
        )
    )


def one_trip_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module for create_async_engine(..., module=...) with sqlite+aiosqlite: one
    trip per statement where the installed libraries are what this was written against,
    else SQLAlchemy's adapter as it is; sqlite_library's SQLite either way."""
    return (_OneTripDBAPI if _supported() else _LibraryDBAPI)(aiosqlite, sqlite)
