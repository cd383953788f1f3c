"""Shared by the large-dataset benchmarks: the two databases, a token, a server, timing.

The datasets live outside the repository and are built once (`relgraph demo seed --scale
large`, seed 42): /work/bench-data/large.db and the PostgreSQL database relgraph_bench.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("RELGRAPH_BENCH_DATA", "/work/bench-data"))
PG_ADMIN = os.environ.get("RELGRAPH_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
# A branch with a migration of its own benches on databases of its own (RELGRAPH_BENCH_DATA
# and this): `db upgrade` on the shared ones would leave them at a revision main lacks.
PG_DATABASE = os.environ.get("RELGRAPH_BENCH_PG_DATABASE", "relgraph_bench")
BACKENDS = {
    "sqlite": f"sqlite+aiosqlite:///{DATA / 'large.db'}",
    "postgresql": f"{PG_ADMIN}/{PG_DATABASE}",
}
RELGRAPH = str(ROOT / ".venv" / "bin" / "relgraph")
BENCH_EMAIL = "bench@bench.test"


def backends(argv: list[str]) -> list[str]:
    chosen = [a for a in argv if a in BACKENDS]
    return chosen or list(BACKENDS)


def _pg_database_exists() -> bool:
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname='{PG_DATABASE}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() == "1"


def ensure_dataset(backend: str) -> None:
    """Build the large dataset of `backend` unless it is there; always apply migrations."""
    url = BACKENDS[backend]
    env = {**os.environ, "RELGRAPH_DATABASE_URL": url}
    if backend == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        fresh = not (DATA / "large.db").exists()
    else:
        fresh = not _pg_database_exists()
        if fresh:
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-qc",
                    f"CREATE DATABASE {PG_DATABASE}",
                ],
                check=True,
            )
    subprocess.run([RELGRAPH, "db", "upgrade"], env=env, check=True, capture_output=True)
    if fresh:
        print(f"building the large dataset on {backend} (once)...", file=sys.stderr)
        out = subprocess.run(
            [RELGRAPH, "demo", "seed", "--scale", "large", "--seed", "42"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        # Kept for BENCHMARKS.md: the load rate is a figure of issue 10 too.
        (DATA / f"load-{backend}.txt").write_text(out.stderr.strip().splitlines()[-1] + "\n")


async def bench_token(url: str) -> str:
    """A fresh token of the ADMIN bench user (created on first use)."""
    from relgraph.db.engine import create_engine, make_sessionmaker
    from relgraph.db.models import User
    from relgraph.domain import users

    engine = create_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            if await session.scalar(select(User.id).where(User.email == BENCH_EMAIL)) is None:
                await users.create(
                    session,
                    email=BENCH_EMAIL,
                    name="Bench",
                    role="ADMIN",
                    permissions=("FINANCE", "SENSITIVE"),
                )
            token = await users.create_token(session, email=BENCH_EMAIL)
            await session.commit()
            return token
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`relgraph serve` on `url` in a process of its own; yields its GraphQL address."""
    port = free_port()
    # A benchmark hammers one token: the per-minute rate limit on cost points would answer 429.
    env = {**os.environ, "RELGRAPH_DATABASE_URL": url, "RELGRAPH_RATE_LIMIT_PER_MINUTE": "0"}
    proc = subprocess.Popen(
        [RELGRAPH, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        address = f"http://127.0.0.1:{port}/graphql"
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield address, proc
    finally:
        proc.terminate()
        proc.wait(10)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def timed(fn: Callable[[], Awaitable[Any]], *, repeat: int, warmup: int = 3) -> list[float]:
    """Milliseconds of `repeat` sequential calls of `fn`, after `warmup` untimed ones."""
    for _ in range(warmup):
        await fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(times: list[float]) -> str:
    return f"p50 {statistics.median(times):7.2f} ms  p95 {p(times, 0.95):7.2f} ms"


class Client:
    """A keep-alive GraphQL client with a bearer token."""

    def __init__(self, address: str, token: str) -> None:
        self.address = address
        self.http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post(self.address, json={"query": query, "variables": variables or {}})
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"GraphQL failed: {response.status_code} {body.get('errors')}")
        return body["data"]  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self.http.aclose()


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(main())


async def count_statements(url: str, token: str, query: str, variables: dict[str, Any] | None = None) -> int:
    """SQL statements one request sends, counted in-process (the same app, ASGI transport)."""
    from relgraph.config import Settings
    from relgraph.db.engine import StatementCounter, create_engine
    from relgraph.web import create_app

    engine = create_engine(url)
    try:
        app = create_app(Settings(database_url=url), engine=engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench.test",
            headers={"Authorization": f"Bearer {token}"},
        ) as http:
            await http.post(
                "/graphql", json={"query": query, "variables": variables or {}}
            )  # warm the caches
            with StatementCounter() as counter:
                response = await http.post("/graphql", json={"query": query, "variables": variables or {}})
            if response.status_code != 200 or response.json().get("errors"):
                raise RuntimeError(f"GraphQL failed: {response.text[:500]}")
            return counter.count
    finally:
        await engine.dispose()


async def org_id(url: str, code: str) -> int:
    from relgraph.db.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select_id_by_code(code)))  # type: ignore[arg-type]
    finally:
        await engine.dispose()


def select_id_by_code(code: str) -> Any:
    from relgraph.db.models import Organisation

    return select(Organisation.id).where(Organisation.code == code)
