"""The authorization matrix (issue 6, DESIGN.md R1-R5): every rule, every role, table-driven.

Each test builds one shared scenario (through the API, as ADMIN), then runs the same
requests as every kind of viewer and compares the outcome with a table `EXPECTED` keyed
by viewer. Mismatches are collected and reported together, each naming the viewer, so
one failing run shows the whole row of the matrix that is wrong.

The scenario:

* Alfa BV: shielded (two current account managers: a TEAM and a BUSINESS user; plus an
  ended one), sales and purchase data, a commission on an account-manager link, one
  active and one inactive membership, relations to a visible person, to a hidden person
  and an inactive one to Beta.
* Beta BV: unshielded (no account managers); parent of the archived Archief BV.
* Gamma BV (only an ended account manager) and Delta BV (only a future one): unshielded.
* Persons: a member (active membership, BSN, salary), a former member (only an inactive
  membership: still a business relation) and a hidden person (no membership at all) who
  is the source of a relation to the member and has an internal relation.
* Documents (built only by the document tests): on Alfa, Beta, Gamma, Delta, the hidden
  person and the member (who then gets the TEAM account manager: a shielded person).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from helpers import mutate, ok, upload

from relgraph.graphql.core.ids import encode_id

ROLES = ("ADMIN", "TEAM", "BUSINESS", "READONLY")
SEES_ALL_PERSONS = {"ADMIN": True, "TEAM": True, "BUSINESS": False, "READONLY": False}

TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
TOMORROW = (TODAY + dt.timedelta(days=1)).isoformat()
LAST_YEAR = (TODAY - dt.timedelta(days=365)).isoformat()

MEMBER_BSN = "111222333"  # passes the 11-check
CREDIT_LIMIT = "98765.00"
ACCOUNT_NUMBER = "ACC-778899"
SALARY = "4321.00"
COMMISSION = "12.34"
INVOICE_EMAIL = "facturen@alfa-geheim.example"
INVOICE_CITY = "Factuurdorp"

MISSING_PERSON = encode_id("Person", 987_654_321)


# --- plumbing ---------------------------------------------------------------------------------


def outcome(payload: dict[str, Any]) -> str:
    """'ok' for a clean payload, else the error code(s), e.g. 'FORBIDDEN'."""
    codes = sorted({e["code"] for e in payload["userErrors"]})
    return "ok" if not codes else "+".join(codes)


async def raw(caller: Any, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The response body's data and errors (not `extensions`: the cost report varies), status 200 required."""
    response = await caller.post(query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    body.pop("extensions", None)
    return body


def report(problems: list[str]) -> None:
    assert not problems, "authorization matrix mismatches:\n  " + "\n  ".join(problems)


# --- documents -------------------------------------------------------------------------------

PARTY_DOCUMENTS = """
query($id: ID!) { node(id: $id) { ... on Party { documents(first: 100) { totalCount nodes { id filename } } } } }"""


async def download(client: httpx.AsyncClient, token: str | None, document_id: str) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await client.get(f"/documents/{document_id}", headers=headers)


async def document_ids(caller: Any, party_id: str) -> tuple[set[str], int]:
    """The document IDs `caller` sees on a party, and the totalCount it is told."""
    node = (await caller.gql(PARTY_DOCUMENTS, {"id": party_id}))["node"]
    assert node is not None, "the party itself must be visible"
    documents = node["documents"]
    return {d["id"] for d in documents["nodes"]}, documents["totalCount"]


# --- the scenario ----------------------------------------------------------------------------


@dataclass
class Doc:
    id: str
    filename: str
    content: bytes
    content_type: str


@dataclass
class Scenario:
    admin: Any
    make_caller: Any
    client: httpx.AsyncClient
    alfa: str = ""  # shielded
    beta: str = ""  # unshielded
    gamma: str = ""  # only an ended account manager: unshielded
    delta: str = ""  # only a future account manager: unshielded
    archived: str = ""  # archived subsidiary of Beta
    member: str = ""
    former: str = ""
    hidden: str = ""
    member_membership: str = ""
    former_membership: str = ""
    relation_type: str = ""
    rel_member: str = ""  # Alfa -> member
    rel_hidden: str = ""  # Alfa -> hidden
    rel_from_hidden: str = ""  # hidden -> member
    rel_inactive: str = ""  # Alfa -> Beta, inactive
    manager_category: str = ""
    tax_category: str = ""
    staff_id: str = ""  # a plain TEAM user used as employee of internal relations
    ir_commission: str = ""  # Alfa, account manager (TEAM_AM), with a commission
    ir_hidden: str = ""  # hidden person, tax advisor
    viewers: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, Doc] = field(default_factory=dict)

    async def caller(self, role: str, permissions: tuple[str, ...] = ()) -> Any:
        return await self.make_caller(role, permissions)

    async def new_org(self, name: str) -> str:
        return (await ok(self.admin, "createOrganisation", "organisation { id }", name=name))["organisation"]["id"]

    async def new_person(self, last_name: str, **fields: Any) -> str:
        payload = await ok(self.admin, "createPerson", "person { id }", lastName=last_name, **fields)
        return payload["person"]["id"]

    async def new_membership(self, person: str, org: str, **fields: Any) -> str:
        payload = await ok(
            self.admin, "addMembership", "membership { id }", personId=person, organisationId=org, **fields
        )
        return payload["membership"]["id"]

    async def new_relation(self, source: str, target: str, **fields: Any) -> str:
        payload = await ok(
            self.admin, "addRelation", "relation { id }", typeId=self.relation_type, sourceId=source, targetId=target, **fields
        )
        return payload["relation"]["id"]

    async def link(self, employee: str, party: str, category: str, **fields: Any) -> str:
        payload = await ok(
            self.admin,
            "addInternalRelation",
            "internalRelation { id }",
            employeeId=employee,
            partyId=party,
            categoryId=category,
            **fields,
        )
        return payload["internalRelation"]["id"]

    async def add_document(self, key: str, party: str, filename: str, content_type: str = "application/pdf") -> Doc:
        content = f"%PDF-1.4 {key} {uuid.uuid4().hex}".encode()
        payload = await upload(self.admin, party, content, filename, content_type)
        assert payload["userErrors"] == [], payload
        doc = Doc(payload["document"]["id"], filename, content, content_type)
        self.docs[key] = doc
        return doc

    async def with_documents(self) -> Scenario:
        """Upload, as ADMIN, one document to each of Alfa, Beta, Gamma, Delta, the hidden person and the member."""
        await self.add_document("alfa", self.alfa, "alfa-contract.pdf")
        await self.add_document("beta", self.beta, "beta-offerte.pdf")
        await self.add_document("gamma", self.gamma, "gamma-notes.txt", "text/plain")
        await self.add_document("delta", self.delta, "delta-plan.pdf")
        await self.add_document("hidden", self.hidden, "verborgen-id.pdf")
        # A person with an account manager is shielded too (R2 speaks of parties).
        await self.link(user_id(self.viewers["TEAM_AM"]), self.member, self.manager_category)
        await self.add_document("member", self.member, "zara-cv.pdf")
        return self


def user_id(caller: Any) -> str:
    return encode_id("User", caller.user_id)


async def build_scenario(admin: Any, make_caller: Any, client: httpx.AsyncClient) -> Scenario:
    s = Scenario(admin=admin, make_caller=make_caller, client=client)
    categories = (await admin.gql("{ internalRelationCategories { id code } }"))["internalRelationCategories"]
    s.manager_category = next(c["id"] for c in categories if c["code"] == "ACCOUNT_MANAGER")
    s.tax_category = (
        await ok(admin, "createInternalRelationCategory", "category { id }", name="Tax advisor")
    )["category"]["id"]
    s.relation_type = (
        await ok(
            admin,
            "createRelationType",
            "relationType { id }",
            name="knows",
            inverseName="is known by",
            sourceKinds=["ORGANISATION", "PERSON"],
            targetKinds=["ORGANISATION", "PERSON"],
        )
    )["relationType"]["id"]

    s.alfa = await s.new_org("Alfa BV")
    s.beta = await s.new_org("Beta BV")
    s.gamma = await s.new_org("Gamma BV")
    s.delta = await s.new_org("Delta BV")
    s.archived = await s.new_org("Archief BV")
    await ok(admin, "setParentOrganisation", "organisation { id }", organisationId=s.archived, parentId=s.beta)
    await ok(admin, "archiveOrganisation", "organisation { id }", id=s.archived)

    s.member = await s.new_person("Zichtbaar", firstName="Zara", bsn=MEMBER_BSN)
    s.former = await s.new_person("Oudgediende", firstName="Otto")
    s.hidden = await s.new_person("Verborgenheim", firstName="Vera")
    s.member_membership = await s.new_membership(s.member, s.alfa, jobTitle="Inkoper")
    s.former_membership = await s.new_membership(s.former, s.alfa, jobTitle="Oud-directeur")
    await ok(admin, "deactivateMembership", "membership { id }", id=s.former_membership, endDate=YESTERDAY)

    s.rel_member = await s.new_relation(s.alfa, s.member)
    s.rel_hidden = await s.new_relation(s.alfa, s.hidden)
    s.rel_from_hidden = await s.new_relation(s.hidden, s.member)
    s.rel_inactive = await s.new_relation(s.alfa, s.beta)
    await ok(admin, "updateRelation", "relation { id }", id=s.rel_inactive, active=False)

    await ok(admin, "setSalesRelation", "salesRelation { currency }", partyId=s.alfa, creditLimit=CREDIT_LIMIT)
    await ok(admin, "setPurchaseRelation", "purchaseRelation { paymentTermDays }", partyId=s.alfa, ourAccountNumber=ACCOUNT_NUMBER)
    await ok(admin, "setEmployeeData", "employee { employeeNumber }", personId=s.member, employeeNumber="E-1", salary=SALARY)
    await ok(admin, "updateOrganisation", "organisation { id }", id=s.alfa, invoiceEmail=INVOICE_EMAIL)
    await ok(admin, "addAddress", "address { id }", partyId=s.alfa, kind="INVOICE", city=INVOICE_CITY)

    # The viewers of the matrix. Plain roles have no extra permissions.
    for role in ROLES:
        s.viewers[role] = await make_caller(role)
    s.viewers["TEAM_AM"] = await make_caller("TEAM")
    s.viewers["BUSINESS_AM"] = await make_caller("BUSINESS")
    s.viewers["TEAM_EX_AM"] = await make_caller("TEAM")
    s.viewers["TEAM_FUTURE_AM"] = await make_caller("TEAM")
    staff = await make_caller("TEAM")
    s.staff_id = user_id(staff)

    s.ir_commission = await s.link(
        user_id(s.viewers["TEAM_AM"]), s.alfa, s.manager_category, since=LAST_YEAR, commissionPercent=COMMISSION
    )
    await s.link(user_id(s.viewers["BUSINESS_AM"]), s.alfa, s.manager_category)
    await s.link(user_id(s.viewers["TEAM_EX_AM"]), s.alfa, s.manager_category, since=LAST_YEAR, until=YESTERDAY)
    await s.link(user_id(s.viewers["TEAM_EX_AM"]), s.gamma, s.manager_category, since=LAST_YEAR, until=YESTERDAY)
    await s.link(user_id(s.viewers["TEAM_FUTURE_AM"]), s.delta, s.manager_category, since=TOMORROW)
    s.ir_hidden = await s.link(s.staff_id, s.hidden, s.tax_category)
    return s


# --- R1: hidden persons -------------------------------------------------------------------------

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
            problems.append(f"{role}: node(hidden) {'found' if found else 'null'}, expected {'found' if sees else 'null'}")
        if (data["person"] is not None) != sees:
            problems.append(f"{role}: person(hidden) is {data['person']}")
        expected_nodes = [s.member, s.hidden if sees else None, s.former]
        got_nodes = [n and n["id"] for n in data["nodes"]]
        if got_nodes != expected_nodes:
            problems.append(f"{role}: nodes([member, hidden, former]) = {got_nodes}, expected {expected_nodes}")
        if not sees:
            # Indistinguishable from a person that does not exist: the very same response.
            missing = await raw(caller, LOOKUP, {"id": MISSING_PERSON, "ids": [s.member, MISSING_PERSON, s.former]})
            if missing != json.loads(json.dumps(body).replace(s.hidden, MISSING_PERSON)):
                problems.append(f"{role}: hidden person answered differently from a missing one: {body} vs {missing}")
            if "Verborgenheim" in json.dumps(body):
                problems.append(f"{role}: the hidden person's name is in the response")
    report(problems)


PERSONS = """
query($search: String) {
  persons(filter: {search: $search}, first: 100) { totalCount nodes { id } }
}"""


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
            problems.append(f"{role}: persons = {sorted(ids)} (totalCount {listed['totalCount']}), expected {sorted(expected)}")
        for term in ("Verborgenheim", "vera", "verborgen"):
            found = (await caller.gql(PERSONS, {"search": term}))["persons"]
            want = 1 if SEES_ALL_PERSONS[role] else 0
            if found["totalCount"] != want or len(found["nodes"]) != want:
                problems.append(f"{role}: search {term!r} found {found}, expected {want}")
    report(problems)


PARTY_RELATIONS = """
query($id: ID!, $inactive: Boolean!) {
  node(id: $id) {
    ... on Party {
      relations(includeInactive: $inactive, first: 100) {
        totalCount
        edges { relation { id source { id } target { id } } otherParty { id } }
      }
    }
  }
}"""
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
            relations = (await caller.gql(PARTY_RELATIONS, {"id": s.alfa, "inactive": inactive}))["node"]["relations"]
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
        member_relations = (await caller.gql(PARTY_RELATIONS, {"id": s.member, "inactive": True}))["node"]["relations"]
        got = {e["relation"]["id"] for e in member_relations["edges"]}
        expected = {s.rel_member, s.rel_from_hidden} if sees else {s.rel_member}
        if got != expected or member_relations["totalCount"] != len(expected):
            problems.append(f"{role}: member relations = {got} (totalCount {member_relations['totalCount']}), expected {expected}")
        # The relation itself by ID.
        for rel in (s.rel_hidden, s.rel_from_hidden):
            node = (await caller.gql(RELATION_NODE, {"id": rel}))["node"]
            if (node is not None) != sees:
                problems.append(f"{role}: node(relation with the hidden person) = {node}")
        assert (await caller.gql(RELATION_NODE, {"id": s.rel_member}))["node"]["target"] == {"id": s.member}, role
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
            problems.append(f"{role}: viewer.internalRelations = {got} (totalCount {mine['totalCount']}), expected {expected}")
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
        if staff_seen is None or {n["id"] for n in staff_seen["nodes"]} != want or staff_seen["totalCount"] != len(want):
            problems.append(f"{role}: users[staff].internalRelations = {staff_seen}, expected {want}")
        member_links.add(on_member)
        member_files = (await caller.gql(PARTY_FILES, {"id": s.member}))["node"]["internalRelations"]
        if {n["id"] for n in member_files["nodes"]} != member_links or member_files["totalCount"] != len(member_links):
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
    HiddenCase("updatePerson", NOT_BUSINESS_WRITES, _run("updatePerson", "person { id }", id=lambda s, p, x: p, firstName="Changed")),
    HiddenCase(
        "addMembership",
        NOT_BUSINESS_WRITES,
        _run("addMembership", "membership { id }", personId=lambda s, p, x: p, organisationId=lambda s, p, x: s.beta),
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
        _run("setEmployeeData", "employee { employeeNumber }", personId=lambda s, p, x: p, employeeNumber="E-9"),
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
            case.name: "FORBIDDEN" if role in case.forbidden_for else ("ok" if SEES_ALL_PERSONS[role] else "NOT_FOUND")
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
        missing_extra = {"relation": encode_id("Relation", 987_654_321), "relation2": encode_id("Relation", 987_654_322)}
        for case in HIDDEN_CASES:
            payload = await case.run(caller, s, person, extra)
            got = outcome(payload)
            if got != expected[case.name]:
                problems.append(f"{role}: {case.name} -> {got}, expected {expected[case.name]}: {payload['userErrors']}")
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
                problems.append(f"{role}: neighbourhood of {start} shows {shown} of what lies behind the hidden person")
        for label, (start, goal) in paths.items():
            body = await raw(caller, SHORTEST_PATH, {"from": start, "to": goal})
            path = (body.get("data") or {}).get("shortestPath")
            got = path["length"] if path else None
            if body.get("errors") or got != lengths[label]:
                problems.append(f"{role}: shortestPath {label} = {path} {body.get('errors', '')}, expected length {lengths[label]}")
            elif path and not sees and behind_hidden & {p["id"] for p in path["parties"]}:
                problems.append(f"{role}: shortestPath {label} passes through the hidden person: {path}")
    report(problems)


# --- R2: documents of shielded parties ------------------------------------------------------------

DOC_VIEWERS = ("ADMIN", "TEAM", "TEAM_AM", "TEAM_EX_AM", "TEAM_FUTURE_AM", "BUSINESS", "BUSINESS_AM", "READONLY")
# viewer -> which of the documents it may see
DOCS_EXPECTED: dict[str, set[str]] = {
    "ADMIN": {"alfa", "beta", "gamma", "delta", "hidden", "member"},
    "TEAM": {"beta", "gamma", "delta", "hidden"},
    "TEAM_AM": {"alfa", "beta", "gamma", "delta", "hidden", "member"},
    "TEAM_EX_AM": {"beta", "gamma", "delta", "hidden"},  # an ended account manager is no longer one
    "TEAM_FUTURE_AM": {"beta", "gamma", "delta", "hidden"},
    "BUSINESS": {"beta", "gamma", "delta"},  # hidden person: R1
    "BUSINESS_AM": {"alfa", "beta", "gamma", "delta"},
    "READONLY": {"beta", "gamma", "delta"},
}
DOC_NODE = "query($id: ID!) { node(id: $id) { id } }"


async def test_r2_document_lists_counts_and_nodes_follow_shielding(admin, make_caller, client) -> None:
    s = await (await build_scenario(admin, make_caller, client)).with_documents()
    parties = {"alfa": s.alfa, "beta": s.beta, "gamma": s.gamma, "delta": s.delta, "hidden": s.hidden, "member": s.member}
    problems: list[str] = []
    for viewer in DOC_VIEWERS:
        caller = s.viewers[viewer]
        expected = DOCS_EXPECTED[viewer]
        for key, party in parties.items():
            # The hidden person itself is null for BUSINESS and READONLY (R1): no list to ask.
            if key != "hidden" or SEES_ALL_PERSONS[viewer.split("_")[0]]:
                ids, total = await document_ids(caller, party)
                want = {s.docs[key].id} if key in expected else set()
                if ids != want or total != len(want):
                    problems.append(f"{viewer}: documents of {key} = {ids} (totalCount {total}), expected {want}")
            node = (await caller.gql(DOC_NODE, {"id": s.docs[key].id}))["node"]
            want_node = {"id": s.docs[key].id} if key in expected else None
            if node != want_node:
                problems.append(f"{viewer}: node({key} document) = {node}, expected {want_node}")
    report(problems)


def _normal(text: str) -> str:
    """A response body without per-request noise (request ids)."""
    return re.sub(r"[0-9a-f]{12,}", "<id>", text)


async def test_r2_download_route_follows_shielding_with_404_never_403(admin, make_caller, client) -> None:
    s = await (await build_scenario(admin, make_caller, client)).with_documents()
    missing_doc = encode_id("Document", 987_654_321)
    problems: list[str] = []
    for viewer in DOC_VIEWERS:
        token = s.viewers[viewer].token
        missing = await download(client, token, missing_doc)
        if missing.status_code != 404:
            problems.append(f"{viewer}: a missing document gives {missing.status_code}, expected 404")
        for key, doc in s.docs.items():
            response = await download(client, token, doc.id)
            if key in DOCS_EXPECTED[viewer]:
                if response.status_code != 200:
                    problems.append(f"{viewer}: GET {key} document gives {response.status_code}, expected 200")
                    continue
                disposition = response.headers.get("content-disposition", "")
                if (
                    response.content != doc.content
                    or not response.headers.get("content-type", "").startswith(doc.content_type)
                    or "attachment" not in disposition
                    or doc.filename not in disposition
                ):
                    problems.append(f"{viewer}: GET {key} document: wrong body or headers {dict(response.headers)}")
            else:
                if response.status_code != 404:
                    problems.append(f"{viewer}: GET {key} document gives {response.status_code}, expected 404")
                # Indistinguishable from a document that does not exist.
                if _normal(response.text.replace(doc.id, missing_doc)) != _normal(missing.text) or doc.filename in response.text:
                    problems.append(f"{viewer}: the 404 for {key} differs from a missing one: {response.text!r}")
    for label, token in (("no token", None), ("a bad token", "not-a-real-token")):
        for key, doc in s.docs.items():
            response = await download(client, token, doc.id)
            if response.status_code != 401 or doc.content in response.content:
                problems.append(f"{label}: GET {key} document gives {response.status_code}, expected 401")
    for bad_id in ("nonsense", encode_id("Person", 1), encode_id("Organisation", 1)):
        response = await download(client, admin.token, bad_id)
        if response.status_code != 404:
            problems.append(f"ADMIN: GET /documents/{bad_id} gives {response.status_code}, expected 404")
    report(problems)


async def test_r2_r5_document_writes(admin, make_caller, client) -> None:
    """Upload and delete: TEAM and ADMIN only; on a shielded party only its account managers and ADMIN."""
    s = await build_scenario(admin, make_caller, client)
    UPLOAD_EXPECTED = {  # viewer -> (on unshielded Beta, on shielded Alfa)
        "ADMIN": ("ok", "ok"),
        "TEAM": ("ok", "FORBIDDEN"),
        "TEAM_AM": ("ok", "ok"),
        "TEAM_EX_AM": ("ok", "FORBIDDEN"),
        "BUSINESS": ("FORBIDDEN", "FORBIDDEN"),
        "BUSINESS_AM": ("FORBIDDEN", "FORBIDDEN"),
        "READONLY": ("FORBIDDEN", "FORBIDDEN"),
    }
    DELETE_EXPECTED = {  # viewer -> (on unshielded Beta, on shielded Alfa)
        "ADMIN": ("ok", "ok"),
        "TEAM": ("ok", "NOT_FOUND"),  # it cannot see the document
        "TEAM_AM": ("ok", "ok"),
        "TEAM_EX_AM": ("ok", "NOT_FOUND"),
        "BUSINESS": ("FORBIDDEN", "FORBIDDEN"),
        "BUSINESS_AM": ("FORBIDDEN", "FORBIDDEN"),
        "READONLY": ("FORBIDDEN", "FORBIDDEN"),
    }
    problems: list[str] = []
    for viewer, expected in UPLOAD_EXPECTED.items():
        caller = s.viewers[viewer]
        for party_key, party, want in (("Beta", s.beta, expected[0]), ("Alfa", s.alfa, expected[1])):
            filename = f"{viewer.lower()}-{party_key.lower()}.pdf"
            content = f"upload by {viewer}".encode()
            payload = await upload(caller, party, content, filename, description=viewer)
            got = outcome(payload)
            if got != want:
                problems.append(f"{viewer}: uploadDocument to {party_key} -> {got}, expected {want}: {payload['userErrors']}")
            listed = (await admin.gql(PARTY_DOCUMENTS, {"id": party}))["node"]["documents"]["nodes"]
            stored = {d["id"] for d in listed}
            names = {d["filename"] for d in listed}
            if (filename in names) != (want == "ok"):
                problems.append(f"{viewer}: after uploadDocument to {party_key} ({got}) the stored files are {names}")
            if want == "ok" and got == "ok":
                document = payload["document"]
                facts = (document["filename"], document["contentType"], document["size"], document["sha256"], document["description"])
                if facts != (filename, "application/pdf", len(content), hashlib.sha256(content).hexdigest(), viewer):
                    problems.append(f"{viewer}: uploaded document reads back as {document}")
                if document["id"] not in stored or document["downloadUrl"] != f"/documents/{document['id']}?sha256={document['sha256']}":
                    problems.append(f"{viewer}: uploaded document id/downloadUrl wrong: {document}")
                if document["uploadedBy"] is None:
                    problems.append(f"{viewer}: uploadedBy is null")
            elif payload.get("document") is not None:
                problems.append(f"{viewer}: a refused upload returned a document: {payload['document']}")

    for viewer, expected in DELETE_EXPECTED.items():
        caller = s.viewers[viewer]
        for party_key, party, want in (("Beta", s.beta, expected[0]), ("Alfa", s.alfa, expected[1])):
            doc = await s.add_document(f"del-{viewer}-{party_key}", party, f"delete-me-{viewer.lower()}.pdf")
            payload = await mutate(caller, "deleteDocument", "deletedId", id=doc.id)
            got = outcome(payload)
            if got != want:
                problems.append(f"{viewer}: deleteDocument on {party_key} -> {got}, expected {want}: {payload['userErrors']}")
            if want == "NOT_FOUND":
                missing = await mutate(caller, "deleteDocument", "deletedId", id=encode_id("Document", 987_654_321))
                if missing["userErrors"] != payload["userErrors"]:
                    problems.append(f"{viewer}: deleting an unseen document differs from a missing one")
            still_there = doc.id in (await document_ids(admin, party))[0]
            if still_there != (want != "ok"):
                problems.append(f"{viewer}: after deleteDocument on {party_key} ({got}) the document is {'still there' if still_there else 'gone'}")
            if want == "ok" and (await download(client, admin.token, doc.id)).status_code != 404:
                problems.append(f"{viewer}: a deleted document can still be downloaded")
    report(problems)


# --- R3: inactive and archived --------------------------------------------------------------------

ALFA_MEMBERS = """
query($id: ID!, $inactive: Boolean!) {
  organisation(id: $id) { memberships(includeInactive: $inactive, first: 100) { totalCount nodes { id active } } }
}"""
PERSON_MEMBERSHIPS = """
query($id: ID!, $inactive: Boolean!) {
  person(id: $id) { memberships(includeInactive: $inactive) { totalCount nodes { id } } }
}"""
ARCHIVED = """
query($search: String!, $archived: Boolean!, $id: ID!, $parent: ID!) {
  organisations(filter: {search: $search, includeArchived: $archived}) { totalCount nodes { id } }
  organisation(id: $id) { id archived }
  node(id: $id) { id }
  parent: organisation(id: $parent) {
    subsidiaries(includeArchived: $archived) { totalCount nodes { id } }
    descendants(includeArchived: $archived) { totalCount edges { node { id } } }
  }
}"""


async def test_r3_inactive_and_archived_only_when_asked(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    # The same for every role: R3 is about what is asked for, not who asks.
    EXPECTED = {
        role: {
            "alfa memberships": {False: {s.member_membership}, True: {s.member_membership, s.former_membership}},
            "former's memberships": {False: set(), True: {s.former_membership}},
            "archived org listed": {False: set(), True: {s.archived}},
        }
        for role in ROLES
    }
    problems: list[str] = []
    for role, expected in EXPECTED.items():
        caller = s.viewers[role]
        for inactive in (False, True):
            members = (await caller.gql(ALFA_MEMBERS, {"id": s.alfa, "inactive": inactive}))["organisation"]["memberships"]
            got = {n["id"] for n in members["nodes"]}
            want = expected["alfa memberships"][inactive]
            if got != want or members["totalCount"] != len(want):
                problems.append(f"{role}: Alfa memberships (includeInactive={inactive}) = {got}, expected {want}")
            person = (await caller.gql(PERSON_MEMBERSHIPS, {"id": s.former, "inactive": inactive}))["person"]
            if person is None:
                problems.append(f"{role}: a person with only an inactive membership is hidden (R1 counts inactive ones)")
            else:
                got = {n["id"] for n in person["memberships"]["nodes"]}
                want = expected["former's memberships"][inactive]
                if got != want or person["memberships"]["totalCount"] != len(want):
                    problems.append(f"{role}: former's memberships (includeInactive={inactive}) = {got}, expected {want}")
            # Inactive relations (R3) on top of R1.
            relations = (await caller.gql(PARTY_RELATIONS, {"id": s.alfa, "inactive": inactive}))["node"]["relations"]
            has_inactive = s.rel_inactive in {e["relation"]["id"] for e in relations["edges"]}
            if has_inactive != inactive:
                problems.append(f"{role}: inactive relation listed={has_inactive} with includeInactive={inactive}")

            data = (
                await caller.gql(ARCHIVED, {"search": "Archief", "archived": inactive, "id": s.archived, "parent": s.beta})
            )
            want = expected["archived org listed"][inactive]
            listed = data["organisations"]
            if {n["id"] for n in listed["nodes"]} != want or listed["totalCount"] != len(want):
                problems.append(f"{role}: organisations(search Archief, includeArchived={inactive}) = {listed}")
            if data["organisation"] != {"id": s.archived, "archived": True} or data["node"] != {"id": s.archived}:
                problems.append(f"{role}: archived organisation not fetchable by id: {data['organisation']} {data['node']}")
            subsidiaries = data["parent"]["subsidiaries"]
            if {n["id"] for n in subsidiaries["nodes"]} != want or subsidiaries["totalCount"] != len(want):
                problems.append(f"{role}: Beta subsidiaries (includeArchived={inactive}) = {subsidiaries}")
            descendants = data["parent"]["descendants"]
            if {e["node"]["id"] for e in descendants["edges"]} != want or descendants["totalCount"] != len(want):
                problems.append(f"{role}: Beta descendants (includeArchived={inactive}) = {descendants}")
    report(problems)


# --- R4: financial and sensitive fields -------------------------------------------------------------

FIELDS_QUERY = """
query($org: ID!, $person: ID!) {
  organisation(id: $org) {
    viewerCanSeeFinancials
    viewerCanSeeSensitive
    salesRelation { creditLimit { amount } }
    purchaseRelation { ourAccountNumber }
    internalRelations(first: 100) { nodes { id commissionPercent } }
    vatNumber
    invoiceEmail
    invoiceAddress { city }
    addresses { city }
  }
  person(id: $person) {
    viewerCanSeeFinancials
    viewerCanSeeSensitive
    bsn
    employee { employeeNumber salary { amount } }
  }
}"""
PERMISSION_SETS = ((), ("FINANCE",), ("SENSITIVE",), ("FINANCE", "SENSITIVE"))


async def test_r4_financial_and_sensitive_fields_need_their_permission(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    # (role, permissions) -> (sees financials, sees the BSN): the role does not matter.
    EXPECTED = {
        (role, perms): ("FINANCE" in perms, "SENSITIVE" in perms) for role in ROLES for perms in PERMISSION_SETS
    }
    problems: list[str] = []
    for (role, perms), (finance, sensitive) in EXPECTED.items():
        who = f"{role}+{'+'.join(perms) or 'nothing'}"
        caller = await make_caller(role, perms)
        response = await caller.post(FIELDS_QUERY, {"org": s.alfa, "person": s.member})
        assert response.status_code == 200, (who, response.text)
        body = response.json()
        org, person = body["data"]["organisation"], body["data"]["person"]
        errors = {tuple(e["path"]): e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        nodes = org["internalRelations"]["nodes"]
        want_errors: dict[tuple[Any, ...], str] = {}
        if not finance:
            want_errors |= {
                ("organisation", "salesRelation"): "FORBIDDEN",
                ("organisation", "purchaseRelation"): "FORBIDDEN",
                ("organisation", "vatNumber"): "FORBIDDEN",
                ("organisation", "invoiceEmail"): "FORBIDDEN",
                ("organisation", "invoiceAddress"): "FORBIDDEN",
                ("person", "employee", "salary"): "FORBIDDEN",
            }
            want_errors |= {
                ("organisation", "internalRelations", "nodes", i, "commissionPercent"): "FORBIDDEN"
                for i in range(len(nodes))
            }
        if not sensitive:
            want_errors[("person", "bsn")] = "FORBIDDEN"
        if errors != want_errors:
            problems.append(f"{who}: errors at {errors}, expected {want_errors}")
        flags = (org["viewerCanSeeFinancials"], person["viewerCanSeeFinancials"], org["viewerCanSeeSensitive"], person["viewerCanSeeSensitive"])
        if flags != (finance, finance, sensitive, sensitive):
            problems.append(f"{who}: viewerCanSeeFinancials/Sensitive (org, person) = {flags}")
        commissions = {n["id"]: n["commissionPercent"] for n in nodes}
        want_sales = {"creditLimit": {"amount": CREDIT_LIMIT}} if finance else None
        want_purchase = {"ourAccountNumber": ACCOUNT_NUMBER} if finance else None
        want_salary = {"amount": SALARY} if finance else None
        if org["salesRelation"] != want_sales or org["purchaseRelation"] != want_purchase:
            problems.append(f"{who}: salesRelation/purchaseRelation = {org['salesRelation']} {org['purchaseRelation']}")
        if commissions.get(s.ir_commission) != (COMMISSION if finance else None):
            problems.append(f"{who}: commissionPercent = {commissions}")
        if person["employee"] != {"employeeNumber": "E-1", "salary": want_salary}:
            problems.append(f"{who}: employee = {person['employee']}")
        if person["bsn"] != (MEMBER_BSN if sensitive else None):
            problems.append(f"{who}: bsn = {person['bsn']}")
        invoice = (org["invoiceEmail"], org["invoiceAddress"], org["addresses"])
        want_invoice = (INVOICE_EMAIL, {"city": INVOICE_CITY}, [{"city": INVOICE_CITY}]) if finance else (None, None, [])
        if invoice != want_invoice:
            problems.append(f"{who}: invoiceEmail/invoiceAddress/addresses = {invoice}")
        for secret, allowed in (
            (CREDIT_LIMIT, finance),
            (ACCOUNT_NUMBER, finance),
            (SALARY, finance),
            (COMMISSION, finance),
            (INVOICE_EMAIL, finance),
            (INVOICE_CITY, finance),
            (MEMBER_BSN, sensitive),
        ):
            if not allowed and secret in response.text:
                problems.append(f"{who}: {secret} appears in the response")
    report(problems)


# --- R5: the write matrix ---------------------------------------------------------------------------

WRITE_ROLES = {  # kind of change -> roles that may make it
    "organisation": {"ADMIN", "TEAM", "BUSINESS"},
    "person": {"ADMIN", "TEAM", "BUSINESS"},
    "membership": {"ADMIN", "TEAM", "BUSINESS"},
    "relation": {"ADMIN", "TEAM", "BUSINESS"},
    "internal relation": {"ADMIN", "TEAM"},
    "domain data": {"ADMIN"},
    "note": {"ADMIN", "TEAM", "BUSINESS"},
    "activity": {"ADMIN", "TEAM", "BUSINESS"},
    "person deletion": {"ADMIN"},
}


@dataclass
class WriteCase:
    """One mutation: `prepare` (as ADMIN) makes what it needs, `run` tries it, `changed` reads back."""

    name: str
    kind: str
    run: Callable[[Any, dict[str, Any]], Awaitable[dict[str, Any]]]
    changed: Callable[[Any, dict[str, Any]], Awaitable[bool]]
    prepare: Callable[[Scenario, str], Awaitable[dict[str, Any]]] | None = None


async def _org_search_count(admin: Any, text: str) -> int:
    query = "query($s: String!) { organisations(filter: {search: $s, includeArchived: true}) { totalCount } }"
    return (await admin.gql(query, {"s": text}))["organisations"]["totalCount"]


async def _person_search_count(admin: Any, text: str) -> int:
    return (await admin.gql(PERSONS, {"search": text}))["persons"]["totalCount"]


async def _read(admin: Any, query: str, **variables: Any) -> Any:
    return await admin.gql(query, variables)


def _base(s: Scenario, role: str) -> dict[str, Any]:
    return {"s": s, "role": role, "tag": role.title()}


async def _fresh_org(s: Scenario, role: str) -> dict[str, Any]:
    return {**_base(s, role), "org": await s.new_org(f"W5 {role.title()} Org")}


async def _fresh_membership(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Werkgever")
    return {**_base(s, role), "org": org, "membership": await s.new_membership(s.member, org)}


async def _fresh_business_person(s: Scenario, role: str) -> dict[str, Any]:
    """A person with a membership: every role sees it (R1)."""
    person = await s.new_person(f"W5 {role.title()} Persoon")
    await s.new_membership(person, s.beta)
    return {**_base(s, role), "person": person}


async def _fresh_archived_org(s: Scenario, role: str) -> dict[str, Any]:
    context = await _fresh_org(s, role)
    await ok(s.admin, "archiveOrganisation", "organisation { id }", id=context["org"])
    return context


async def _fresh_inactive_membership(s: Scenario, role: str) -> dict[str, Any]:
    context = await _fresh_membership(s, role)
    await ok(s.admin, "deactivateMembership", "membership { id }", id=context["membership"])
    return context


async def _fresh_relation(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Relatie")
    return {**_base(s, role), "org": org, "relation": await s.new_relation(org, s.member, note="original")}


async def _fresh_internal_relation(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Dossier")
    return {**_base(s, role), "org": org, "ir": await s.link(s.staff_id, org, s.tax_category)}


async def _fresh_type(s: Scenario, role: str) -> dict[str, Any]:
    payload = await ok(
        s.admin, "createRelationType", "relationType { id }", name=f"w5 {role.lower()} type {uuid.uuid4().hex[:6]}", inverseName=f"w5 {role.lower()} inverse", sourceKinds=["ORGANISATION"], targetKinds=["ORGANISATION"]
    )
    return {**_base(s, role), "type": payload["relationType"]["id"]}


async def _fresh_category(s: Scenario, role: str) -> dict[str, Any]:
    payload = await ok(s.admin, "createInternalRelationCategory", "category { id }", name=f"W5 {role.title()} Category")
    return {**_base(s, role), "category": payload["category"]["id"]}


async def _fresh_addresses(s: Scenario, role: str) -> dict[str, Any]:
    """An organisation with two visit addresses; the first is its head office."""
    context = await _fresh_org(s, role)
    for key in ("head", "other"):
        payload = await ok(s.admin, "addAddress", "address { id }", partyId=context["org"], kind="VISIT", city=key)
        context[key] = payload["address"]["id"]
    return context


async def _org_field(admin: Any, org: str, selection: str) -> Any:
    return (await admin.gql(f"query($id: ID!) {{ organisation(id: $id) {{ {selection} }} }}", {"id": org}))["organisation"]


async def _node(admin: Any, id_: str, selection: str = "id") -> Any:
    return (await admin.gql(f"query($id: ID!) {{ node(id: $id) {{ {selection} }} }}", {"id": id_}))["node"]


WRITE_CASES = [
    # organisations
    WriteCase(
        "createOrganisation",
        "organisation",
        lambda c, x: mutate(c, "createOrganisation", "organisation { id }", name=f"Nieuw {x['tag']} BV"),
        lambda a, x: _org_search_count(a, f"Nieuw {x['tag']} BV"),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updateOrganisation",
        "organisation",
        lambda c, x: mutate(c, "updateOrganisation", "organisation { id }", id=x["org"], description=f"by {x['tag']}"),
        lambda a, x: _eq(_org_field(a, x["org"], "description"), {"description": f"by {x['tag']}"}),
        _fresh_org,
    ),
    WriteCase(
        "archiveOrganisation",
        "organisation",
        lambda c, x: mutate(c, "archiveOrganisation", "organisation { id }", id=x["org"]),
        lambda a, x: _eq(_org_field(a, x["org"], "archived"), {"archived": True}),
        _fresh_org,
    ),
    WriteCase(
        "unarchiveOrganisation",
        "organisation",
        lambda c, x: mutate(c, "unarchiveOrganisation", "organisation { id }", id=x["org"]),
        lambda a, x: _eq(_org_field(a, x["org"], "archived"), {"archived": False}),
        _fresh_archived_org,
    ),
    WriteCase(
        "setParentOrganisation",
        "organisation",
        lambda c, x: mutate(c, "setParentOrganisation", "organisation { id }", organisationId=x["org"], parentId=x["s"].gamma),
        lambda a, x: _eq(_org_field(a, x["org"], "parent { id }"), {"parent": {"id": x["s"].gamma}}),
        _fresh_org,
    ),
    WriteCase(
        "setPartyTypes",
        "organisation",
        lambda c, x: mutate(c, "setPartyTypes", "types { code }", partyId=x["org"], types=["MANUFACTURER"]),
        lambda a, x: _eq(_org_field(a, x["org"], "types { code }"), {"types": [{"code": "MANUFACTURER"}]}),
        _fresh_org,
    ),
    WriteCase(
        "setSalesRelation",
        "organisation",
        lambda c, x: mutate(c, "setSalesRelation", "salesRelation { currency }", partyId=x["org"], paymentTermDays=30),
        lambda a, x: _eq(_org_field(a, x["org"], "salesRelation { paymentTermDays }"), {"salesRelation": {"paymentTermDays": 30}}),
        _fresh_org,
    ),
    WriteCase(
        "setPurchaseRelation",
        "organisation",
        lambda c, x: mutate(c, "setPurchaseRelation", "purchaseRelation { paymentTermDays }", partyId=x["org"], paymentTermDays=45),
        lambda a, x: _eq(_org_field(a, x["org"], "purchaseRelation { paymentTermDays }"), {"purchaseRelation": {"paymentTermDays": 45}}),
        _fresh_org,
    ),
    WriteCase(
        "updateOrganisation (invoice data)",
        "organisation",
        lambda c, x: mutate(c, "updateOrganisation", "organisation { id }", id=x["org"], invoiceEmail=f"{x['role'].lower()}@factuur.example"),
        lambda a, x: _eq(_org_field(a, x["org"], "invoiceEmail"), {"invoiceEmail": f"{x['role'].lower()}@factuur.example"}),
        _fresh_org,
    ),
    # addresses: who may write the party may write its addresses
    WriteCase(
        "addAddress",
        "organisation",
        lambda c, x: mutate(c, "addAddress", "address { id }", partyId=x["org"], kind="VISIT", city=f"Stad {x['tag']}"),
        lambda a, x: _eq(_org_field(a, x["org"], "addresses { city }"), {"addresses": [{"city": f"Stad {x['tag']}"}]}),
        _fresh_org,
    ),
    WriteCase(
        "addAddress (person)",
        "person",
        lambda c, x: mutate(c, "addAddress", "address { id }", partyId=x["person"], kind="POSTAL", city=f"Dorp {x['tag']}"),
        lambda a, x: _eq(_node(a, x["person"], "... on Person { addresses { city } }"), {"addresses": [{"city": f"Dorp {x['tag']}"}]}),
        _fresh_business_person,
    ),
    WriteCase(
        "updateAddress",
        "organisation",
        lambda c, x: mutate(c, "updateAddress", "address { id }", id=x["head"], street=f"Straat {x['tag']}"),
        lambda a, x: _eq(_node(a, x["head"], "... on Address { street }"), {"street": f"Straat {x['tag']}"}),
        _fresh_addresses,
    ),
    WriteCase(
        "setHeadOffice",
        "organisation",
        lambda c, x: mutate(c, "setHeadOffice", "address { id }", addressId=x["other"]),
        lambda a, x: _eq(_node(a, x["other"], "... on Address { isHeadOffice }"), {"isHeadOffice": True}),
        _fresh_addresses,
    ),
    WriteCase(
        "removeAddress",
        "organisation",
        lambda c, x: mutate(c, "removeAddress", "deletedId", id=x["head"]),
        lambda a, x: _is_none(_node(a, x["head"])),
        _fresh_addresses,
    ),
    # persons
    WriteCase(
        "createPerson",
        "person",
        lambda c, x: mutate(c, "createPerson", "person { id }", lastName=f"Nieuwpersoon{x['tag']}"),
        lambda a, x: _person_search_count(a, f"Nieuwpersoon{x['tag']}"),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updatePerson",
        "person",
        lambda c, x: mutate(c, "updatePerson", "person { id }", id=x["s"].member, firstName=f"Zara{x['tag']}"),
        lambda a, x: _eq(_node(a, x["s"].member, "... on Person { firstName }"), {"firstName": f"Zara{x['tag']}"}),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updatePerson (deactivate)",
        "person",
        lambda c, x: mutate(c, "updatePerson", "person { id }", id=x["person"], active=False),
        lambda a, x: _eq(_node(a, x["person"], "... on Person { active }"), {"active": False}),
        _fresh_business_person,
    ),
    WriteCase(
        "deletePerson",
        "person deletion",
        lambda c, x: mutate(c, "deletePerson", "person { id }", id=x["person"], confirm=True),
        lambda a, x: _eq(_node(a, x["person"], "... on Person { displayName }"), {"displayName": "Deleted contact"}),
        _fresh_business_person,
    ),
    WriteCase(
        "setEmployeeData",
        "person",
        lambda c, x: mutate(c, "setEmployeeData", "employee { employeeNumber }", personId=x["s"].member, employeeNumber=f"E-{x['tag']}"),
        lambda a, x: _eq(_node(a, x["s"].member, "... on Person { employee { employeeNumber } }"), {"employee": {"employeeNumber": f"E-{x['tag']}"}}),
        lambda s, r: _async(_base(s, r)),
    ),
    # memberships
    WriteCase(
        "addMembership",
        "membership",
        lambda c, x: mutate(c, "addMembership", "membership { id }", personId=x["s"].member, organisationId=x["org"]),
        lambda a, x: _eq(_org_field(a, x["org"], "memberships(includeInactive: true) { totalCount }"), {"memberships": {"totalCount": 1}}),
        _fresh_org,
    ),
    WriteCase(
        "updateMembership",
        "membership",
        lambda c, x: mutate(c, "updateMembership", "membership { id }", id=x["membership"], jobTitle=f"Job {x['tag']}"),
        lambda a, x: _eq(_node(a, x["membership"], "... on Membership { jobTitle }"), {"jobTitle": f"Job {x['tag']}"}),
        _fresh_membership,
    ),
    WriteCase(
        "deactivateMembership",
        "membership",
        lambda c, x: mutate(c, "deactivateMembership", "membership { id }", id=x["membership"]),
        lambda a, x: _eq(_node(a, x["membership"], "... on Membership { active }"), {"active": False}),
        _fresh_membership,
    ),
    WriteCase(
        "reactivateMembership",
        "membership",
        lambda c, x: mutate(c, "reactivateMembership", "membership { id }", id=x["membership"]),
        lambda a, x: _eq(_node(a, x["membership"], "... on Membership { active }"), {"active": True}),
        _fresh_inactive_membership,
    ),
    WriteCase(
        "deleteMembership",
        "membership",
        lambda c, x: mutate(c, "deleteMembership", "deletedMembershipId", id=x["membership"], reason="wrong person"),
        lambda a, x: _is_none(_node(a, x["membership"])),
        _fresh_membership,
    ),
    WriteCase(
        "addBusinessRelation",
        "membership",
        lambda c, x: mutate(
            c, "addBusinessRelation", "person { id }", person={"lastName": f"Zakelijk{x['tag']}"}, organisationId=x["s"].beta
        ),
        lambda a, x: _person_search_count(a, f"Zakelijk{x['tag']}"),
        lambda s, r: _async(_base(s, r)),
    ),
    # relations
    WriteCase(
        "addRelation",
        "relation",
        lambda c, x: mutate(c, "addRelation", "relation { id }", typeId=x["s"].relation_type, sourceId=x["org"], targetId=x["s"].member),
        lambda a, x: _eq(_org_field(a, x["org"], "relations(includeInactive: true) { totalCount }"), {"relations": {"totalCount": 1}}),
        _fresh_org,
    ),
    WriteCase(
        "updateRelation",
        "relation",
        lambda c, x: mutate(c, "updateRelation", "relation { id }", id=x["relation"], note=f"note {x['tag']}"),
        lambda a, x: _eq(_node(a, x["relation"], "... on Relation { note }"), {"note": f"note {x['tag']}"}),
        _fresh_relation,
    ),
    WriteCase(
        "deleteRelation",
        "relation",
        lambda c, x: mutate(c, "deleteRelation", "deletedId", id=x["relation"]),
        lambda a, x: _is_none(_node(a, x["relation"])),
        _fresh_relation,
    ),
    # internal relations
    WriteCase(
        "addInternalRelation",
        "internal relation",
        lambda c, x: mutate(
            c, "addInternalRelation", "internalRelation { id }", employeeId=x["s"].staff_id, partyId=x["org"], categoryId=x["s"].tax_category
        ),
        lambda a, x: _eq(_org_field(a, x["org"], "internalRelations(includeEnded: true) { totalCount }"), {"internalRelations": {"totalCount": 1}}),
        _fresh_org,
    ),
    WriteCase(
        "updateInternalRelation",
        "internal relation",
        lambda c, x: mutate(c, "updateInternalRelation", "internalRelation { id }", id=x["ir"], until="2099-12-31"),
        lambda a, x: _eq(_node(a, x["ir"], "... on InternalRelation { until }"), {"until": "2099-12-31"}),
        _fresh_internal_relation,
    ),
    WriteCase(
        "deleteInternalRelation",
        "internal relation",
        lambda c, x: mutate(c, "deleteInternalRelation", "deletedId", id=x["ir"]),
        lambda a, x: _is_none(_node(a, x["ir"])),
        _fresh_internal_relation,
    ),
    # domain data
    WriteCase(
        "createRelationType",
        "domain data",
        lambda c, x: mutate(
            c, "createRelationType", "relationType { id }", name=f"r5 {x['role'].lower()}", inverseName="r5 inverse", sourceKinds=["ORGANISATION"], targetKinds=["PERSON"]
        ),
        lambda a, x: _contains(_read(a, "{ relationTypes(includeInactive: true) { name } }"), "relationTypes", "name", f"r5 {x['role'].lower()}"),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updateRelationType",
        "domain data",
        lambda c, x: mutate(c, "updateRelationType", "relationType { id }", id=x["type"], description=f"by {x['tag']}"),
        lambda a, x: _eq(_node(a, x["type"], "... on RelationType { description }"), {"description": f"by {x['tag']}"}),
        _fresh_type,
    ),
    WriteCase(
        "deactivateRelationType",
        "domain data",
        lambda c, x: mutate(c, "deactivateRelationType", "relationType { id }", id=x["type"]),
        lambda a, x: _eq(_node(a, x["type"], "... on RelationType { active }"), {"active": False}),
        _fresh_type,
    ),
    WriteCase(
        "deleteRelationType",
        "domain data",
        lambda c, x: mutate(c, "deleteRelationType", "deletedId", id=x["type"]),
        lambda a, x: _is_none(_node(a, x["type"])),
        _fresh_type,
    ),
    WriteCase(
        "createInternalRelationCategory",
        "domain data",
        lambda c, x: mutate(c, "createInternalRelationCategory", "category { id }", name=f"Categorie {x['tag']}"),
        lambda a, x: _contains(
            _read(a, "{ internalRelationCategories(includeInactive: true) { name } }"), "internalRelationCategories", "name", f"Categorie {x['tag']}"
        ),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updateInternalRelationCategory",
        "domain data",
        lambda c, x: mutate(c, "updateInternalRelationCategory", "category { id }", id=x["category"], description=f"by {x['tag']}"),
        lambda a, x: _eq(_node(a, x["category"], "... on InternalRelationCategory { description }"), {"description": f"by {x['tag']}"}),
        _fresh_category,
    ),
    WriteCase(
        "createPartyType",
        "domain data",
        lambda c, x: mutate(c, "createPartyType", "partyType { id }", code=f"W5_{x['role']}", name=f"W5 {x['tag']}", partyKind="ORGANISATION"),
        lambda a, x: _contains(_read(a, "{ partyTypes(includeInactive: true) { code } }"), "partyTypes", "code", f"W5_{x['role']}"),
        lambda s, r: _async(_base(s, r)),
    ),
]


async def _async(value: Any) -> Any:
    return value


async def _eq(read: Awaitable[Any], expected: Any) -> bool:
    return (await read) == expected


async def _is_none(read: Awaitable[Any]) -> bool:
    return (await read) is None


async def _contains(read: Awaitable[Any], key: str, attribute: str, value: str) -> bool:
    return value in {item[attribute] for item in (await read)[key]}


async def test_r5_write_matrix(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    EXPECTED = {
        role: {case.name: "ok" if role in WRITE_ROLES[case.kind] else "FORBIDDEN" for case in WRITE_CASES} for role in ROLES
    }
    assert set(WRITE_ROLES) == {case.kind for case in WRITE_CASES}
    problems: list[str] = []
    for role, expected in EXPECTED.items():
        caller = await make_caller(role, ("FINANCE", "SENSITIVE"))  # permissions never open a write (R4 aside)
        for case in WRITE_CASES:
            context = await case.prepare(s, role) if case.prepare else _base(s, role)
            payload = await case.run(caller, context)
            got = outcome(payload)
            want = expected[case.name]
            if got != want:
                problems.append(f"{role}: {case.name} -> {got}, expected {want}: {payload['userErrors']}")
            changed = bool(await case.changed(admin, context))
            if changed != (want == "ok"):
                problems.append(f"{role}: {case.name} ({got}) {'changed' if changed else 'did not change'} the data")
    report(problems)


# --- notes and activities (issue 9) -------------------------------------------------------------

NOTE_KINDS = ("GENERAL", "INTERNAL", "PRICE_AGREEMENT")
PARTY_NOTES = """
query($id: ID!) {
  node(id: $id) {
    ... on Party {
      notes(first: 100) { totalCount nodes { id kind } }
      activities(first: 100) { totalCount nodes { id } }
      timeline(first: 100, kinds: [NOTE]) { totalCount }
    }
  }
}"""


ALFA_TRAIL = """
query($id: ID!) { node(id: $id) { ... on Party { auditTrail(first: 100) { nodes { objectType objectId } } } } }"""


async def _fresh_note(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Notities")
    note = await ok(s.admin, "addNote", "note { id }", partyId=org, body="origineel")
    return {**_base(s, role), "org": org, "note": note["note"]["id"]}


async def _fresh_activity(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Taken")
    activity = await ok(s.admin, "addActivity", "activity { id }", partyId=org, subject="Bellen")
    return {**_base(s, role), "org": org, "activity": activity["activity"]["id"]}


WRITE_CASES.extend(
    [
        WriteCase(
            "addNote",
            "note",
            lambda c, x: mutate(c, "addNote", "note { id }", partyId=x["org"], body=f"van {x['tag']}"),
            lambda a, x: _eq(_org_field(a, x["org"], "notes { totalCount }"), {"notes": {"totalCount": 1}}),
            _fresh_org,
        ),
        WriteCase(
            "updateNote",
            "note",
            lambda c, x: mutate(c, "updateNote", "note { id }", id=x["note"], body=f"door {x['tag']}"),
            lambda a, x: _eq(_node(a, x["note"], "... on Note { body }"), {"body": f"door {x['tag']}"}),
            _fresh_note,
        ),
        WriteCase(
            "removeNote",
            "note",
            lambda c, x: mutate(c, "removeNote", "deletedId", id=x["note"]),
            lambda a, x: _is_none(_node(a, x["note"])),
            _fresh_note,
        ),
        WriteCase(
            "addActivity",
            "activity",
            lambda c, x: mutate(c, "addActivity", "activity { id }", partyId=x["org"], subject=f"Taak {x['tag']}"),
            lambda a, x: _eq(_org_field(a, x["org"], "activities { totalCount }"), {"activities": {"totalCount": 1}}),
            _fresh_org,
        ),
        WriteCase(
            "completeActivity",
            "activity",
            lambda c, x: mutate(c, "completeActivity", "activity { id }", id=x["activity"]),
            lambda a, x: _eq(_node(a, x["activity"], "... on Activity { status }"), {"status": "DONE"}),
            _fresh_activity,
        ),
        WriteCase(
            "removeActivity",
            "activity",
            lambda c, x: mutate(c, "removeActivity", "deletedId", id=x["activity"]),
            lambda a, x: _is_none(_node(a, x["activity"])),
            _fresh_activity,
        ),
    ]
)


async def test_r1_r4_r5_notes_by_kind_and_on_hidden_persons(admin, make_caller, client) -> None:
    """Notes: GENERAL for all, INTERNAL for ADMIN and TEAM, PRICE_AGREEMENT with FINANCE; a
    hidden person's notes and activities are as missing as the person. Writing follows reading."""
    s = await build_scenario(admin, make_caller, client)
    notes = {}
    for kind in NOTE_KINDS:
        notes[kind] = (await ok(admin, "addNote", "note { id }", partyId=s.alfa, kind=kind, body=f"{kind} op Alfa"))["note"]["id"]
    hidden_note = (await ok(admin, "addNote", "note { id }", partyId=s.hidden, body="over Vera"))["note"]["id"]
    hidden_activity = (await ok(admin, "addActivity", "activity { id }", partyId=s.hidden, subject="Vera bellen"))["activity"]["id"]
    missing_note = encode_id("Note", 987_654_321)
    EXPECTED = {  # (role, permissions) -> note kinds it reads (and, if it may write at all, writes)
        ("ADMIN", ()): {"GENERAL", "INTERNAL"},
        ("ADMIN", ("FINANCE",)): {"GENERAL", "INTERNAL", "PRICE_AGREEMENT"},
        ("TEAM", ()): {"GENERAL", "INTERNAL"},
        ("TEAM", ("FINANCE",)): {"GENERAL", "INTERNAL", "PRICE_AGREEMENT"},
        ("BUSINESS", ()): {"GENERAL"},
        ("BUSINESS", ("FINANCE", "SENSITIVE")): {"GENERAL", "PRICE_AGREEMENT"},
        ("READONLY", ("FINANCE",)): {"GENERAL", "PRICE_AGREEMENT"},
    }
    problems: list[str] = []
    for (role, permissions), readable in EXPECTED.items():
        who = f"{role}+{'+'.join(permissions) or 'nothing'}"
        caller = await make_caller(role, permissions)
        listed = (await caller.gql(PARTY_NOTES, {"id": s.alfa}))["node"]
        got = {n["kind"] for n in listed["notes"]["nodes"]}
        if got != readable or listed["notes"]["totalCount"] != len(readable) or listed["timeline"]["totalCount"] != len(readable):
            problems.append(f"{who}: Alfa notes {got} (totals {listed['notes']['totalCount']}, {listed['timeline']['totalCount']}), expected {readable}")
        for kind, note in notes.items():
            node = (await caller.gql(DOC_NODE, {"id": note}))["node"]
            if (node is not None) != (kind in readable):
                problems.append(f"{who}: node({kind} note) = {node}")
        sees = SEES_ALL_PERSONS[role]
        trail = (await caller.gql(ALFA_TRAIL, {"id": s.alfa}))["node"]["auditTrail"]["nodes"]
        related = {e["objectId"] for e in trail if e["objectType"] == "Relation"}
        want_related = {s.rel_member, s.rel_inactive} | ({s.rel_hidden} if sees else set())
        if related != want_related:
            problems.append(f"{who}: Alfa's audit trail shows the relations {related}, expected {want_related}")
        for label, item in (("note", hidden_note), ("activity", hidden_activity)):
            if ((await caller.gql(DOC_NODE, {"id": item}))["node"] is not None) != sees:
                problems.append(f"{who}: node(hidden person's {label}) visible={not sees}")
        writes = role != "READONLY"
        for kind in NOTE_KINDS:
            payload = await mutate(caller, "addNote", "note { id }", partyId=s.beta, kind=kind, body=f"{who} schrijft")
            want = "FORBIDDEN" if not writes or kind not in readable else "ok"
            if outcome(payload) != want:
                problems.append(f"{who}: addNote {kind} -> {outcome(payload)}, expected {want}")
        if writes:
            # Someone else's note of a kind it may not read: as missing as a note that does not exist.
            for kind in set(NOTE_KINDS) - readable:
                payload = await mutate(caller, "updateNote", "note { id }", id=notes[kind], body="overschreven")
                missing = await mutate(caller, "updateNote", "note { id }", id=missing_note, body="overschreven")
                if outcome(payload) != "NOT_FOUND" or payload["userErrors"] != missing["userErrors"]:
                    problems.append(f"{who}: updateNote on an unreadable {kind} note -> {payload['userErrors']}")
            if not sees:
                for name, fields in (("addNote", {"body": "x"}), ("addActivity", {"subject": "x"})):
                    on_hidden = await mutate(caller, name, "__typename", partyId=s.hidden, **fields)
                    on_missing = await mutate(caller, name, "__typename", partyId=MISSING_PERSON, **fields)
                    if outcome(on_hidden) != "NOT_FOUND" or on_hidden["userErrors"] != on_missing["userErrors"]:
                        problems.append(f"{who}: {name} on the hidden person -> {on_hidden['userErrors']}")
    bodies = """query($id: ID!) { node(id: $id) { ... on Party { notes(first: 100) { nodes { body } } } } }"""
    texts = {n["body"] for n in (await admin.gql(bodies, {"id": s.alfa}))["node"]["notes"]["nodes"]}
    assert texts == {f"{kind} op Alfa" for kind in NOTE_KINDS}, "a refused update changed a note"
    report(problems)
