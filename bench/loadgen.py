"""A load generator for benchmark 6, run as a process of its own (so that it does not share
the server's interpreter): `concurrency` keep-alive clients send the same GraphQL request
back to back for `seconds`, client i taking turns among the i-th, (i + concurrency)-th, ...
of the comma-separated TOKENS (the users of that connection: one user's rate limit caps
what one connection may send, so a fast server needs more users than connections); prints one JSON line {requests, errors,
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

    async def client(mine: list[str]) -> None:
        async with httpx.AsyncClient(timeout=60) as http:
            turn = 0
            while time.perf_counter() < deadline:
                token = mine[turn % len(mine)]
                turn += 1
                response = await http.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
                ok = response.status_code == 200 and "errors" not in response.json()
                counts["requests" if ok else "limited" if response.status_code == 429 else "errors"] += 1

    started = time.perf_counter()
    await asyncio.gather(
        *(client(users[n::concurrency] or [users[n % len(users)]]) for n in range(concurrency))
    )
    print(json.dumps({**counts, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    url, tokens, query, variables, concurrency, seconds = sys.argv[1:7]
    asyncio.run(main(url, tokens, query, variables, int(concurrency), float(seconds)))
