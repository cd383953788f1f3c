"""R1 of the authorization matrix: a person without any membership is, to BUSINESS and READONLY,
as missing as one that does not exist: in lookups, lists, counts, searches, relations,
internal relations, mutations and the network.

The matrix's scenario and plumbing: tests/support/authorization.py.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from authorization import (
    MISSING_PERSON,
    PARTY_RELATIONS,
    PERSONS,
    ROLES,
    SEES_ALL_PERSONS,
    Scenario,
    build_scenario,
    outcome,
    raw,
    report,
    user_id,
)
from helpers import mutate

from relgraph.graphql.core.ids import encode_id

LOOKUP = """
query($id: ID!, $ids: [ID!]!) {
  node(id: $id) { id ... on Person { displayName } }
  person(id: $id) { id displayName }
  nodes(ids: $ids) { id }
}"""


async def test_r1_hidden_person_lookups_are_null_like_a_missing_one(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    EXPECTED = SEES_ALL_PERSONS  # role -> sees the hidden person
    problems: list[str] = []
    for role, sees in EXPECTED.items():
        caller = s.viewers[role]
        body = await raw(caller, LOOKUP, {"id": s.hidden, "ids": [s.member, s.hidden, s.former]})
        assert "errors" not in body, (role, body)
        data = body["data"]
        found = data["node"] is not None
        if found != sees:
            problems.append(
                f"{role}: node(hidden) {'found' if found else 'null'}, expected {'found' if sees else 'null'}"
            )
        if (data["person"] is not None) != sees:
            problems.append(f"{role}: person(hidden) is {data['person']}")
        expected_nodes = [s.member, s.hidden if sees else None, s.former]
        got_nodes = [n and n["id"] for n in data["nodes"]]
        if got_nodes != expected_nodes:
            problems.append(
                f"{role}: nodes([member, hidden, former]) = {got_nodes}, expected {expected_nodes}"
            )
        if not sees:
            # Indistinguishable from a person that does not exist: the very same response.
            missing = await raw(
                caller, LOOKUP, {"id": MISSING_PERSON, "ids": [s.member, MISSING_PERSON, s.former]}
            )
            if missing != json.loads(json.dumps(body).replace(s.hidden, MISSING_PERSON)):
                problems.append(
                    f"{role}: hidden person answered differently from a missing one: {body} vs {missing}"
                )
            if "Verborgenheim" in json.dumps(body):
                problems.append(f"{role}: the hidden person's name is in the response")
    report(problems)


async def test_r1_persons_list_search_and_count_leave_hidden_out(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    visible = {s.member, s.former}
    EXPECTED = {role: visible | {s.hidden} if sees else visible for role, sees in SEES_ALL_PERSONS.items()}
    problems: list[str] = []
    for role, expected in EXPECTED.items():
        caller = s.viewers[role]
        listed = (await caller.gql(PERSONS, {"search": None}))["persons"]
        ids = {n["id"] for n in listed["nodes"]}
        if ids != expected or listed["totalCount"] != len(expected):
            problems.append(
                f"{role}: persons = {sorted(ids)} (totalCount {listed['totalCount']}), expected {sorted(expected)}"
            )
        for term in ("Verborgenheim", "vera", "verborgen"):
            found = (await caller.gql(PERSONS, {"search": term}))["persons"]
            want = 1 if SEES_ALL_PERSONS[role] else 0
            if found["totalCount"] != want or len(found["nodes"]) != want:
                problems.append(f"{role}: search {term!r} found {found}, expected {want}")
    report(problems)


RELATION_NODE = "query($id: ID!) { node(id: $id) { id ... on Relation { source { id } target { id } } } }"


async def test_r1_relations_to_hidden_persons_are_left_out(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    problems: list[str] = []
    for role, sees in SEES_ALL_PERSONS.items():
        caller = s.viewers[role]
        for inactive in (False, True):
            expected = {s.rel_member, s.rel_hidden} if sees else {s.rel_member}
            if inactive:
                expected |= {s.rel_inactive}
            relations = (await caller.gql(PARTY_RELATIONS, {"id": s.alfa, "inactive": inactive}))["node"][
                "relations"
            ]
            got = {e["relation"]["id"] for e in relations["edges"]}
            if got != expected or relations["totalCount"] != len(expected):
                problems.append(
                    f"{role}: Alfa relations (includeInactive={inactive}) = {got}, totalCount "
                    f"{relations['totalCount']}; expected {expected}"
                )
            others = {e["otherParty"] and e["otherParty"]["id"] for e in relations["edges"]}
            if not sees and (s.hidden in others or None in others):
                problems.append(f"{role}: an Alfa relation edge points at a hidden/null party: {others}")
        # From the member's side: the relation from the hidden person.
        member_relations = (await caller.gql(PARTY_RELATIONS, {"id": s.member, "inactive": True}))["node"][
            "relations"
        ]
        got = {e["relation"]["id"] for e in member_relations["edges"]}
        expected = {s.rel_member, s.rel_from_hidden} if sees else {s.rel_member}
        if got != expected or member_relations["totalCount"] != len(expected):
            problems.append(
                f"{role}: member relations = {got} (totalCount {member_relations['totalCount']}), expected {expected}"
            )
        # The relation itself by ID.
        for rel in (s.rel_hidden, s.rel_from_hidden):
            node = (await caller.gql(RELATION_NODE, {"id": rel}))["node"]
            if (node is not None) != sees:
                problems.append(f"{role}: node(relation with the hidden person) = {node}")
        assert (await caller.gql(RELATION_NODE, {"id": s.rel_member}))["node"]["target"] == {
            "id": s.member
        }, role
    report(problems)


PARTY_FILES = """
query($id: ID!) {
  node(id: $id) { ... on Party { internalRelations(includeEnded: true, first: 100) { totalCount nodes { id } } } }
}"""
VIEWER_FILES = """
{ viewer { internalRelations(includeEnded: true, first: 100) { totalCount nodes { id party { id } } } } }"""
USERS_FILES = """
{ users(includeInactive: true, first: 100) { nodes { id internalRelations(includeEnded: true) { totalCount nodes { id } } } } }"""
IR_NODE = "query($id: ID!) { node(id: $id) { id ... on InternalRelation { party { id } } } }"


async def test_r1_internal_relations_on_hidden_persons_are_left_out(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    member_links: set[str] = set()  # the internal relations on the member so far
    problems: list[str] = []
    for role, sees in SEES_ALL_PERSONS.items():
        caller = s.viewers[role]
        # The viewer's own files: one on the hidden person, one on a visible person, one on Beta.
        on_hidden = await s.link(user_id(caller), s.hidden, s.tax_category)
        on_member = await s.link(user_id(caller), s.member, s.tax_category)
        on_beta = await s.link(user_id(caller), s.beta, s.tax_category)
        mine = (await caller.gql(VIEWER_FILES))["viewer"]["internalRelations"]
        expected = {on_hidden, on_member, on_beta} if sees else {on_member, on_beta}
        got = {n["id"] for n in mine["nodes"]}
        if got != expected or mine["totalCount"] != len(expected):
            problems.append(
                f"{role}: viewer.internalRelations = {got} (totalCount {mine['totalCount']}), expected {expected}"
            )
        if None in {n["party"] and n["party"]["id"] for n in mine["nodes"]}:
            problems.append(f"{role}: viewer.internalRelations lists a file whose party is null")
        for ir in (s.ir_hidden, on_hidden):
            node = (await caller.gql(IR_NODE, {"id": ir}))["node"]
            if (node is not None) != sees:
                problems.append(f"{role}: node(internal relation on the hidden person) = {node}")
        node = (await caller.gql(PARTY_FILES, {"id": s.hidden}))["node"]
        if (node is not None) != sees:
            problems.append(f"{role}: internalRelations reachable on the hidden person: {node}")
        staff_files = (await caller.gql(USERS_FILES))["users"]["nodes"]
        staff_seen = next((u["internalRelations"] for u in staff_files if u["id"] == s.staff_id), None)
        want = {s.ir_hidden} if sees else set()
        if (
            staff_seen is None
            or {n["id"] for n in staff_seen["nodes"]} != want
            or staff_seen["totalCount"] != len(want)
        ):
            problems.append(f"{role}: users[staff].internalRelations = {staff_seen}, expected {want}")
        member_links.add(on_member)
        member_files = (await caller.gql(PARTY_FILES, {"id": s.member}))["node"]["internalRelations"]
        if {n["id"] for n in member_files["nodes"]} != member_links or member_files["totalCount"] != len(
            member_links
        ):
            problems.append(f"{role}: member's internal relations = {member_files}, expected {member_links}")
    report(problems)


@dataclass
class HiddenCase:
    name: str
    forbidden_for: frozenset[str]  # roles that may not make this kind of change at all
    run: Callable[[Any, Scenario, str, dict[str, str]], Awaitable[dict[str, Any]]]


def _run(name: str, selection: str, **fixed: Any) -> Callable[..., Awaitable[dict[str, Any]]]:
    """A case runner: `fixed` values may be callables (scenario, person id, extra ids) -> value."""

    async def run(caller: Any, s: Scenario, person: str, extra: dict[str, str]) -> dict[str, Any]:
        values = {k: (v(s, person, extra) if callable(v) else v) for k, v in fixed.items()}
        return await mutate(caller, name, selection, **values)

    return run


# Roles refused by R5 before any lookup: FORBIDDEN says nothing about the person.
NOT_BUSINESS_WRITES = frozenset({"READONLY"})
NOT_INTERNAL_WRITES = frozenset({"READONLY", "BUSINESS"})

HIDDEN_CASES = [
    HiddenCase(
        "updatePerson",
        NOT_BUSINESS_WRITES,
        _run("updatePerson", "person { id }", id=lambda s, p, x: p, firstName="Changed"),
    ),
    HiddenCase(
        "addMembership",
        NOT_BUSINESS_WRITES,
        _run(
            "addMembership",
            "membership { id }",
            personId=lambda s, p, x: p,
            organisationId=lambda s, p, x: s.beta,
        ),
    ),
    HiddenCase(
        "addRelation to it",
        NOT_BUSINESS_WRITES,
        _run(
            "addRelation",
            "relation { id }",
            typeId=lambda s, p, x: s.relation_type,
            sourceId=lambda s, p, x: s.gamma,
            targetId=lambda s, p, x: p,
        ),
    ),
    HiddenCase(
        "addRelation from it",
        NOT_BUSINESS_WRITES,
        _run(
            "addRelation",
            "relation { id }",
            typeId=lambda s, p, x: s.relation_type,
            sourceId=lambda s, p, x: p,
            targetId=lambda s, p, x: s.delta,
        ),
    ),
    HiddenCase(
        "updateRelation of a relation to it",
        NOT_BUSINESS_WRITES,
        _run("updateRelation", "relation { id }", id=lambda s, p, x: x["relation"], note="changed"),
    ),
    HiddenCase(
        "deleteRelation of a relation to it",
        NOT_BUSINESS_WRITES,
        _run("deleteRelation", "deletedId", id=lambda s, p, x: x["relation2"]),
    ),
    HiddenCase(
        "addInternalRelation on it",
        NOT_INTERNAL_WRITES,
        _run(
            "addInternalRelation",
            "internalRelation { id }",
            employeeId=lambda s, p, x: s.staff_id,
            partyId=lambda s, p, x: p,
            categoryId=lambda s, p, x: s.manager_category,
        ),
    ),
    HiddenCase(
        "setPartyTypes on it",
        NOT_BUSINESS_WRITES,
        _run("setPartyTypes", "types { code }", partyId=lambda s, p, x: p, types=["TAX_CLIENT"]),
    ),
    HiddenCase(
        "setEmployeeData on it",
        NOT_BUSINESS_WRITES,
        _run(
            "setEmployeeData", "employee { employeeNumber }", personId=lambda s, p, x: p, employeeNumber="E-9"
        ),
    ),
]
HIDDEN_STATE = """
query($id: ID!) {
  person(id: $id) {
    firstName
    types { code }
    employee { employeeNumber }
    memberships(includeInactive: true) { totalCount }
    relations(includeInactive: true) { totalCount edges { relation { note } } }
    internalRelations(includeEnded: true) { totalCount }
  }
}"""


async def test_r1_mutations_on_a_hidden_person_are_not_found(admin, make_caller, client) -> None:
    """Every mutation naming a hidden person answers exactly as for a missing one, and changes nothing."""
    s = await build_scenario(admin, make_caller, client)
    EXPECTED = {
        role: {
            case.name: "FORBIDDEN"
            if role in case.forbidden_for
            else ("ok" if SEES_ALL_PERSONS[role] else "NOT_FOUND")
            for case in HIDDEN_CASES
        }
        for role in ROLES
    }
    problems: list[str] = []
    for role, expected in EXPECTED.items():
        caller = await make_caller(role, ("FINANCE",))  # FINANCE, so that only visibility decides
        person = await s.new_person(f"Onzichtbaar{role.title()}")  # fresh and hidden: no membership
        extra = {
            "relation": await s.new_relation(s.beta, person, note="original"),
            "relation2": await s.new_relation(person, s.gamma, note="original"),
        }
        missing_extra = {
            "relation": encode_id("Relation", 987_654_321),
            "relation2": encode_id("Relation", 987_654_322),
        }
        for case in HIDDEN_CASES:
            payload = await case.run(caller, s, person, extra)
            got = outcome(payload)
            if got != expected[case.name]:
                problems.append(
                    f"{role}: {case.name} -> {got}, expected {expected[case.name]}: {payload['userErrors']}"
                )
            if not SEES_ALL_PERSONS[role]:
                missing = await case.run(caller, s, MISSING_PERSON, missing_extra)
                if missing["userErrors"] != payload["userErrors"]:
                    problems.append(
                        f"{role}: {case.name} on a hidden person differs from a missing one: "
                        f"{payload['userErrors']} vs {missing['userErrors']}"
                    )
        if not SEES_ALL_PERSONS[role]:
            state = (await admin.gql(HIDDEN_STATE, {"id": person}))["person"]
            unchanged = {
                "firstName": None,
                "types": [],
                "employee": None,
                "memberships": {"totalCount": 0},
                "relations": {"totalCount": 2, "edges": [{"relation": {"note": "original"}}] * 2},
                "internalRelations": {"totalCount": 0},
            }
            if state != unchanged:
                problems.append(f"{role}: the hidden person changed: {state}")
    report(problems)


NEIGHBOURHOOD = """
query($id: ID!) {
  node(id: $id) {
    ... on Party {
      neighbourhood(depth: 3, maxNodes: 1000) {
        truncated
        nodes { distance party { id } }
        staff { user { id } }
        edges { source target kind }
      }
    }
  }
}"""
SHORTEST_PATH = """
query($from: ID!, $to: ID!) {
  shortestPath(fromId: $from, toId: $to, maxDepth: 8) { length edges { source target } parties { id } }
}"""


async def test_r1_network_never_shows_or_passes_through_a_hidden_person(admin, make_caller, client) -> None:
    """neighbourhood and shortestPath: a hidden person is no node and no hop, and looks like a missing one."""
    s = await build_scenario(admin, make_caller, client)
    epsilon = await s.new_org("Epsilon BV")  # reachable only through the hidden person
    await s.new_relation(s.hidden, epsilon)
    behind_hidden = {s.hidden, epsilon, s.staff_id}  # the staff member looks after the hidden person only
    EXPECTED = {  # role -> (sees what lies behind the hidden person, path lengths)
        role: (
            sees,
            {
                "Alfa to Epsilon": 2 if sees else None,
                "Alfa to hidden": 1 if sees else None,
                "hidden to hidden": 0 if sees else None,
                "missing to missing": None,
                "Alfa to missing": None,
            },
        )
        for role, sees in SEES_ALL_PERSONS.items()
    }
    paths = {
        "Alfa to Epsilon": (s.alfa, epsilon),
        "Alfa to hidden": (s.alfa, s.hidden),
        "hidden to hidden": (s.hidden, s.hidden),
        "missing to missing": (MISSING_PERSON, MISSING_PERSON),
        "Alfa to missing": (s.alfa, MISSING_PERSON),
    }
    problems: list[str] = []
    for role, (sees, lengths) in EXPECTED.items():
        caller = s.viewers[role]
        for start in (s.alfa, s.member):
            around = (await caller.gql(NEIGHBOURHOOD, {"id": start}))["node"]["neighbourhood"]
            ids = {n["party"]["id"] for n in around["nodes"]} | {u["user"]["id"] for u in around["staff"]}
            ids |= {e["source"] for e in around["edges"]} | {e["target"] for e in around["edges"]}
            shown = ids & behind_hidden
            if shown != (behind_hidden if sees else set()):
                problems.append(
                    f"{role}: neighbourhood of {start} shows {shown} of what lies behind the hidden person"
                )
        for label, (start, goal) in paths.items():
            body = await raw(caller, SHORTEST_PATH, {"from": start, "to": goal})
            path = (body.get("data") or {}).get("shortestPath")
            got = path["length"] if path else None
            if body.get("errors") or got != lengths[label]:
                problems.append(
                    f"{role}: shortestPath {label} = {path} {body.get('errors', '')}, expected length {lengths[label]}"
                )
            elif path and not sees and behind_hidden & {p["id"] for p in path["parties"]}:
                problems.append(f"{role}: shortestPath {label} passes through the hidden person: {path}")
    report(problems)
