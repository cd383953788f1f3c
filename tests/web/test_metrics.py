"""GET /metrics: Prometheus' format, behind its token, with bounded labels and no values.

In process (the app over ASGI) for what is counted; `relgraph serve --workers 2` for what
several workers report together, on the main port and on a metrics port of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import IS_POSTGRES, Caller, create_organisation, ok
from prometheus_client.parser import text_string_to_metric_families
from server import Server, free_port
from sqlalchemy.ext.asyncio import AsyncEngine

from relgraph import metrics
from relgraph.config import Settings
from relgraph.domain import users
from relgraph.web import create_app

METRICS_TOKEN = "metrics-" + uuid.uuid4().hex


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def metered(
    database_url: str, tmp_path: Path, engine: AsyncEngine, request: pytest.FixtureRequest
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a metrics token (and the rate limit a `rate_limit` mark gives), its lifespan running."""
    mark = request.node.get_closest_marker("rate_limit")
    settings = Settings(
        database_url=database_url,
        documents_dir=tmp_path / "documents",
        metrics_token=METRICS_TOKEN,
        rate_limit_per_minute=mark.args[0] if mark else 0,
    )
    app = create_app(settings, engine=engine)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test") as client,
    ):
        yield client


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_no_metrics_route_unless_configured(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404


async def test_metrics_need_their_token(metered: httpx.AsyncClient, admin: Caller) -> None:
    assert (await metered.get("/metrics")).status_code == 401
    wrong = await metered.get("/metrics", headers={"Authorization": f"Bearer {admin.token}"})
    assert wrong.status_code == 401, "an API token is not the metrics token"
    assert "relgraph_" not in wrong.text


@pytest.mark.rate_limit(5)
async def test_requests_counted_by_operation_status_and_path(
    metered: httpx.AsyncClient, make_caller: Any, sessionmaker: Any
) -> None:
    async with sessionmaker() as session:
        await users.create(session, email="m@test.example", name="M", role="ADMIN")
        token = await users.create_token(session, email="m@test.example")
        await session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    name = f"MetricsCheck{uuid.uuid4().hex[:8]}"
    marker = f"zq{uuid.uuid4().hex[:10]}"
    before = await scrape(metered)

    # Compiled (README, Two execution paths): an ID that is nobody's reads as null.
    compiled = f"query {name}($s: ID!) {{ organisation(id: $s) {{ name }} }}"
    for _ in range(2):
        response = await metered.post(
            "/graphql", json={"query": compiled, "variables": {"s": marker}}, headers=auth
        )
        assert response.status_code == 200, response.text
    # Mutations are the resolvers', never compiled.
    resolved = await metered.post(
        "/graphql",
        json={
            "query": 'mutation { createOrganisation(input: {name: "Teller B.V."}) { userErrors { code } } }'
        },
        headers=auth,
    )
    assert resolved.status_code == 200, resolved.text
    refused = await metered.post(
        "/graphql",
        json={"query": f"query {name} {{ organisations(first: 5) {{ totalCount }} }}"},
        headers=auth,
    )
    assert refused.status_code == 429, refused.text
    assert (await metered.post("/graphql", json={"query": "{ viewer { id } }"})).status_code == 401

    after = await scrape(metered)

    def delta(metric: str, **labels: str) -> float:
        return value(after, metric, **labels) - value(before, metric, **labels)

    assert delta("relgraph_graphql_requests_total", operation=name, status="200", path="compiled") == 2
    assert (
        delta("relgraph_graphql_requests_total", operation="anonymous", status="200", path="resolvers") == 1
    )
    assert delta("relgraph_graphql_requests_total", operation=name, status="429", path="none") == 1
    assert delta("relgraph_graphql_requests_total", operation="anonymous", status="401", path="none") == 1
    assert delta("relgraph_rate_limit_refusals_total") == 1
    assert delta("relgraph_graphql_request_duration_seconds_count", operation=name, path="compiled") == 2
    assert delta("relgraph_graphql_request_statements_count", path="compiled") >= 2
    assert value(after, "relgraph_db_pool_capacity") > 0
    assert value(after, "relgraph_db_connections_open") >= 1
    # Names and numbers only: no variable, no token, no query text.
    exposition = (await metered.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})).text
    for secret in (marker, token, "organisations"):
        assert secret not in exposition


async def test_operation_names_are_bounded(
    metered: httpx.AsyncClient, admin: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The names seen so far fill the allowance: a new one is counted as "other".
    monkeypatch.setattr(metrics, "MAX_OPERATION_NAMES", 0)
    name = f"Fresh{uuid.uuid4().hex[:8]}"
    before = await scrape(metered)
    response = await metered.post(
        "/graphql",
        json={"query": f"query {name} {{ viewer {{ id }} }}"},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert response.status_code == 200
    after = await scrape(metered)
    assert not any(dict(labels).get("operation") == name for _, labels in after)
    others = [
        v
        for (metric, labels), v in after.items()
        if metric == "relgraph_graphql_requests_total" and dict(labels).get("operation") == "other"
    ]
    assert sum(others) > sum(
        v
        for (metric, labels), v in before.items()
        if metric == "relgraph_graphql_requests_total" and dict(labels).get("operation") == "other"
    )


async def test_bulk_items_written_count_committed_items_only(
    metered: httpx.AsyncClient, admin: Caller
) -> None:
    caller = Caller(client=metered, token=admin.token, user_id=admin.user_id, email=admin.email)
    old_parent = await create_organisation(admin, "Oud Moeder B.V.")
    new_parent = await create_organisation(admin, "Nieuw Moeder B.V.")
    for name in ("Dochter Een B.V.", "Dochter Twee B.V.", "Dochter Drie B.V."):
        child = await create_organisation(admin, name)
        await ok(admin, "setParentOrganisation", "", organisationId=child, parentId=old_parent)
    before = await scrape(metered)
    move = {"fromOrganisationId": old_parent, "toOrganisationId": new_parent}
    await ok(caller, "moveSubsidiaries", "movedCount", **move, dryRun=True)
    await ok(caller, "moveSubsidiaries", "movedCount", **move)
    after = await scrape(metered)
    written = value(after, "relgraph_bulk_items_written_total", mutation="moveSubsidiaries") - value(
        before, "relgraph_bulk_items_written_total", mutation="moveSubsidiaries"
    )
    assert written == 3, "the dry run writes nothing"


# --- several workers ------------------------------------------------------------------------------


async def test_several_workers_report_together_on_the_main_and_the_metrics_port(
    database_url: str, sessionmaker: Any, tmp_path: Path
) -> None:
    async with sessionmaker() as session:
        await users.create(session, email="w@test.example", name="W", role="ADMIN")
        token = await users.create_token(session, email="w@test.example")
        await session.commit()
    metrics_port = free_port()
    server = Server(
        tmp_path,
        args=("--workers", "2"),
        env={
            "RELGRAPH_DATABASE_URL": database_url,
            "RELGRAPH_DOCUMENTS_DIR": str(tmp_path / "documents"),
            "RELGRAPH_METRICS_TOKEN": METRICS_TOKEN,
            "RELGRAPH_METRICS_PORT": str(metrics_port),
        },
    )
    name = f"Workers{uuid.uuid4().hex[:8]}"
    try:
        server.wait_ready()
        # No keep-alive: a connection per request, so that both workers get some.
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            # "Ready" is the first worker up; the second may still be starting on a busy machine.
            capacity = 2 * (20 if IS_POSTGRES else 15)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    scraped = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
                    if value(samples(scraped.text), "relgraph_db_pool_capacity") == capacity:
                        break
                await asyncio.sleep(0.1)
            for _ in range(40):
                response = await http.post(
                    f"{server.url}/graphql",
                    json={"query": f"query {name} {{ viewer {{ id }} }}"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert response.status_code == 200, response.text
            main = await http.get(
                f"{server.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
            own_port = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
    finally:
        server.stop()
    for response in (main, own_port):
        assert response.status_code == 200, response.text
        found = samples(response.text)
        assert (
            value(found, "relgraph_graphql_requests_total", operation=name, status="200", path="compiled")
            == 40
        )
        # Either worker answers a scrape with the sum of both: each one's pool counts once.
        assert value(found, "relgraph_db_pool_capacity") == capacity
