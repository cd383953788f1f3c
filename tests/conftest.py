"""Factory fixtures: an isolated, migrated database per test, an app, users with tokens.

RELGRAPH_TEST_DATABASE_URL picks the backend (SQLite in a temporary folder when unset).
The schema is migrated once per run into a template; each test gets its own copy (a
copied file on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import queue
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import IS_POSTGRES, TEST_URL, Caller, MakeCaller
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from relgraph.config import Settings
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.migrate import upgrade
from relgraph.domain import users
from relgraph.graphql.compiled.execution import compile_failures, refused_statements
from relgraph.web import create_app

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _no_compiler_defect(request: pytest.FixtureRequest) -> Iterator[None]:
    """A compiler that fails, or writes SQL the database refuses, hands the query to the
    resolvers, whose answer is right: only this check shows the defect. A test that makes a
    compiled statement fail on purpose says so (`compiled_statement_refused`)."""
    before, refused = compile_failures[0], refused_statements[0]
    yield
    assert compile_failures[0] == before, "compiling a read failed (see the log): a defect of the compiler"
    if request.node.get_closest_marker("compiled_statement_refused") is None:
        assert refused_statements[0] == refused, "the database refused a compiled statement (see the log)"


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"relgraph test database: {'PostgreSQL ' + TEST_URL if IS_POSTGRES else 'SQLite (temporary files)'}"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set RELGRAPH_TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def _pg_admin(sql: str) -> None:
    """Run one statement outside a transaction on the server's maintenance connection."""
    import asyncpg

    url = make_url(TEST_URL)

    async def run() -> None:
        conn = await asyncpg.connect(
            user=url.username,
            password=url.password,
            host=url.host,
            port=url.port or 5432,
            database=url.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@dataclass
class DatabaseTemplate:
    make: Callable[[], str]
    drop: Callable[[str], None]


class _PostgresCopies:
    """Copies of the template database, made ahead by a background thread.

    CREATE DATABASE ... STRATEGY FILE_COPY forces two checkpoints (~0.2 s); made while
    the previous test runs, a test finds its copy waiting. Drops go the same way.
    """

    def __init__(self, url: Any, template: str, ahead: int = 2) -> None:
        self._url = url
        self._template = template
        self._ready: queue.Queue[str] = queue.Queue(maxsize=ahead)
        self._drops: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._work()), daemon=True)
        self._thread.start()

    async def _work(self) -> None:
        import asyncpg

        url = self._url
        conn = await asyncpg.connect(
            user=url.username,
            password=url.password,
            host=url.host,
            port=url.port or 5432,
            database=url.database,
        )
        try:
            while not self._stop.is_set():
                if not self._drops.empty():
                    await conn.execute(f"DROP DATABASE IF EXISTS {self._drops.get()} WITH (FORCE)")
                elif not self._ready.full():
                    name = f"relgraph_t_{os.getpid()}_{next(_counter)}"
                    await conn.execute(f"CREATE DATABASE {name} TEMPLATE {self._template} STRATEGY FILE_COPY")
                    self._ready.put(name)
                else:
                    await asyncio.sleep(0.005)
            while not self._ready.empty():
                self._drops.put(self._ready.get())
            while not self._drops.empty():
                await conn.execute(f"DROP DATABASE IF EXISTS {self._drops.get()} WITH (FORCE)")
        except BaseException as error:  # surfaced to the waiting test by take()
            self._failure = error
            raise
        finally:
            await conn.close()

    def take(self) -> str:
        while True:
            if self._failure is not None:
                raise RuntimeError("making a test database failed") from self._failure
            try:
                name = self._ready.get(timeout=0.5)
            except queue.Empty:
                continue
            return self._url.set(database=name).render_as_string(hide_password=False)

    def give_back(self, db_url: str) -> None:
        self._drops.put(make_url(db_url).database or "")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplate]:
    """Migrate a template database once; hand out copies of it."""
    if IS_POSTGRES:
        url = make_url(TEST_URL)
        template = f"relgraph_tpl_{os.getpid()}"
        _pg_admin(f"DROP DATABASE IF EXISTS {template}")
        _pg_admin(f"CREATE DATABASE {template}")
        upgrade(url.set(database=template).render_as_string(hide_password=False))
        copies = _PostgresCopies(url, template)
        yield DatabaseTemplate(copies.take, copies.give_back)
        copies.close()
        _pg_admin(f"DROP DATABASE IF EXISTS {template}")
        return

    folder = tmp_path_factory.mktemp("db")
    template_file = folder / "template.db"
    upgrade(f"sqlite+aiosqlite:///{template_file}")

    def make_sqlite() -> str:
        target = folder / f"test_{next(_counter)}.db"
        shutil.copyfile(template_file, target)
        return f"sqlite+aiosqlite:///{target}"

    def drop_sqlite(db_url: str) -> None:
        path = Path(make_url(db_url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    yield DatabaseTemplate(make_sqlite, drop_sqlite)


@pytest.fixture
def database_url(database_template: DatabaseTemplate) -> Iterator[str]:
    """A fresh, migrated database of its own for this test."""
    url = database_template.make()
    yield url
    database_template.drop(url)


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, for tests that migrate step by step."""
    if IS_POSTGRES:
        url = make_url(TEST_URL)
        name = f"relgraph_empty_{os.getpid()}_{next(_counter)}"
        _pg_admin(f"CREATE DATABASE {name}")
        yield url.set(database=name).render_as_string(hide_password=False)
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> Any:
    return make_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: Any) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The rate limit counts as served, but writes its counts only when the app closes: a
    # background write in the middle of a test's own read-then-write session on SQLite would
    # fail that session (tests/api/test_rate_limits.py tests the background flush).
    return Settings(
        database_url=database_url, documents_dir=tmp_path / "documents", rate_limit_flush_ms=3_600_000
    )


@pytest.fixture
async def client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://relgraph.test") as client:
        yield client
    await app.state.runtime.aclose()  # what the lifespan does on shutdown (httpx runs none)


@pytest.fixture
def make_caller(client: httpx.AsyncClient, sessionmaker: Any) -> MakeCaller:
    """Create a staff user of `role` and return a Caller holding a fresh token."""

    async def make(
        role: str = "ADMIN", permissions: tuple[str, ...] = (), email: str | None = None
    ) -> Caller:
        email = email or f"{role.lower()}-{uuid.uuid4().hex[:8]}@test.example"
        async with sessionmaker() as session:
            # A writer: the write lock up front, as the app's writers take it (SQLite).
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            user = await users.create(
                session, email=email, name=f"{role.title()} Tester", role=role, permissions=permissions
            )
            token = await users.create_token(session, email=email)
            await session.commit()
        return Caller(client=client, token=token, user_id=user.id, email=email)

    return make


@pytest.fixture
async def admin(make_caller: MakeCaller) -> Caller:
    return await make_caller("ADMIN", ("FINANCE", "SENSITIVE"))
