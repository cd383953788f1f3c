"""Exploring the network: neighbourhoods, shortest paths and the staff list, within the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import IS_POSTGRES, Caller, add_membership, create_organisation, create_person, mutate, ok
from sqlalchemy import literal_column, select, table, text

from relgraph.domain.relations.network import membership_links

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
    organisation = await create_organisation(caller, name)
    if parent:
        await ok(caller, "setParentOrganisation", "", organisationId=organisation, parentId=parent)
    return organisation


async def person(caller: Caller, last: str, works_at: str | None = None) -> str:
    person_id = await create_person(caller, last)
    if works_at:
        await add_membership(caller, person_id, works_at, jobTitle="Inkoper")
    return person_id


async def relation_type(caller: Caller, name: str, inverse: str) -> str:
    kinds = ["ORGANISATION", "PERSON"]
    payload = await ok(
        caller,
        "createRelationType",
        "relationType { id }",
        name=name,
        inverseName=inverse,
        sourceKinds=kinds,
        targetKinds=kinds,
    )
    return payload["relationType"]["id"]


async def relate(caller: Caller, type_id: str, source: str, target: str) -> None:
    await ok(caller, "addRelation", "", typeId=type_id, sourceId=source, targetId=target)


async def neighbourhood(caller: Caller, pk: str, depth: int = 1, **variables: Any) -> dict[str, Any]:
    return (await caller.gql(NEIGHBOURHOOD, {"id": pk, "depth": depth, **variables}))["node"]["neighbourhood"]


def names(graph: dict[str, Any], distance: int | None = None) -> set[str]:
    return {
        n["party"]["displayName"] for n in graph["nodes"] if distance is None or n["distance"] == distance
    }


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
    await mutate(admin, "archiveOrganisation", "", id=d)
    return {"a": a, "b": b, "c": c, "d": d, "piet": piet, "hidden": hidden, "supplies": supplies}


async def test_depth_one_and_two_follow_every_kind_of_link(admin, world) -> None:
    one = await neighbourhood(admin, world["b"])
    assert names(one, 0) == {"Beta"}
    assert names(one, 1) == {"Alpha", "Gamma", "Piet"}
    labels = {(e["kind"], e["label"]) for e in one["edges"]}
    assert {
        ("RELATIONS", "supplier of"),
        ("HIERARCHY", "subsidiary of"),
        ("MEMBERSHIPS", "Inkoper"),
    } <= labels
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
    only_relations = await admin.gql(PATH, {"a": world["c"], "b": world["piet"], "include": ["RELATIONS"]})
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


async def test_staff_list_sorts_by_customer_files_without_betraying_hidden_persons(
    admin, make_caller, world
) -> None:
    team = await make_caller("TEAM")
    categories = await admin.gql("{ internalRelationCategories { id code } viewer { id } }")
    manager = categories["internalRelationCategories"][0]["id"]
    team_id = (await team.gql("{ viewer { id } }"))["viewer"]["id"]
    for party in (world["a"], world["b"], world["hidden"]):
        await mutate(admin, "addInternalRelation", "", employeeId=team_id, partyId=party, categoryId=manager)
    query = "{ users(orderBy: {field: CUSTOMER_FILES, direction: DESC}, first: 10) { nodes { email customerFileCount } } }"
    as_admin = (await admin.gql(query))["users"]["nodes"]
    assert as_admin[0] == {"email": team.email, "customerFileCount": 3}
    business = await make_caller("BUSINESS")
    as_business = (await business.gql(query))["users"]["nodes"]
    assert as_business[0] == {"email": team.email, "customerFileCount": 2}, (
        "the hidden person's file does not count"
    )
    counts = [u["customerFileCount"] for u in as_business]
    assert counts == sorted(counts, reverse=True)


async def test_memberships_touching_a_walk_s_frontier_are_looked_up_not_scanned_on_sqlite(
    sessionmaker,
) -> None:
    """The compiled walk asks the memberships touching its frontier with a subquery; without
    statistics SQLite once answered it by scanning the covering index by organisation once
    per date condition (0.3 s a hop on the large bench data). The plan, not a timing: each
    side of the OR is a search by its own index."""
    if IS_POSTGRES:
        pytest.skip("SQLite's query planner")
    frontier = select(literal_column("id")).select_from(table("frontier"))
    statement = membership_links(lambda column: column.in_(frontier), dt.date.today())
    async with sessionmaker() as session:
        dialect = session.bind.dialect
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        plan = await session.execute(text(f"EXPLAIN QUERY PLAN WITH frontier(id) AS (SELECT 1) {sql}"))
        steps = [row[3] for row in plan]
    assert not [step for step in steps if step.startswith("SCAN memberships")], steps
    assert any("SEARCH memberships USING" in step and "(person_id=?" in step for step in steps), steps
    assert any("SEARCH memberships USING" in step and "(organisation_id=?" in step for step in steps), (
        "; ".join(steps)
    )
