"""Query cost limit, per-user rate limit on cost points, request body limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import parse, validate
from helpers import Caller

from relgraph.config import Settings
from relgraph.db.engine import StatementCounter
from relgraph.graphql.core.cost import operation_of, query_cost
from relgraph.graphql.schema import build_schema

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
    assert Settings().rate_limit_flush_ms == 250
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
