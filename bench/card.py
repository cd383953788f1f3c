"""Benchmark 1: the flagship organisation card over HTTP, against its floor.

For a small card (LG-SMALL: 3 subsidiaries, 4 active people each) and a big one (LG-CARD:
50 subsidiaries, 20 active people each, 1,020 memberships in the answer):

  relgraph  `relgraph serve` answering CARD (sequential keep-alive client): compiled
  resolvers the same with RELGRAPH_COMPILED_READS=0: the resolvers answer (issue 25)
  floor     bench/card_floor.py: three hand-written SQL statements plus graphql-core
            executing the same document over plain dicts, on the same HTTP stack
  asOf      relgraph answering the same card as of yesterday (`organisation(id:, asOf:)`:
            the hierarchy from its periods, the memberships in force that day), issue 21
  stmts     SQL statements per relgraph request (authentication included), counted in-process

The servers are measured in alternating rounds, so that noise from other work on the
machine falls on all. Goals: relgraph within 1.5x of the floor; asOf within 1.5x of the
card of today; statements constant in size, and the same with asOf. Run as a BUSINESS
user, the rate limit on (bench/_common.py).

With both backends, the big card once more on both at once: SQLite's and PostgreSQL's
servers answer it in alternating rounds, for the SQLite / PostgreSQL ratio (goal 1.3x), so
that the machine's load falls on both alike.

Then the shipped example (examples/queries/organisation-card.graphql) on the `serve --demo`
data, as a user of each of the four demo users' roles (ADMIN with FINANCE and SENSITIVE,
TEAM, BUSINESS, READONLY), in alternating rounds, each time beside ADMIN's: without FINANCE
the invoice fields are FORBIDDEN (null with an error, on either path), and it prints which
path answered and why the compiler declined. Each user stays within
the rate limit: the example costs 25,000 points, 40 a minute.

    .venv/bin/python bench/card.py [sqlite] [postgresql] [--repeat N] [--example-only] [--ratio-only]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
from _common import (
    BACKENDS,
    ROOT,
    Client,
    backends,
    bench_tokens,
    count_statements,
    ensure_dataset,
    executor_of,
    free_port,
    org_id,
    run,
    server,
    summary,
    timed,
)

from relgraph.cli import DEMO_USERS
from relgraph.demo.large import CARD_CODE, SMALL_CARD_CODE
from relgraph.graphql.core.ids import encode_id

CARD = """query Card($id: ID!) {
  organisation(id: $id) {
    id name code kvkNumber
    parent { id name }
    memberships(first: 50) { nodes { id jobTitle role person { id firstName infix lastName } } }
    subsidiaries(first: 50) {
      nodes {
        id name code kvkNumber
        memberships(first: 50) { nodes { id jobTitle role person { id firstName infix lastName } } }
      }
    }
  }
}"""


# The same card as of a day: every field below the root inherits it.
CARD_AS_OF = CARD.replace("query Card($id: ID!)", "query Card($id: ID!, $day: Date)").replace(
    "organisation(id: $id)", "organisation(id: $id, asOf: $day)"
)
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


@contextlib.contextmanager
def floor_server(url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {**os.environ, "RELGRAPH_DATABASE_URL": url}
    uvicorn = str(ROOT / ".venv" / "bin" / "uvicorn")
    proc = subprocess.Popen(
        [
            uvicorn,
            "--app-dir",
            str(ROOT / "bench"),
            "card_floor:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                httpx.post(f"http://127.0.0.1:{port}/graphql", json={}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/graphql", proc
    finally:
        proc.terminate()
        proc.wait(10)


def _size(data: dict[str, Any]) -> tuple[int, int]:
    org = data["organisation"]
    subs = org["subsidiaries"]["nodes"]
    return len(subs), len(org["memberships"]["nodes"]) + sum(len(s["memberships"]["nodes"]) for s in subs)


async def bench(backend: str, repeat: int, rounds: int = 5) -> list[dict[str, Any]]:
    ensure_dataset(backend)
    url = BACKENDS[backend]
    # Four users per client: one user's rate limit (1,000,000 points a minute, a card costs
    # 2,600) would not last a client's rounds of compiled cards (a few milliseconds each).
    tokens = await bench_tokens(url, 12)
    token, asof_token, resolvers_token = tokens[0:4], tokens[4:8], tokens[8:12]
    results = []
    with (
        server(url) as (address, _),
        server(url, {"RELGRAPH_COMPILED_READS": "0"}) as (resolvers_address, _),
        floor_server(url) as (floor_address, _),
    ):
        ours, floor = Client(address, token), Client(floor_address, token)
        ours_asof = Client(address, asof_token)
        resolvers = Client(resolvers_address, resolvers_token)
        for label, code in (("small", SMALL_CARD_CODE), ("big", CARD_CODE)):
            variables = {"id": encode_id("Organisation", await org_id(url, code))}
            mine, theirs = (
                await ours.gql(CARD, variables),
                await floor.gql(CARD, variables),
            )
            if mine != theirs or mine != await resolvers.gql(CARD, variables):
                raise AssertionError(
                    f"relgraph, its resolvers and the floor answer the {label} card differently"
                )
            subs, people = _size(mine)
            statements = await count_statements(url, token[0], CARD, variables)
            dated = {**variables, "day": YESTERDAY}
            asof_subs, asof_people = _size(await ours_asof.gql(CARD_AS_OF, dated))
            asof_statements = await count_statements(url, token[0], CARD_AS_OF, dated)
            executor = await executor_of(url, token[0], CARD, variables)
            times: dict[str, list[float]] = {"relgraph": [], "resolvers": [], "asof": [], "floor": []}
            for _ in range(rounds):
                times["relgraph"] += await timed(
                    lambda v=variables: ours.gql(CARD, v), repeat=repeat // rounds
                )
                times["resolvers"] += await timed(
                    lambda v=variables: resolvers.gql(CARD, v), repeat=repeat // rounds
                )
                times["asof"] += await timed(
                    lambda v=dated: ours_asof.gql(CARD_AS_OF, v), repeat=repeat // rounds
                )
                times["floor"] += await timed(lambda v=variables: floor.gql(CARD, v), repeat=repeat // rounds)
            ratio = statistics.median(times["relgraph"]) / statistics.median(times["floor"])
            asof_ratio = statistics.median(times["asof"]) / statistics.median(times["relgraph"])
            print(
                f"{backend}: {label} card ({subs} subsidiaries, {people} memberships), {statements} statements"
            )
            compiled_ratio = statistics.median(times["relgraph"]) / statistics.median(times["resolvers"])
            print(f"    relgraph {summary(times['relgraph'])}  answered by {executor}")
            print(
                f"    resolvers {summary(times['resolvers'])}  (RELGRAPH_COMPILED_READS=0; relgraph "
                f"{compiled_ratio:.2f}x of it)"
            )
            print(
                f"    asOf     {summary(times['asof'])}  ({asof_subs} subsidiaries, {asof_people} "
                f"memberships on {YESTERDAY}, {asof_statements} statements)"
            )
            print(f"    floor    {summary(times['floor'])}")
            print(
                f"    ratio    {ratio:.2f}x the floor (goal 1.5x); asOf {asof_ratio:.2f}x today (goal 1.5x)"
            )
            results.append(
                {
                    "backend": backend,
                    "card": label,
                    "subs": subs,
                    "people": people,
                    "statements": statements,
                    "ratio": ratio,
                    "compiled_ratio": compiled_ratio,
                    "asof_statements": asof_statements,
                    "asof_ratio": asof_ratio,
                    **times,
                }
            )
        await ours.aclose()
        await ours_asof.aclose()
        await resolvers.aclose()
        await floor.aclose()
    return results


async def backend_ratio(repeat: int, rounds: int = 10) -> dict[str, list[float]]:
    """Milliseconds of the big card on SQLite and on PostgreSQL, measured in alternating
    rounds (each backend's server up all along); prints the SQLite / PostgreSQL ratio."""
    times: dict[str, list[float]] = {}
    clients: dict[str, tuple[Client, dict[str, Any]]] = {}
    with contextlib.ExitStack() as servers:
        for backend in BACKENDS:
            url = ensure_dataset(backend)
            address, _ = servers.enter_context(server(url))
            variables = {"id": encode_id("Organisation", await org_id(url, CARD_CODE))}
            clients[backend] = Client(address, await bench_tokens(url, 4)), variables
            times[backend] = []
        answers = [await client.gql(CARD, variables) for client, variables in clients.values()]
        if any(answer != answers[0] for answer in answers):
            raise AssertionError("SQLite and PostgreSQL answer the big card differently")
        for n in range(rounds):
            for backend, (client, variables) in clients.items():
                times[backend] += await timed(
                    lambda c=client, v=variables: c.gql(CARD, v),
                    repeat=max(1, repeat // rounds),
                    warmup=3 if n == 0 else 1,
                )
        for client, _ in clients.values():
            await client.aclose()
    sqlite, postgresql = (statistics.median(times[backend]) for backend in ("sqlite", "postgresql"))
    print("the big card on both backends, in alternating rounds")
    for backend, measured in times.items():
        print(f"    {backend:<10} {summary(measured)}")
    print(f"    ratio      SQLite {sqlite / postgresql:.2f}x PostgreSQL's (goal 1.3x)")
    return times


EXAMPLE_CARD = (ROOT / "examples" / "queries" / "organisation-card.graphql").read_text()
# Requests per user: 32 x 25,000 points stay within the default 1,000,000 a minute.
EXAMPLE_ROUNDS, EXAMPLE_PER_ROUND = 5, 6


async def example_card_by_role(backend: str) -> dict[str, list[float]]:
    """Milliseconds of the example card as a user of each demo user's role."""
    url = ensure_dataset(backend, demo=True)
    tokens = {}
    for _email, _name, role, permissions in DEMO_USERS:
        [tokens[role]] = await bench_tokens(url, role=role, permissions=tuple(permissions))
    times: dict[str, list[float]] = {role: [] for role in tokens}
    with server(url) as (address, _):
        clients = {role: Client(address, token) for role, token in tokens.items()}
        for n in range(EXAMPLE_ROUNDS):
            for role, client in clients.items():
                times[role] += await timed(
                    lambda c=client: c.gql(EXAMPLE_CARD, allowed_errors=("FORBIDDEN",)),
                    repeat=EXAMPLE_PER_ROUND,
                    warmup=2 if n == 0 else 0,
                )
        for client in clients.values():
            await client.aclose()
    admin = statistics.median(times["ADMIN"])
    print(f"{backend}: the example organisation card (demo data, rate limit on), by role")
    for role, measured in times.items():
        path = await executor_of(url, tokens[role], EXAMPLE_CARD)
        print(
            f"    {role:<9} {summary(measured)}  {statistics.median(measured) / admin:5.2f}x ADMIN's "
            f"(goal 1.2x)  answered by {path}"
        )
    return times


async def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 200
    chosen = backends(sys.argv[1:])
    if "--ratio-only" not in sys.argv:
        for backend in chosen:
            if "--example-only" not in sys.argv:
                await bench(backend, repeat)
            await example_card_by_role(backend)
    if len(chosen) == len(BACKENDS) and "--example-only" not in sys.argv:
        await backend_ratio(repeat)


if __name__ == "__main__":
    run(main)
