"""Memberships (persoon in organisatie): add, list, filter, update, end, reactivate, delete."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from helpers import USER_ERRORS, codes, create_organisation, create_person, errors, mutate
from sqlalchemy import func, select

from relgraph.db.models import AuditEvent
from relgraph.db.models import Membership as MembershipRow
from relgraph.graphql.compiled import execution as compiled_execution
from relgraph.graphql.core.ids import decode_id, encode_id

MEMBERSHIP_FIELDS = """
  id department jobTitle businessEmail phone1 phone2 role tags active startDate endDate version
  accountManager { id email }
  person { id displayName }
  organisation { id name }
"""

# What the membership mutations select (helpers.mutate adds the userErrors).
MEMBERSHIP = f"membership {{ {MEMBERSHIP_FIELDS} }}"
DELETED = "deletedMembershipId"

# Sent as it is by two users at once.
ADD = f"""
mutation($input: AddMembershipInput!) {{
  addMembership(input: $input) {{ {MEMBERSHIP} {USER_ERRORS} }}
}}"""

ORG_MEMBERSHIPS = """
query($id: ID!, $inactive: Boolean!, $filter: MembershipFilter, $first: Int, $after: String) {
  organisation(id: $id) {
    memberships(includeInactive: $inactive, filter: $filter, first: $first, after: $after) {
      totalCount
      nodes { id active role jobTitle person { lastName sortName } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""

PERSON_MEMBERSHIPS = """
query($id: ID!, $inactive: Boolean!) {
  person(id: $id) {
    isBusinessRelation
    memberships(includeInactive: $inactive) { totalCount nodes { id active organisation { name } } }
  }
}"""


# --- helpers -----------------------------------------------------------------------------


async def add_membership(caller: Any, person: str, organisation: str, **fields: Any) -> dict[str, Any]:
    """Run addMembership; return its payload."""
    return await mutate(
        caller, "addMembership", MEMBERSHIP, personId=person, organisationId=organisation, **fields
    )


async def add_ok(caller: Any, person: str, organisation: str, **fields: Any) -> dict[str, Any]:
    payload = await add_membership(caller, person, organisation, **fields)
    assert payload["userErrors"] == [], payload
    return payload["membership"]


async def org_memberships(
    caller: Any, org_id: str, *, inactive: bool = False, **kwargs: Any
) -> dict[str, Any]:
    data = await caller.gql(ORG_MEMBERSHIPS, {"id": org_id, "inactive": inactive, **kwargs})
    return data["organisation"]["memberships"]


async def person_memberships(caller: Any, person_id: str, *, inactive: bool = False) -> dict[str, Any]:
    data = await caller.gql(PERSON_MEMBERSHIPS, {"id": person_id, "inactive": inactive})
    return data["person"]


async def membership_count(sessionmaker: Any) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(MembershipRow)) or 0


# --- addMembership ---------------------------------------------------------------------


async def test_add_membership_with_all_fields_round_trips(admin) -> None:
    viewer = (await admin.gql("{ viewer { id email } }"))["viewer"]
    org = await create_organisation(admin, "Acme BV")
    person = await create_person(admin, "Berg", firstName="Jan", infix="van der")

    created = await add_ok(
        admin,
        person,
        org,
        department="Inkoop",
        jobTitle="Hoofd inkoop",
        businessEmail="jan.vanderberg@acme.example",
        phone1="+31 20 123 4567",
        phone2="06-12345678",
        role="Beslisser",
        tags=["Nieuwsbrief", "VIP", "nieuwsbrief", "  beurs  "],
        accountManagerId=viewer["id"],
        startDate="2020-01-15",
    )
    expected = {
        "department": "Inkoop",
        "jobTitle": "Hoofd inkoop",
        "businessEmail": "jan.vanderberg@acme.example",
        "phone1": "+31 20 123 4567",
        "phone2": "06-12345678",
        "role": "Beslisser",
        "tags": ["beurs", "nieuwsbrief", "vip"],  # lower case, deduplicated, sorted
        "active": True,
        "startDate": "2020-01-15",
        "endDate": None,
        "accountManager": viewer,
        "person": {"id": person, "displayName": "Jan van der Berg"},
        "organisation": {"id": org, "name": "Acme BV"},
    }
    assert {k: created[k] for k in expected} == expected

    # Read back through node(id:) and through the organisation: the same values.
    node = (
        await admin.gql(
            f"query($id: ID!) {{ node(id: $id) {{ ... on Membership {{ {MEMBERSHIP_FIELDS} }} }} }}",
            {"id": created["id"]},
        )
    )["node"]
    assert node == created
    listed = await org_memberships(admin, org)
    assert [n["id"] for n in listed["nodes"]] == [created["id"]]


async def test_add_membership_needs_existing_person_and_organisation(admin, sessionmaker) -> None:
    org = await create_organisation(admin, "Existing")
    person = await create_person(admin, "Bestaand")

    no_person = await add_membership(admin, encode_id("Person", 987654), org)
    assert no_person["membership"] is None
    assert errors(no_person) == [(["personId"], "NOT_FOUND")]

    no_org = await add_membership(admin, person, encode_id("Organisation", 987654))
    assert no_org["membership"] is None
    assert errors(no_org) == [(["organisationId"], "NOT_FOUND")]

    # An organisation id where a person id belongs is not a person.
    swapped = await add_membership(admin, org, person)
    assert swapped["membership"] is None
    assert swapped["userErrors"][0]["field"] == ["personId"]

    no_manager = await add_membership(admin, person, org, accountManagerId=encode_id("User", 987654))
    assert errors(no_manager) == [(["accountManagerId"], "NOT_FOUND")]

    assert await membership_count(sessionmaker) == 0


async def test_add_membership_rejects_invalid_fields(admin, sessionmaker) -> None:
    org = await create_organisation(admin, "Validating BV")
    person = await create_person(admin, "Klaassen")
    payload = await add_membership(
        admin,
        person,
        org,
        businessEmail="not an email",
        startDate="2024-05-01",
        endDate="2024-04-30",
    )
    assert payload["membership"] is None
    assert (["businessEmail"], "INVALID") in errors(payload)
    assert await membership_count(sessionmaker) == 0


async def test_duplicate_active_membership_in_same_role_is_a_conflict(admin) -> None:
    org = await create_organisation(admin, "Dup BV")
    person = await create_person(admin, "Dubbel")
    first = await add_ok(admin, person, org, role="Beslisser")

    duplicate = await add_membership(admin, person, org, role="Beslisser", jobTitle="Other title")
    assert duplicate["membership"] is None
    assert codes(duplicate) == ["CONFLICT"]

    # Another role at the same organisation is fine.
    await add_ok(admin, person, org, role="Gebruiker")
    # No role twice is a duplicate too.
    await add_ok(admin, person, org)
    assert [e["code"] for e in (await add_membership(admin, person, org))["userErrors"]] == ["CONFLICT"]

    # Once the first one has ended, the same role can be taken up again.
    ended = await mutate(admin, "deactivateMembership", MEMBERSHIP, id=first["id"])
    assert ended["userErrors"] == []
    again = await add_ok(admin, person, org, role="Beslisser")
    assert again["id"] != first["id"]

    listing = await org_memberships(admin, org, inactive=True)
    assert listing["totalCount"] == 4
    assert sorted((n["role"] or "", n["active"]) for n in listing["nodes"]) == [
        ("", True),
        ("Beslisser", False),
        ("Beslisser", True),
        ("Gebruiker", True),
    ]


async def test_readonly_cannot_add_membership(admin, make_caller, sessionmaker) -> None:
    org = await create_organisation(admin, "Read Only BV")
    person = await create_person(admin, "Lezer")
    reader = await make_caller("READONLY")
    payload = await add_membership(reader, person, org, role="Beslisser")
    assert payload["membership"] is None
    assert codes(payload) == ["FORBIDDEN"]
    assert await membership_count(sessionmaker) == 0
    assert (await person_memberships(admin, person, inactive=True))["memberships"]["totalCount"] == 0


async def test_business_user_cannot_link_a_person_they_cannot_see(admin, make_caller, sessionmaker) -> None:
    """R1: a person without memberships is hidden from BUSINESS, so linking it is NOT_FOUND."""
    org = await create_organisation(admin, "Verborgen BV")
    hidden = await create_person(admin, "Onzichtbaar")
    business = await make_caller("BUSINESS")
    payload = await add_membership(business, hidden, org)
    assert errors(payload) == [(["personId"], "NOT_FOUND")]
    assert await membership_count(sessionmaker) == 0

    # Once the person is a business relation, BUSINESS may add a second membership.
    await add_ok(admin, hidden, org, role="Contact")
    other_org = await create_organisation(admin, "Tweede BV")
    second = await add_ok(business, hidden, other_org, role="Contact")
    assert second["person"] == {"id": hidden, "displayName": "Onzichtbaar"}


async def test_overlong_tag_is_reported_at_the_tags_field(admin, sessionmaker) -> None:
    org = await create_organisation(admin, "Tags BV")
    person = await create_person(admin, "Etiket")
    payload = await add_membership(admin, person, org, tags=["ok", "x" * 51])
    assert payload["membership"] is None
    assert codes(payload) == ["INVALID"]
    # The path is made of input field names (a list index may follow), never "tags.1".
    assert payload["userErrors"][0]["field"][0] == "tags"
    assert await membership_count(sessionmaker) == 0


@pytest.mark.postgres_only
async def test_concurrent_duplicate_adds_give_one_membership_and_a_conflict(
    admin, make_caller, sessionmaker
) -> None:
    other = await make_caller("TEAM")  # TEAM sees persons without memberships, like ADMIN
    org = await create_organisation(admin, "Race BV")
    for round_ in range(8):
        person = await create_person(admin, f"Racer{round_}")
        variables = {"input": {"personId": person, "organisationId": org, "role": "Beslisser"}}
        responses = await asyncio.gather(admin.post(ADD, variables), other.post(ADD, variables))
        outcomes = []
        for response in responses:
            body = response.json()
            assert response.status_code == 200, body
            assert "errors" not in body, body["errors"]  # a lost race is a CONFLICT, not an internal error
            payload = body["data"]["addMembership"]
            outcomes.append(codes(payload) or ["ok"])
        assert sorted(outcomes) == [["CONFLICT"], ["ok"]], f"round {round_}: {outcomes}"
        listing = await person_memberships(admin, person, inactive=True)
        assert listing["memberships"]["totalCount"] == 1


# --- listing ---------------------------------------------------------------------------


async def test_inactive_memberships_are_left_out_unless_asked(admin) -> None:
    acme = await create_organisation(admin, "Acme")
    zeta = await create_organisation(admin, "Zeta")
    person = await create_person(admin, "Wisselaar")
    colleague = await create_person(admin, "Collega")
    old = await add_ok(admin, person, acme)
    current = await add_ok(admin, person, zeta)
    at_acme = await add_ok(admin, colleague, acme)
    assert (await mutate(admin, "deactivateMembership", MEMBERSHIP, id=old["id"]))["userErrors"] == []

    active = await org_memberships(admin, acme)
    assert active["totalCount"] == 1
    assert [n["id"] for n in active["nodes"]] == [at_acme["id"]]
    everything = await org_memberships(admin, acme, inactive=True)
    assert everything["totalCount"] == 2
    assert {n["id"]: n["active"] for n in everything["nodes"]} == {
        old["id"]: False,
        at_acme["id"]: True,
    }

    seen = await person_memberships(admin, person)
    assert seen["memberships"]["totalCount"] == 1
    assert [n["id"] for n in seen["memberships"]["nodes"]] == [current["id"]]
    seen_all = await person_memberships(admin, person, inactive=True)
    assert seen_all["memberships"]["totalCount"] == 2
    # Person.memberships is sorted by organisation name.
    assert [n["organisation"]["name"] for n in seen_all["memberships"]["nodes"]] == [
        "Acme",
        "Zeta",
    ]


async def test_memberships_sorted_by_last_name_ignoring_infix(admin) -> None:
    org = await create_organisation(admin, "Sorting BV")
    people = [
        ("Zwart", "Anna", None),
        ("Vries", "Kees", "de"),
        ("Berg", "Jan", "van der"),
        ("Aalders", "Piet", None),
        ("Dam", "Cornelis", "van"),
        ("Berg", "Anton", None),
    ]
    for last, first, infix in people:
        await add_ok(admin, await create_person(admin, last, firstName=first, infix=infix), org)
    listing = await org_memberships(admin, org)
    assert [n["person"]["sortName"] for n in listing["nodes"]] == [
        "Aalders, Piet",
        "Berg, Anton",
        "Berg, Jan van der",
        "Dam, Cornelis van",
        "Vries, Kees de",
        "Zwart, Anna",
    ]
    assert listing["totalCount"] == 6


async def test_people_lists_read_their_persons_with_the_page(admin, monkeypatch) -> None:
    """The persons of a people list cost no statement of their own, on either side."""
    # The resolvers' statements are counted here (a compiled read is one statement in all).
    monkeypatch.setattr(compiled_execution, "compiled_for", lambda *args: "measuring the resolvers")
    org = await create_organisation(admin, "Statement BV")
    other = await create_organisation(admin, "Other BV")
    for last in ("Aalders", "Berg", "Dam"):
        person = await create_person(admin, last, firstName="Jan")
        await add_ok(admin, person, org)
        await add_ok(admin, person, other)
    without_persons = """query($id: ID!) { organisation(id: $id) {
        memberships { nodes { id role } }
        subsidiaries { nodes { id } } } }"""
    with_persons = """query($id: ID!) { organisation(id: $id) {
        memberships { nodes { id role person { id lastName displayName
          memberships { nodes { organisation { name } } } } } }
        subsidiaries { nodes { id } } } }"""
    _, plain = await admin.counted(without_persons, {"id": org})
    data, with_people = await admin.counted(with_persons, {"id": org})
    nodes = data["organisation"]["memberships"]["nodes"]
    assert [n["person"]["lastName"] for n in nodes] == ["Aalders", "Berg", "Dam"]
    assert nodes[0]["person"]["displayName"] == "Jan Aalders"
    assert [m["organisation"]["name"] for m in nodes[0]["person"]["memberships"]["nodes"]] == [
        "Other BV",
        "Statement BV",
    ]
    # One more list level (the persons' memberships) and their organisations: two
    # statements; the persons themselves come with the memberships that list them.
    assert with_people == plain + 2


async def test_memberships_paginate(admin) -> None:
    org = await create_organisation(admin, "Paging BV")
    names = [f"Persoon{i:02d}" for i in range(5)]
    for name in reversed(names):
        await add_ok(admin, await create_person(admin, name), org)
    seen: list[str] = []
    after = None
    for _ in range(5):
        page = await org_memberships(admin, org, first=2, after=after)
        assert page["totalCount"] == 5
        seen += [n["person"]["lastName"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == names


async def test_filter_memberships_by_role_tag_and_search(admin) -> None:
    org = await create_organisation(admin, "Filter BV")
    jansen = await add_ok(
        admin,
        await create_person(admin, "Jansen", firstName="Eva"),
        org,
        role="Beslisser",
        tags=["VIP"],
        jobTitle="Directeur",
    )
    pietersen = await add_ok(
        admin,
        await create_person(admin, "Pietersen", firstName="Bram"),
        org,
        role="beslisser",
        tags=["nieuwsbrief"],
        jobTitle="Inkoper",
    )
    visser = await add_ok(
        admin,
        await create_person(admin, "Visser", firstName="Tom"),
        org,
        role="Gebruiker",
        tags=["vip", "nieuwsbrief"],
        jobTitle="Monteur",
    )
    # An inactive VIP stays out unless asked.
    ended = await add_ok(
        admin,
        await create_person(admin, "Oud", firstName="Ex"),
        org,
        role="Beslisser",
        tags=["vip"],
    )
    assert (await mutate(admin, "deactivateMembership", MEMBERSHIP, id=ended["id"]))["userErrors"] == []

    async def ids(flt: dict[str, Any], inactive: bool = False) -> tuple[set[str], int]:
        result = await org_memberships(admin, org, inactive=inactive, filter=flt)
        return {n["id"] for n in result["nodes"]}, result["totalCount"]

    assert await ids({"role": "BESLISSER"}) == ({jansen["id"], pietersen["id"]}, 2)
    assert await ids({"role": "beslisser"}, inactive=True) == (
        {jansen["id"], pietersen["id"], ended["id"]},
        3,
    )
    assert await ids({"tag": "vip"}) == ({jansen["id"], visser["id"]}, 2)
    assert await ids({"tag": "VIP"}) == ({jansen["id"], visser["id"]}, 2)
    assert await ids({"tag": "nieuwsbrief", "role": "gebruiker"}) == ({visser["id"]}, 1)
    assert await ids({"search": "pieter"}) == ({pietersen["id"]}, 1)  # last name
    assert await ids({"search": "Eva"}) == ({jansen["id"]}, 1)  # first name
    assert await ids({"search": "monteur"}) == ({visser["id"]}, 1)  # job title
    assert await ids({"search": "nobody-matches"}) == (set(), 0)


async def test_is_business_relation(admin) -> None:
    org = await create_organisation(admin, "Relatie BV")
    loner = await create_person(admin, "Alleen")
    worker = await create_person(admin, "Werker")
    leaver = await create_person(admin, "Vertrokken")
    await add_ok(admin, worker, org)
    ended = await add_ok(admin, leaver, org)
    assert (await mutate(admin, "deactivateMembership", MEMBERSHIP, id=ended["id"]))["userErrors"] == []

    assert (await person_memberships(admin, loner))["isBusinessRelation"] is False
    assert (await person_memberships(admin, worker))["isBusinessRelation"] is True
    # Only an inactive membership still makes a business relation.
    assert (await person_memberships(admin, leaver))["isBusinessRelation"] is True


# --- updateMembership ------------------------------------------------------------------


async def test_update_changes_only_the_fields_sent(admin) -> None:
    org = await create_organisation(admin, "Update BV")
    person = await create_person(admin, "Veranderaar")
    created = await add_ok(
        admin,
        person,
        org,
        department="Sales",
        jobTitle="Verkoper",
        phone1="020-1234567",
        role="Gebruiker",
        tags=["a", "b"],
        startDate="2021-03-01",
    )

    payload = await mutate(
        admin,
        "updateMembership",
        MEMBERSHIP,
        id=created["id"],
        jobTitle="Verkoopleider",
        tags=["C", "d"],
        phone1=None,
    )
    assert payload["userErrors"] == []
    updated = payload["membership"]
    assert updated["jobTitle"] == "Verkoopleider"
    assert updated["tags"] == ["c", "d"]  # replaced, not merged
    assert updated["phone1"] is None  # null clears
    # Everything not sent stays.
    for name in (
        "department",
        "role",
        "startDate",
        "businessEmail",
        "phone2",
        "active",
        "endDate",
    ):
        assert updated[name] == created[name], name
    assert updated["version"] > created["version"]

    # Not sending tags keeps them.
    again = await mutate(admin, "updateMembership", MEMBERSHIP, id=created["id"], department="Marketing")
    assert again["membership"]["tags"] == ["c", "d"]
    assert again["membership"]["jobTitle"] == "Verkoopleider"
    assert again["membership"]["department"] == "Marketing"


async def test_update_with_stale_version_is_a_conflict(admin) -> None:
    org = await create_organisation(admin, "Stale BV")
    created = await add_ok(admin, await create_person(admin, "Oudversie"), org, jobTitle="Eerst")
    first = await mutate(
        admin,
        "updateMembership",
        MEMBERSHIP,
        id=created["id"],
        jobTitle="Tweede",
        expectedVersion=created["version"],
    )
    assert first["userErrors"] == []

    stale = await mutate(
        admin,
        "updateMembership",
        MEMBERSHIP,
        id=created["id"],
        jobTitle="Derde",
        expectedVersion=created["version"],
    )
    assert stale["membership"] is None
    assert errors(stale) == [(["expectedVersion"], "CONFLICT")]
    node = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on Membership { jobTitle } } }",
        {"id": created["id"]},
    )
    assert node["node"]["jobTitle"] == "Tweede"


async def test_update_end_date_before_start_date_is_invalid(admin) -> None:
    org = await create_organisation(admin, "Dates BV")
    created = await add_ok(admin, await create_person(admin, "Datum"), org, startDate="2022-06-01")
    payload = await mutate(
        admin,
        "updateMembership",
        MEMBERSHIP,
        id=created["id"],
        endDate="2022-05-31",
        jobTitle="X",
    )
    assert payload["membership"] is None
    assert errors(payload) == [(["endDate"], "INVALID")]
    node = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on Membership { endDate jobTitle version } } }",
        {"id": created["id"]},
    )
    assert node["node"] == {
        "endDate": None,
        "jobTitle": None,
        "version": created["version"],
    }


async def test_update_role_into_an_active_duplicate_is_a_conflict(admin) -> None:
    org = await create_organisation(admin, "Rollen BV")
    person = await create_person(admin, "Rolwissel")
    await add_ok(admin, person, org, role="Beslisser")
    other = await add_ok(admin, person, org, role="Gebruiker")
    payload = await mutate(admin, "updateMembership", MEMBERSHIP, id=other["id"], role="Beslisser")
    assert codes(payload) == ["CONFLICT"]


# --- deactivate / reactivate -----------------------------------------------------------


async def test_deactivate_sets_end_date_today_by_default(admin) -> None:
    org = await create_organisation(admin, "Vertrek BV")
    created = await add_ok(admin, await create_person(admin, "Vertrekker"), org, startDate="2019-01-01")
    payload = await mutate(admin, "deactivateMembership", MEMBERSHIP, id=created["id"])
    assert payload["userErrors"] == []
    assert payload["membership"]["active"] is False
    assert payload["membership"]["endDate"] == dt.date.today().isoformat()
    # History kept: the row is still there with its data.
    assert payload["membership"]["startDate"] == "2019-01-01"

    twice = await mutate(admin, "deactivateMembership", MEMBERSHIP, id=created["id"])
    assert twice["membership"] is None
    assert codes(twice) == ["INVALID"]


async def test_deactivate_with_given_end_date(admin) -> None:
    org = await create_organisation(admin, "Einddatum BV")
    created = await add_ok(admin, await create_person(admin, "Eind"), org, startDate="2019-01-01")
    payload = await mutate(
        admin,
        "deactivateMembership",
        MEMBERSHIP,
        id=created["id"],
        endDate="2023-12-31",
    )
    assert payload["userErrors"] == []
    assert (payload["membership"]["active"], payload["membership"]["endDate"]) == (
        False,
        "2023-12-31",
    )

    other = await add_ok(admin, await create_person(admin, "Te vroeg"), org, startDate="2020-01-01")
    early = await mutate(admin, "deactivateMembership", MEMBERSHIP, id=other["id"], endDate="2019-12-31")
    assert errors(early) == [(["endDate"], "INVALID")]


async def test_reactivate_clears_end_date(admin) -> None:
    org = await create_organisation(admin, "Terug BV")
    created = await add_ok(admin, await create_person(admin, "Terugkeerder"), org, role="Beslisser")
    assert (
        await mutate(
            admin,
            "deactivateMembership",
            MEMBERSHIP,
            id=created["id"],
            endDate="2024-01-31",
        )
    )["userErrors"] == []
    payload = await mutate(admin, "reactivateMembership", MEMBERSHIP, id=created["id"])
    assert payload["userErrors"] == []
    assert (payload["membership"]["active"], payload["membership"]["endDate"]) == (
        True,
        None,
    )
    assert (await org_memberships(admin, org))["totalCount"] == 1

    again = await mutate(admin, "reactivateMembership", MEMBERSHIP, id=created["id"])
    assert codes(again) == ["INVALID"]


async def test_reactivate_when_an_identical_one_is_active_is_a_conflict(admin) -> None:
    org = await create_organisation(admin, "Conflict BV")
    person = await create_person(admin, "Tweemaal")
    old = await add_ok(admin, person, org, role="Beslisser")
    assert (await mutate(admin, "deactivateMembership", MEMBERSHIP, id=old["id"]))["userErrors"] == []
    await add_ok(admin, person, org, role="Beslisser")

    payload = await mutate(admin, "reactivateMembership", MEMBERSHIP, id=old["id"])
    assert payload["membership"] is None
    assert codes(payload) == ["CONFLICT"]
    listing = await org_memberships(admin, org, inactive=True)
    assert sorted(n["active"] for n in listing["nodes"]) == [False, True]


# --- deleteMembership ------------------------------------------------------------------


async def test_delete_needs_a_reason(admin) -> None:
    org = await create_organisation(admin, "Fout BV")
    created = await add_ok(admin, await create_person(admin, "Foutje"), org)
    for reason in ("", "   "):
        payload = await mutate(admin, "deleteMembership", DELETED, id=created["id"], reason=reason)
        assert payload["deletedMembershipId"] is None
        assert errors(payload) == [(["reason"], "INVALID")]
    assert (await org_memberships(admin, org))["totalCount"] == 1


async def test_delete_removes_the_link_and_keeps_the_reason(admin, session) -> None:
    org = await create_organisation(admin, "Verkeerd BV")
    person = await create_person(admin, "Verkeerd")
    created = await add_ok(admin, person, org, role="Beslisser", tags=["vip"])
    reason = "Linked to the wrong Acme branch"

    payload = await mutate(admin, "deleteMembership", DELETED, id=created["id"], reason=reason)
    assert payload["userErrors"] == []
    assert payload["deletedMembershipId"] == created["id"]

    node = await admin.gql("query($id: ID!) { node(id: $id) { id } }", {"id": created["id"]})
    assert node["node"] is None
    assert (await org_memberships(admin, org, inactive=True))["totalCount"] == 0
    assert (await person_memberships(admin, person, inactive=True))["isBusinessRelation"] is False

    decoded = decode_id(created["id"])
    assert decoded is not None
    events = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "Membership",
                AuditEvent.object_id == decoded[1],
            )
        )
    ).all()
    deletes = [e for e in events if e.action == "DELETE"]
    assert len(deletes) == 1
    assert deletes[0].reason == reason
    assert deletes[0].actor_id == admin.user_id
    # The trail keeps what the link was.
    assert deletes[0].changes["role"]["before"] == "Beslisser"

    again = await mutate(admin, "deleteMembership", DELETED, id=created["id"], reason=reason)
    assert errors(again) == [(["id"], "NOT_FOUND")]


# --- node ------------------------------------------------------------------------------


async def test_node_resolves_a_membership(admin, make_caller) -> None:
    org = await create_organisation(admin, "Node BV")
    person = await create_person(admin, "Knoop")
    created = await add_ok(admin, person, org, jobTitle="Koper")
    query = """query($id: ID!) { node(id: $id) { __typename id ... on Membership {
        jobTitle person { id } organisation { id } } } }"""
    for caller in (admin, await make_caller("BUSINESS")):
        node = (await caller.gql(query, {"id": created["id"]}))["node"]
        assert node == {
            "__typename": "Membership",
            "id": created["id"],
            "jobTitle": "Koper",
            "person": {"id": person},
            "organisation": {"id": org},
        }
    unknown = await admin.gql(query, {"id": encode_id("Membership", 987654)})
    assert unknown["node"] is None
