"""Customer groups: ADMIN domain data, members of any kind, filters, R1 for members."""

from __future__ import annotations

from typing import Any

from helpers import add_membership, create_organisation, create_person, errors, mutate, ok
from valid_numbers import dutch_iban

GROUP = "id name description active version"

# What each mutation selects (helpers.mutate adds the userErrors).
CUSTOMER_GROUP = f"customerGroup {{ {GROUP} }}"
MEMBERS_CHANGED = "customerGroup { id } changedCount"

GROUPS = f"""
query($all: Boolean!, $search: String) {{ customerGroups(includeInactive: $all, search: $search) {{ {GROUP} }} }}
"""
MEMBERS = """
query($id: ID!, $first: Int, $after: String, $kind: PartyKind, $archived: Boolean!) {
  node(id: $id) {
    ... on CustomerGroup {
      members(first: $first, after: $after, kind: $kind, includeArchived: $archived) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id kind displayName } }
        nodes { id }
      }
    }
  }
}"""
PARTY_GROUPS = "query($id: ID!, $all: Boolean!) { node(id: $id) { ... on Party { groups(includeInactive: $all) { name } } } }"
ORGS_IN = "query($ids: [ID!]) { organisations(filter: {groupIds: $ids}) { totalCount nodes { name } } }"
PERSONS_IN = "query($ids: [ID!]) { persons(filter: {groupIds: $ids}) { totalCount nodes { lastName } } }"


async def new_person(caller: Any, last_name: str, works_at: str | None = None) -> str:
    """Piet `last_name`, a member of `works_at` when given; the person's ID."""
    person = await create_person(caller, last_name, firstName="Piet")
    if works_at:
        await add_membership(caller, person, works_at)
    return person


async def create_group(caller: Any, name: str, **fields: Any) -> dict[str, Any]:
    return (await ok(caller, "createCustomerGroup", CUSTOMER_GROUP, name=name, **fields))["customerGroup"]


async def add_parties(caller: Any, group: str, parties: list[str]) -> dict[str, Any]:
    return await mutate(caller, "addPartiesToGroup", MEMBERS_CHANGED, groupId=group, partyIds=parties)


async def members(caller: Any, group: str, **arguments: Any) -> dict[str, Any]:
    variables = {"id": group, "first": None, "after": None, "kind": None, "archived": False, **arguments}
    return (await caller.gql(MEMBERS, variables))["node"]["members"]


def names(connection: dict[str, Any]) -> list[str]:
    return [e["node"]["displayName"] for e in connection["edges"]]


# --- the groups themselves ----------------------------------------------------------------


async def test_admin_manages_groups_and_others_may_not(admin, make_caller) -> None:
    group = await create_group(admin, "Nieuwsbrief", description="Maandelijks")
    assert (group["name"], group["description"], group["active"], group["version"]) == (
        "Nieuwsbrief",
        "Maandelijks",
        True,
        1,
    )
    assert errors(await mutate(admin, "createCustomerGroup", CUSTOMER_GROUP, name="Nieuwsbrief")) == [
        (["name"], "CONFLICT")
    ]
    assert errors(await mutate(admin, "createCustomerGroup", CUSTOMER_GROUP, name="  ")) == [
        (["name"], "INVALID")
    ]
    for role in ("TEAM", "BUSINESS", "READONLY"):
        caller = await make_caller(role, ("FINANCE",))
        assert errors(await mutate(caller, "createCustomerGroup", CUSTOMER_GROUP, name=f"Van {role}")) == [
            ([], "FORBIDDEN")
        ]
        refused = await mutate(caller, "deactivateCustomerGroup", CUSTOMER_GROUP, id=group["id"])
        assert errors(refused) == [([], "FORBIDDEN")]

    renamed = await mutate(
        admin, "updateCustomerGroup", CUSTOMER_GROUP, id=group["id"], name="Nieuwsbrief NL", expectedVersion=1
    )
    assert (renamed["customerGroup"]["name"], renamed["customerGroup"]["version"]) == ("Nieuwsbrief NL", 2)
    stale = await mutate(
        admin, "updateCustomerGroup", CUSTOMER_GROUP, id=group["id"], description="x", expectedVersion=1
    )
    assert errors(stale) == [(["expectedVersion"], "CONFLICT")]
    await create_group(admin, "Kerstpakket")
    off = await mutate(admin, "deactivateCustomerGroup", CUSTOMER_GROUP, id=group["id"])
    assert off["customerGroup"]["active"] is False

    listed = (await admin.gql(GROUPS, {"all": False, "search": None}))["customerGroups"]
    assert [g["name"] for g in listed] == ["Kerstpakket"]
    listed = (await admin.gql(GROUPS, {"all": True, "search": None}))["customerGroups"]
    assert [g["name"] for g in listed] == ["Kerstpakket", "Nieuwsbrief NL"]
    listed = (await admin.gql(GROUPS, {"all": True, "search": "NIEUWS"}))["customerGroups"]
    assert [g["name"] for g in listed] == ["Nieuwsbrief NL"]
    node = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on CustomerGroup { name } } }", {"id": group["id"]}
    )
    assert node["node"] == {"name": "Nieuwsbrief NL"}


# --- members ------------------------------------------------------------------------------


async def test_whoever_writes_parties_puts_them_in_groups(admin, make_caller) -> None:
    group = await create_group(admin, "Beurs")
    org = await create_organisation(admin, "Acme")
    person = await new_person(admin, "Jansen", works_at=org)
    business = await make_caller("BUSINESS")
    payload = await add_parties(business, group["id"], [org, person, org])
    assert (payload["changedCount"], payload["userErrors"]) == (2, [])
    assert (await add_parties(business, group["id"], [org]))["changedCount"] == 0
    readonly = await make_caller("READONLY")
    assert errors(await add_parties(readonly, group["id"], [org])) == [([], "FORBIDDEN")]

    groups_of = (await admin.gql(PARTY_GROUPS, {"id": person, "all": False}))["node"]["groups"]
    assert groups_of == [{"name": "Beurs"}]
    removed = await mutate(
        business, "removePartiesFromGroup", MEMBERS_CHANGED, groupId=group["id"], partyIds=[person]
    )
    assert (removed["changedCount"], removed["userErrors"]) == (1, [])
    again = await mutate(
        business, "removePartiesFromGroup", MEMBERS_CHANGED, groupId=group["id"], partyIds=[person]
    )
    assert again["changedCount"] == 0
    assert (await admin.gql(PARTY_GROUPS, {"id": person, "all": False}))["node"]["groups"] == []


async def test_bad_ids_and_unknown_parties_are_reported_at_their_index(admin) -> None:
    group = await create_group(admin, "Beurs")
    org = await create_organisation(admin, "Acme")
    bad = await add_parties(admin, group["id"], [org, "bm9wZQ", group["id"]])
    assert errors(bad) == [(["partyIds", "1"], "INVALID"), (["partyIds", "2"], "INVALID")]
    gone = "T3JnYW5pc2F0aW9uOjk5OTk5"  # Organisation:99999
    assert errors(await add_parties(admin, group["id"], [org, gone])) == [(["partyIds", "1"], "NOT_FOUND")]
    assert (await members(admin, group["id"]))["totalCount"] == 0
    assert errors(await add_parties(admin, org, [org])) == [(["groupId"], "INVALID")]


async def test_members_are_listed_by_name_page_by_page(admin) -> None:
    group = await create_group(admin, "Mailing")
    parties = [await create_organisation(admin, name) for name in ("Delta BV", "alfa BV", "Echo BV")]
    parties += [await new_person(admin, name) for name in ("Bravo", "Charlie")]
    assert (await add_parties(admin, group["id"], parties))["changedCount"] == 5

    everyone = await members(admin, group["id"])
    assert names(everyone) == ["alfa BV", "Piet Bravo", "Piet Charlie", "Delta BV", "Echo BV"]
    assert everyone["totalCount"] == 5
    first = await members(admin, group["id"], first=2)
    assert names(first) == ["alfa BV", "Piet Bravo"] and first["pageInfo"]["hasNextPage"]
    assert first["totalCount"] == 5
    rest = await members(admin, group["id"], first=10, after=first["pageInfo"]["endCursor"])
    assert names(rest) == ["Piet Charlie", "Delta BV", "Echo BV"] and not rest["pageInfo"]["hasNextPage"]
    organisations = await members(admin, group["id"], kind="ORGANISATION")
    assert names(organisations) == ["alfa BV", "Delta BV", "Echo BV"] and organisations["totalCount"] == 3
    assert {e["node"]["kind"] for e in (await members(admin, group["id"], kind="PERSON"))["edges"]} == {
        "PERSON"
    }

    # Archived organisations stay members but are listed only when asked.
    assert (await mutate(admin, "archiveOrganisation", "organisation { id }", id=parties[0]))[
        "userErrors"
    ] == []
    assert "Delta BV" not in names(await members(admin, group["id"]))
    assert (await members(admin, group["id"]))["totalCount"] == 4
    assert (await members(admin, group["id"], archived=True))["totalCount"] == 5


async def test_hidden_persons_are_no_members_for_business_and_readonly(admin, make_caller) -> None:
    group = await create_group(admin, "Klantenpanel")
    org = await create_organisation(admin, "Acme")
    employee = await new_person(admin, "Zichtbaar", works_at=org)
    private = await new_person(admin, "Verborgen")  # no membership: R1 hides them
    assert (await add_parties(admin, group["id"], [org, employee, private]))["changedCount"] == 3
    assert (await members(admin, group["id"]))["totalCount"] == 3
    team = await make_caller("TEAM")
    assert (await members(team, group["id"]))["totalCount"] == 3
    for role in ("BUSINESS", "READONLY"):
        caller = await make_caller(role)
        seen = await members(caller, group["id"])
        assert names(seen) == ["Acme", "Piet Zichtbaar"], role
        assert seen["totalCount"] == 2, role
        persons = (await caller.gql(PERSONS_IN, {"ids": [group["id"]]}))["persons"]
        assert persons == {"totalCount": 1, "nodes": [{"lastName": "Zichtbaar"}]}
    business = await make_caller("BUSINESS")
    refused = await mutate(
        business, "removePartiesFromGroup", MEMBERS_CHANGED, groupId=group["id"], partyIds=[org, private]
    )
    assert errors(refused) == [(["partyIds", "1"], "NOT_FOUND")]
    assert (await members(admin, group["id"]))["totalCount"] == 3


async def test_filter_organisations_and_persons_by_group(admin) -> None:
    north = await create_group(admin, "Noord")
    south = await create_group(admin, "Zuid")
    a, b, c = [await create_organisation(admin, name) for name in ("Aa BV", "Bb BV", "Cc BV")]
    person = await new_person(admin, "Jansen", works_at=a)
    await add_parties(admin, north["id"], [a, b, person])
    await add_parties(admin, south["id"], [b, c])
    found = (await admin.gql(ORGS_IN, {"ids": [north["id"]]}))["organisations"]
    assert found == {"totalCount": 2, "nodes": [{"name": "Aa BV"}, {"name": "Bb BV"}]}
    either = (await admin.gql(ORGS_IN, {"ids": [north["id"], south["id"]]}))["organisations"]
    assert either["totalCount"] == 3
    assert (await admin.gql(ORGS_IN, {"ids": []}))["organisations"]["totalCount"] == 0
    assert (await admin.gql(PERSONS_IN, {"ids": [south["id"]]}))["persons"]["totalCount"] == 0
    assert (await admin.gql(PERSONS_IN, {"ids": [north["id"]]}))["persons"]["nodes"] == [
        {"lastName": "Jansen"}
    ]
    response = await admin.post(ORGS_IN, {"ids": [a]})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_inactive_group_keeps_its_members_but_takes_no_new_ones(admin) -> None:
    group = await create_group(admin, "Campagne 2023")
    org, other = await create_organisation(admin, "Acme"), await create_organisation(admin, "Beta")
    await add_parties(admin, group["id"], [org])
    await mutate(admin, "deactivateCustomerGroup", CUSTOMER_GROUP, id=group["id"])
    assert errors(await add_parties(admin, group["id"], [other])) == [(["groupId"], "INVALID")]
    assert names(await members(admin, group["id"])) == ["Acme"]
    assert (await admin.gql(PARTY_GROUPS, {"id": org, "all": False}))["node"]["groups"] == []
    assert (await admin.gql(PARTY_GROUPS, {"id": org, "all": True}))["node"]["groups"] == [
        {"name": "Campagne 2023"}
    ]


# --- statement counts ---------------------------------------------------------------------

LISTING = """
query($first: Int!) {
  customerGroups {
    name
    members(first: $first) {
      totalCount
      nodes {
        displayName
        contactMeans { kind value }
        bankAccounts { iban }
        groups { name }
        ... on Organisation { email phone }
        ... on Person { email phone }
      }
    }
  }
}"""


async def test_groups_members_and_their_contact_means_cost_the_same_for_any_size(admin) -> None:
    async def build(label: str, size: int) -> None:
        group = await create_group(admin, f"{label} groep")
        parties = []
        for i in range(size):
            org = await create_organisation(admin, f"{label} org {i:02d}")
            account = dutch_iban(len(label) * 1000 + i, "INGB")
            added = await mutate(admin, "addBankAccount", "bankAccount { id }", partyId=org, iban=account)
            assert added["userErrors"] == []
            person = await new_person(admin, f"{label}{i:02d}", works_at=org)
            await mutate(admin, "createOrganisation", "organisation { id }", name=f"{label} extra {i}")
            parties += [org, person]
        await add_parties(admin, group["id"], parties)

    await build("klein", 1)
    _, small = await admin.counted(LISTING, {"first": 30})
    await build("groot", 12)
    data, big = await admin.counted(LISTING, {"first": 30})
    assert [g["members"]["totalCount"] for g in data["customerGroups"]] == [24, 2]
    big_group = data["customerGroups"][0]["members"]["nodes"]
    assert sum(len(m["bankAccounts"]) for m in big_group) == 12
    assert small == big
