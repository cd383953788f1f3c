"""Compiled shortest paths (graphql/compiled/paths.py) answer exactly as the resolvers'
walk from both ends (domain/relations/paths.shortest_path) does: the same path of the
several shortest ones, the same nulls and errors, as every demo user. On PostgreSQL: on
SQLite the resolvers answer them (paths.py says why; test_compiled.py checks the example)."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from compared import both
from helpers import (
    Caller,
    add_membership,
    create_organisation,
    create_person,
    make_account_manager,
    mutate,
    ok,
    pk,
)

from relgraph.db.engine import StatementCounter
from relgraph.domain.relations import network
from relgraph.domain.relations import paths as domain_paths
from relgraph.graphql.compiled import paths
from relgraph.graphql.core.ids import encode_id

pytestmark = pytest.mark.postgres_only


PATH = """query Path($a: ID!, $b: ID!, $max: Int! = 6, $include: [NeighbourhoodKind!]) {
  shortestPath(fromId: $a, toId: $b, maxDepth: $max, include: $include) {
    __typename length
    parties { __typename id displayName ... on Organisation { name invoiceEmail } ... on Person { lastName } }
    edges { __typename source target kind label }
  }
}"""

# maxDepth and include written in the document: only those hops and kinds in the statement.
WRITTEN = """query Written($a: ID!, $b: ID!) {
  three: shortestPath(fromId: $a, toId: $b, maxDepth: 3) { length edges { source target kind label } }
  people: shortestPath(fromId: $a, toId: $b, maxDepth: 8, include: [MEMBERSHIPS, INTERNAL]) { length parties { id } }
  plain: shortestPath(fromId: $a, toId: $b) { length parties { displayName } }
}"""


async def _ids(admin: Caller) -> tuple[list[str], list[str]]:
    found = await admin.gql(
        "{ organisations(first: 100, filter: { includeArchived: true }) { nodes { id } } "
        "persons(first: 100, filter: { includeInactive: true }) { nodes { id memberships { totalCount } } } }"
    )
    persons = found["persons"]["nodes"]
    # Persons without a membership are hidden from BUSINESS and READONLY (R1): some of each.
    hidden = [p["id"] for p in persons if p["memberships"]["totalCount"] == 0]
    shown = [p["id"] for p in persons if p["memberships"]["totalCount"] > 0]
    return [n["id"] for n in found["organisations"]["nodes"]], shown[:3] + hidden[:2]


async def test_paths_between_demo_parties_as_the_resolvers_find_them(
    demo_data, demo_users, resolvers_client, answered
) -> None:
    organisations, persons = await _ids(demo_users[0])
    parties = organisations[::8][:4] + persons
    answered.clear()
    lengths: Counter[Any] = Counter()
    kinds: set[str] = set()
    for caller in demo_users:
        for a, b in itertools.product(parties, parties):
            answer = await both(caller, resolvers_client, PATH, {"a": a, "b": b})
            path = answer["data"]["shortestPath"]
            lengths[None if path is None else path["length"]] += 1
            kinds |= {e["kind"] for e in (path or {"edges": []})["edges"]}
    assert set(answered) == {"Path"} and len(answered) == len(demo_users) * len(parties) ** 2
    # Every length from the empty path up, nulls (hidden ends, nothing within 6) and each
    # kind of link the demo data has.
    assert {0, 2, 3, 4, None} <= set(lengths), lengths
    assert {"RELATIONS", "HIERARCHY", "MEMBERSHIPS", "INTERNAL"} <= kinds, kinds
    answered.clear()
    for a, b in itertools.combinations(parties[:6], 2):
        for variables in (
            {"max": 1},
            {"max": 2},
            {"max": 8},
            {"include": ["HIERARCHY", "RELATIONS"]},
            {"include": []},
        ):
            await both(demo_users[2], resolvers_client, PATH, {"a": a, "b": b, **variables})
        await both(demo_users[2], resolvers_client, WRITTEN, {"a": a, "b": b})
    assert set(answered) == {"Path", "Written"}


async def _relation_type(admin: Caller, name: str, inverse: str) -> str:
    kinds = ["ORGANISATION", "PERSON"]
    payload = await ok(
        admin,
        "createRelationType",
        "relationType { id }",
        name=name,
        inverseName=inverse,
        sourceKinds=kinds,
        targetKinds=kinds,
    )
    return payload["relationType"]["id"]


async def _relate(admin: Caller, type_id: str, source: str, target: str) -> None:
    await ok(admin, "addRelation", "", typeId=type_id, sourceId=source, targetId=target)


async def test_ties_hidden_ends_and_each_kind_of_link(
    demo_users, make_caller, resolvers_client, answered
) -> None:
    """Where several paths are shortest, the same one: the first link to each node in the
    domain's order (kinds, then rows) and the meeting nearest the other end, then by id."""
    admin = demo_users[0]
    supplies = await _relation_type(admin, "supplier of", "customer of")
    advises = await _relation_type(admin, "advisor of", "advised by")
    a, b, c = [await create_organisation(admin, name) for name in ("Alpha", "Beta", "Gamma")]
    # Two people at Alpha and Beta: two paths of 2; the second also advises Alpha, and
    # works there twice (three links from Alpha to her: the relation comes first).
    anna, bert = [await create_person(admin, name) for name in ("Anna", "Bert")]
    for person in (bert, anna):
        for organisation in (a, b):
            await add_membership(admin, person, organisation, jobTitle=f"title {person[-3:]}")
    await add_membership(admin, anna, a, role="second")
    # Gamma is Beta's subsidiary and supplies Alpha: a hierarchy link and a relation.
    await ok(admin, "setParentOrganisation", "", organisationId=c, parentId=b)
    await _relate(admin, supplies, c, a)
    # A person nobody but ADMIN and TEAM sees (no membership) between Alpha and Delta.
    hidden = await create_person(admin, "Verborgen")
    d = await create_organisation(admin, "Delta")
    await _relate(admin, advises, hidden, a)
    await _relate(admin, advises, hidden, d)
    # Epsilon and Zeta share an account manager (a staff user in the middle); Eta is archived
    # between Zeta and Theta.
    e, z, eta, theta = [await create_organisation(admin, n) for n in ("Epsilon", "Zeta", "Eta", "Theta")]
    staff = await make_caller("TEAM")
    for organisation in (e, z):
        await make_account_manager(admin, organisation, staff)
    await _relate(admin, supplies, z, eta)
    await _relate(admin, supplies, eta, theta)
    await mutate(admin, "archiveOrganisation", "", id=eta)
    await _relate(admin, supplies, theta, d)
    await _relate(admin, supplies, e, b)
    # Anna's relation comes last of all (the highest row id): first of her links all the same.
    await _relate(admin, advises, anna, a)
    parties = [a, b, c, d, e, z, eta, theta, anna, bert, hidden]
    unknown = [encode_id("Organisation", 99_999_999), encode_id("Person", pk(a))]
    answered.clear()
    found: set[tuple[str, ...]] = set()
    for caller in demo_users:
        for x, y in itertools.product(parties, parties + unknown):
            answer = await both(caller, resolvers_client, PATH, {"a": x, "b": y})
            path = answer["data"]["shortestPath"]
            if path is not None:
                found.add(tuple(e["kind"] for e in path["edges"]))
    # Shorter, and over some kinds only: as ADMIN and as BUSINESS (R1 hides Verborgen).
    for caller in (demo_users[0], demo_users[2]):
        for x, y in itertools.combinations([a, c, d, z, theta, anna, hidden], 2):
            for variables in ({"max": 2}, {"include": ["MEMBERSHIPS", "INTERNAL", "HIERARCHY"]}):
                await both(caller, resolvers_client, PATH, {"a": x, "b": y, **variables})
    assert set(answered) == {"Path"}
    assert ("INTERNAL", "INTERNAL") in found and ("HIERARCHY", "RELATIONS") in found
    # What the resolvers refuse they answer, with their errors.
    answered.clear()
    for variables in (
        {"a": "garbage", "b": a},
        {"a": a, "b": encode_id("User", 1)},
        {"a": a, "b": b, "max": 0},
        {"a": a, "b": b, "max": 9},
    ):
        await both(admin, resolvers_client, PATH, variables)
    await both(admin, resolvers_client, '{ shortestPath(fromId: "x", toId: "y") { length } }', {})
    await both(
        admin, resolvers_client, '{ s: shortestPath(fromId: "x", toId: "y", maxDepth: 99) { length } }', {}
    )
    assert answered == []


# Its own text, compiled with the small limits below (the compile cache is keyed by the text).
SMALL = PATH.replace("query Path(", "query SmallLimits(")


async def test_the_domain_s_chunks_and_visited_limit(
    demo_data, demo_users, resolvers_client, answered, monkeypatch
) -> None:
    """The walk asks the links of a big frontier chunk by chunk (network.CHUNK ids), which
    orders the links it finds; and gives up past max_visited nodes. Made small here, so that
    the demo data reaches them, both paths must still agree."""
    monkeypatch.setattr(network, "CHUNK", 1)
    monkeypatch.setattr(paths, "CHUNK", 1)
    monkeypatch.setitem(domain_paths.shortest_path.__kwdefaults__, "max_visited", 40)
    monkeypatch.setattr(paths, "MAX_VISITED", 40)
    organisations, persons = await _ids(demo_users[0])
    parties = organisations[::8][:5] + persons[:4]
    answered.clear()
    lengths: Counter[Any] = Counter()
    for caller in demo_users[1:3]:
        for a, b in itertools.product(parties, parties):
            answer = await both(caller, resolvers_client, SMALL, {"a": a, "b": b, "max": 8})
            path = answer["data"]["shortestPath"]
            lengths[None if path is None else path["length"]] += 1
    assert set(answered) == {"SmallLimits"}
    assert None in lengths and len(lengths) > 3, lengths


async def test_a_path_is_a_fixed_number_of_statements(demo_data, demo_users, answered) -> None:
    """One statement per hop written (maxDepth, 8 from a variable) after authentication,
    however far the ends are, the walk over or not, on both databases."""
    business = demo_users[2]
    organisations, persons = await _ids(business)
    parties = organisations[::8][:5] + persons[:4]
    with StatementCounter() as authentication_only:
        await business.gql("{ __typename }")
    counts: dict[str, set[int]] = {"Path": set(), "Written": set()}
    lengths = set()
    answered.clear()
    for a, b in itertools.product(parties[:6], parties[3:]):
        for query in (PATH, WRITTEN):
            with StatementCounter() as counted:
                data = (await business.post(query, {"a": a, "b": b})).json()["data"]  # R4 errors
            counts["Path" if query is PATH else "Written"].add(counted.count - authentication_only.count)
            lengths.add((data.get("shortestPath") or data.get("three") or {}).get("length"))
    # Written: three paths of 3, 8 and 6 hops (the last hop of each in the one statement).
    assert counts == {"Path": {8}, "Written": {3 + 8 + 6 - 2}}
    assert len(lengths) > 2
    assert len(answered) == 2 * len(parties[:6]) * len(parties[3:])
