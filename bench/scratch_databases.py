"""Throw-away databases for the benchmarks that build their own data (bulk relink, import).

`sqlite_databases` makes files in a folder; `on_postgres` makes databases on a server and
drops them afterwards. Either hands the benchmark a `make(label, copy_of=None)` that
returns the URL of a new database, a copy of `copy_of` when given.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["PG_DEFAULT", "MakeDatabase", "on_postgres", "sqlite_databases"]

PG_DEFAULT = os.environ.get("RELGRAPH_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

MakeDatabase = Callable[..., Awaitable[str]]


def sqlite_databases(folder: Path) -> MakeDatabase:
    async def make(label: str, copy_of: str | None = None) -> str:
        path = folder / f"{label.replace(' ', '_')}.db"
        if copy_of is not None:
            shutil.copyfile(make_url(copy_of).database or "", path)
        return f"sqlite+aiosqlite:///{path}"

    return make


async def _pg(url: str, sql: str) -> None:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.host,
        port=parsed.port or 5432,
        database=parsed.database,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def on_postgres(url: str, prefix: str, work: Callable[[MakeDatabase], Awaitable[None]]) -> None:
    """Run `work` with databases on the server of `url` (named `prefix`_...); drop them after.

    Without a reachable server it says so and returns: the SQLite figures still count.
    """
    try:
        await _pg(url, "SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means: no PostgreSQL here
        print(f"PostgreSQL: skipped ({type(error).__name__}: {error})")
        return
    created: list[str] = []

    async def make(label: str, copy_of: str | None = None) -> str:
        name = f"{prefix}_{os.getpid()}_{label.replace(' ', '_').lower()}"
        template = f" TEMPLATE {make_url(copy_of).database}" if copy_of else ""
        await _pg(url, f"DROP DATABASE IF EXISTS {name}")
        await _pg(url, f"CREATE DATABASE {name}{template}")
        created.append(name)
        return make_url(url).set(database=name).render_as_string(hide_password=False)

    try:
        await work(make)
    finally:
        for name in reversed(created):
            await _pg(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
