"""The authorization matrix (issue 6, DESIGN.md R1-R5): its scenario, queries and plumbing.

The matrix is tests/visibility/test_r*.py, one module per rule: every rule, every role,
table-driven. Each test builds one shared scenario (through the API, as ADMIN), then runs
the same requests as every kind of viewer and compares the outcome with a table `EXPECTED`
keyed by viewer. Mismatches are collected and reported together, each naming the viewer, so
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
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from helpers import ok, upload

from relgraph.graphql.core.ids import encode_id

__all__ = [
    "ACCOUNT_NUMBER",
    "COMMISSION",
    "CREDIT_LIMIT",
    "DOC_NODE",
    "INVOICE_CITY",
    "INVOICE_EMAIL",
    "MEMBER_BSN",
    "MEMBER_BSN_SHOWN",
    "MISSING_PERSON",
    "PARTY_DOCUMENTS",
    "PARTY_RELATIONS",
    "PERSONS",
    "ROLES",
    "SALARY",
    "SEES_ALL_PERSONS",
    "Scenario",
    "build_scenario",
    "document_ids",
    "download",
    "outcome",
    "raw",
    "report",
    "user_id",
]


ROLES = ("ADMIN", "TEAM", "BUSINESS", "READONLY")
SEES_ALL_PERSONS = {"ADMIN": True, "TEAM": True, "BUSINESS": False, "READONLY": False}

TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
TOMORROW = (TODAY + dt.timedelta(days=1)).isoformat()
LAST_YEAR = (TODAY - dt.timedelta(days=365)).isoformat()

MEMBER_BSN = "111222333"  # passes the 11-check
MEMBER_BSN_SHOWN = "1112.22.333"  # as the API shows it
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
        return (await ok(self.admin, "createOrganisation", "organisation { id }", name=name))["organisation"][
            "id"
        ]

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
            self.admin,
            "addRelation",
            "relation { id }",
            typeId=self.relation_type,
            sourceId=source,
            targetId=target,
            **fields,
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

    async def add_document(
        self, key: str, party: str, filename: str, content_type: str = "application/pdf"
    ) -> Doc:
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
    await ok(
        admin, "setParentOrganisation", "organisation { id }", organisationId=s.archived, parentId=s.beta
    )
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

    await ok(
        admin, "setSalesRelation", "salesRelation { currency }", partyId=s.alfa, creditLimit=CREDIT_LIMIT
    )
    await ok(
        admin,
        "setPurchaseRelation",
        "purchaseRelation { paymentTermDays }",
        partyId=s.alfa,
        ourAccountNumber=ACCOUNT_NUMBER,
    )
    await ok(
        admin,
        "setEmployeeData",
        "employee { employeeNumber }",
        personId=s.member,
        employeeNumber="E-1",
        salary=SALARY,
    )
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
        user_id(s.viewers["TEAM_AM"]),
        s.alfa,
        s.manager_category,
        since=LAST_YEAR,
        commissionPercent=COMMISSION,
    )
    await s.link(user_id(s.viewers["BUSINESS_AM"]), s.alfa, s.manager_category)
    await s.link(
        user_id(s.viewers["TEAM_EX_AM"]), s.alfa, s.manager_category, since=LAST_YEAR, until=YESTERDAY
    )
    await s.link(
        user_id(s.viewers["TEAM_EX_AM"]), s.gamma, s.manager_category, since=LAST_YEAR, until=YESTERDAY
    )
    await s.link(user_id(s.viewers["TEAM_FUTURE_AM"]), s.delta, s.manager_category, since=TOMORROW)
    s.ir_hidden = await s.link(s.staff_id, s.hidden, s.tax_category)
    return s


# --- queries more than one rule asks ---------------------------------------------------------

PERSONS = """
query($search: String) {
  persons(filter: {search: $search}, first: 100) { totalCount nodes { id } }
}"""
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
DOC_NODE = "query($id: ID!) { node(id: $id) { id } }"
