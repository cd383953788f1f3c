"""The planned executor answers exactly as Strawberry does, and answers what it should."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from helpers import EXAMPLE_QUERIES, Caller

from relgraph import demo
from relgraph.config import Settings
from relgraph.db.engine import StatementCounter
from relgraph.graphql.core import planned
from relgraph.web import create_app

CARD = """query Card($id: ID!, $people: Int = 50) {
  organisation(id: $id) {
    __typename id name code kvkNumber status createdAt
    parent { id name }
    memberships(first: $people) {
      totalCount
      nodes { id jobTitle role active startDate tags person { __typename id firstName infix lastName sortName } }
    }
    subsidiaries(first: 50) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id name code kvkNumber
        memberships(first: 50) { nodes { id jobTitle role person { id firstName infix lastName } } }
      }
    }
  }
}"""

# Aliases, fragments (named, inline, on an interface), edges and a second page.
SHAPES = """query Shapes($id: ID!, $after: String) {
  card: organisation(id: $id) { ...Head people: memberships(first: 2, after: $after) {
      edges { cursor node { ... on Membership { id role } person { ...PersonName } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
    ... on Party { displayName kind }
    top: subsidiaries(first: 1) { nodes { ...Head } }
    relations(first: 5) { totalCount edges { label direction otherParty { __typename id displayName
      ... on Person { lastName } ... on Organisation { code } } } } }
  again: organisation(id: $id) { name }
}
fragment Head on Organisation { id name parent { name } }
fragment PersonName on Person { displayName memberships { nodes { organisation { name } } } }"""

# Strawberry must answer these itself: a directive, a bad page size, a bad ID, introspection.
STRAWBERRY_ONLY = [
    ("directive", "query($id: ID!) { organisation(id: $id) { name @include(if: true) } }"),
    ("bad page size", "query($id: ID!) { organisation(id: $id) { memberships(first: 500) { totalCount } } }"),
    (
        "introspection",
        'query($id: ID!) { __type(name: "Organisation") { name } organisation(id: $id) { id } }',
    ),
]


@pytest.fixture
async def demo_data(admin, sessionmaker) -> None:
    async with sessionmaker() as session:
        await demo.seed(session, organisations=40, persons=150, seed=11, created_by_id=admin.user_id)
        await session.commit()


@pytest.fixture
async def strawberry_client(settings: Settings, engine: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The same service with every query executed by Strawberry."""
    plain = dataclasses.replace(settings, planned_execution=False)
    app = create_app(plain, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test"
    ) as client:
        yield client


@pytest.fixture
def answered_by_plan(monkeypatch) -> list[bool]:
    """Records, per request that had a plan, whether the plan answered it."""
    answered: list[bool] = []
    run = planned.run_plan

    async def recording(*args: Any, **kwargs: Any) -> Any:
        try:
            data = await run(*args, **kwargs)
        except Exception:
            answered.append(False)
            raise
        answered.append(True)
        return data

    monkeypatch.setattr(planned, "run_plan", recording)
    return answered


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    # The rate limit's remaining points differ from one request to the next; request ids too.
    errors = [
        {k: v for k, v in e.items() if k != "extensions"} | {"code": e.get("extensions", {}).get("code")}
        for e in body.get("errors", [])
    ]
    cost = {k: v for k, v in body.get("extensions", {}).get("cost", {}).items() if k != "rateLimit"}
    return {"data": body.get("data"), "errors": errors, "cost": cost}


async def _both(
    caller: Caller, strawberry_client: httpx.AsyncClient, query: str, variables: dict[str, Any]
) -> Any:
    planned_response = await caller.post(query, variables)
    strawberry_response = await Caller(strawberry_client, caller.token, caller.user_id, caller.email).post(
        query, variables
    )
    assert planned_response.status_code == strawberry_response.status_code
    mine, theirs = _comparable(planned_response.json()), _comparable(strawberry_response.json())
    assert mine == theirs
    return mine


async def _card_id(caller: Caller) -> str:
    data = await caller.gql(
        '{ organisations(filter: { search: "Noorderlicht Bouw" }, first: 1) { nodes { id } } }'
    )
    return data["organisations"]["nodes"][0]["id"]


@pytest.mark.parametrize("role", ["ADMIN", "TEAM", "BUSINESS", "READONLY"])
async def test_the_card_is_answered_by_the_plan_exactly_as_strawberry_answers_it(
    role, demo_data, make_caller, strawberry_client, answered_by_plan
) -> None:
    caller = await make_caller(role)
    card = await _card_id(caller)
    answered_by_plan.clear()
    answer = await _both(caller, strawberry_client, CARD, {"id": card})
    assert answered_by_plan == [True]
    organisation = answer["data"]["organisation"]
    assert organisation["memberships"]["nodes"] and organisation["subsidiaries"]["nodes"]
    assert organisation["memberships"]["nodes"][0]["person"]["__typename"] == "Person"


async def test_aliases_fragments_interfaces_and_cursors(
    demo_data, admin, strawberry_client, answered_by_plan
) -> None:
    card = await _card_id(admin)
    answered_by_plan.clear()
    first = await _both(admin, strawberry_client, SHAPES, {"id": card, "after": None})
    page = first["data"]["card"]["people"]
    assert page["pageInfo"]["hasNextPage"] and len(page["edges"]) == 2
    second = await _both(
        admin, strawberry_client, SHAPES, {"id": card, "after": page["pageInfo"]["endCursor"]}
    )
    assert second["data"]["card"]["people"]["edges"][0]["cursor"] != page["edges"][0]["cursor"]
    kinds = {e["otherParty"]["__typename"] for e in first["data"]["card"]["relations"]["edges"]}
    assert kinds, "the card organisation has relations"
    assert answered_by_plan == [True, True]


async def test_every_example_query_gets_the_same_answer(demo_data, admin, strawberry_client) -> None:
    for path in sorted(EXAMPLE_QUERIES.glob("*.graphql")):
        answer = await _both(admin, strawberry_client, path.read_text(), {})
        assert answer["data"] and not answer["errors"], path.name


@pytest.mark.parametrize(("name", "query"), STRAWBERRY_ONLY, ids=[n for n, _ in STRAWBERRY_ONLY])
async def test_strawberry_answers_what_the_plan_cannot(
    name, query, demo_data, admin, strawberry_client, answered_by_plan
) -> None:
    card = await _card_id(admin)
    answered_by_plan.clear()
    await _both(admin, strawberry_client, query, {"id": card})
    assert True not in answered_by_plan


async def test_errors_and_missing_objects_read_as_before(demo_data, admin, strawberry_client) -> None:
    # A well-formed ID of nothing, an ID of the wrong kind, garbage, a missing variable.
    person = (await admin.gql("{ persons(first: 1) { nodes { id } } }"))["persons"]["nodes"][0]["id"]
    for variables in ({"id": "T3JnYW5pc2F0aW9uOjk5OTk5OTk"}, {"id": person}, {"id": "garbage"}, {}):
        await _both(admin, strawberry_client, CARD, variables)


async def test_the_plan_sends_the_statements_strawberry_sends(demo_data, admin, strawberry_client) -> None:
    card = await _card_id(admin)
    with StatementCounter() as planned_statements:
        await admin.gql(CARD, {"id": card})
    with StatementCounter() as strawberry_statements:
        await Caller(strawberry_client, admin.token, admin.user_id, admin.email).gql(CARD, {"id": card})
    assert planned_statements.count == strawberry_statements.count


STAMPS_AND_OWNERS = """query($id: ID!) {
  organisation(id: $id) {
    createdAt createdBy { name } updatedBy { name }
    addresses { party { id } createdBy { name } }
    contactMeans { party { id } }
    memberships(first: 5) { nodes { createdBy { name } person { id createdBy { name } } organisation { id } } }
  }
}"""


async def test_stamps_and_owners_are_answered_by_the_plan(
    demo_data, admin, strawberry_client, answered_by_plan
) -> None:
    """The shared field builders (the staff user an object names, the party it belongs to)
    stay plannable: a resolver the plan cannot call sends the whole query to Strawberry."""
    card = await _card_id(admin)
    answered_by_plan.clear()
    answer = await _both(admin, strawberry_client, STAMPS_AND_OWNERS, {"id": card})
    assert answered_by_plan == [True]
    organisation = answer["data"]["organisation"]
    assert organisation["addresses"] and organisation["addresses"][0]["party"]["id"] == card
    assert organisation["createdBy"]["name"]
