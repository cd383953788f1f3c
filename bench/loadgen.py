"""A load generator for benchmark 6, run as a process of its own (so that it does not share
the server's interpreter): `concurrency` keep-alive clients send the same GraphQL request
back to back for `seconds`, client i with the i-th of the comma-separated TOKENS (one user
per connection, as that many users would); prints one JSON line {requests, errors,
limited, seconds}, `limited` counting the answers refused by the rate limit (429).

    .venv/bin/python bench/loadgen.py URL TOKENS QUERY VARIABLES_JSON CONCURRENCY SECONDS
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx


async def main(url: str, tokens: str, query: str, variables: str, concurrency: int, seconds: float) -> None:
    body = {"query": query, "variables": json.loads(variables)}
    counts = {"requests": 0, "errors": 0, "limited": 0}
    deadline = time.perf_counter() + seconds
    users = tokens.split(",")

    async def client(token: str) -> None:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            while time.perf_counter() < deadline:
                response = await http.post(url, json=body)
                ok = response.status_code == 200 and "errors" not in response.json()
                counts["requests" if ok else "limited" if response.status_code == 429 else "errors"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(users[n % len(users)]) for n in range(concurrency)))
    print(json.dumps({**counts, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    url, tokens, query, variables, concurrency, seconds = sys.argv[1:7]
    asyncio.run(main(url, tokens, query, variables, int(concurrency), float(seconds)))
