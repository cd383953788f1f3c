"""The search index (migration 0010) answers exactly what the plain LIKE did, after writes.

SQLite reads an FTS5 trigram table kept in step by triggers; PostgreSQL a pg_trgm index.
The terms cover what trigrams cannot serve alone (one and two characters) and LIKE's own
wildcards, which must stay literal.
"""

from __future__ import annotations

from typing import Any

from conftest import Caller

CREATE = """mutation($input: CreateOrganisationInput!) {
  createOrganisation(input: $input) { organisation { id version } userErrors { message } }
}"""
UPDATE = """mutation($input: UpdateOrganisationInput!) {
  updateOrganisation(input: $input) { organisation { id } userErrors { message } }
}"""
CREATE_PERSON = """mutation($input: CreatePersonInput!) {
  createPerson(input: $input) { person { id } userErrors { message } }
}"""
SEARCH = """query($org: String!, $person: String!) {
  organisations(filter: { search: $org }, first: 100) { totalCount nodes { name } }
  persons(filter: { search: $person }, first: 100) { totalCount nodes { lastName } }
}"""


async def found(caller: Caller, org: str, person: str = "-") -> tuple[list[str], list[str]]:
    data = await caller.gql(SEARCH, {"org": org, "person": person})
    orgs, people = data["organisations"], data["persons"]
    assert orgs["totalCount"] == len(orgs["nodes"]) and people["totalCount"] == len(people["nodes"])
    return sorted(n["name"] for n in orgs["nodes"]), sorted(n["lastName"] for n in people["nodes"])


async def create(caller: Caller, name: str) -> dict[str, Any]:
    payload = (await caller.gql(CREATE, {"input": {"name": name}}))["createOrganisation"]
    assert payload["userErrors"] == []
    return payload["organisation"]


async def test_search_index_follows_writes_and_keeps_like_semantics(admin: Caller) -> None:
    zon = await create(admin, "Zonnestraal Logistiek B.V.")
    await create(admin, "100% Groen_Energie")
    await create(admin, "Société Générale Nederland")
    for last_name in ("Ibáñez", "Jansen"):
        payload = (await admin.gql(CREATE_PERSON, {"input": {"lastName": last_name}}))["createPerson"]
        assert payload["userErrors"] == []

    assert await found(admin, "straal lo", "ibanez") == (["Zonnestraal Logistiek B.V."], ["Ibáñez"])
    assert (await found(admin, "GENERALE"))[0] == ["Société Générale Nederland"]
    # One and two characters: below a trigram, still the same answers.
    assert (await found(admin, "z"))[0] == ["Zonnestraal Logistiek B.V."]
    assert await found(admin, "nn", "an") == (["Zonnestraal Logistiek B.V."], ["Ibáñez", "Jansen"])
    # LIKE's wildcards are literal characters in a search term.
    assert (await found(admin, "0%"))[0] == ["100% Groen_Energie"]
    assert (await found(admin, "n_e"))[0] == ["100% Groen_Energie"]
    assert (await found(admin, "%"))[0] == ["100% Groen_Energie"]

    # A rename re-indexes: the old name no longer matches, the new one does.
    renamed = (
        await admin.gql(
            UPDATE, {"input": {"id": zon["id"], "name": "Maanlicht Transport", "expectedVersion": zon["version"]}}
        )
    )["updateOrganisation"]
    assert renamed["userErrors"] == []
    assert (await found(admin, "straal"))[0] == []
    assert (await found(admin, "maanlicht t"))[0] == ["Maanlicht Transport"]
