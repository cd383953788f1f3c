"""Contact means: typed emails, phone numbers and URLs, the primary one per kind, search."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers import errors, mutate, ok
from sqlalchemy.exc import IntegrityError

from relgraph.db.models import ContactMean
from relgraph.graphql.core.ids import decode_id

MEAN = "id kind value formatted label primary active version"

# What each mutation selects (helpers.mutate adds the userErrors).
CREATE_ORG = "organisation { id email phone }"
UPDATE_ORG = "organisation { id version email phone }"
CREATE_PERSON = "person { id email phone }"
UPDATE_PERSON = "person { id email phone }"
CONTACT_MEAN = f"contactMean {{ {MEAN} }}"
REMOVE = "deletedId"

CARD = f"""
query($id: ID!, $all: Boolean!) {{
  node(id: $id) {{
    ... on Organisation {{ email phone }}
    ... on Person {{ email phone }}
    ... on Party {{ contactMeans(includeInactive: $all) {{ {MEAN} }} }}
  }}
}}"""
SEARCH_ORGS = "query($q: String!) { organisations(filter: {search: $q}) { totalCount nodes { name } } }"
SEARCH_PERSONS = "query($q: String!) { persons(filter: {search: $q}) { totalCount nodes { lastName } } }"


async def create_org(caller: Any, name: str, **fields: Any) -> dict[str, Any]:
    return (await ok(caller, "createOrganisation", CREATE_ORG, name=name, **fields))["organisation"]


async def create_person(caller: Any, last_name: str, **fields: Any) -> dict[str, Any]:
    return (await ok(caller, "createPerson", CREATE_PERSON, lastName=last_name, **fields))["person"]


async def add(caller: Any, party: str, kind: str, value: str, **fields: Any) -> dict[str, Any]:
    return await mutate(
        caller, "addContactMean", CONTACT_MEAN, partyId=party, kind=kind, value=value, **fields
    )


async def add_ok(caller: Any, party: str, kind: str, value: str, **fields: Any) -> dict[str, Any]:
    payload = await add(caller, party, kind, value, **fields)
    assert payload["userErrors"] == [], payload
    return payload["contactMean"]


async def card(caller: Any, party: str, include_inactive: bool = False) -> dict[str, Any]:
    return (await caller.gql(CARD, {"id": party, "all": include_inactive}))["node"]


async def found(caller: Any, query: str, term: str) -> list[str]:
    data = await caller.gql(query, {"q": term})
    connection = next(iter(data.values()))
    return [next(iter(n.values())) for n in connection["nodes"]]


# --- the organisation's and person's email and phone --------------------------------------


async def test_email_and_phone_of_an_organisation_are_its_primary_contact_means(admin) -> None:
    org = await create_org(admin, "Acme", email="Info@Acme.NL", phone="020-1234567")
    assert (org["email"], org["phone"]) == ("info@acme.nl", "+31201234567")
    means = (await card(admin, org["id"]))["contactMeans"]
    assert [(m["kind"], m["value"], m["formatted"], m["primary"], m["active"]) for m in means] == [
        ("EMAIL", "info@acme.nl", "info@acme.nl", True, True),
        ("PHONE", "+31201234567", "+31 20 123 4567", True, True),
    ]

    # Updating the field replaces the primary entry's value; other entries stay.
    await add_ok(admin, org["id"], "PHONE", "020 7654321", label="after hours")
    payload = await mutate(admin, "updateOrganisation", UPDATE_ORG, id=org["id"], phone="+31 30 123 4567")
    assert payload["userErrors"] == []
    assert payload["organisation"]["phone"] == "+31301234567"
    # Adding the second phone changed what search matches (version 2), this update made 3.
    assert payload["organisation"]["version"] == 3
    phones = [
        (m["value"], m["primary"])
        for m in (await card(admin, org["id"]))["contactMeans"]
        if m["kind"] == "PHONE"
    ]
    assert phones == [("+31301234567", True), ("+31207654321", False)]

    # Null clears the field: the primary entry goes, a plain one is not promoted.
    cleared = await mutate(admin, "updateOrganisation", UPDATE_ORG, id=org["id"], email=None, phone=None)
    assert (cleared["organisation"]["email"], cleared["organisation"]["phone"]) == (None, None)
    assert [m["value"] for m in (await card(admin, org["id"]))["contactMeans"]] == ["+31207654321"]


async def test_setting_the_field_to_a_value_the_party_has_promotes_that_entry(admin) -> None:
    person = await create_person(admin, "Jansen", email="jan@home.nl")
    await add_ok(admin, person["id"], "EMAIL", "jan@work.nl", label="werk")
    payload = await mutate(admin, "updatePerson", UPDATE_PERSON, id=person["id"], email="JAN@work.nl")
    assert payload["userErrors"] == []
    assert payload["person"]["email"] == "jan@work.nl"
    means = (await card(admin, person["id"]))["contactMeans"]
    assert [(m["value"], m["label"], m["primary"]) for m in means] == [("jan@work.nl", "werk", True)]


async def test_person_email_and_phone_round_trip_through_contact_means(admin) -> None:
    person = await create_person(admin, "Berg", email="jan@berg.example", phone="06 1234 5678")
    assert (person["email"], person["phone"]) == ("jan@berg.example", "+31612345678")
    payload = await mutate(admin, "updatePerson", UPDATE_PERSON, id=person["id"], phone="0201234567")
    assert payload["person"]["phone"] == "+31201234567"
    assert payload["person"]["email"] == "jan@berg.example"


async def test_bad_email_and_phone_in_the_party_inputs_are_invalid_at_their_field(admin) -> None:
    refused = await mutate(admin, "createOrganisation", CREATE_ORG, name="Fout", email="nope", phone="12")
    assert errors(refused) == [(["email"], "INVALID"), (["phone"], "INVALID")]
    assert refused["organisation"] is None
    person = await create_person(admin, "Jansen")
    refused = await mutate(admin, "updatePerson", UPDATE_PERSON, id=person["id"], phone="bel me maar")
    assert errors(refused) == [(["phone"], "INVALID")]
    assert (await card(admin, person["id"]))["contactMeans"] == []

    relation = await admin.post(
        """mutation($input: AddBusinessRelationInput!) {
          addBusinessRelation(input: $input) { person { id } userErrors { field code } } }""",
        {
            "input": {
                "person": {"lastName": "Vries", "phone": "abc"},
                "newOrganisation": {"name": "X", "email": "x@"},
            }
        },
    )
    result = relation.json()["data"]["addBusinessRelation"]
    assert sorted(tuple(e["field"]) for e in result["userErrors"]) == [
        ("newOrganisation", "email"),
        ("person", "phone"),
    ]


# --- adding and validating ----------------------------------------------------------------


async def test_every_kind_is_validated_and_normalised(admin) -> None:
    org = await create_org(admin, "Acme")
    added = [
        await add_ok(admin, org["id"], "EMAIL", " Sales@Acme.NL ", label="verkoop"),
        await add_ok(admin, org["id"], "PHONE", "(020) 123 45 67"),
        await add_ok(admin, org["id"], "MOBILE", "06-12345678"),
        await add_ok(admin, org["id"], "FAX", "+32 2 555 12 12"),
        await add_ok(admin, org["id"], "WEBSITE", "https://acme.example/nl"),
        await add_ok(admin, org["id"], "SOCIAL", "@acme_nl"),
    ]
    assert [(m["kind"], m["value"]) for m in added] == [
        ("EMAIL", "sales@acme.nl"),
        ("PHONE", "+31201234567"),
        ("MOBILE", "+31612345678"),
        ("FAX", "+3225551212"),
        ("WEBSITE", "https://acme.example/nl"),
        ("SOCIAL", "@acme_nl"),
    ]
    # The first of each kind is the primary one.
    assert all(m["primary"] and m["active"] and m["version"] == 1 for m in added)
    assert added[3]["formatted"] == "+32 2 555 12 12"
    listed = (await card(admin, org["id"]))["contactMeans"]
    assert [m["id"] for m in listed] == [m["id"] for m in added]
    assert (await card(admin, org["id"]))["email"] == "sales@acme.nl"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("EMAIL", "info@@acme"),
        ("EMAIL", "  "),
        ("PHONE", "12"),
        ("PHONE", "0201234"),  # too short for a Dutch number
        ("PHONE", "call me"),
        ("MOBILE", "+31 6 123"),
        ("WEBSITE", "acme.nl"),
        ("WEBSITE", "ftp://acme.nl"),
        ("SOCIAL", "acme on linkedin"),
    ],
)
async def test_bad_values_are_invalid_at_value(admin, kind: str, value: str) -> None:
    org = await create_org(admin, "Acme")
    payload = await add(admin, org["id"], kind, value)
    assert errors(payload) == [(["value"], "INVALID")]
    assert payload["contactMean"] is None
    assert (await card(admin, org["id"], True))["contactMeans"] == []


async def test_the_same_value_twice_is_a_conflict_but_another_party_may_have_it(admin) -> None:
    org = await create_org(admin, "Acme", phone="020 1234567")
    assert errors(await add(admin, org["id"], "PHONE", "+31201234567")) == [(["value"], "CONFLICT")]
    # The same number as a fax is something else.
    await add_ok(admin, org["id"], "FAX", "+31201234567")
    other = await create_org(admin, "Acme Zuid")
    await add_ok(admin, other["id"], "PHONE", "020-1234567")


async def test_unknown_and_hidden_parties(admin, make_caller) -> None:
    business = await make_caller("BUSINESS")
    hidden = await create_person(admin, "Verborgen")  # no membership: hidden from BUSINESS (R1)
    assert errors(await add(business, hidden["id"], "EMAIL", "a@b.nl")) == [(["partyId"], "NOT_FOUND")]
    assert errors(await add(admin, "bm9wZQ", "EMAIL", "a@b.nl")) == [(["partyId"], "INVALID")]
    mean = await add_ok(admin, hidden["id"], "EMAIL", "a@b.nl")
    assert (await business.gql("query($id: ID!) { node(id: $id) { id } }", {"id": mean["id"]}))[
        "node"
    ] is None
    refused = await mutate(business, "updateContactMean", CONTACT_MEAN, id=mean["id"], label="x")
    assert errors(refused) == [(["id"], "NOT_FOUND")]
    node = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on ContactMean { value party { id } } } }", {"id": mean["id"]}
    )
    assert node["node"] == {"value": "a@b.nl", "party": {"id": hidden["id"]}}
    readonly = await make_caller("READONLY")
    org = await create_org(admin, "Acme")
    assert errors(await add(readonly, org["id"], "EMAIL", "a@b.nl")) == [([], "FORBIDDEN")]


# --- primary, active, update, remove ------------------------------------------------------


async def test_set_primary_switches_in_one_step(admin) -> None:
    org = await create_org(admin, "Acme", phone="020 1234567")
    second = await add_ok(admin, org["id"], "PHONE", "030 1234567", label="Utrecht")
    assert second["primary"] is False
    payload = await mutate(admin, "setPrimaryContactMean", CONTACT_MEAN, id=second["id"], expectedVersion=1)
    assert payload["userErrors"] == []
    assert (payload["contactMean"]["primary"], payload["contactMean"]["version"]) == (True, 2)
    data = await card(admin, org["id"])
    assert data["phone"] == "+31301234567"
    assert [(m["value"], m["primary"]) for m in data["contactMeans"]] == [
        ("+31301234567", True),
        ("+31201234567", False),
    ]
    # Adding with primary: true takes the flag over as well.
    third = await add_ok(admin, org["id"], "PHONE", "040 1234567", primary=True)
    assert third["primary"] is True
    assert (await card(admin, org["id"]))["phone"] == "+31401234567"


async def test_the_database_refuses_a_second_primary_and_an_inactive_primary(admin, session) -> None:
    org = await create_org(admin, "Acme", phone="020 1234567")
    party_id = decode_id(org["id"])[1]  # type: ignore[index]
    session.add(ContactMean(party_id=party_id, kind="PHONE", value="+31301234567", is_primary=True))
    with pytest.raises(IntegrityError):
        await session.flush()
    await session.rollback()
    session.add(ContactMean(party_id=party_id, kind="EMAIL", value="a@b.nl", is_primary=True, active=False))
    with pytest.raises(IntegrityError):
        await session.flush()
    await session.rollback()


async def test_deactivating_the_primary_takes_its_flag_and_hides_it(admin) -> None:
    org = await create_org(admin, "Acme", email="info@acme.nl")
    [mean] = (await card(admin, org["id"]))["contactMeans"]
    payload = await mutate(
        admin, "updateContactMean", CONTACT_MEAN, id=mean["id"], active=False, expectedVersion=1
    )
    assert payload["userErrors"] == []
    assert (payload["contactMean"]["active"], payload["contactMean"]["primary"]) == (False, False)
    data = await card(admin, org["id"])
    assert (data["email"], data["contactMeans"]) == (None, [])
    assert [m["value"] for m in (await card(admin, org["id"], True))["contactMeans"]] == ["info@acme.nl"]
    # Only an active one can be primary; reactivated, it is a plain one until chosen.
    refused = await mutate(admin, "setPrimaryContactMean", CONTACT_MEAN, id=mean["id"])
    assert errors(refused) == [(["id"], "INVALID")]
    revived = await mutate(admin, "updateContactMean", CONTACT_MEAN, id=mean["id"], active=True)
    assert (revived["contactMean"]["active"], revived["contactMean"]["primary"]) == (True, False)


async def test_update_revalidates_checks_the_version_and_remove_deletes(admin) -> None:
    org = await create_org(admin, "Acme")
    mean = await add_ok(admin, org["id"], "PHONE", "020 1234567", label="receptie")
    assert errors(await mutate(admin, "updateContactMean", CONTACT_MEAN, id=mean["id"], value="nope")) == [
        (["value"], "INVALID")
    ]
    changed = await mutate(
        admin, "updateContactMean", CONTACT_MEAN, id=mean["id"], value="0301234567", label=None
    )
    assert (changed["contactMean"]["value"], changed["contactMean"]["label"]) == ("+31301234567", None)
    stale = await mutate(
        admin, "updateContactMean", CONTACT_MEAN, id=mean["id"], label="x", expectedVersion=1
    )
    assert errors(stale) == [(["expectedVersion"], "CONFLICT")]
    removed = await mutate(admin, "removeContactMean", REMOVE, id=mean["id"])
    assert removed == {"deletedId": mean["id"], "userErrors": []}
    assert (await card(admin, org["id"], True))["contactMeans"] == []
    assert errors(await mutate(admin, "removeContactMean", REMOVE, id=mean["id"])) == [(["id"], "NOT_FOUND")]


# --- search -------------------------------------------------------------------------------


async def test_search_finds_parties_by_phone_in_any_format(admin) -> None:
    await create_org(admin, "Bellen BV", phone="020-1234567")
    await create_org(admin, "Anders BV", phone="030 7654321")
    for term in (
        "020-1234567",
        "+31 20 123 4567",
        "0201234567",
        "+31201234567",
        "0031 20 1234567",
        "1234567",
    ):
        assert await found(admin, SEARCH_ORGS, term) == ["Bellen BV"], term
    assert await found(admin, SEARCH_ORGS, "020-7654321") == []

    await create_person(admin, "Mobiel", phone="06 12 34 56 78")
    for term in ("0612345678", "06-12345678", "+31 6 1234 5678"):
        assert await found(admin, SEARCH_PERSONS, term) == ["Mobiel"], term


async def test_search_finds_any_active_contact_value_and_forgets_removed_ones(admin) -> None:
    org = await create_org(admin, "Zoek BV")
    mean = await add_ok(admin, org["id"], "EMAIL", "facturen@zoek.example", label="facturen")
    site = await add_ok(admin, org["id"], "WEBSITE", "https://werkenbij-zoek.example")
    person = await create_person(admin, "Privé")
    await add_ok(admin, person["id"], "MOBILE", "0687654321")
    assert await found(admin, SEARCH_ORGS, "facturen@zoek") == ["Zoek BV"]
    assert await found(admin, SEARCH_ORGS, "werkenbij-zoek") == ["Zoek BV"]
    assert await found(admin, SEARCH_PERSONS, "06-87654321") == ["Privé"]

    await mutate(admin, "updateContactMean", CONTACT_MEAN, id=mean["id"], active=False)
    assert await found(admin, SEARCH_ORGS, "facturen@zoek") == []
    await mutate(admin, "removeContactMean", REMOVE, id=site["id"])
    assert await found(admin, SEARCH_ORGS, "werkenbij-zoek") == []
    # Renaming the organisation keeps its contact values searchable.
    await mutate(admin, "updateContactMean", CONTACT_MEAN, id=mean["id"], active=True)
    await mutate(admin, "updateOrganisation", UPDATE_ORG, id=org["id"], name="Gevonden BV")
    assert await found(admin, SEARCH_ORGS, "facturen@zoek") == ["Gevonden BV"]


async def test_two_concurrent_primary_switches_leave_exactly_one_primary(admin) -> None:
    org = await create_org(admin, "Acme", phone="020 1234567")
    second = await add_ok(admin, org["id"], "PHONE", "030 1234567")
    third = await add_ok(admin, org["id"], "PHONE", "040 1234567")
    results = await asyncio.gather(
        *(mutate(admin, "setPrimaryContactMean", CONTACT_MEAN, id=m["id"]) for m in (second, third))
    )
    for payload in results:
        assert payload["userErrors"] == [] or errors(payload)[0][1] == "CONFLICT", payload
    assert any(payload["userErrors"] == [] for payload in results)
    phones = [m for m in (await card(admin, org["id"]))["contactMeans"] if m["kind"] == "PHONE"]
    assert sum(m["primary"] for m in phones) == 1
    assert (await card(admin, org["id"]))["phone"] in {"+31301234567", "+31401234567"}
