"""Compiled reads page, sort and search persons as the resolvers do (issue 25).

Every list the compiler answers is walked forwards (first/after) and backwards
(last/before) in small pages, in each of its orders, as compiled and as resolved: every
page is the same bytes, errors alike; both walks give the whole list. Bad cursors, a
cursor of another order and page sizes the resolvers refuse are left to the resolvers,
who word the error. Data: the demo world the resolvers' own walk uses
(tests/api/test_nested_connections.py).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from compared import both
from helpers import Caller, ok
from sqlalchemy import update

from relgraph import demo
from relgraph.db.models import Membership, Party
from relgraph.demo.base import REFERENCE_TIME

PAGE = 2
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
# Forward only, and every direction: the statement reads forward, or turns on a parameter.
FORWARD = "first: $first, after: $after"
EVERY_WAY = "first: $first, after: $after, last: $last, before: $before"
VARIABLES = "$first: Int, $after: String, $last: Int, $before: String"
FORWARD_VARIABLES = "$first: Int, $after: String"

MEMBERSHIP = (
    "id role startDate endDate active createdAt updatedAt version person { sortName } organisation { name }"
)
ORGANISATION = "id name createdAt updatedAt version"
RELATION = "id startDate endDate active version type { name inverseName }"
RELATION_ORDERS = ["RECORDED", "TYPE", "START_DATE"]
PERSON = "id displayName sortName isBusinessRelation createdAt version"

# (name, owner field or None for a root list, list field, fixed arguments, node fields,
# orders, page size: shorter than the list)
LISTS = [
    ("organisations", None, "organisations", "", ORGANISATION, ["NAME", "CREATED_AT", "UPDATED_AT"], 25),
    ("persons", None, "persons", "", PERSON, ["NAME", "CREATED_AT", "UPDATED_AT"], 25),
    ("search", None, "persons", 'filter: { search: "de", includeInactive: true }', PERSON, [], 5),
    ("subsidiaries", "organisation", "subsidiaries", "", ORGANISATION, ["NAME"], 2),
    ("people", "organisation", "memberships", "", MEMBERSHIP, ["NAME", "START_DATE", "ROLE"], 2),
    ("all people", "organisation", "memberships", "includeInactive: true", MEMBERSHIP, ["START_DATE"], 2),
    ("jobs", "person", "memberships", "includeInactive: true", MEMBERSHIP, ["NAME", "START_DATE", "ROLE"], 2),
    ("current jobs", "person", "memberships", "", MEMBERSHIP, ["ROLE"], 1),
    ("relations", "organisation", "relations", "", RELATION, RELATION_ORDERS, 2),
    ("all relations", "organisation", "relations", "includeInactive: true", RELATION, RELATION_ORDERS, 2),
]


@pytest.fixture
async def world(admin, sessionmaker) -> dict[str, str]:
    """The nested walk's demo world: the flagship organisation, the holding (with more
    subsidiaries than a page) and the person with the most memberships."""
    async with sessionmaker() as session:
        await demo.seed(session, organisations=60, persons=200, seed=7, created_by_id=admin.user_id)
        # A moment without microseconds: isoformat() then leaves them out.
        await session.execute(update(Party).where(Party.id % 3 == 0).values(created_at=REFERENCE_TIME))
        # Roles are free text: cursors of the ROLE order escape what is not ASCII as json.dumps does.
        await session.execute(update(Membership).where(Membership.id % 4 == 0).values(role="Coördinatør 😀"))
        await session.commit()

    async def first_id(search: str) -> str:
        data = await admin.gql(
            f'{{ organisations(filter: {{ search: "{search}" }}, first: 1) {{ nodes {{ id }} }} }}'
        )
        return str(data["organisations"]["nodes"][0]["id"])

    holding = await first_id(demo.FLAGSHIP_NAME)
    for i in range(PAGE + 1):
        child = await ok(
            admin, "createOrganisation", "organisation { id }", name=f"Noorderlicht Nieuw {i} B.V."
        )
        await ok(
            admin, "setParentOrganisation", "", organisationId=child["organisation"]["id"], parentId=holding
        )
    people = await admin.gql(
        "{ persons(first: 100) { nodes { id memberships(includeInactive: true) { totalCount } } } }"
    )
    busiest = max(people["persons"]["nodes"], key=lambda p: p["memberships"]["totalCount"])
    return {
        "organisation": await first_id("Noorderlicht Bouw B.V."),
        "holding": holding,
        "person": busiest["id"],
    }


def _query(owner: str | None, field: str, fixed: str, nodes: str, order: str | None, paging: str) -> str:
    arguments = ", ".join(a for a in (fixed, f"orderBy: {order}" if order else "", paging) if a)
    selection = f"{field}({arguments}) {{ totalCount edges {{ cursor node {{ {nodes} }} }} {PAGE_INFO} }}"
    variables = VARIABLES if paging == EVERY_WAY else FORWARD_VARIABLES
    if owner is None:
        return f"query Walk({variables}) {{ {selection} }}"
    return f"query Walk($id: ID!, {variables}) {{ {owner}(id: $id) {{ {selection} }} }}"


async def _walk(
    caller: Caller,
    resolvers: Any,
    answered: list[str],
    queries: tuple[str, str],
    fixed: dict[str, Any],
    size: int,
) -> list[str]:
    """Walk a list forwards and backwards, each page compiled and resolved alike; its cursors."""
    forward_only, every_way = queries

    async def page(query: str, owner_key: str | None, **variables: Any) -> dict[str, Any]:
        answered.clear()
        body = await both(caller, resolvers, query, fixed | variables)
        assert answered == ["Walk"], (query, variables)
        data = body["data"]
        return data[owner_key] if owner_key else data

    def listed(data: dict[str, Any]) -> dict[str, Any]:
        inner = next(iter(data.values()))
        return next(iter(inner.values())) if "id" in fixed else inner

    forward: list[str] = []
    after = None
    while True:
        result = listed(await page(forward_only, None, first=size, after=after))
        forward += [e["cursor"] for e in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(forward) == result["totalCount"] == len(set(forward))

    backward: list[str] = []
    before = None
    while True:
        result = listed(await page(every_way, None, last=size, before=before))
        backward = [e["cursor"] for e in result["edges"]] + backward
        if not result["pageInfo"]["hasPreviousPage"]:
            break
        before = result["pageInfo"]["startCursor"]
    assert backward == forward
    if len(forward) > 2:
        # A window in the middle, the last page after the first item, a first page backwards.
        for variables in (
            {"first": 100, "after": forward[0], "before": forward[-1]},
            {"last": 2, "after": forward[0]},
            {"first": 2, "before": forward[-1]},
            {"first": size, "after": forward[1]},
        ):
            listed(await page(every_way, None, **variables))
    return forward


async def test_every_compiled_list_pages_both_ways_in_every_order(
    world, demo_users, resolvers_client, answered
) -> None:
    short = []
    for name, owner, field, fixed, nodes, orders, size in LISTS:
        key = "holding" if field == "subsidiaries" else owner
        variables = {"id": world[key]} if key else {}
        # Roots: every demo user (R1 hides persons from some); nested lists: the admin.
        callers = demo_users if owner is None else demo_users[:1]
        for order in [None, *(f"{{ field: {f}, direction: {d} }}" for f in orders for d in ("ASC", "DESC"))]:
            queries = (
                _query(owner, field, fixed, nodes, order, FORWARD),
                _query(owner, field, fixed, nodes, order, EVERY_WAY),
            )
            for caller in callers:
                cursors = await _walk(caller, resolvers_client, answered, queries, variables, size)
                if len(cursors) <= size:
                    short.append((name, order, caller.email, len(cursors)))
    # A walk proves little on a list no longer than a page: the demo lists are not.
    assert short == [], "\n".join(map(str, short))


def _cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), separators=(",", ":")).encode()).decode()


async def test_bad_cursors_and_sizes_are_left_to_the_resolvers(
    world, demo_users, resolvers_client, answered
) -> None:
    admin = demo_users[0]
    people = _query("organisation", "memberships", "", "id", None, EVERY_WAY)
    by_role = _query("organisation", "memberships", "", "id", "{ field: ROLE }", EVERY_WAY)
    first = await admin.gql(people, {"id": world["organisation"], "first": 2})
    name_cursor = first["organisation"]["memberships"]["edges"][0]["cursor"]
    bad: list[dict[str, Any]] = [
        {"after": "garbage"},
        {"before": "!!!"},
        {"after": _cursor("NAME", "jansen")},  # too short
        {"after": _cursor("NAME", "jansen", 1.5)},  # not an id
        {"before": _cursor("NAME", 7, 1)},  # not a name
        {"after": _cursor("NAME", "a", 2**63)},  # past a BIGINT
        {"first": 0},
        {"last": 101},
        {"first": 2, "last": 2},
    ]
    for variables in bad:
        answered.clear()
        body = await both(admin, resolvers_client, people, {"id": world["organisation"]} | variables)
        assert answered == [], variables
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], variables
    # A cursor of another order of the same list: refused, as the resolvers refuse it.
    for variables in ({"after": name_cursor}, {"last": 1, "before": name_cursor}):
        answered.clear()
        body = await both(admin, resolvers_client, by_role, {"id": world["organisation"]} | variables)
        assert answered == [] and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # Root lists carry no order in their cursors: a name cursor pages a list sorted descending.
    organisations = _query(
        None, "organisations", "", "id name", "{ field: NAME, direction: DESC }", EVERY_WAY
    )
    root = await admin.gql(_query(None, "organisations", "", "id", None, FORWARD), {"first": 3})
    answered.clear()
    await both(
        admin,
        resolvers_client,
        organisations,
        {"last": 2, "before": root["organisations"]["edges"][1]["cursor"]},
    )
    assert answered == ["Walk"]


async def test_orders_written_in_variables_are_left_to_the_resolvers(
    world, demo_users, resolvers_client, answered
) -> None:
    query = """query Walk($id: ID!, $order: MembershipOrder) {
      organisation(id: $id) { memberships(orderBy: $order, first: 3) { nodes { id } } } }"""
    answered.clear()
    await both(
        demo_users[0], resolvers_client, query, {"id": world["organisation"], "order": {"field": "ROLE"}}
    )
    assert answered == []
