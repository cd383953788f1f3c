"""Staff users are Nodes: node(id:) and nodes(ids:) find them, as the staff list shows them."""

from __future__ import annotations

import pytest
from helpers import pk

from relgraph.db.models import User
from relgraph.graphql.core.ids import encode_id

USER_NODE = "query($id: ID!) { node(id: $id) { __typename id ... on User { name email role active } } }"
ROLES = ["ADMIN", "TEAM", "BUSINESS", "READONLY"]


@pytest.mark.parametrize("role", ROLES)
async def test_node_finds_a_user_for_every_role_as_the_staff_list_does(make_caller, role) -> None:
    viewer = await make_caller(role)
    other = await make_caller("TEAM", email="colleague@test.example")
    listed = await viewer.gql("{ users(first: 100) { nodes { id name email role active } } }")
    user = next(u for u in listed["users"]["nodes"] if u["email"] == other.email)

    found = (await viewer.gql(USER_NODE, {"id": user["id"]}))["node"]

    assert found == {"__typename": "User", **user}
    assert pk(user["id"]) == other.user_id


async def test_nodes_finds_users_and_the_viewer_can_refetch_itself(make_caller) -> None:
    viewer = await make_caller("READONLY")
    me = (await viewer.gql("{ viewer { id email } }"))["viewer"]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { email } } }"

    found = (await viewer.gql(query, {"ids": [me["id"], encode_id("User", 10**9)]}))["nodes"]

    assert found == [me, None]


async def test_an_inactive_user_is_found_as_users_include_inactive_lists_them(
    make_caller, sessionmaker
) -> None:
    viewer = await make_caller("BUSINESS")
    leaver = await make_caller("TEAM")
    async with sessionmaker() as session:
        from_db = await session.get(User, leaver.user_id)
        from_db.active = False
        await session.commit()

    found = (await viewer.gql(USER_NODE, {"id": encode_id("User", leaver.user_id)}))["node"]

    assert found["email"] == leaver.email and found["active"] is False


async def test_a_user_id_that_names_no_user_answers_as_any_missing_id(make_caller) -> None:
    # No user is hidden from a signed-in viewer (the staff list shows them all), so the
    # only user node(id:) does not give is one that does not exist: answered exactly as
    # an organisation that does not exist, and as an id that is no id at all.
    viewer = await make_caller("READONLY")
    missing_user = await viewer.post(USER_NODE, {"id": encode_id("User", 10**9)})
    missing_organisation = await viewer.post(USER_NODE, {"id": encode_id("Organisation", 10**9)})
    not_an_id = await viewer.post(USER_NODE, {"id": "no such id"})

    answers = [missing_user, missing_organisation, not_an_id]
    assert [a.status_code for a in answers] == [200, 200, 200]
    # Without extensions.cost, whose rate-limit count goes down with every request.
    assert [{**a.json(), "extensions": None} for a in answers] == 3 * [
        {"data": {"node": None}, "extensions": None}
    ]
