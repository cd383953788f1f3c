"""Benchmark: what the request id, log line and metrics cost a request (web_requests.py).

The same small query, as a BUSINESS viewer with the default settings (rate limit on),
through the ASGI app in this process, on a scratch SQLite file:

  baseline     the app without RequestTracking and Draining (no id, no line, no metrics)
  text log     the app as served, its request line formatted as text and written to /dev/null
  JSON log     the same with RELGRAPH_LOG_FORMAT=json's formatter

    .venv/bin/python bench/request_tracking.py [--requests 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from relgraph.config import Settings
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.migrate import upgrade
from relgraph.db.models import Organisation
from relgraph.domain import users
from relgraph.logs import REQUEST_LOGGER, JsonFormatter
from relgraph.web import create_app
from relgraph.web_requests import Draining, RequestTracking

QUERY = "query Small { organisations(first: 10) { totalCount nodes { name city } } }"


async def _seed(url: str) -> str:
    engine = create_engine(url)
    async with make_sessionmaker(engine)() as session:
        session.add_all(
            Organisation(name=f"Bedrijf {i} B.V.", name_key=f"bedrijf {i} b.v.", search_text=f"bedrijf {i}")
            for i in range(30)
        )
        await users.create(session, email="bench@bench.test", name="Bench", role="BUSINESS")
        token = await users.create_token(session, email="bench@bench.test")
        await session.commit()
    await engine.dispose()
    return token


async def _time(app: Any, token: str, requests: int) -> float:
    """Seconds per request, over `requests` sequential requests."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(20):  # warm the caches
            await client.post("/graphql", json={"query": QUERY}, headers=headers)
        started = time.perf_counter()
        for _ in range(requests):
            response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
            assert response.status_code == 200, response.text
        return (time.perf_counter() - started) / requests


def _log_to_devnull(formatter: logging.Formatter) -> None:
    logger = logging.getLogger(REQUEST_LOGGER)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


async def main(requests: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        token = await _seed(url)
        settings = Settings(database_url=url, documents_dir=Path(folder) / "documents")
        engine = create_engine(url)
        served = create_app(settings, engine=engine)
        bare = create_app(settings, engine=engine)
        bare.user_middleware = [m for m in bare.user_middleware if m.cls not in (RequestTracking, Draining)]
        variants: list[tuple[str, Any, logging.Formatter | None]] = [
            ("baseline (no tracking)", bare, None),
            ("text log", served, logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")),
            ("JSON log", served, JsonFormatter()),
        ]
        best: dict[str, float] = {}
        for round_ in range(repeat):
            # Each round in another order: a machine that slows down or warms up favours no variant.
            for label, app, formatter in variants[round_ % 3 :] + variants[: round_ % 3]:
                if formatter is not None:
                    _log_to_devnull(formatter)
                seconds = await _time(app, token, requests)
                best[label] = min(best.get(label, seconds), seconds)
        await engine.dispose()
    base = best["baseline (no tracking)"]
    print(f"SQLite, {requests:,} requests of a 10-organisation page as BUSINESS, best of {repeat}")
    for label, seconds in sorted(best.items(), key=lambda item: item[1]):
        print(
            f"  {label:<26} {seconds * 1000:7.3f} ms/request   {seconds / base:5.2f}x   +{(seconds - base) * 1e6:6.0f} us"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.repeat))
