"""The world the fuzzers and differential tests run in: a seeded demo database with a
hidden person (R1) tied to the visible graph by a relation, and tokens per role."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import httpx

from relgraph import demo
from relgraph.db.engine import make_sessionmaker
from relgraph.domain import users

__all__ = ["HIDDEN_BSN", "HIDDEN_BSN_SHOWN", "HIDDEN_NAMES", "World", "seed_world", "token_for"]

# A person without memberships, hidden from BUSINESS and READONLY (R1); names found nowhere else.
HIDDEN_FIRST, HIDDEN_LAST = "Quirijntje", "Zwavelzuurverborgen"
HIDDEN_NAMES = (HIDDEN_FIRST, HIDDEN_LAST)
HIDDEN_BSN = "111222333"
HIDDEN_BSN_SHOWN = "1112.22.333"  # as the API prints it

COLLECT_IDS = """
{
  organisations(first: 15, filter: {includeArchived: true}) { nodes { id
    memberships(first: 5, includeInactive: true) { nodes { id } }
    relations(first: 5, includeInactive: true) { nodes: edges { relation { id } } }
    documents(first: 3) { nodes { id } }
    internalRelations(first: 3) { nodes { id } }
    contactMeans(includeInactive: true) { id }
    bankAccounts(includeInactive: true) { id } } }
  persons(first: 15) { nodes { id contactMeans { id } } }
  relationTypes(includeInactive: true) { id active sourceKinds targetKinds }
  partyTypes(includeInactive: true) { id }
  internalRelationCategories(includeInactive: true) { id }
  customerGroups(includeInactive: true) { id }
  users(first: 10, includeInactive: true) { nodes { id } }
}
"""


def _ids_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [
            i for k, v in value.items() for i in ([v] if k == "id" and isinstance(v, str) else _ids_in(v))
        ]
    if isinstance(value, list):
        return [i for v in value for i in _ids_in(v)]
    return []


@dataclasses.dataclass
class World:
    """What `seed_world` made: an ADMIN's token, the IDs of real objects (the hidden person's
    included) and the hidden person's ID."""

    admin_token: str
    ids: list[str]
    hidden_id: str


async def token_for(engine: Any, role: str, permissions: tuple[str, ...] = ()) -> str:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@fuzz.example"
    async with make_sessionmaker(engine)() as session:
        await users.create(
            session, email=email, name=f"{role.title()} Fuzzer", role=role, permissions=permissions
        )
        token = await users.create_token(session, email=email)
        await session.commit()
    return token


async def _admin(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None
) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def seed_world(engine: Any, client: httpx.AsyncClient, organisations: int = 12) -> World:
    """Seed demo data and the hidden person (tied to the visible graph by a relation) through
    `client`, an app on `engine`'s database."""
    admin = await token_for(engine, "ADMIN", ("FINANCE", "SENSITIVE"))
    async with make_sessionmaker(engine)() as session:
        await demo.seed(session, organisations=organisations, persons=organisations * 3, staff=3, seed=11)
        await session.commit()
    person = await _admin(
        client,
        admin,
        "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id } userErrors { message } } }",
        {
            "i": {
                "firstName": HIDDEN_FIRST,
                "lastName": HIDDEN_LAST,
                "bsn": HIDDEN_BSN,
                "email": "q.zwavel@verborgen.example",
            }
        },
    )
    hidden_id = person["createPerson"]["person"]["id"]
    found = await _admin(client, admin, COLLECT_IDS)
    [org_id, *_] = [o["id"] for o in found["organisations"]["nodes"]]
    # Tie the hidden person to the visible graph, so lists from the visible side must leave it out.
    [type_id, *_] = [
        t["id"]
        for t in found["relationTypes"]
        if t["active"] and "PERSON" in t["sourceKinds"] and "ORGANISATION" in t["targetKinds"]
    ]
    added = await _admin(
        client,
        admin,
        "mutation($i: AddRelationInput!) { addRelation(input: $i) { userErrors { message } } }",
        {"i": {"typeId": type_id, "sourceId": hidden_id, "targetId": org_id}},
    )
    assert added["addRelation"]["userErrors"] == [], added
    own = (await _admin(client, admin, "{ viewer { id } }"))["viewer"]["id"]
    # Not the fuzzing ADMIN's own ID: revokeTokens or deactivateUser on itself would
    # rightly lock it out, and every later request would be a 401.
    return World(admin, sorted({*_ids_in(found), hidden_id} - {own}), hidden_id)
