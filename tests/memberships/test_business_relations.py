"""addBusinessRelation: a new person linked to an existing or a new organisation, all or nothing."""

from __future__ import annotations

from typing import Any

from helpers import codes, create_organisation, create_person, errors, mutate

from relgraph.graphql.core.ids import encode_id

# What addBusinessRelation selects (helpers.mutate adds the userErrors).
ADDED = """
  person { id displayName isBusinessRelation }
  organisation { id name visitAddress { street houseNumber postcode city country isHeadOffice } }
  membership { id jobTitle role tags businessEmail active person { id } organisation { id } }
"""

TOTALS = """{
  persons { totalCount }
  organisations(filter: {includeArchived: true}) { totalCount }
}"""


# --- helpers -----------------------------------------------------------------------------


async def add_business_relation(caller: Any, **input: Any) -> dict[str, Any]:
    return await mutate(caller, "addBusinessRelation", ADDED, **input)


async def totals(admin: Any) -> tuple[int, int]:
    data = await admin.gql(TOTALS)
    return data["persons"]["totalCount"], data["organisations"]["totalCount"]


def assert_nothing_returned(payload: dict[str, Any]) -> None:
    assert (payload["person"], payload["organisation"], payload["membership"]) == (
        None,
        None,
        None,
    )


# --- success -----------------------------------------------------------------------------


async def test_with_an_existing_organisation(admin) -> None:
    org = await create_organisation(admin, "Bestaand BV")
    payload = await add_business_relation(
        admin,
        person={"firstName": "Jan", "infix": "van der", "lastName": "Berg"},
        organisationId=org,
        membership={
            "jobTitle": "Inkoper",
            "role": "Beslisser",
            "tags": ["VIP"],
            "businessEmail": "jan@bestaand.example",
        },
    )
    assert payload["userErrors"] == []
    person, membership = payload["person"], payload["membership"]
    assert person["displayName"] == "Jan van der Berg"
    assert person["isBusinessRelation"] is True
    assert payload["organisation"]["id"] == org
    assert membership["person"] == {"id": person["id"]}
    assert membership["organisation"] == {"id": org}
    assert (
        membership["jobTitle"],
        membership["role"],
        membership["tags"],
        membership["active"],
    ) == (
        "Inkoper",
        "Beslisser",
        ["vip"],
        True,
    )

    # It is really stored: the organisation lists the new person.
    data = await admin.gql(
        "query($id: ID!) { organisation(id: $id) { memberships { totalCount nodes { id person { id } } } } }",
        {"id": org},
    )
    assert data["organisation"]["memberships"] == {
        "totalCount": 1,
        "nodes": [{"id": membership["id"], "person": {"id": person["id"]}}],
    }
    assert await totals(admin) == (1, 1)


async def test_with_a_new_organisation(admin) -> None:
    payload = await add_business_relation(
        admin,
        person={"lastName": "Jansen", "firstName": "Eva"},
        newOrganisation={
            "name": "Nieuw BV",
            "kvkNumber": "12345678",
            "visitAddress": {
                "street": "Damrak",
                "houseNumber": "1",
                "postcode": "1012ab",
                "city": "Amsterdam",
            },
        },
        membership={"jobTitle": "Directeur"},
    )
    assert payload["userErrors"] == []
    organisation = payload["organisation"]
    assert organisation["name"] == "Nieuw BV"
    assert organisation["visitAddress"] == {
        "street": "Damrak",
        "houseNumber": "1",
        "postcode": "1012 AB",
        "city": "Amsterdam",
        "country": "NL",
        "isHeadOffice": True,
    }
    assert payload["membership"]["organisation"] == {"id": organisation["id"]}

    data = await admin.gql(
        """query($id: ID!) { organisation(id: $id) { name kvkNumber
             memberships { nodes { jobTitle person { displayName } } } } }""",
        {"id": organisation["id"]},
    )
    assert data["organisation"] == {
        "name": "Nieuw BV",
        "kvkNumber": "12345678",
        "memberships": {"nodes": [{"jobTitle": "Directeur", "person": {"displayName": "Eva Jansen"}}]},
    }
    # Found by city search, like any organisation with a visit address.
    found = await admin.gql('{ organisations(filter: {city: "amsterdam"}) { nodes { id } } }')
    assert found["organisations"]["nodes"] == [{"id": organisation["id"]}]
    assert await totals(admin) == (1, 1)


async def test_business_user_adds_and_then_sees_the_person(admin, make_caller) -> None:
    org = await create_organisation(admin, "Zakelijk BV")
    business = await make_caller("BUSINESS")
    assert (await business.gql("{ persons { totalCount } }"))["persons"]["totalCount"] == 0

    payload = await add_business_relation(
        business,
        person={"lastName": "Klant", "firstName": "Karin"},
        organisationId=org,
        membership={"role": "Contact"},
    )
    assert payload["userErrors"] == []
    person_id = payload["person"]["id"]

    data = await business.gql(
        "query($id: ID!) { person(id: $id) { id displayName isBusinessRelation } persons { totalCount nodes { id } } }",
        {"id": person_id},
    )
    assert data["person"] == {
        "id": person_id,
        "displayName": "Karin Klant",
        "isBusinessRelation": True,
    }
    assert data["persons"] == {"totalCount": 1, "nodes": [{"id": person_id}]}


# --- refusals: nothing is created --------------------------------------------------------


async def test_both_or_neither_organisation_is_invalid(admin) -> None:
    org = await create_organisation(admin, "Een BV")
    before = await totals(admin)
    both = await add_business_relation(
        admin,
        person={"lastName": "Beide"},
        organisationId=org,
        newOrganisation={"name": "Twee BV"},
    )
    assert_nothing_returned(both)
    assert sorted(errors(both)) == [(["organisationId"], "INVALID")]

    neither = await add_business_relation(admin, person={"lastName": "Geen"})
    assert_nothing_returned(neither)
    assert sorted(errors(neither)) == [(["organisationId"], "INVALID")]
    assert await totals(admin) == before


async def test_every_invalid_field_is_reported_with_its_path(admin) -> None:
    before = await totals(admin)
    payload = await add_business_relation(
        admin,
        person={"lastName": "  ", "bsn": "123456789"},
        newOrganisation={
            "name": "Fout BV",
            "kvkNumber": "1234",
            "visitAddress": {"postcode": "12345"},
        },
        membership={"businessEmail": "not-an-email", "jobTitle": "Tester"},
    )
    assert_nothing_returned(payload)
    assert sorted(errors(payload)) == sorted(
        [
            (["person", "lastName"], "INVALID"),
            (["person", "bsn"], "INVALID"),
            (["newOrganisation", "kvkNumber"], "INVALID"),
            (["newOrganisation", "visitAddress", "postcode"], "INVALID"),
            (["membership", "businessEmail"], "INVALID"),
        ]
    )
    assert all(e["message"] for e in payload["userErrors"])
    assert await totals(admin) == before


async def test_membership_dates_are_reported_together_with_other_errors(admin) -> None:
    """An end date before the start date is an invalid field like any other: it is listed
    next to the person's errors, not only after those are fixed."""
    org = await create_organisation(admin, "Datum BV")
    before = await totals(admin)
    payload = await add_business_relation(
        admin,
        person={"lastName": ""},
        organisationId=org,
        membership={"startDate": "2024-05-01", "endDate": "2024-04-01"},
    )
    assert_nothing_returned(payload)
    assert sorted(errors(payload)) == [
        (["membership", "endDate"], "INVALID"),
        (["person", "lastName"], "INVALID"),
    ]
    assert await totals(admin) == before


async def test_invalid_membership_dates_alone_create_nothing(admin) -> None:
    before = await totals(admin)
    payload = await add_business_relation(
        admin,
        person={"lastName": "Geldig"},
        newOrganisation={"name": "Datum Nieuw BV"},
        membership={"startDate": "2024-05-01", "endDate": "2024-04-01"},
    )
    assert_nothing_returned(payload)
    assert sorted(errors(payload)) == [(["membership", "endDate"], "INVALID")]
    # The organisation and the person were already written when the dates were checked:
    # the whole transaction must have been rolled back.
    assert await totals(admin) == before


async def test_account_manager_errors_are_under_membership(admin) -> None:
    org = await create_organisation(admin, "Manager BV")
    before = await totals(admin)
    unknown = await add_business_relation(
        admin,
        person={"lastName": "Beheerd"},
        organisationId=org,
        membership={"accountManagerId": encode_id("User", 987654)},
    )
    assert_nothing_returned(unknown)
    assert sorted(errors(unknown)) == [(["membership", "accountManagerId"], "NOT_FOUND")]

    # An ID of the wrong type is invalid, at the same path.
    wrong_type = await add_business_relation(
        admin,
        person={"lastName": "Beheerd"},
        organisationId=org,
        membership={"accountManagerId": org},
    )
    assert_nothing_returned(wrong_type)
    assert sorted(errors(wrong_type)) == [(["membership", "accountManagerId"], "INVALID")]
    assert await totals(admin) == before


async def test_unknown_organisation_is_not_found_and_creates_no_person(admin) -> None:
    before = await totals(admin)
    payload = await add_business_relation(
        admin,
        person={"lastName": "Wees"},
        organisationId=encode_id("Organisation", 987654),
    )
    assert_nothing_returned(payload)
    assert sorted(errors(payload)) == [(["organisationId"], "NOT_FOUND")]
    assert await totals(admin) == before


async def test_organisation_id_of_another_type_is_invalid(admin) -> None:
    someone = await create_person(admin, "Iemand")
    before = await totals(admin)
    payload = await add_business_relation(admin, person={"lastName": "Nieuw"}, organisationId=someone)
    assert_nothing_returned(payload)
    assert sorted(errors(payload)) == [(["organisationId"], "INVALID")]
    assert await totals(admin) == before


async def test_duplicate_customer_number_of_new_organisation_is_a_conflict(
    admin,
) -> None:
    await create_organisation(admin, "Eerste BV", code="K-100")
    before = await totals(admin)
    payload = await add_business_relation(
        admin,
        person={"lastName": "Dubbel"},
        newOrganisation={"name": "Tweede BV", "code": "K-100"},
    )
    assert_nothing_returned(payload)
    assert sorted(errors(payload)) == [(["newOrganisation", "code"], "CONFLICT")]
    assert await totals(admin) == before


async def test_readonly_cannot_add_a_business_relation(admin, make_caller) -> None:
    org = await create_organisation(admin, "Alleen Lezen BV")
    reader = await make_caller("READONLY")
    before = await totals(admin)
    payload = await add_business_relation(reader, person={"lastName": "Lezer"}, organisationId=org)
    assert_nothing_returned(payload)
    assert codes(payload) == ["FORBIDDEN"]
    assert await totals(admin) == before


async def test_id_errors_are_reported_together_with_field_errors(admin) -> None:
    """A malformed ID is one more invalid field: the person's errors are listed with it."""
    someone = await create_person(admin, "Iemand")
    before = await totals(admin)
    payload = await add_business_relation(
        admin, person={"lastName": "", "bsn": "123456789"}, organisationId=someone
    )
    assert_nothing_returned(payload)
    assert sorted(errors(payload)) == [
        (["organisationId"], "INVALID"),
        (["person", "bsn"], "INVALID"),
        (["person", "lastName"], "INVALID"),
    ]
    assert await totals(admin) == before
