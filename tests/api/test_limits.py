"""Query cost limit, per-user rate limit on cost points, request body limit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from graphql import parse, validate
from helpers import IS_POSTGRES, Caller
from sqlalchemy import select
from sqlalchemy.engine import make_url

from relgraph import rate_limits
from relgraph.config import Settings
from relgraph.db.engine import StatementCounter
from relgraph.db.models import RateLimitWindow
from relgraph.domain import users
from relgraph.graphql.core.cost import operation_of, query_cost
from relgraph.graphql.schema import build_schema
from relgraph.web import create_app

GRAPHQL_RESPONSE = "application/graphql-response+json"
SCHEMA = build_schema()._schema

NESTED = """
query($outer: Int, $inner: Int) {
  organisations(first: $outer) { nodes { ...People } }
}
fragment People on Organisation { memberships(first: $inner) { totalCount nodes { id person { displayName } } } }
"""

COSTS: list[tuple[str, dict[str, Any], int, str]] = [
    ("{ viewer { email } }", {}, 1, "no list at all still costs 1"),
    ("{ organisations { totalCount } }", {}, 20, "a connection without first: the default page size"),
    ("{ organisations(last: 7) { pageInfo { hasNextPage } } }", {}, 7, "last counts like first"),
    (
        "{ organisations(first: 100) { nodes { memberships(first: 50) { nodes { id } } } } }",
        {},
        100 + 100 * 50,
        "GitHub's products down the nesting",
    ),
    (
        "{ organisations(first: 100) { edges { node { memberships(first: 50) { edges { node { id } } } } } } }",
        {},
        100 + 100 * 50,
        "edges { node } cost the same as nodes",
    ),
    (NESTED, {"outer": 10, "inner": 30}, 10 + 10 * 30, "variables and a fragment"),
    (NESTED, {"outer": 10}, 10 + 10 * 20, "a null variable: the default page size"),
    (
        "{ a: organisations(first: 10) { nodes { id } } b: organisations(first: 30) { nodes { id } } }",
        {},
        40,
        "every alias is a list of its own",
    ),
    (
        "{ organisations(first: 10) { nodes { memberships(first: 5) { nodes { id } } } nodes { memberships(first: 5) { nodes { jobTitle } } } } }",
        {},
        10 + 10 * 5,
        "the same field selected twice is merged, not counted twice",
    ),
    (
        "query($skip: Boolean!) { organisations(first: 10) @skip(if: $skip) { nodes { id } } persons(first: 3) { nodes { id } } }",
        {"skip": True},
        3,
        "a skipped field costs nothing",
    ),
    (
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organisation { subsidiaries(first: 10) { nodes { id } } } } }",
        {"ids": ["a", "b", "c"]},
        3 + 3 * 10,
        "nodes(ids:) returns as many as there are ids; inline fragments count",
    ),
    (
        '{ node(id: "x") { ... on Person { memberships(first: 4) { nodes { id } } } ... on Organisation { subsidiaries(first: 9) { nodes { id } } } } }',
        {},
        9,
        "an abstract type costs what its most expensive member costs",
    ),
    (
        '{ node(id: "x") { ... on Party { neighbourhood(maxNodes: 300) { nodes { party { id } } edges { kind } } } } }',
        {},
        300,
        "a neighbourhood returns up to maxNodes parties; its edges are plain values",
    ),
    (
        "{ organisations(first: 100) { nodes { ancestors { id } types { name } } } }",
        {},
        100 + 100 * 64,
        "a plain list of objects counts its bound (ancestors: 64 levels); a list of value objects nothing",
    ),
    (
        "{ organisations(first: 10) { nodes { addresses { city } contactMeans(first: 3) { value } } } }",
        {},
        10 + 10 * (20 + 3),
        "a plain list that can grow takes first, 20 by default",
    ),
    (
        (
            "mutation($input: MoveSubsidiariesInput!) { moveSubsidiaries(input: $input) "
            "{ movedCount movedOrganisations { id } } }"
        ),
        {"input": {"fromOrganisationId": "x", "toOrganisationId": "y"}},
        100,
        "a payload list has a fixed cap, stated in its description",
    ),
    ("{ __schema { types { name fields { name args { name } } } } }", {}, 1, "introspection is free"),
    (
        (
            "mutation($items: [RelinkMembershipItemInput!]!) { bulkRelinkMemberships(input: {items: $items}) "
            "{ results { index userErrors { field } newMembership { id } } } }"
        ),
        {"items": [{"membershipId": "x", "organisationId": "y"}] * 250},
        250,
        "a bulk payload's results: one per item",
    ),
    (
        "{ organisations(first: -5) { nodes { subsidiaries(first: 9) { nodes { id } } } } }",
        {},
        1,
        "a negative size: nothing",
    ),
]


@pytest.mark.parametrize(("query", "variables", "expected", "why"), COSTS, ids=[c[3] for c in COSTS])
def test_the_cost_is_the_number_of_nodes_a_query_could_return(query, variables, expected, why) -> None:
    document = parse(query)
    assert validate(SCHEMA, document) == []
    assert query_cost(SCHEMA, document, operation_of(document, None), variables) == expected, why


def test_variables_that_do_not_fit_are_left_to_execution() -> None:
    document = parse(NESTED)
    assert query_cost(SCHEMA, document, operation_of(document, None), {"outer": "ten"}) is None


def test_the_limits_come_from_the_environment(monkeypatch) -> None:
    for name in ("RELGRAPH_MAX_QUERY_COST", "RELGRAPH_RATE_LIMIT_PER_MINUTE", "RELGRAPH_MAX_REQUEST_BYTES"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().rate_limit_per_minute == 1_000_000
    assert (Settings().max_query_cost, Settings().max_request_bytes) == (50_000, 4 * 1024 * 1024)
    monkeypatch.setenv("RELGRAPH_MAX_QUERY_COST", "123")
    monkeypatch.setenv("RELGRAPH_RATE_LIMIT_PER_MINUTE", "0")
    monkeypatch.setenv("RELGRAPH_MAX_REQUEST_BYTES", "2048")
    assert (Settings().max_query_cost, Settings().rate_limit_per_minute, Settings().max_request_bytes) == (
        123,
        0,
        2048,
    )


# --- over HTTP ---------------------------------------------------------------------------------

TOO_COSTLY = """
mutation {
  createOrganisation(input: {name: "Too costly"}) {
    organisation { subsidiaries(first: 100) { nodes { subsidiaries(first: 100) { nodes {
      memberships(first: 100) { nodes { id } } } } } } }
  }
}
"""  # 100 + 10,000 + 1,000,000


async def organisation_count(caller: Caller) -> int:
    return (await caller.gql("{ organisations(filter: {includeArchived: true}) { totalCount } }"))[
        "organisations"
    ]["totalCount"]


async def test_every_response_reports_its_cost_and_a_costly_one_is_refused_before_it_runs(admin) -> None:
    response = await admin.post("{ organisations(first: 30) { nodes { subsidiaries { nodes { id } } } } }")
    assert response.status_code == 200
    cost = response.json()["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 30 + 30 * 20
    assert cost["maximumQueryCost"] == 50_000
    assert cost["rateLimit"]["limit"] == 1_000_000
    assert cost["rateLimit"]["remaining"] == 1_000_000 - 630
    assert cost["rateLimit"]["resetAt"].endswith(":00Z")

    before = await organisation_count(admin)
    for accept, status in ((GRAPHQL_RESPONSE, 400), ("application/json", 200)):
        with StatementCounter() as counter:
            response = await admin.post(TOO_COSTLY, headers={"Accept": accept})
        assert response.status_code == status, response.text
        body = response.json()
        assert "data" not in body, "a request error: nothing ran"
        [error] = body["errors"]
        assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 1_010_100, "limit": 50_000}
        assert "1,010,100" in error["message"] and "50,000" in error["message"]
        assert body["extensions"]["cost"]["requestedQueryCost"] == 1_010_100
        assert "rateLimit" not in body["extensions"]["cost"], "a refused query spends no points"
        assert counter.count == 1, counter.statements  # authentication only: no resolver ran
    assert await organisation_count(admin) == before

    # A syntax error has no cost to report; a huge `first` is refused by cost, not run.
    assert "extensions" not in (await admin.post("{ viewer {")).json()
    huge = await admin.post("{ organisations(first: 2147483647) { nodes { memberships { nodes { id } } } } }")
    assert huge.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


@pytest.fixture
async def limited(
    settings, engine, sessionmaker
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, Any]]:
    """Two apps (two workers, say) on one database, each allowing 100 points a minute."""
    limited_settings = Settings(
        database_url=settings.database_url, documents_dir=settings.documents_dir, rate_limit_per_minute=100
    )
    clients = []
    for _ in range(2):
        transport = httpx.ASGITransport(app=create_app(limited_settings, engine=engine))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://relgraph.test"))
    async with clients[0], clients[1]:
        yield clients[0], clients[1], sessionmaker


async def _token(sessionmaker: Any, email: str) -> str:
    async with sessionmaker() as session:
        await users.create(session, email=email, name="Rate Limited", role="READONLY")
        token = await users.create_token(session, email=email)
        await session.commit()
    return token


async def test_the_rate_limit_counts_points_per_user_across_workers_and_answers_429(limited) -> None:
    first, second, sessionmaker = limited
    token = await _token(sessionmaker, "limited@test.example")
    other = await _token(sessionmaker, "other@test.example")
    query = {"query": "{ organisations { nodes { id } } }"}  # 20 points

    def post(client: httpx.AsyncClient, who: str = token, **headers: str) -> Any:
        return client.post("/graphql", json=query, headers={"Authorization": f"Bearer {who}", **headers})

    remaining = []
    for client in (first, second, first, second, first):
        response = await post(client)
        assert response.status_code == 200, response.text
        remaining.append(response.json()["extensions"]["cost"]["rateLimit"]["remaining"])
    assert remaining == [80, 60, 40, 20, 0], "both workers draw on one budget"

    for client, accept in ((first, GRAPHQL_RESPONSE), (second, "application/json")):
        refused = await post(client, Accept=accept)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        body = refused.json()
        assert "data" not in body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] == int(refused.headers["retry-after"])
        assert "20 points" in error["message"] and "100 points per minute" in error["message"]

    # Another user has a budget of their own.
    assert (await post(first, who=other)).status_code == 200
    # A query costing more than the whole budget could never run: a cost error, not a 429.
    big = await first.post(
        "/graphql",
        json={"query": "{ organisations(first: 101) { nodes { id } } }"},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert big.status_code == 200 and big.json()["errors"][0]["extensions"]["limit"] == 100


@contextlib.contextmanager
def _write_lock_held(database_url: str) -> Iterator[None]:
    """Another connection holds SQLite's write lock for the block (a long import, say)."""
    release, holding = threading.Event(), threading.Event()

    def long_write() -> None:
        writer = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        holding.set()
        release.wait(60)
        writer.execute("ROLLBACK")
        writer.close()

    thread = threading.Thread(target=long_write)
    thread.start()
    try:
        assert holding.wait(10)
        yield
    finally:
        release.set()
        thread.join()


async def _lock_tried_again() -> None:
    """After a charge found the lock held, its process counts alone for a moment."""
    await asyncio.sleep(2 * rate_limits.SQLITE_LOCK_WAIT_MS / 1000)


sqlite_lock = pytest.mark.skipif(IS_POSTGRES, reason="SQLite's one write lock; PostgreSQL locks rows")


@sqlite_lock
async def test_requests_are_charged_without_waiting_for_a_long_write_to_end(limited, database_url) -> None:
    """An import or a bulk relink holds SQLite's write lock for seconds: requests meanwhile
    are answered and counted by their process, which adds the points once the lock is free."""
    client, _, sessionmaker = limited
    token = await _token(sessionmaker, "busy@test.example")
    query = {"query": "{ organisations { nodes { id } } }"}  # 20 points
    with _write_lock_held(database_url):
        answers = [
            await client.post("/graphql", json=query, headers={"Authorization": f"Bearer {token}"})
            for _ in range(6)
        ]
    assert [a.status_code for a in answers] == [200] * 5 + [429], "the limit holds while the lock is held"
    assert [a.json()["extensions"]["cost"]["rateLimit"]["remaining"] for a in answers[:5]] == [
        80,
        60,
        40,
        20,
        0,
    ]
    async with sessionmaker() as session:
        assert await session.scalar(select(RateLimitWindow.points)) is None, "nothing was written meanwhile"

    # The lock is free: the next charge adds what was counted meanwhile, and is refused.
    await _lock_tried_again()
    refused = await client.post("/graphql", json=query, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 429
    async with sessionmaker() as session:
        assert await session.scalar(select(RateLimitWindow.points)) == 100


@sqlite_lock
async def test_points_counted_under_a_held_lock_lapse_with_their_minute(
    sessionmaker, admin, database_url
) -> None:
    now = 1_800_000_030.0

    async def spend(points: int, at: float) -> rate_limits.Charge:
        return await rate_limits.charge(sessionmaker, user_id=admin.user_id, points=points, limit=100, now=at)

    assert (await spend(10, now)).remaining == 90
    with _write_lock_held(database_url):
        assert (await spend(30, now)).remaining == 60  # the last committed 10, and 30 owed
    await _lock_tried_again()
    next_minute = await spend(5, now + 60)
    assert next_minute.allowed and next_minute.remaining == 95, "the owed 30 belonged to the minute before"
    async with sessionmaker() as session:
        row = (await session.execute(select(RateLimitWindow.window_start, RateLimitWindow.points))).one()
    assert tuple(row) == (1_800_000_060, 5)


async def test_charges_are_atomic_and_a_new_minute_starts_afresh(sessionmaker, admin) -> None:
    now = 1_800_000_030.0  # half a minute into a window

    async def spend(points: int, at: float = now) -> rate_limits.Charge:
        return await rate_limits.charge(sessionmaker, user_id=admin.user_id, points=points, limit=100, now=at)

    charges = await asyncio.gather(*(spend(10) for _ in range(25)))
    assert sum(c.allowed for c in charges) == 10, "exactly the budget, never more, under concurrency"
    refused = [c for c in charges if not c.allowed]
    assert all(c.remaining == 0 and c.retry_after == 30 for c in refused)

    late = await spend(10, at=now - 60)  # a worker whose clock still shows the last minute
    assert not late.allowed, "it counts in the current window instead of resetting it"

    fresh = await spend(30, at=now + 60)
    assert fresh.allowed and fresh.remaining == 70
    assert fresh.reset_at.timestamp() == 1_800_000_120


# --- the request body ----------------------------------------------------------------------------


async def test_a_body_over_the_limit_is_413_and_uploads_have_their_own_limit(admin, client, settings) -> None:
    limit = settings.max_request_bytes
    padding = "x" * limit
    body = json.dumps({"query": "{ viewer { email } }", "variables": {"pad": padding}})
    headers = {"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"}
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 413
    assert f"{limit:,} bytes" in response.json()["errors"][0]["message"]

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536].encode()

    response = await client.post("/graphql", content=chunked(), headers=headers)
    assert response.status_code == 413

    just_under = json.dumps({"query": "{ viewer { email } }", "variables": {"pad": padding[: limit - 100]}})
    assert (await client.post("/graphql", content=just_under, headers=headers)).status_code == 200

    # A document bigger than that goes through the multipart upload, which has max_document_bytes.
    size = limit + 1024 * 1024
    [org] = (
        await admin.gql('mutation { createOrganisation(input: {name: "Files"}) { organisation { id } } }')
    )["createOrganisation"].values()
    operations = {
        "query": "mutation($f: Upload!, $p: ID!) { uploadDocument(input: {partyId: $p, file: $f}) { document { size } userErrors { message } } }",
        "variables": {"f": None, "p": org["id"]},
    }
    upload = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("big.bin", b"\0" * size, "application/octet-stream")},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["data"]["uploadDocument"]["document"]["size"] == size


async def test_a_repeated_document_is_validated_once_with_the_limits_still_applied() -> None:
    from strawberry.extensions.validation_cache import _get_validate_cache

    schema = build_schema(Settings(max_aliases=2))
    cache = _get_validate_cache(256)
    query = "{ a: __typename b: __typename }"
    await schema.execute(query)
    before = cache.cache_info()
    for _ in range(3):
        assert (await schema.execute(query)).errors is None
    after = cache.cache_info()
    # The limiters' rules are the same objects in every request, so the cache answers.
    assert after.hits - before.hits == 3 and after.misses == before.misses
    refused = await schema.execute("{ a: __typename b: __typename c: __typename }")
    assert refused.errors and "aliases" in refused.errors[0].message
