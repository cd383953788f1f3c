"""Exploring the network: neighbourhoods, shortest paths and the staff list, within the rules."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Caller

NEIGHBOURHOOD = """
query($id: ID!, $depth: Int!, $include: [NeighbourhoodKind!], $types: [String!], $max: Int! = 200) {
  node(id: $id) { ... on Party { neighbourhood(depth: $depth, include: $include, relationTypes: $types, maxNodes: $max) {
    truncated nodes { distance party { id displayName } } staff { distance user { name } } edges { source target kind label }
  } } }
}
"""
PATH = """
query($a: ID!, $b: ID!, $max: Int! = 6, $include: [NeighbourhoodKind!]) {
  shortestPath(fromId: $a, toId: $b, maxDepth: $max, include: $include) { length parties { displayName } edges { kind label } }
}
"""


async def org(caller: Caller, name: str, parent: str | None = None) -> str:
    data = await caller.gql('mutation($n: String!) { createOrganisation(input: {name: $n}) { organisation { id } } }', {"n": name})
    pk = data["createOrganisation"]["organisation"]["id"]
    if parent:
        await caller.gql('mutation($o: ID!, $p: ID) { setParentOrganisation(input: {organisationId: $o, parentId: $p}) { userErrors { code } } }', {"o": pk, "p": parent})
    return pk


async def person(caller: Caller, last: str, works_at: str | None = None) -> str:
    data = await caller.gql('mutation($n: String!) { createPerson(input: {lastName: $n}) { person { id } } }', {"n": last})
    pk = data["createPerson"]["person"]["id"]
    if works_at:
        await caller.gql('mutation($p: ID!, $o: ID!) { addMembership(input: {personId: $p, organisationId: $o, jobTitle: "Inkoper"}) { userErrors { code } } }', {"p": pk, "o": works_at})
    return pk


async def relation_type(caller: Caller, name: str, inverse: str) -> str:
    data = await caller.gql(
        'mutation($n: String!, $i: String!) { createRelationType(input: {name: $n, inverseName: $i, sourceKinds: [ORGANISATION, PERSON], targetKinds: [ORGANISATION, PERSON]}) { relationType { id } } }',
        {"n": name, "i": inverse},
    )
    return data["createRelationType"]["relationType"]["id"]


async def relate(caller: Caller, type_id: str, source: str, target: str) -> None:
    data = await caller.gql(
        'mutation($t: ID!, $s: ID!, $d: ID!) { addRelation(input: {typeId: $t, sourceId: $s, targetId: $d}) { userErrors { code } } }',
        {"t": type_id, "s": source, "d": target},
    )
    assert data["addRelation"]["userErrors"] == []


async def neighbourhood(caller: Caller, pk: str, depth: int = 1, **variables: Any) -> dict[str, Any]:
    return (await caller.gql(NEIGHBOURHOOD, {"id": pk, "depth": depth, **variables}))["node"]["neighbourhood"]


def names(graph: dict[str, Any], distance: int | None = None) -> set[str]:
    return {n["party"]["displayName"] for n in graph["nodes"] if distance is None or n["distance"] == distance}


@pytest.fixture
async def world(admin: Caller) -> dict[str, str]:
    """A -supplies-> B, B's subsidiary C, Piet works at B, a hidden person H related to A, D archived."""
    supplies = await relation_type(admin, "supplier of", "customer of")
    knows = await relation_type(admin, "advisor of", "advised by")
    a, b = await org(admin, "Alpha"), await org(admin, "Beta")
    c = await org(admin, "Gamma", parent=b)
    d = await org(admin, "Delta")
    await relate(admin, supplies, a, b)
    await relate(admin, supplies, c, d)
    piet = await person(admin, "Piet", works_at=b)
    hidden = await person(admin, "Verborgen")
    await relate(admin, knows, hidden, a)
    await relate(admin, knows, hidden, d)
    await admin.gql('mutation($d: ID!) { archiveOrganisation(input: {id: $d}) { userErrors { code } } }', {"d": d})
    return {"a": a, "b": b, "c": c, "d": d, "piet": piet, "hidden": hidden, "supplies": supplies}


async def test_depth_one_and_two_follow_every_kind_of_link(admin, world) -> None:
    one = await neighbourhood(admin, world["b"])
    assert names(one, 0) == {"Beta"}
    assert names(one, 1) == {"Alpha", "Gamma", "Piet"}
    labels = {(e["kind"], e["label"]) for e in one["edges"]}
    assert {("RELATIONS", "supplier of"), ("HIERARCHY", "subsidiary of"), ("MEMBERSHIPS", "Inkoper")} <= labels
    two = await neighbourhood(admin, world["b"], depth=2)
    assert names(two, 2) == {"Verborgen"}, "through Alpha; Delta is archived and left out"
    assert not two["truncated"]


async def test_include_and_relation_type_filters(admin, world) -> None:
    only_hierarchy = await neighbourhood(admin, world["b"], include=["HIERARCHY"])
    assert names(only_hierarchy) == {"Beta", "Gamma"}
    advice = await neighbourhood(admin, world["a"], types=["advisor of"])
    assert names(advice, 1) == {"Verborgen"}, "the supplier relation to Beta is filtered out"
    assert all(e["label"] == "advisor of" for e in advice["edges"] if e["kind"] == "RELATIONS")


async def test_max_nodes_truncates_and_says_so(admin, world) -> None:
    graph = await neighbourhood(admin, world["b"], depth=2, max=2)
    assert graph["truncated"] is True
    assert len(graph["nodes"]) == 2
    ids = {n["party"]["id"] for n in graph["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])


async def test_a_hidden_person_is_never_a_node_nor_a_hop(admin, make_caller, world) -> None:
    business = await make_caller("BUSINESS")
    seen = await neighbourhood(business, world["a"], depth=3)
    assert "Verborgen" not in names(seen)
    assert world["hidden"] not in {e["source"] for e in seen["edges"]} | {e["target"] for e in seen["edges"]}
    assert "Verborgen" in names(await neighbourhood(admin, world["a"], depth=1))
    # Alpha and Piet are linked only through Beta; through the hidden person there is nothing.
    path = (await business.gql(PATH, {"a": world["a"], "b": world["piet"]}))["shortestPath"]
    assert [p["displayName"] for p in path["parties"]] == ["Alpha", "Beta", "Piet"]
    assert (await business.gql(PATH, {"a": world["a"], "b": world["hidden"]}))["shortestPath"] is None
    assert (await admin.gql(PATH, {"a": world["a"], "b": world["hidden"]}))["shortestPath"]["length"] == 1


async def test_shortest_path_lengths_limits_and_bad_ids(admin, world) -> None:
    path = (await admin.gql(PATH, {"a": world["c"], "b": world["piet"]}))["shortestPath"]
    assert path["length"] == 2 and [e["kind"] for e in path["edges"]] == ["HIERARCHY", "MEMBERSHIPS"]
    assert (await admin.gql(PATH, {"a": world["c"], "b": world["piet"], "max": 1}))["shortestPath"] is None
    only_relations = (await admin.gql(PATH, {"a": world["c"], "b": world["piet"], "include": ["RELATIONS"]}))
    assert only_relations["shortestPath"] is None
    assert (await admin.gql(PATH, {"a": world["a"], "b": world["a"]}))["shortestPath"]["length"] == 0
    for variables in ({"a": "garbage", "b": world["a"]}, {"a": world["a"], "b": world["b"], "max": 9}):
        body = (await admin.post(PATH, variables)).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


async def test_each_hop_is_a_fixed_number_of_statements(admin) -> None:
    supplies = await relation_type(admin, "supplier of", "customer of")

    async def star(label: str, spokes: int) -> str:
        centre = await org(admin, f"{label} centre")
        for i in range(spokes):
            spoke = await org(admin, f"{label} spoke {i}")
            await relate(admin, supplies, centre, spoke)
            await person(admin, f"{label}{i}", works_at=spoke)
        return centre

    small, big = await star("small", 2), await star("big", 12)
    _, small_count = await admin.counted(NEIGHBOURHOOD, {"id": small, "depth": 2})
    big_data, big_count = await admin.counted(NEIGHBOURHOOD, {"id": big, "depth": 2})
    assert len(big_data["node"]["neighbourhood"]["nodes"]) == 25
    assert small_count == big_count


async def test_staff_list_sorts_by_customer_files_without_betraying_hidden_persons(admin, make_caller, world) -> None:
    team = await make_caller("TEAM")
    categories = await admin.gql("{ internalRelationCategories { id code } viewer { id } }")
    manager = categories["internalRelationCategories"][0]["id"]
    team_id = (await team.gql("{ viewer { id } }"))["viewer"]["id"]
    for party in (world["a"], world["b"], world["hidden"]):
        await admin.gql(
            'mutation($e: ID!, $p: ID!, $c: ID!) { addInternalRelation(input: {employeeId: $e, partyId: $p, categoryId: $c}) { userErrors { code } } }',
            {"e": team_id, "p": party, "c": manager},
        )
    query = "{ users(orderBy: {field: CUSTOMER_FILES, direction: DESC}, first: 10) { nodes { email customerFileCount } } }"
    as_admin = (await admin.gql(query))["users"]["nodes"]
    assert as_admin[0] == {"email": team.email, "customerFileCount": 3}
    business = await make_caller("BUSINESS")
    as_business = (await business.gql(query))["users"]["nodes"]
    assert as_business[0] == {"email": team.email, "customerFileCount": 2}, "the hidden person's file does not count"
    counts = [u["customerFileCount"] for u in as_business]
    assert counts == sorted(counts, reverse=True)
