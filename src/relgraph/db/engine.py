"""The async engine, its per-backend set-up, and statement counting."""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from relgraph.config import get_settings
from relgraph.db.sqlite_driver import one_trip_dbapi

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "StatementCounter",
    "create_engine",
    "make_sessionmaker",
    "reads_without_transaction",
    "statement_counter",
]

# How long a SQLite statement waits for another connection's write lock before it fails.
SQLITE_BUSY_TIMEOUT_MS = 10_000

# How much of a database file SQLite's connections map into memory (address space, not
# memory: the pages are the operating system's cache).
SQLITE_MMAP_BYTES = 1 << 34

# The counter of the request (or test) in progress; None when nobody is counting.
statement_counter: contextvars.ContextVar[StatementCounter | None] = contextvars.ContextVar(
    "relgraph_statement_counter", default=None
)


class StatementCounter:
    """Counts the SQL statements sent while it is the current counter."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __enter__(self) -> StatementCounter:
        self._token = statement_counter.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        statement_counter.reset(self._token)


_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

# aiosqlite logs every call with its arguments (statements and their parameters) at DEBUG;
# debug logging of the service must not write BSNs into the log.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


def _on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    counter = statement_counter.get()
    # Transaction control is constant per request; only queries tell the loaders' story.
    if counter is not None and not statement.startswith(_CONTROL):
        counter.count += 1
        counter.statements.append(statement)


# SQL functions of every SQLite connection, by name: (number of arguments, a deterministic
# Python function). Layers above register theirs at import (graphql/compiled/dialects.py).
SQLITE_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {}


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module; the "begin" hook below emits
    # BEGIN itself, so SAVEPOINTs and isolation behave as on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Erased personal data (deletePerson) must not linger in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    # Reads see the file through the operating system's page cache, shared by every
    # connection, instead of copying each page into a 2 MB cache of the connection's own:
    # the big organisation card touches some 2,500 pages scattered over the tables (a
    # membership's and its person's rows), a sixth of its statement's time went to those copies.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()
    for name, (arity, function) in SQLITE_FUNCTIONS.items():
        dbapi_connection.create_function(name, arity, function, deterministic=True)


def _sqlite_on_begin(conn: Any) -> None:
    # Writers ask for IMMEDIATE so they queue on the write lock instead of failing with
    # SQLITE_BUSY when a read transaction later tries to upgrade. None: no BEGIN, every
    # statement is a transaction of its own (one round trip less for a one-statement write).
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    if mode is not None:
        conn.exec_driver_sql(f"BEGIN {mode}")


def _unique_statement_name() -> str:
    return f"__relgraph_{uuid.uuid4().hex}__"


def _postgres_statement_cache(size: int) -> dict[str, Any]:
    """asyncpg's connect arguments for `size` cached prepared statements per connection.

    0 is for a pooler in transaction mode (PgBouncer): each transaction may run on another
    server connection, where a cached statement does not exist and asyncpg's numbered names
    (__asyncpg_stmt_1__) may already be taken; so nothing is cached and every name is new
    (SQLAlchemy's recipe for PgBouncer).
    """
    if size > 0:
        return {"statement_cache_size": size, "prepared_statement_cache_size": size}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unique_statement_name,
    }


def _postgres_without_jit(dbapi_connection: Any, connection_record: Any) -> None:
    # No JIT compilation on relgraph's own connections: an API's statements run in
    # milliseconds, and a walk whose estimate crosses jit_above_cost (a neighbourhood through
    # memberships on the large bench data: 235 ms of work) spent 2.8 s compiling itself to
    # machine code. Not behind a pooler in transaction mode (the statement cache off), where a
    # SET would stay on a server connection other clients share: there the database's own
    # setting holds (README).
    dbapi_connection.run_async(lambda conn: conn.execute("SET jit = off"))


def create_engine(url: str, *, statement_cache: int | None = None, **kwargs: Any) -> AsyncEngine:
    """Create the engine for `url` with relgraph's connection set-up.

    `statement_cache`: prepared statements per PostgreSQL connection; by default the
    RELGRAPH_PG_STATEMENT_CACHE setting.
    """
    parsed = make_url(url)
    # Statement parameters hold BSNs and token hashes: keep them out of SQL logs (echo) and
    # out of the text of database errors, which are logged with their traceback.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        if parsed.get_driver_name() == "aiosqlite" and "module" not in kwargs:
            kwargs["module"] = one_trip_dbapi()
    else:
        settings = get_settings()
        kwargs.setdefault("pool_size", settings.pg_pool_size)
        kwargs.setdefault("max_overflow", settings.pg_max_overflow)
        # No ping before each checkout (three round trips with asyncpg: BEGIN, ";", ROLLBACK):
        # a connection found dead when used is invalidated, with every pooled connection
        # older than it, and the read runs again on a fresh one (graphql/core/context.py).
        # Last in, first out: a write after the request's authentication gets the connection
        # that authentication just used, so a write does not meet a connection dead since.
        kwargs.setdefault("pool_pre_ping", False)
        kwargs.setdefault("pool_use_lifo", True)
        if parsed.get_driver_name() == "asyncpg":
            size = settings.pg_statement_cache if statement_cache is None else statement_cache
            kwargs["connect_args"] = _postgres_statement_cache(size) | kwargs.get("connect_args", {})
            options = {_READS_WITHOUT_TRANSACTION: size > 0} | kwargs.get("execution_options", {})
            kwargs["execution_options"] = options
    engine = create_async_engine(url, **kwargs)
    sync_engine = engine.sync_engine
    if engine.get_execution_options().get(_READS_WITHOUT_TRANSACTION):
        event.listen(sync_engine, "connect", _postgres_without_jit)
    if parsed.get_backend_name() == "sqlite":
        event.listen(sync_engine, "connect", _sqlite_on_connect)
        event.listen(sync_engine, "begin", _sqlite_on_begin)
    event.listen(sync_engine, "before_cursor_execute", _on_execute)
    return engine


# An engine's execution option: whether reads may run outside a transaction (see below).
_READS_WITHOUT_TRANSACTION = "relgraph_reads_without_transaction"


def reads_without_transaction(engine: AsyncEngine) -> bool:
    """Whether reads on `engine` may run without BEGIN and ROLLBACK (autocommit).

    On PostgreSQL at READ COMMITTED every statement takes a snapshot of its own, inside a
    transaction or not: a transaction around reads adds two round trips and nothing else.
    Not behind a pooler in transaction mode (the statement cache off, see above): there a
    statement's preparation and its execution must be one transaction, or they may reach two
    server connections. Not on SQLite, where a read transaction is one snapshot (and costs no
    round trip). Unknown until the engine's first connection (the server's isolation level).
    """
    return bool(
        engine.get_execution_options().get(_READS_WITHOUT_TRANSACTION)
        and getattr(engine.dialect, "default_isolation_level", None) == "READ COMMITTED"
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
