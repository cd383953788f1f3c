"""Shared by the large-dataset benchmarks: the two databases, a token, a server, timing.

The datasets live outside the repository and are built once (`relgraph demo seed --scale
large`, seed 42): /work/bench-data/large.db and the PostgreSQL database relgraph_bench;
the demo data of `serve --demo` likewise in demo.db and relgraph_bench_demo.

Benchmarks run as users run: as a BUSINESS user (the R1 conditions on, no FINANCE), against
`relgraph serve` with its default settings, the rate limit on. A load of many requests is
spread over several such users, as many users would send it; a figure taken otherwise
says so in its label.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
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
DEMO_BACKENDS = {
    "sqlite": f"sqlite+aiosqlite:///{DATA / 'demo.db'}",
    "postgresql": f"{PG_ADMIN}/relgraph_bench_demo",
}
RELGRAPH = str(ROOT / ".venv" / "bin" / "relgraph")
BENCH_EMAIL = "bench@bench.test"


def backends(argv: list[str]) -> list[str]:
    chosen = [a for a in argv if a in BACKENDS]
    return chosen or list(BACKENDS)


def _pg_database_exists(name: str = "relgraph_bench") -> bool:
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname='{name}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() == "1"


def ensure_dataset(backend: str, *, demo: bool = False) -> str:
    """Build the large dataset of `backend` (the `serve --demo` data with `demo`) unless it
    is there; always apply migrations. Its database URL."""
    url = (DEMO_BACKENDS if demo else BACKENDS)[backend]
    env = {**os.environ, "RELGRAPH_DATABASE_URL": url}
    # The load rate is kept here for PostgreSQL too: the folder must exist for either.
    DATA.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        fresh = not (DATA / ("demo.db" if demo else "large.db")).exists()
    else:
        database = url.rsplit("/", 1)[1]
        fresh = not _pg_database_exists(database)
        if fresh:
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {database}"],
                check=True,
            )
    subprocess.run([RELGRAPH, "db", "upgrade"], env=env, check=True, capture_output=True)
    if fresh:
        print(f"building the {'demo' if demo else 'large'} dataset on {backend} (once)...", file=sys.stderr)
        scale = [] if demo else ["--scale", "large"]
        started = time.perf_counter()
        out = subprocess.run(
            [RELGRAPH, "demo", "seed", *scale, "--seed", "42"],
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            # A half-built dataset would count as built on the next run: start over then.
            _drop_dataset(backend, url)
            raise SystemExit(f"building the dataset on {backend} failed:\n{out.stderr[-3000:]}")
        print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        if not demo:
            # Kept for BENCHMARKS.md: the load rate is a figure of issue 10 too.
            (DATA / f"load-{backend}.txt").write_text(out.stderr.strip().splitlines()[-1] + "\n")
    return url


def _drop_dataset(backend: str, url: str) -> None:
    if backend == "sqlite":
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        database = url.rsplit("/", 1)[1]
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                f"DROP DATABASE IF EXISTS {database} WITH (FORCE)",
            ],
            check=True,
        )


async def bench_tokens(
    url: str, count: int = 1, *, role: str = "BUSINESS", permissions: tuple[str, ...] = ()
) -> list[str]:
    """Fresh tokens of `count` bench users of `role` (BUSINESS: the R1 conditions on), each
    with a rate-limit budget of their own for this run (the users are new per run)."""
    from relgraph.db.engine import create_engine, make_sessionmaker
    from relgraph.domain import users

    engine = create_engine(url)
    tokens = []
    try:
        async with make_sessionmaker(engine)() as session:
            for n in range(count):
                email = f"bench-{role.lower()}-{os.getpid()}-{time.time_ns()}-{n}@bench.test"
                await users.create(session, email=email, name="Bench", role=role, permissions=permissions)
                tokens.append(await users.create_token(session, email=email))
            await session.commit()
        return tokens
    finally:
        await engine.dispose()


async def bench_token(url: str, *, role: str = "BUSINESS", permissions: tuple[str, ...] = ()) -> str:
    """A fresh token of a new bench user of `role`."""
    return (await bench_tokens(url, 1, role=role, permissions=permissions))[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(
    url: str, settings: dict[str, str] | None = None, *, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`relgraph serve` on `url` in a process of its own, with the default settings (the
    rate limit on) but for `settings` (environment variables); yields its GraphQL address
    once all `workers` are up."""
    port = free_port()
    environment = {**os.environ, "RELGRAPH_DATABASE_URL": url}
    for name in (
        "RELGRAPH_RATE_LIMIT_PER_MINUTE",
        "RELGRAPH_RATE_LIMIT_FLUSH_MS",
        "RELGRAPH_COMPILED_READS",
    ):
        environment.pop(name, None)
    environment.update(settings or {})
    proc = subprocess.Popen(
        [RELGRAPH, "serve", "--port", str(port), "--workers", str(workers)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        address = f"http://127.0.0.1:{port}/graphql"
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                if workers == 1 or len(_tree(proc.pid)) > workers:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        if workers > 1:
            time.sleep(2)  # the last worker to start imports the app after it is forked
        yield address, proc
    finally:
        proc.terminate()
        proc.wait(10)


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (a multi-worker server's supervisor and workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` with all its descendants, in MB."""
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


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
    """A keep-alive GraphQL client with a bearer token, or several taken in turn (people
    behind one client: a sequential client answered in a few milliseconds sends more than
    one user's budget per minute of big cards)."""

    def __init__(self, address: str, token: str | list[str]) -> None:
        self.address = address
        self.tokens = itertools.cycle([token] if isinstance(token, str) else token)
        self.http = httpx.AsyncClient(timeout=60)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, allowed_errors: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """`data`, failing on any error but those of the codes in `allowed_errors` (FORBIDDEN
        fields, say); a 429 fails too: the figure would not be the query's."""
        response = await self.http.post(
            self.address,
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {next(self.tokens)}"},
        )
        body = response.json()
        unexpected = [
            e for e in body.get("errors", ()) if e.get("extensions", {}).get("code") not in allowed_errors
        ]
        if response.status_code != 200 or unexpected:
            raise RuntimeError(f"GraphQL failed: {response.status_code} {unexpected[:3]}")
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
        await app.state.runtime.aclose()  # the rate limit's counts, as on shutdown
        return counter.count
    finally:
        await engine.dispose()


async def executor_of(url: str, token: str, query: str, variables: dict[str, Any] | None = None) -> str:
    """Which executor answered one request, in-process: "compiled", or "resolvers" with the
    reason the compiler declined (relgraph.graphql.compiled logs it on relgraph.compiled)."""
    import logging

    from relgraph.config import Settings
    from relgraph.db.engine import create_engine
    from relgraph.web import create_app

    reasons: dict[str, list[str]] = {"relgraph.compiled": []}

    class Reasons(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            reason = record.getMessage() + (f" ({record.exc_info[1]!r})" if record.exc_info else "")
            reasons[record.name].append(reason)

    logs = [logging.getLogger(name) for name in reasons]
    handler, levels = Reasons(), [log.level for log in logs]
    for log in logs:
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
    engine = create_engine(url)
    try:
        app = create_app(Settings(database_url=url), engine=engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench.test", headers={"Authorization": f"Bearer {token}"}
        ) as http:
            await http.post("/graphql", json={"query": query, "variables": variables or {}})
        await app.state.runtime.aclose()
    finally:
        for log, level in zip(logs, levels, strict=True):
            log.removeHandler(handler)
            log.setLevel(level)
        await engine.dispose()
    declined = reasons["relgraph.compiled"]
    return f"resolvers ({declined[0][:100]})" if declined else "compiled"


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
