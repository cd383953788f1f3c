"""The leak test (issue 6): a BUSINESS user never learns of a hidden person or a shielded document.

On demo data, find with SQL the hidden persons (no membership at all: R1) and upload, as
ADMIN, documents to organisations that have account managers (R2) and to hidden persons.
Then, as a BUSINESS user who is no account manager, run every example query and a set of
broad queries (search, paging through every organisation and person with their relations,
memberships, internal relations and documents, every user's files, node/nodes lookups
with the hidden persons' IDs and with guessed IDs, downloads, mutations naming a hidden
person, the network queries) and search the raw text of every response for:

* the global ID of a hidden person, a shielded document or a hidden person's document
  (as a whole token, so that "UGVyc29uOjEy" does not match inside "UGVyc29uOjEyMw");
* the last name of a hidden person, when no other text in the database (organisations,
  visible persons, addresses, staff, memberships, notes, domain data) contains it;
* a shielded document's filename;

also inside every base64 token of the response (cursors are opaque, not secret-proof).

The test is not vacuous: hidden persons and shielded documents exist, relations and
internal relations point at hidden persons, and ADMIN running the same lookups does see
them (and the scanner flags those answers).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers import EXAMPLE_QUERIES, USER_ERRORS, codes, ok, upload_ok
from leakscan import BASE64_TOKEN, TOKEN_EDGE, b64
from sqlalchemy import String, Text, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph import demo
from relgraph.db.models import (
    Base,
    InternalRelation,
    InternalRelationCategory,
    Membership,
    Organisation,
    Party,
    Person,
    Relation,
)
from relgraph.graphql.core.ids import encode_id

# Tables whose text is not shown to anyone as such (or holds the very history of hidden rows).
_NOT_CORPUS = {"audit_events", "api_tokens", "locks"}


# --- what must not leak ------------------------------------------------------------------------


@dataclass
class Secrets:
    hidden_pks: set[int]
    hidden_ids: set[str]
    hidden_names: set[str]  # last names of hidden persons that no other text contains
    document_ids: set[str] = field(default_factory=set)
    document_names: set[str] = field(default_factory=set)
    other_words: set[str] = field(default_factory=set)  # e.g. a hidden person's contact details

    def compile(self) -> None:
        ids = sorted(self.hidden_ids | self.document_ids, key=len, reverse=True)
        self._ids = re.compile(rf"(?<![{TOKEN_EDGE}])(?:{'|'.join(map(re.escape, ids))})(?![{TOKEN_EDGE}])")
        words = sorted(self.hidden_names | self.document_names | self.other_words, key=len, reverse=True)
        self._words = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, words))})(?!\w)", re.IGNORECASE)
        self._pk = re.compile(r"Person:(\d+)(?!\d)")

    def find(self, text: str) -> list[str]:
        """Every secret in `text`, also inside base64 tokens (cursors)."""
        found = [m.group(0) for m in self._ids.finditer(text)]
        found += [m.group(0) for m in self._words.finditer(text)]
        for token in set(BASE64_TOKEN.findall(text)):
            decoded = b64(token)
            if decoded is None:
                continue
            found += [f"{m.group(0)} (in base64 {token})" for m in self._words.finditer(decoded)]
            found += [
                f"{m.group(0)} (in base64 {token})"
                for m in self._pk.finditer(decoded)
                if int(m.group(1)) in self.hidden_pks and token not in self.hidden_ids
            ]
        return found


async def _text_corpus(session: AsyncSession, hidden: set[int]) -> str:
    """All text in the database except the hidden persons' own rows, lower case."""
    person_columns = {"persons.id", "parties.id"}
    pieces: list[str] = []
    for table in Base.metadata.sorted_tables:
        if table.name in _NOT_CORPUS:
            continue
        text_columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if not text_columns:
            continue
        stmt = select(*text_columns)
        owners = [
            c for c in table.columns if any(fk.target_fullname in person_columns for fk in c.foreign_keys)
        ]
        if table.name in ("persons", "parties"):
            owners.append(table.c.id)
        for owner in owners:
            stmt = stmt.where(or_(owner.is_(None), owner.not_in(hidden)))
        for row in (await session.execute(stmt)).all():
            pieces.extend(str(v) for v in row if v)
    return "\n".join(pieces).lower()


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    admin: Any
    business: Any
    client: Any
    secrets: Secrets
    hidden_pks: list[int]
    visible_person_count: int
    max_party_pk: int
    org_ids: list[str]
    shielded_org_ids: list[str]
    neighbours_of_hidden: list[str]  # visible parties related to a hidden person
    relations_with_hidden: int
    internal_relations_on_hidden: int
    expected_org_relations: dict[str, int]  # organisation ID -> relations a BUSINESS user may see
    group_visible_members: int | None = None  # members of the test's customer group a BUSINESS user may see
    docs: list[dict[str, Any]] = field(default_factory=list)  # the secret documents
    open_docs: list[str] = field(default_factory=list)  # documents every viewer may see


@pytest.fixture
async def world(admin, make_caller, client, sessionmaker, session) -> World:
    async with sessionmaker() as seeding:
        await demo.seed(seeding, organisations=60, persons=200, seed=7, created_by_id=admin.user_id)
        await seeding.commit()

    has_membership = exists(select(Membership.id).where(Membership.person_id == Person.id))
    hidden_rows = (await session.execute(select(Person.id, Person.last_name).where(~has_membership))).all()
    hidden_pks = sorted(pk for pk, _ in hidden_rows)
    hidden = set(hidden_pks)
    corpus = await _text_corpus(session, hidden)
    unique_names = {name for _, name in hidden_rows if name and name.lower() not in corpus}
    secrets = Secrets(hidden, {encode_id("Person", pk) for pk in hidden_pks}, unique_names)

    visible_count = await session.scalar(select(func.count()).select_from(Person).where(has_membership))
    max_party_pk = await session.scalar(select(func.max(Party.id)))
    org_pks = list(await session.scalars(select(Organisation.id).order_by(Organisation.id)))

    manager_rows = (
        await session.execute(
            select(InternalRelation.party_id, InternalRelation.since, InternalRelation.until)
            .join(InternalRelationCategory, InternalRelationCategory.id == InternalRelation.category_id)
            .where(InternalRelationCategory.code == "ACCOUNT_MANAGER", InternalRelation.party_id.in_(org_pks))
        )
    ).all()
    now = dt.date.today()  # "current" as the server sees it
    shielded = sorted(
        {
            pk
            for pk, since, until in manager_rows
            if (since is None or since <= now) and (until is None or until >= now)
        }
    )

    # The demo relates few hidden persons; relate every one of them to an organisation and to
    # a visible person too, so that the relation lists and the network have something to hide.
    knows = await ok(
        admin,
        "createRelationType",
        "relationType { id }",
        name="kent (leaktest)",
        inverseName="is bekend bij (leaktest)",
        sourceKinds=["ORGANISATION", "PERSON"],
        targetKinds=["ORGANISATION", "PERSON"],
    )
    visible_pks = list(await session.scalars(select(Person.id).where(has_membership).order_by(Person.id)))
    for i, pk in enumerate(hidden_pks):
        for source, target in (
            (encode_id("Organisation", org_pks[(7 * i) % len(org_pks)]), encode_id("Person", pk)),
            (encode_id("Person", pk), encode_id("Person", visible_pks[(11 * i) % len(visible_pks)])),
        ):
            await ok(
                admin,
                "addRelation",
                "relation { id }",
                typeId=knows["relationType"]["id"],
                sourceId=source,
                targetId=target,
                note="leaktest",
            )

    await session.rollback()  # end the read transaction: see what the API committed since
    relation_rows = (await session.execute(select(Relation.source_id, Relation.target_id))).all()
    with_hidden = [(s, t) for s, t in relation_rows if s in hidden or t in hidden]
    neighbours = sorted({t if s in hidden else s for s, t in with_hidden} - hidden)
    party_kinds = dict((await session.execute(select(Party.id, Party.kind))).all())
    expected_org_relations = {
        encode_id("Organisation", pk): sum(
            1 for s, t in relation_rows if pk in (s, t) and not ({s, t} - {pk}) & hidden
        )
        for pk in org_pks
    }
    on_hidden = await session.scalar(
        select(func.count()).select_from(InternalRelation).where(InternalRelation.party_id.in_(hidden))
    )

    business = await make_caller("BUSINESS")
    # The BUSINESS user looks after some files itself (not as account manager): two hidden
    # persons and one organisation. Its own list must show the organisation only.
    tax = await ok(
        admin,
        "createInternalRelationCategory",
        "category { id }",
        name="Belastingadviseur (leaktest)",
    )
    for party in [encode_id("Person", pk) for pk in hidden_pks[:2]] + [encode_id("Organisation", org_pks[0])]:
        await ok(
            admin,
            "addInternalRelation",
            "internalRelation { id }",
            employeeId=encode_id("User", business.user_id),
            partyId=party,
            categoryId=tax["category"]["id"],
        )

    w = World(
        admin=admin,
        business=business,
        client=client,
        secrets=secrets,
        hidden_pks=hidden_pks,
        visible_person_count=visible_count,
        max_party_pk=max_party_pk,
        org_ids=[encode_id("Organisation", pk) for pk in org_pks],
        shielded_org_ids=[encode_id("Organisation", pk) for pk in shielded],
        neighbours_of_hidden=[encode_id(party_kinds[pk].title(), pk) for pk in neighbours],
        relations_with_hidden=len(with_hidden),
        internal_relations_on_hidden=on_hidden,
        expected_org_relations=expected_org_relations,
    )

    # Documents: shielded ones on organisations with account managers, one on each of a few
    # hidden persons, and open ones on organisations without account managers (allowed).
    for org in w.shielded_org_ids[:4]:
        filename = f"vertrouwelijk-{uuid.uuid4().hex[:10]}.pdf"
        w.docs.append(await upload_ok(admin, org, f"secret {org}".encode(), filename))
    for pk in hidden_pks[:3]:
        filename = f"privedossier-{uuid.uuid4().hex[:10]}.pdf"
        w.docs.append(await upload_ok(admin, encode_id("Person", pk), b"private", filename))
    open_org = next(o for o in w.org_ids if o not in w.shielded_org_ids)
    w.open_docs.append((await upload_ok(admin, open_org, b"public", "openbaar.pdf"))["id"])
    # Features that arrived with the growing schema: contact details on hidden persons, and a
    # customer group holding hidden persons next to organisations.
    if await _has_field(admin, "Mutation", "addContactMean"):
        for pk in hidden_pks[:3]:
            value = f"verborgen-{uuid.uuid4().hex[:8]}@example.nl"
            await ok(
                admin,
                "addContactMean",
                "contactMean { id }",
                partyId=encode_id("Person", pk),
                kind="EMAIL",
                value=value,
            )
            secrets.other_words.add(value)
    if await _has_field(admin, "Mutation", "addAddress"):
        for pk in hidden_pks[:3]:
            city = f"Verborgenstad{uuid.uuid4().hex[:8]}"
            await ok(
                admin,
                "addAddress",
                "address { id }",
                partyId=encode_id("Person", pk),
                kind="VISIT",
                city=city,
            )
            secrets.other_words.add(city)
    if await _has_field(admin, "Query", "customerGroups"):
        group = await ok(admin, "createCustomerGroup", "customerGroup { id }", name="Leaktest groep")
        members = [encode_id("Person", pk) for pk in hidden_pks[:5]] + w.org_ids[:3]
        await ok(
            admin, "addPartiesToGroup", "changedCount", groupId=group["customerGroup"]["id"], partyIds=members
        )
        w.group_visible_members = 3

    secrets.document_ids = {d["id"] for d in w.docs}
    secrets.document_names = {d["filename"] for d in w.docs}
    secrets.compile()
    return w


# --- the battery of requests ------------------------------------------------------------------


@dataclass
class Transcript:
    """Every response a caller got, by label."""

    responses: list[tuple[str, str]] = field(default_factory=list)
    bodies: dict[str, Any] = field(default_factory=dict)

    def add(self, label: str, text: str) -> Any:
        self.responses.append((label, text))
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        self.bodies[label] = body
        return body

    def leaks(self, secrets: Secrets) -> list[str]:
        found = []
        for label, text in self.responses:
            hits = secrets.find(text)
            if hits:
                found.append(f"{label}: {sorted(set(hits))[:8]}")
        return found


async def ask(
    caller: Any, transcript: Transcript, label: str, query: str, variables: dict[str, Any] | None = None
) -> Any:
    response = await caller.post(query, variables)
    body = transcript.add(label, response.text)
    assert response.status_code == 200, (label, response.text[:2000])
    assert body.get("data") is not None, (label, body)
    return body


PARTY_FIELDS = """
  id displayName
  relations(includeInactive: true, first: 100) {
    totalCount
    pageInfo { hasNextPage }
    edges {
      cursor label direction
      otherParty { id displayName ... on Person { sortName lastName } }
      relation { id note source { id displayName } target { id displayName } }
    }
  }
  internalRelations(includeEnded: true, first: 100) {
    totalCount
    nodes { id employee { name } party { id displayName } category { name } }
  }
  documents(first: 100) { totalCount edges { cursor } nodes { id filename downloadUrl party { id } } }
"""
ORGANISATION_PAGE = f"""
query($after: String) {{
  organisations(first: 10, after: $after, filter: {{includeArchived: true}}) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      cursor
      node {{
        {PARTY_FIELDS}
        name
        accountManagers {{ name }}
        memberships(includeInactive: true, first: 100) {{
          totalCount
          nodes {{ id person {{ id displayName sortName }} }}
        }}
        subsidiaries(first: 100, includeArchived: true) {{ nodes {{ id name }} }}
      }}
    }}
  }}
}}"""
PERSON_PAGE = f"""
query($after: String, $search: String, $order: PersonOrder) {{
  persons(first: 100, after: $after, filter: {{search: $search}}, orderBy: $order) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      cursor
      node {{
        {PARTY_FIELDS}
        sortName lastName email isBusinessRelation
        memberships(includeInactive: true, first: 100) {{ nodes {{ id organisation {{ name }} }} }}
      }}
    }}
  }}
}}"""
PERSON_SEARCH = """
query($after: String, $search: String, $order: PersonOrder) {
  persons(first: 100, after: $after, filter: {search: $search}, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id displayName sortName email relations(includeInactive: true) { totalCount } } }
  }
}"""
PERSONS_BACKWARDS = """
query($before: String) {
  persons(last: 100, before: $before) { totalCount pageInfo { hasPreviousPage startCursor } nodes { id displayName } }
}"""
USERS = """
query($after: String) {
  users(includeInactive: true, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      name
      internalRelations(includeEnded: true, first: 100) {
        totalCount
        nodes { id party { id displayName } category { name } }
      }
    }
  }
}"""
VIEWER = """
{ viewer { internalRelations(includeEnded: true, first: 100) { totalCount nodes { id party { id displayName } } } } }"""
NODES = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    id
    ... on Party { displayName }
    ... on Person { lastName sortName }
    ... on Relation { source { id displayName } target { id displayName } }
    ... on InternalRelation { party { id displayName } }
    ... on Membership { person { id displayName } }
    ... on Document { filename party { id displayName } }
    ... on Address { city party { id displayName } }
  }
}"""
NODE = """
query($id: ID!) {
  node(id: $id) { id ... on Party { displayName } ... on Document { filename } }
  person(id: $id) { id displayName }
  organisation(id: $id) { id displayName }
}"""
NEIGHBOURHOOD = """
query($id: ID!) {
  node(id: $id) {
    ... on Party {
      neighbourhood(depth: 3, maxNodes: 1000) {
        truncated
        nodes { distance party { id displayName } }
        staff { distance user { name } }
        edges { source target kind label }
      }
    }
  }
}"""
GROUPS = """
{
  customerGroups(includeInactive: true) {
    id name
    members(first: 100, includeArchived: true) { totalCount edges { cursor } nodes { id displayName } }
  }
}"""
SHORTEST_PATH = """
query($from: ID!, $to: ID!) {
  shortestPath(fromId: $from, toId: $to, maxDepth: 8) {
    length
    edges { source target kind label }
    parties { id displayName }
  }
}"""


def _chunks(items: list[str], size: int = 100) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _variants(global_id: str) -> list[str]:
    """Other spellings of an ID that a lenient decoder might accept."""
    padded = global_id + "=" * (-len(global_id) % 4)
    standard = padded.replace("-", "+").replace("_", "/")
    return sorted({padded, standard, f" {global_id}", global_id.upper(), global_id.lower()} - {global_id})


async def _has_field(caller: Any, type_name: str, field_name: str) -> bool:
    data = await caller.gql("query($t: String!) { __type(name: $t) { fields { name } } }", {"t": type_name})
    return data["__type"] is not None and field_name in {f["name"] for f in data["__type"]["fields"]}


async def run_battery(w: World, caller: Any) -> Transcript:
    """The example queries and the broad queries, as `caller`."""
    t = Transcript()
    # 1. Every example query.
    examples = sorted(EXAMPLE_QUERIES.glob("*.graphql"))
    assert len(examples) >= 5
    for path in examples:
        await ask(caller, t, f"example {path.name}", path.read_text())

    # 2. Every organisation, ten a page, with relations, memberships, files and documents.
    after = None
    for page in itertools.count():
        body = await ask(caller, t, f"organisations page {page}", ORGANISATION_PAGE, {"after": after})
        connection = body["data"]["organisations"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    # 3. Persons: all of them both ways, and searches (incl. the hidden persons' own names).
    terms = [None, "a", "e", "de", "van", "jan", "gmail", "@", *sorted(w.secrets.hidden_names)]
    for term in terms:
        after = None
        query = PERSON_PAGE if term is None else PERSON_SEARCH  # the full card once, then the hits
        for page in itertools.count():
            variables = {"after": after, "search": term, "order": None}
            body = await ask(caller, t, f"persons search {term!r} page {page}", query, variables)
            connection = body["data"]["persons"]
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
    for order in ({"field": "CREATED_AT", "direction": "DESC"}, {"field": "UPDATED_AT", "direction": "ASC"}):
        await ask(
            caller,
            t,
            f"persons ordered {order}",
            PERSON_SEARCH,
            {"after": None, "search": None, "order": order},
        )
    before = None
    for page in itertools.count():
        body = await ask(caller, t, f"persons backwards page {page}", PERSONS_BACKWARDS, {"before": before})
        connection = body["data"]["persons"]
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]

    # 4. Every staff member's files, and the caller's own.
    await ask(caller, t, "users with their files", USERS, {"after": None})
    await ask(caller, t, "viewer's files", VIEWER)

    # 5. Node lookups: the hidden persons' IDs, other spellings of them, and guessed IDs.
    hidden_ids = sorted(w.secrets.hidden_ids)
    for i, chunk in enumerate(_chunks(hidden_ids)):
        await ask(caller, t, f"nodes(hidden persons) {i}", NODES, {"ids": chunk})
    for global_id in hidden_ids:
        await ask(caller, t, f"node/person(hidden {global_id})", NODE, {"id": global_id})
    for global_id in hidden_ids[:4]:
        for variant in _variants(global_id):
            await ask(caller, t, f"node(hidden, spelt {variant!r})", NODE, {"id": variant})
    for pk in w.hidden_pks[:4]:
        for type_name in ("Organisation", "Party", "Membership"):
            await ask(caller, t, f"node({type_name}:{pk})", NODE, {"id": encode_id(type_name, pk)})
    limit = w.max_party_pk + 25
    node_types = (
        "Person",
        "Organisation",
        "Relation",
        "InternalRelation",
        "Membership",
        "Document",
        "Address",
    )
    for type_name in (*node_types, "ContactMean", "BankAccount", "CustomerGroup"):
        guessed = [encode_id(type_name, pk) for pk in range(1, limit)]
        for i, chunk in enumerate(_chunks(guessed)):
            await ask(caller, t, f"nodes(guessed {type_name} IDs) {i}", NODES, {"ids": chunk})

    # 6. Documents: by ID and by download.
    for doc in w.docs:
        await ask(caller, t, f"node(document {doc['id']})", NODE, {"id": doc["id"]})
        response = await w.client.get(
            f"/documents/{doc['id']}", headers={"Authorization": f"Bearer {caller.token}"}
        )
        t.add(
            f"GET /documents/{doc['id']} -> {response.status_code}",
            f"{response.status_code} {response.headers} {response.text}",
        )

    # 7. Mutations that name a hidden person (they must fail as for a missing one).
    first_org = w.org_ids[0]
    for global_id in hidden_ids[:5]:
        await ask(
            caller,
            t,
            f"updatePerson({global_id})",
            f"mutation($id: ID!) {{ updatePerson(input: {{id: $id}}) {{ person {{ id displayName }} {USER_ERRORS} }} }}",
            {"id": global_id},
        )
        await ask(
            caller,
            t,
            f"addMembership({global_id})",
            f"""mutation($p: ID!, $o: ID!) {{ addMembership(input: {{personId: $p, organisationId: $o}}) {{
                  membership {{ id person {{ id displayName }} }} {USER_ERRORS} }} }}""",
            {"p": global_id, "o": first_org},
        )

    # 8. The network: around the hidden persons' visible neighbours, and paths to them.
    for party in w.neighbours_of_hidden[:8] + w.org_ids[:2]:
        await ask(caller, t, f"neighbourhood({party})", NEIGHBOURHOOD, {"id": party})
    for a, b in itertools.combinations(w.neighbours_of_hidden[:4], 2):
        await ask(caller, t, f"shortestPath({a}, {b})", SHORTEST_PATH, {"from": a, "to": b})
    for a in w.neighbours_of_hidden[:4]:
        for b in hidden_ids[:3]:
            await ask(caller, t, f"shortestPath({a}, hidden {b})", SHORTEST_PATH, {"from": a, "to": b})
    for b in hidden_ids[:3]:  # from a hidden person to itself: as null as for a missing one
        await ask(caller, t, f"shortestPath(hidden {b}, itself)", SHORTEST_PATH, {"from": b, "to": b})

    # 9. Customer groups and their members (once the schema has them).
    if w.group_visible_members is not None:
        await ask(caller, t, "customer groups", GROUPS)
    return t


# --- the tests ----------------------------------------------------------------------------------


def _assert_not_vacuous(w: World) -> None:
    assert len(w.hidden_pks) >= 5, "the demo data must have persons without any membership"
    assert w.secrets.hidden_names, "some hidden persons must have a last name found nowhere else"
    assert w.relations_with_hidden > 0, "some relations must point at hidden persons"
    assert w.internal_relations_on_hidden > 0, "some internal relations must be on hidden persons"
    assert len(w.shielded_org_ids) >= 2 and len(w.docs) >= 5, "shielded documents must exist"
    assert w.neighbours_of_hidden, "some visible parties must be related to hidden persons"


async def test_business_user_never_sees_a_hidden_person_or_a_shielded_document(world: World) -> None:
    w = world
    _assert_not_vacuous(w)
    transcript = await run_battery(w, w.business)
    assert len(transcript.responses) > 100
    leaks = transcript.leaks(w.secrets)
    assert not leaks, f"{len(leaks)} responses leak hidden persons or shielded documents:\n  " + "\n  ".join(
        leaks[:40]
    )

    # The lookups that name a secret answer null / 404 / NOT_FOUND, exactly as for something
    # that does not exist: not just without the name.
    wrong: list[str] = []
    for label, body in transcript.bodies.items():
        if label.startswith("nodes(hidden persons)"):
            if any(n is not None for n in body["data"]["nodes"]):
                wrong.append(f"{label}: {body}")
        elif label.startswith(("node/person(hidden", "node(hidden", "node(document")):
            if body["data"] != {"node": None, "person": None, "organisation": None}:
                wrong.append(f"{label}: {body}")
        elif label.startswith("GET /documents/"):
            if not label.endswith("-> 404"):
                wrong.append(label)
        elif label.startswith(("updatePerson(", "addMembership(")):
            [payload] = body["data"].values()
            if codes(payload) != ["NOT_FOUND"]:
                wrong.append(f"{label}: {payload}")
        elif (
            label.startswith("shortestPath(")
            and "hidden" in label
            and body["data"]["shortestPath"] is not None
        ):
            wrong.append(f"{label}: {body}")
    assert not wrong, "lookups naming a secret did not answer as for a missing one:\n  " + "\n  ".join(wrong)


async def test_business_user_counts_leave_hidden_persons_and_shielded_documents_out(world: World) -> None:
    """Totals are as leak-prone as names: every count matches what the viewer may see."""
    w = world
    transcript = Transcript()
    total = (await ask(w.business, transcript, "persons", "{ persons { totalCount } }"))["data"]["persons"][
        "totalCount"
    ]
    assert total == w.visible_person_count
    seen: dict[str, dict[str, Any]] = {}
    after = None
    for page in itertools.count():
        connection = (await ask(w.business, transcript, f"orgs {page}", ORGANISATION_PAGE, {"after": after}))[
            "data"
        ]["organisations"]
        for edge in connection["edges"]:
            seen[edge["node"]["id"]] = edge["node"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert set(seen) == set(w.org_ids)
    secret_doc_ids = {d["id"] for d in w.docs}
    for org_id, node in seen.items():
        relations = node["relations"]
        assert relations["totalCount"] == len(relations["edges"]) == w.expected_org_relations[org_id], node[
            "name"
        ]
        assert all(e["otherParty"] is not None for e in relations["edges"]), node["name"]
        files = node["internalRelations"]
        assert files["totalCount"] == len(files["nodes"]), node["name"]
        documents = node["documents"]
        assert documents["totalCount"] == len(documents["nodes"]), node["name"]
        assert not {d["id"] for d in documents["nodes"]} & secret_doc_ids, node["name"]
        if org_id in w.shielded_org_ids:
            assert documents["totalCount"] == 0, f"{node['name']} is shielded"
    assert any(node["documents"]["totalCount"] for node in seen.values()), "the open document is listed"
    users = (await ask(w.business, transcript, "users", USERS, {"after": None}))["data"]["users"]["nodes"]
    for user in users:
        files = user["internalRelations"]
        assert files["totalCount"] == len(files["nodes"]), user["name"]
        assert all(f["party"] is not None for f in files["nodes"]), user["name"]
    mine = (await ask(w.business, transcript, "viewer", VIEWER))["data"]["viewer"]["internalRelations"]
    assert mine["totalCount"] == len(mine["nodes"]) == 1, mine
    if w.group_visible_members is not None:
        [group] = [
            g
            for g in (await ask(w.business, transcript, "groups", GROUPS))["data"]["customerGroups"]
            if g["name"] == "Leaktest groep"
        ]
        members = group["members"]
        assert members["totalCount"] == len(members["nodes"]) == w.group_visible_members, members


async def test_admin_sees_what_the_leak_test_looks_for(world: World) -> None:
    """The same lookups as ADMIN find every secret, and the scanner flags them: the test can fail."""
    w = world
    _assert_not_vacuous(w)
    transcript = Transcript()
    hidden_ids = sorted(w.secrets.hidden_ids)
    for i, chunk in enumerate(_chunks(hidden_ids)):
        body = await ask(w.admin, transcript, f"nodes(hidden) {i}", NODES, {"ids": chunk})
        assert [n and n["id"] for n in body["data"]["nodes"]] == chunk
    for name in sorted(w.secrets.hidden_names)[:5]:
        body = await ask(
            w.admin, transcript, f"search {name}", PERSON_PAGE, {"after": None, "search": name, "order": None}
        )
        assert body["data"]["persons"]["totalCount"] >= 1, name
    total = (await ask(w.admin, transcript, "persons", "{ persons { totalCount } }"))["data"]["persons"][
        "totalCount"
    ]
    assert total == w.visible_person_count + len(w.hidden_pks)
    for doc in w.docs:
        body = await ask(w.admin, transcript, f"node({doc['id']})", NODE, {"id": doc["id"]})
        assert body["data"]["node"] == {"id": doc["id"], "filename": doc["filename"]}
        response = await w.client.get(
            f"/documents/{doc['id']}", headers={"Authorization": f"Bearer {w.admin.token}"}
        )
        assert response.status_code == 200
    # The open document is there for the BUSINESS user too: the route itself works for it.
    for doc_id in w.open_docs:
        response = await w.client.get(
            f"/documents/{doc_id}", headers={"Authorization": f"Bearer {w.business.token}"}
        )
        assert response.status_code == 200
    if w.secrets.other_words:  # the hidden persons' contact details, where the schema has them
        query = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Party { contactMeans { value } addresses { city } } } }"
        await ask(w.admin, transcript, "contact means of hidden persons", query, {"ids": hidden_ids})
    # The scanner finds what ADMIN was shown: IDs, names, document filenames, contact details.
    flagged = " ".join(hit for _, text in transcript.responses for hit in w.secrets.find(text))
    assert all(global_id in flagged for global_id in hidden_ids)
    assert all(doc["filename"] in flagged for doc in w.docs)
    assert any(name.lower() in flagged.lower() for name in w.secrets.hidden_names)
    assert all(word in flagged for word in w.secrets.other_words)
    # And it does not cry wolf on the IDs of visible persons that merely start the same way.
    visible = [
        encode_id("Person", pk) for pk in range(1, w.max_party_pk + 1) if pk not in w.secrets.hidden_pks
    ]
    assert not w.secrets.find(json.dumps({"ids": visible}))
