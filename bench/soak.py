"""Soak: does memory stay flat while `relgraph serve` answers organisation cards for a long time?

On a demo database of its own (`relgraph demo seed`, SQLite in a temporary folder, or a
scratch PostgreSQL database with --pg), `relgraph serve --workers N` runs with the default
settings (rate limit on, the default garbage-collector tuning) and `--connections`
keep-alive clients send the organisation card (examples/queries/organisation-card.graphql)
back to back, as BUSINESS users with FINANCE (non-ADMIN), each request under the next
user's token so that the per-user rate limit is not what the run measures. Every
`--every` seconds it prints the cards served so far, the rate, and each worker's resident
memory (RSS); at the end, per worker count, RSS after the warm-up, the highest, the last,
and the growth per 1,000 cards. Python's default collector (`RELGRAPH_GC_THRESHOLD=0`)
is the baseline of the same run (`--baseline`).

    .venv/bin/python bench/soak.py [--minutes 30] [--workers 1 2] [--connections 4] [--every 30]
                                   [--users 64] [--baseline] [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _common import RELGRAPH, ROOT, free_port, rss_mb
from scratch_databases import MakeDatabase, on_postgres, sqlite_databases

from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.domain import users

CARD = (ROOT / "examples" / "queries" / "organisation-card.graphql").read_text()


@dataclass
class Run:
    label: str
    samples: list[tuple[float, int, list[float]]] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)


async def _make_users(url: str, count: int) -> list[str]:
    engine = create_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            tokens = []
            for n in range(count):
                email = f"soak-{n}@bench.test"
                if await users.get_by_email(session, email=email) is None:
                    await users.create(
                        session, email=email, name=f"Soak {n}", role="BUSINESS", permissions=("FINANCE",)
                    )
                tokens.append(await users.create_token(session, email=email))
            await session.commit()
            return tokens
    finally:
        await engine.dispose()


def _prepare(url: str) -> None:
    env = {**os.environ, "RELGRAPH_DATABASE_URL": url}
    for args in (("db", "upgrade"), ("demo", "seed")):
        subprocess.run([RELGRAPH, *args], env=env, check=True, capture_output=True)


def _workers(master: int, count: int) -> list[int]:
    """The pids that serve: the process itself, or uvicorn's worker processes under it."""
    if count == 1:
        return [master]
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    # uvicorn's multiprocess manager also starts a resource tracker; the workers are the big ones.
    return sorted(pids, key=rss_mb, reverse=True)[:count]


def _start(url: str, documents: Path, workers: int, gc: str) -> tuple[subprocess.Popen[bytes], int]:
    """`relgraph serve` with the default settings (but the collector, for the baseline); ready."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELGRAPH_")}
    env |= {"RELGRAPH_DATABASE_URL": url, "RELGRAPH_DOCUMENTS_DIR": str(documents)}
    if gc == "python":
        env["RELGRAPH_GC_THRESHOLD"] = "0"
    server = subprocess.Popen(
        [RELGRAPH, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return server, port


async def _serve_cards(
    url: str, documents: Path, tokens: list[str], args: argparse.Namespace, workers: int, gc: str
) -> Run:
    server, port = await asyncio.to_thread(_start, url, documents, workers, gc)
    run = Run(f"{workers} worker{'s' if workers > 1 else ''}, {gc} gc")
    address = f"http://127.0.0.1:{port}/graphql"
    try:
        pids = _workers(server.pid, workers)
        served = 0
        turn = itertools.cycle(tokens)
        deadline = time.monotonic() + args.minutes * 60

        async def client() -> None:
            nonlocal served
            async with httpx.AsyncClient(timeout=120) as http:
                while time.monotonic() < deadline:
                    response = await http.post(
                        address, json={"query": CARD}, headers={"Authorization": f"Bearer {next(turn)}"}
                    )
                    if response.status_code == 200 and "errors" not in response.json():
                        served += 1
                    else:
                        run.errors[response.status_code] = run.errors.get(response.status_code, 0) + 1

        async def sample() -> None:
            started = time.monotonic()
            last = (started, 0)
            while time.monotonic() < deadline:
                await asyncio.sleep(min(args.every, max(0.1, deadline - time.monotonic())))
                now = time.monotonic()
                rss = [rss_mb(pid) for pid in pids]
                run.samples.append((now - started, served, rss))
                rate = (served - last[1]) / (now - last[0])
                last = (now, served)
                print(
                    f"  {run.label:26} {now - started:7.0f} s {served:7d} cards {rate:6.1f}/s  RSS "
                    + " ".join(f"{r:6.1f}" for r in rss)
                    + " MB",
                    flush=True,
                )

        await asyncio.gather(sample(), *(client() for _ in range(args.connections)))
    finally:
        server.terminate()
        await asyncio.to_thread(server.wait, 30)
    return run


def _mb(values: list[float]) -> str:
    return "/".join(f"{v:.0f}" for v in values)


def _report(run: Run) -> str:
    if len(run.samples) < 2:
        return f"{run.label}: too short to tell"
    # The first sample is the warm-up (caches filling); growth is measured from there.
    (_, first_cards, first), (_, last_cards, last) = run.samples[0], run.samples[-1]
    peak = [max(s[2][i] for s in run.samples) for i in range(len(first))]
    cards = max(1, last_cards - first_cards)
    growth = [(b - a) / cards * 1000 for a, b in zip(first, last, strict=True)]
    errors = ", ".join(f"{n}x HTTP {status}" for status, n in sorted(run.errors.items())) or "none"
    return (
        f"{run.label:26} {last_cards} cards; RSS MB per worker: after warm-up {_mb(first)}, "
        f"highest {_mb(peak)}, last {_mb(last)}; growth {'/'.join(f'{g:+.1f}' for g in growth)} MB "
        f"per 1,000 cards; failed requests: {errors}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=30.0, help="how long each run serves cards")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to run")
    parser.add_argument("--connections", type=int, default=4, help="concurrent keep-alive clients")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between two RSS samples")
    parser.add_argument("--users", type=int, default=64, help="BUSINESS users whose tokens take turns")
    parser.add_argument("--baseline", action="store_true", help="also run with Python's default collector")
    parser.add_argument(
        "--pg", help="a PostgreSQL server URL to make a scratch database on (default: SQLite)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relgraph-soak-") as folder:
        if args.pg:

            async def on(make: MakeDatabase) -> None:
                await _soak(await make("soak"), Path(folder), args)

            await on_postgres(args.pg, "relgraph_soak", on)
        else:
            url = await sqlite_databases(Path(folder))("soak")
            await _soak(url, Path(folder), args)


async def _soak(url: str, folder: Path, args: argparse.Namespace) -> None:
    _prepare(url)
    tokens = await _make_users(url, args.users)
    print(
        f"soak: organisation card on {url.split(':')[0]}, {args.connections} connections, "
        f"{args.minutes:g} min per run, RSS every {args.every:g} s",
        flush=True,
    )
    runs = []
    for workers in args.workers:
        for gc in ("relgraph", "python") if args.baseline else ("relgraph",):
            runs.append(await _serve_cards(url, folder / "documents", tokens, args, workers, gc))
    print("\nsummary")
    for run in runs:
        print("  " + _report(run))


if __name__ == "__main__":
    asyncio.run(main())
