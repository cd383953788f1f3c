"""Benchmark 6: throughput of the big organisation card under concurrent clients.

A load generator in a second process (bench/loadgen.py, 8 keep-alive connections on
loopback, four BUSINESS users each, the rate limit on) sends the card of benchmark 1 back
to back for 15 seconds to

  relgraph  `relgraph serve` (one worker process)
  floor     bench/card_floor.py (hand-written SQL + graphql-core over dicts, same HTTP stack)

and reports requests per second and each server's resident memory (RSS) at the end.
On this 2-core machine the load generator takes a core of its own, as wrk would.

    .venv/bin/python bench/throughput.py [sqlite] [postgresql] [--seconds S] [--connections N]
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from _common import (
    BACKENDS,
    ROOT,
    backends,
    bench_tokens,
    ensure_dataset,
    org_id,
    rss_mb,
    run,
    server,
)
from card import CARD, floor_server

from relgraph.demo.large import CARD_CODE
from relgraph.graphql.core.ids import encode_id


def load(
    address: str,
    tokens: list[str],
    variables: dict[str, Any],
    connections: int,
    seconds: float,
    query: str = CARD,
) -> dict[str, Any]:
    """Run bench/loadgen.py: `connections` clients, the i-th with the i-th of `tokens`."""
    python = str(ROOT / ".venv" / "bin" / "python")
    args = [
        python,
        str(ROOT / "bench" / "loadgen.py"),
        address,
        ",".join(tokens),
        query,
        json.dumps(variables),
    ]
    out = subprocess.run([*args, str(connections), str(seconds)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


async def bench(backend: str, connections: int, seconds: float) -> list[dict[str, Any]]:
    ensure_dataset(backend)
    url = BACKENDS[backend]
    tokens = await bench_tokens(url, connections * 4)  # four users per connection (bench/loadgen.py)
    variables = {"id": encode_id("Organisation", await org_id(url, CARD_CODE))}
    results = []
    for label, serve in (("relgraph", server), ("floor", floor_server)):
        with serve(url) as (address, proc):
            load(address, tokens, variables, connections, 2)  # warm up
            figures = load(address, tokens, variables, connections, seconds)
            rss = rss_mb(proc.pid)
        rate = figures["requests"] / figures["seconds"]
        print(
            f"{backend:10} {label:8} {rate:7.1f} requests/s  {figures['errors']} errors  "
            f"{figures['limited']} rate-limited  "
            f"RSS {rss:6.0f} MB after {figures['requests']} requests on {connections} connections"
        )
        results.append({"backend": backend, "server": label, "rate": rate, "rss": rss, **figures})
    return results


async def main() -> None:
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 15.0
    connections = int(sys.argv[sys.argv.index("--connections") + 1]) if "--connections" in sys.argv else 8
    for backend in backends(sys.argv[1:]):
        await bench(backend, connections, seconds)


if __name__ == "__main__":
    run(main)
