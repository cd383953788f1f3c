"""Benchmark 2: organisation search at large scale (name prefix, substring, KvK number).

For each backend, on the large dataset (built once by bench/_common.ensure_dataset):

  API        organisations(filter: {search}, first: 10) { totalCount nodes {...} } over HTTP
             to `relgraph serve` (keep-alive client, sequential)
  indexed    the page query and the count as hand-written SQL through the same index
             (SQLite FTS5 trigram table, PostgreSQL pg_trgm GIN): the floor
  scan       the same two queries with a plain LIKE over search_text (what search cost
             before migration 0010): the reference the index is measured against

Goal: API p50 under 20 ms.   .venv/bin/python bench/search.py [sqlite] [postgresql] [--repeat N]
"""

from __future__ import annotations

import sys
from typing import Any

from _common import (
    BACKENDS,
    Client,
    backends,
    bench_token,
    ensure_dataset,
    run,
    server,
    summary,
    timed,
)
from sqlalchemy import text

from relgraph.db.engine import create_engine
from relgraph.text import like_pattern

QUERY = """query($search: String!) {
  organisations(filter: { search: $search }, first: 10) {
    totalCount
    nodes { id name kvkNumber }
  }
}"""

PAGE = {
    "indexed-sqlite": (
        "SELECT o.id, o.name, o.kvk_number FROM organisations o WHERE o.archived = 0 AND o.id IN "
        "(SELECT rowid FROM organisations_search WHERE search_text LIKE :p) "
        "ORDER BY o.name_key, o.id LIMIT 11"
    ),
    "count-sqlite": (
        "SELECT count(*) FROM organisations o WHERE o.archived = 0 AND o.id IN "
        "(SELECT rowid FROM organisations_search WHERE search_text LIKE :p)"
    ),
    "scan": (
        "SELECT o.id, o.name, o.kvk_number FROM organisations o WHERE o.archived = false "
        "AND o.search_text LIKE :p ESCAPE '\\' ORDER BY o.name_key, o.id LIMIT 11"
    ),
    "count-scan": "SELECT count(*) FROM organisations o WHERE o.archived = false AND o.search_text LIKE :p ESCAPE '\\'",
}


async def terms(url: str) -> dict[str, str]:
    """Search terms drawn from the data: a name's first four letters, a word inside a
    name, and the card organisation's KvK number."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            name, kvk = (
                await conn.execute(text("SELECT name, kvk_number FROM organisations WHERE code = 'LG-CARD'"))
            ).one()
    finally:
        await engine.dispose()
    words = name.split()
    return {
        "name prefix": words[0][:4].lower(),
        "substring": words[1][1:6].lower(),
        "KvK": kvk,
    }


async def sql_times(url: str, pattern: str, indexed: bool, repeat: int) -> list[float]:
    engine = create_engine(url)
    sqlite = url.startswith("sqlite")
    page = PAGE["indexed-sqlite"] if indexed and sqlite else PAGE["scan"]
    total = PAGE["count-sqlite"] if indexed and sqlite else PAGE["count-scan"]
    try:
        async with engine.connect() as conn:
            if not sqlite and not indexed:
                # Keep PostgreSQL off the trigram index: the scan it would do without one.
                await conn.exec_driver_sql("SET enable_bitmapscan = off")

            async def once() -> Any:
                await conn.execute(text(page), {"p": pattern})
                await conn.execute(text(total), {"p": pattern})

            return await timed(once, repeat=repeat)
    finally:
        await engine.dispose()


async def bench(backend: str, repeat: int) -> list[dict[str, Any]]:
    ensure_dataset(backend)
    url = BACKENDS[backend]
    token = await bench_token(url)
    results = []
    with server(url) as (address, _proc):
        client = Client(address, token)
        for kind, term in (await terms(url)).items():
            api = await timed(lambda term=term: client.gql(QUERY, {"search": term}), repeat=repeat)
            hits = (await client.gql(QUERY, {"search": term}))["organisations"]["totalCount"]
            pattern = like_pattern(term)
            indexed = await sql_times(url, pattern, True, repeat)
            scan = await sql_times(url, pattern, False, max(5, repeat // 5))
            results.append(
                {
                    "backend": backend,
                    "kind": kind,
                    "term": term,
                    "hits": hits,
                    "api": api,
                    "indexed": indexed,
                    "scan": scan,
                }
            )
            print(f"{backend:10} {kind:12} {term!r:12} {hits:6} hits")
            print(f"    API      {summary(api)}")
            print(f"    indexed  {summary(indexed)}  (hand-written SQL, page + count)")
            print(f"    scan     {summary(scan)}  (plain LIKE, no index)")
        await client.aclose()
    return results


async def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 50
    for backend in backends(sys.argv[1:]):
        await bench(backend, repeat)


if __name__ == "__main__":
    run(main)
