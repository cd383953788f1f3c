"""A load generator for benchmark 6, run as a process of its own (so that it does not share
the server's interpreter): `concurrency` keep-alive clients send the same GraphQL request
back to back for `seconds`; prints one JSON line {requests, errors, seconds}.

    .venv/bin/python bench/loadgen.py URL TOKEN QUERY VARIABLES_JSON CONCURRENCY SECONDS
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx


async def main(url: str, token: str, query: str, variables: str, concurrency: int, seconds: float) -> None:
    body = {"query": query, "variables": json.loads(variables)}
    counts = {"requests": 0, "errors": 0}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            while time.perf_counter() < deadline:
                response = await http.post(url, json=body)
                ok = response.status_code == 200 and "errors" not in response.json()
                counts["requests" if ok else "errors"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    print(json.dumps({**counts, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    url, token, query, variables, concurrency, seconds = sys.argv[1:7]
    asyncio.run(main(url, token, query, variables, int(concurrency), float(seconds)))
