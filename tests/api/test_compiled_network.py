"""Compiled reads of the analysts' network: descendants (breadth first) and neighbourhoods
answer exactly as the resolvers do, as every demo user, on both databases."""

from __future__ import annotations

from typing import Any

from compared import both
from helpers import add_membership, create_organisation, create_person, make_account_manager, ok
from sqlalchemy import select, update

from relgraph.db.engine import StatementCounter
from relgraph.db.models import Organisation, Relation
from relgraph.graphql.core.ids import encode_id

DESCENDANTS = """query Descendants($id: ID!, $first: Int, $maxDepth: Int, $archived: Boolean! = false) {
  organisation(id: $id) {
    name
    descendants(first: $first, maxDepth: $maxDepth, includeArchived: $archived) {
      __typename totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename cursor depth node { id name parent { name } } }
      nodes { name memberships { totalCount } }
    }
    two: descendants(first: 2) { totalCount edges { depth cursor } pageInfo { hasNextPage endCursor } }
  }
}"""


async def _organisations(caller: Any) -> list[str]:
    found = await caller.gql(
        "{ organisations(first: 100, filter: { includeArchived: true }) { nodes { id } } }"
    )
    return [node["id"] for node in found["organisations"]["nodes"]]


async def test_descendants_as_the_resolvers_page_them(
    demo_data,
    demo_users,
    resolvers_client,
    answered,
    sessionmaker,
) -> None:
    admin = demo_users[0]
    ids = await _organisations(admin)
    # An archived organisation in a group hides its branch unless includeArchived.
    async with sessionmaker() as session:
        parents = (
            await session.execute(Organisation.__table__.select().where(Organisation.parent_id.is_not(None)))
        ).all()
        await session.execute(
            update(Organisation).where(Organisation.id == parents[0].parent_id).values(archived=True)
        )
        await session.commit()
    answered.clear()
    deepest = 0
    cases = [{}, {"first": 1}, {"first": 3, "maxDepth": 1}, {"maxDepth": 2, "archived": True}, {"first": 100}]
    for pk in ids:
        for variables in cases:
            answer = await both(admin, resolvers_client, DESCENDANTS, {"id": pk, **variables})
            edges = answer["data"]["organisation"]["descendants"]["edges"]
            deepest = max([deepest, *(edge["depth"] for edge in edges)])
    assert set(answered) == {"Descendants"}
    assert deepest >= 2  # the demo groups are deep enough to show the breadth-first order
    # What the resolvers refuse or the compiler does not know: the resolvers answer it.
    answered.clear()
    for variables in ({"maxDepth": 0}, {"first": 101}):
        await both(admin, resolvers_client, DESCENDANTS, {"id": ids[0], **variables})
    assert answered == []


NEIGHBOURHOOD = """query Network($id: ID!, $depth: Int! = 1, $most: Int! = 200, $include: [NeighbourhoodKind!]) {
  organisation(id: $id) {
    neighbourhood(depth: $depth, maxNodes: $most, include: $include) {
      __typename truncated
      nodes { __typename distance party { __typename id displayName ... on Organisation { name } } }
      staff { distance user { __typename id name } }
      edges { __typename source target kind label }
    }
  }
}"""

PARTY_NETWORK = """query PartyNetwork($org: ID!, $person: ID!, $depth: Int! = 2, $most: Int! = 200) {
  organisation(id: $org) {
    neighbourhood(depth: $depth, maxNodes: $most) { truncated nodes { distance party { id } } edges { source target kind label } }
  }
  person(id: $person) {
    neighbourhood(depth: $depth, maxNodes: $most) { truncated nodes { distance party { id } } staff { distance user { id } } edges { label } }
  }
}"""

# Depth and kinds written in the document: only those hops and kinds are written in the statement.
WRITTEN_IN = """query Written($org: ID!, $most: Int! = 200) {
  organisation(id: $org) {
    two: neighbourhood(depth: 2, include: [RELATIONS, HIERARCHY], maxNodes: $most) { truncated nodes { distance party { id } } edges { source target kind label } }
    three: neighbourhood(depth: 3, include: [MEMBERSHIPS, INTERNAL], maxNodes: 30) { truncated nodes { distance } staff { distance } edges { kind label } }
    one: neighbourhood { nodes { distance } edges { label } }
  }
}"""


async def test_neighbourhoods_as_the_resolvers_walk_them(
    demo_data, demo_users, resolvers_client, answered
) -> None:
    admin = demo_users[0]
    organisations = await _organisations(admin)
    persons = (await admin.gql("{ persons(first: 100) { nodes { id } } }"))["persons"]["nodes"]
    cases: list[dict[str, Any]] = [
        {"depth": 1},
        {"depth": 2},
        {"depth": 3, "most": 40},  # stops at maxNodes
        {"depth": 2, "most": 3},  # and at 5 links per node
        {"depth": 2, "include": ["MEMBERSHIPS", "INTERNAL"]},
    ]
    answered.clear()
    truncated = 0
    for caller in demo_users:
        for org, person in zip(organisations[:6], persons[:6], strict=True):
            for variables in cases:
                answer = await both(
                    caller, resolvers_client, PARTY_NETWORK, {"org": org, "person": person["id"], **variables}
                )
                truncated += answer["data"]["organisation"]["neighbourhood"]["truncated"]
            await both(caller, resolvers_client, WRITTEN_IN, {"org": org, "most": 7})
    assert set(answered) == {"PartyNetwork", "Written"}
    assert truncated


async def test_a_hidden_person_is_never_a_node_nor_a_link(
    demo_data, demo_users, resolvers_client, answered
) -> None:
    """R1: a person without memberships, related to an organisation, is in the ADMIN's
    neighbourhood of that organisation and in nobody else's (their links neither)."""
    admin = demo_users[0]
    created = await admin.gql(
        "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id } } }",
        {"i": {"firstName": "Quirina", "lastName": "Zwavel"}},
    )
    hidden = created["createPerson"]["person"]["id"]
    found = await admin.gql(
        "{ organisations(first: 3) { nodes { id } } relationTypes { id active sourceKinds targetKinds } }"
    )
    org = found["organisations"]["nodes"][0]["id"]
    [type_id, *_] = [
        t["id"]
        for t in found["relationTypes"]
        if t["active"] and "PERSON" in t["sourceKinds"] and "ORGANISATION" in t["targetKinds"]
    ]
    added = await admin.gql(
        "mutation($i: AddRelationInput!) { addRelation(input: $i) { userErrors { message } } }",
        {"i": {"typeId": type_id, "sourceId": hidden, "targetId": org}},
    )
    assert added["addRelation"]["userErrors"] == []
    answered.clear()
    seen_by = []
    for caller in demo_users:
        for depth in (1, 2):
            answer = await both(caller, resolvers_client, NEIGHBOURHOOD, {"id": org, "depth": depth})
            network = answer["data"]["organisation"]["neighbourhood"]
            if any(node["party"]["id"] == hidden for node in network["nodes"]):
                seen_by.append(caller.email)
            ends = {end for edge in network["edges"] for end in (edge["source"], edge["target"])}
            assert (hidden in ends) == any(node["party"]["id"] == hidden for node in network["nodes"])
    assert demo_users[0].email in seen_by and demo_users[-1].email not in seen_by
    assert set(answered) == {"Network"}


async def test_an_archived_organisation_is_never_a_node(
    demo_data, demo_users, resolvers_client, answered, sessionmaker
) -> None:
    """A relation does not check that its ends are archived: the walk does, for each
    organisation it reaches (shown_as_node), as the resolvers do."""
    async with sessionmaker() as session:
        relation = (
            await session.execute(
                select(Relation.source_id, Relation.target_id)
                .join(Organisation, Organisation.id == Relation.target_id)
                .where(Relation.active.is_(True))
                .order_by(Relation.id)
                .limit(1)
            )
        ).one()
        await session.execute(
            update(Organisation).where(Organisation.id == relation.target_id).values(archived=True)
        )
        await session.commit()
    archived = encode_id("Organisation", relation.target_id)
    answered.clear()
    for caller in demo_users:
        for start in (relation.source_id, relation.target_id):
            answer = await both(
                caller, resolvers_client, NEIGHBOURHOOD, {"id": encode_id("Organisation", start), "depth": 2}
            )
            network = answer["data"]["organisation"]["neighbourhood"]
            if start == relation.source_id:
                assert network["nodes"] and archived not in {n["party"]["id"] for n in network["nodes"]}
    assert set(answered) == {"Network"}


async def test_the_statements_of_a_neighbourhood_depend_on_its_depth_not_its_size(
    demo_data, demo_users, answered, database_url
) -> None:
    """Compiled on both databases, with as many statements however many nodes and links
    the walk finds: one after authentication on PostgreSQL; on SQLite one per hop written
    but the last (three hops: the depth is a variable) before it."""
    business = demo_users[2]
    organisations = await _organisations(business)
    counts: dict[int, set[int]] = {}
    sizes = set()
    answered.clear()
    for organisation in organisations[:12]:
        for depth in (1, 3):
            variables = {"id": organisation, "depth": depth, "most": 1000}
            with StatementCounter() as counted:
                answer = await business.gql(NEIGHBOURHOOD, variables)
            sizes.add(len(answer["organisation"]["neighbourhood"]["nodes"]))
            counts.setdefault(depth, set()).add(counted.count)
    with StatementCounter() as authentication_only:
        await business.gql("{ __typename }")
    expected = authentication_only.count + 1 + (2 if "sqlite" in database_url else 0)
    assert counts == {1: {expected}, 3: {expected}}
    assert len(sizes) > 3  # walks of many sizes
    assert set(answered) == {"Network"}


# A neighbourhood of each party a list holds: on SQLite the walk starts only from a party
# asked by ID (graphql/compiled/network.py), so the resolvers answer it there.
LISTED = """query Listed {
  organisations(first: 3) { nodes { name neighbourhood(depth: 2) { truncated nodes { distance party { id } } edges { label } } } }
}"""


async def test_a_neighbourhood_below_a_list(
    demo_data, demo_users, resolvers_client, answered, database_url
) -> None:
    answered.clear()
    for caller in demo_users:
        await both(caller, resolvers_client, LISTED, {})
    assert answered == ([] if "sqlite" in database_url else ["Listed"] * len(demo_users))


async def test_links_of_one_value_and_between_nodes_of_one_distance(
    demo_data, demo_users, resolvers_client, answered
) -> None:
    """Links the walk finds twice or more: two memberships of a person at one organisation
    with one job title (one edge, its first row), links between nodes of the same distance
    (a triangle of relations), links back to nodes reached before (found again by the next
    hop, shown once), staff looking after parties at both ends."""
    admin = demo_users[0]
    x, y, z = [await create_organisation(admin, name) for name in ("Driehoek X", "Driehoek Y", "Driehoek Z")]
    person = await create_person(admin, "Tweemaal")
    # Y's between X's two: the edge to X is ordered by its first row.
    await add_membership(admin, person, x, role="Inkoop", jobTitle="Adviseur")
    await add_membership(admin, person, y)
    await add_membership(admin, person, x, role="Verkoop", jobTitle="Adviseur")
    types = (await admin.gql("{ relationTypes { id active sourceKinds targetKinds } }"))["relationTypes"]
    [type_id, *_] = [
        t["id"]
        for t in types
        if t["active"] and "ORGANISATION" in t["sourceKinds"] and "ORGANISATION" in t["targetKinds"]
    ]
    for source, target in ((x, y), (y, z), (x, z), (z, x)):
        await ok(admin, "addRelation", "", typeId=type_id, sourceId=source, targetId=target)
    for organisation in (x, z):
        await make_account_manager(admin, organisation, demo_users[1])
    answered.clear()
    edges = 0
    for caller in demo_users:
        for start, field in ((x, "organisation"), (person, "person")):
            for depth in (1, 2, 3):
                query = NEIGHBOURHOOD.replace("organisation(id: $id)", f"{field}(id: $id)")
                answer = await both(caller, resolvers_client, query, {"id": start, "depth": depth})
                edges += len(answer["data"][field]["neighbourhood"]["edges"])
    assert set(answered) == {"Network"} and len(answered) == 2 * 3 * len(demo_users)
    assert edges
