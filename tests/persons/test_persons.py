"""Persons over GraphQL: Dutch names, validation, sensitive fields, search and visibility (R1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from helpers import Caller, add_membership, codes, create_organisation, errors, mutate

PERSON_FIELDS = """
    id lastName firstName infix initials title gender email phone birthDate
    displayName sortName version kind
"""

# What each mutation selects (helpers.mutate adds the userErrors); only callers with the
# SENSITIVE permission may read the BSN back.
PERSON = f"person {{ {PERSON_FIELDS} }}"
PERSON_WITH_BSN = f"person {{ {PERSON_FIELDS} bsn }}"

GET = f"query($id: ID!) {{ person(id: $id) {{ {PERSON_FIELDS} }} }}"

LIST = """
query($filter: PersonFilter, $orderBy: PersonOrder, $first: Int, $after: String) {
  persons(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id displayName sortName } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def create(caller: Caller, **fields: Any) -> dict[str, Any]:
    return await mutate(caller, "createPerson", PERSON_WITH_BSN, **fields)


async def create_without_bsn(caller: Caller, **fields: Any) -> dict[str, Any]:
    return await mutate(caller, "createPerson", PERSON, **fields)


async def create_ok(caller: Caller, **fields: Any) -> dict[str, Any]:
    payload = await create(caller, **fields)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["person"]


async def update(caller: Caller, **fields: Any) -> dict[str, Any]:
    return await mutate(caller, "updatePerson", PERSON, **fields)


async def update_bsn(caller: Caller, person_id: str, bsn: str | None) -> dict[str, Any]:
    return await mutate(caller, "updatePerson", PERSON_WITH_BSN, id=person_id, bsn=bsn)


async def fetch(caller: Caller, person_id: str) -> dict[str, Any] | None:
    return (await caller.gql(GET, {"id": person_id}))["person"]


async def listing(caller: Caller, **variables: Any) -> dict[str, Any]:
    return (await caller.gql(LIST, {"first": 100, **variables}))["persons"]


async def display_names(caller: Caller, **variables: Any) -> list[str]:
    return [e["node"]["displayName"] for e in (await listing(caller, **variables))["edges"]]


async def count_persons(caller: Caller) -> int:
    return (await listing(caller, first=1))["totalCount"]


# --- create and update ------------------------------------------------------------------


async def test_create_person_round_trips_every_field_and_writes_the_name_the_dutch_way(admin) -> None:
    fields = {
        "lastName": "Berg",
        "firstName": "Jan",
        "infix": "van der",
        "initials": "J.P.",
        "title": "dr.",
        "gender": "MALE",
        "email": "jan@berg.example",
        "phone": "+31 6 1234 5678",
        "birthDate": "1970-05-17",
        "bsn": "123456782",
    }
    payload = await create(admin, **fields)
    assert payload["userErrors"] == []
    person = payload["person"]
    # Phone numbers are stored normalised, in E.164 (they are the primary PHONE contact mean);
    # the BSN is stored as its 9 digits and shown as printed.
    for name, value in {**fields, "phone": "+31612345678", "bsn": "1234.56.782"}.items():
        assert person[name] == value, name
    assert person["displayName"] == "Jan van der Berg"
    assert person["sortName"] == "Berg, Jan van der"
    assert (person["version"], person["kind"]) == (1, "PERSON")
    stored = await fetch(admin, person["id"])
    assert stored == {k: v for k, v in person.items() if k != "bsn"}


async def test_initials_stand_in_for_a_missing_first_name(admin) -> None:
    person = await create_ok(admin, lastName="Vries", infix="de", initials="P.")
    assert (person["displayName"], person["sortName"]) == ("P. de Vries", "Vries, P. de")
    bare = await create_ok(admin, lastName="Jansen")
    assert (bare["displayName"], bare["sortName"], bare["gender"]) == ("Jansen", "Jansen", "UNKNOWN")


async def test_update_changes_only_the_fields_sent_and_recomputes_the_names(admin) -> None:
    person = await create_ok(
        admin, lastName="Berg", firstName="Jan", infix="van der", initials="J.", email="j@b.nl"
    )
    payload = await update(admin, id=person["id"], firstName=None, phone="0612345678", expectedVersion=1)
    assert payload["userErrors"] == []
    changed = payload["person"]
    assert (changed["firstName"], changed["phone"], changed["version"]) == (None, "+31612345678", 2)
    assert (changed["email"], changed["infix"], changed["initials"]) == ("j@b.nl", "van der", "J.")
    assert (changed["displayName"], changed["sortName"]) == ("J. van der Berg", "Berg, J. van der")
    assert await fetch(admin, person["id"]) == changed

    renamed = (await update(admin, id=person["id"], lastName="Bergen", infix=None))["person"]
    assert (renamed["displayName"], renamed["sortName"], renamed["version"]) == ("J. Bergen", "Bergen, J.", 3)
    assert await display_names(admin, filter={"search": "bergen"}) == ["J. Bergen"]


async def test_the_longest_allowed_names_are_accepted(admin) -> None:
    # "ß" folds to "ss": the folded sort key is longer than the names themselves.
    last = ("Straßburger-Großmann " * 8)[:150]
    first = ("Jürgen-Claußen " * 7)[:100]
    infix = ("von der " * 4)[:30].strip()
    person = await create_ok(admin, lastName=last, firstName=first, infix=infix, initials="J" * 20)
    assert (person["lastName"], person["firstName"], person["infix"]) == (last.strip(), first.strip(), infix)
    assert await display_names(admin, filter={"search": "strassburger"}) == [person["displayName"]]
    too_long = await create(admin, lastName="x" * 151)
    assert errors(too_long) == [(["lastName"], "INVALID")]


async def test_update_cannot_clear_the_last_name(admin) -> None:
    person = await create_ok(admin, lastName="Blijft")
    assert errors(await update(admin, id=person["id"], lastName=None)) == [(["lastName"], "INVALID")]
    assert errors(await update(admin, id=person["id"], lastName=" ")) == [(["lastName"], "INVALID")]
    assert (await fetch(admin, person["id"]))["lastName"] == "Blijft"


async def test_stale_expected_version_is_a_conflict_and_changes_nothing(admin) -> None:
    person = await create_ok(admin, lastName="Versie")
    assert (await update(admin, id=person["id"], firstName="Eva", expectedVersion=1))["userErrors"] == []
    payload = await update(admin, id=person["id"], firstName="Anna", email="a@b.nl", expectedVersion=1)
    assert payload["person"] is None
    assert errors(payload) == [(["expectedVersion"], "CONFLICT")]
    stored = await fetch(admin, person["id"])
    assert (stored["firstName"], stored["email"], stored["version"]) == ("Eva", None, 2)


async def test_bsn_must_pass_the_11_check(admin) -> None:
    for valid, shown in (("123456782", "1234.56.782"), ("1112.22.333", "1112.22.333")):
        assert (await create_ok(admin, lastName="Geldig", bsn=valid))["bsn"] == shown
    before = await count_persons(admin)
    for invalid in ("123456789", "12345678", "1234567890", "12345678a", "000000000"):
        payload = await create(admin, lastName="Ongeldig", bsn=invalid)
        assert payload["person"] is None, invalid
        assert errors(payload) == [(["bsn"], "INVALID")], invalid
    assert await count_persons(admin) == before

    person = await create_ok(admin, lastName="Wijzig", bsn="111222333")
    assert errors(await update_bsn(admin, person["id"], "123456789")) == [(["bsn"], "INVALID")]
    assert (await update_bsn(admin, person["id"], "123 456 782"))["person"]["bsn"] == "1234.56.782"
    assert (await update_bsn(admin, person["id"], None))["person"]["bsn"] is None


async def test_birth_date_in_the_future_is_invalid(admin) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    payload = await create(admin, lastName="Toekomst", birthDate=tomorrow)
    assert payload["person"] is None
    assert errors(payload) == [(["birthDate"], "INVALID")]
    assert await count_persons(admin) == 0

    person = await create_ok(admin, lastName="Vandaag", birthDate=dt.date.today().isoformat())
    assert errors(await update(admin, id=person["id"], birthDate=tomorrow)) == [(["birthDate"], "INVALID")]
    assert (await fetch(admin, person["id"]))["birthDate"] == dt.date.today().isoformat()


async def test_invalid_fields_are_all_reported_and_nothing_is_created(admin) -> None:
    payload = await create(admin, lastName="", email="geen-email", phone="abc", firstName="Jan\x00")
    assert payload["person"] is None
    assert sorted(errors(payload)) == sorted(
        [
            (["lastName"], "INVALID"),
            (["email"], "INVALID"),
            (["phone"], "INVALID"),
            (["firstName"], "INVALID"),
        ]
    )
    assert await count_persons(admin) == 0


async def test_readonly_caller_cannot_create_or_update_persons(admin, make_caller) -> None:
    reader = await make_caller("READONLY")
    payload = await create_without_bsn(reader, lastName="Stiekem")
    assert payload["person"] is None
    assert codes(payload) == ["FORBIDDEN"]
    assert await count_persons(admin) == 0


# --- names in order, search -------------------------------------------------------------


async def test_order_by_name_sorts_on_the_last_name_ignoring_the_infix(admin) -> None:
    await create_ok(admin, lastName="Vries", infix="de", firstName="Piet")
    await create_ok(admin, lastName="Berg", infix="van der", firstName="Jan")
    await create_ok(admin, lastName="Dekker", firstName="Cor")
    await create_ok(admin, lastName="Bakker", firstName="Anna")
    await create_ok(admin, lastName="Berg", firstName="Adam")
    await create_ok(admin, lastName="Bergen", firstName="Aafke")
    expected = [
        "Bakker, Anna",
        "Berg, Adam",
        "Berg, Jan van der",
        "Bergen, Aafke",
        "Dekker, Cor",
        "Vries, Piet de",
    ]
    page = await listing(admin)
    assert [e["node"]["sortName"] for e in page["edges"]] == expected
    descending = await listing(admin, orderBy={"field": "NAME", "direction": "DESC"})
    assert [e["node"]["sortName"] for e in descending["edges"]] == expected[::-1]

    first = await listing(admin, first=3)
    rest = await listing(admin, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["sortName"] for e in first["edges"] + rest["edges"]] == expected
    tail = (await admin.gql("{ persons(last: 2) { nodes { sortName } pageInfo { hasPreviousPage } } }"))[
        "persons"
    ]
    assert [n["sortName"] for n in tail["nodes"]] == expected[-2:]
    assert tail["pageInfo"]["hasPreviousPage"] is True


async def test_search_ignores_case_and_accents_and_matches_email(admin) -> None:
    await create_ok(admin, lastName="Müller", firstName="José", email="jose.muller@example.com")
    await create_ok(
        admin, lastName="Berg", firstName="Jan", infix="van der", initials="J.P.", email="jp@berg.example"
    )
    await create_ok(admin, lastName="Smit", firstName="Eva")
    cases = [
        ("jose", ["José Müller"]),
        ("MULLER", ["José Müller"]),
        ("josé müll", ["José Müller"]),
        ("jose.muller@", ["José Müller"]),
        ("@berg.example", ["Jan van der Berg"]),
        ("van der berg", ["Jan van der Berg"]),
        ("j.p.", ["Jan van der Berg"]),
        ("eva", ["Eva Smit"]),
        ("%", []),
        ("_", []),
        ("nobody", []),
    ]
    wrong = []
    for term, expected in cases:
        page = await listing(admin, filter={"search": term})
        found = [e["node"]["displayName"] for e in page["edges"]]
        if found != expected or page["totalCount"] != len(expected):
            wrong.append((term, found))
    assert wrong == []


async def test_search_follows_updated_private_and_business_emails(admin) -> None:
    person = await create_ok(admin, lastName="Smit", email="oud@example.com")
    await update(admin, id=person["id"], email="nieuw@example.com")
    assert await display_names(admin, filter={"search": "nieuw@"}) == ["Smit"]
    assert await display_names(admin, filter={"search": "oud@"}) == []

    org = await create_organisation(admin, "Werkgever BV")
    await add_membership(admin, person["id"], org, businessEmail="P.Smit@Werkgever.NL")
    assert await display_names(admin, filter={"search": "p.smit@werkgever"}) == ["Smit"]


# --- sensitive and financial fields (R4) ---------------------------------------------------


async def test_bsn_without_sensitive_permission_is_null_with_a_forbidden_error(admin, make_caller) -> None:
    person = await create_ok(admin, lastName="Geheim", bsn="123456782")
    team = await make_caller("TEAM", ("FINANCE",))
    response = await team.post(
        "query($id: ID!) { person(id: $id) { lastName bsn viewerCanSeeSensitive viewerCanSeeFinancials } }",
        {"id": person["id"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["person"] == {
        "lastName": "Geheim",
        "bsn": None,
        "viewerCanSeeSensitive": False,
        "viewerCanSeeFinancials": True,
    }
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"][-1] == "bsn"
    assert error["path"] == ["person", "bsn"]
    assert "123456782" not in response.text

    # In a list the error sits at the item's path; the other items are unaffected.
    await create_ok(admin, lastName="Open")
    response = await team.post("{ persons { nodes { lastName bsn } } }")
    body = response.json()
    assert [n["lastName"] for n in body["data"]["persons"]["nodes"]] == ["Geheim", "Open"]
    assert [n["bsn"] for n in body["data"]["persons"]["nodes"]] == [None, None]
    assert sorted(e["path"][-2] for e in body["errors"]) == [0, 1]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert all(e["path"][-1] == "bsn" for e in body["errors"])


async def test_a_write_without_sensitive_permission_does_not_reveal_the_bsn(admin, make_caller) -> None:
    team = await make_caller("TEAM")
    assert (await create_without_bsn(team, lastName="Nieuw", bsn="111222333"))["userErrors"] == []
    response = await team.post(
        "mutation($in: CreatePersonInput!) { createPerson(input: $in) { person { bsn } userErrors { code } } }",
        {"in": {"lastName": "Ander", "bsn": "123456782"}},
    )
    body = response.json()
    assert "123456782" not in response.text
    assert body["data"]["createPerson"]["person"] == {"bsn": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_viewer_can_see_flags_follow_the_permissions(admin, make_caller) -> None:
    person = await create_ok(admin, lastName="Vlag")
    query = "query($id: ID!) { person(id: $id) { viewerCanSeeSensitive viewerCanSeeFinancials } }"
    expectations = [
        (admin, {"viewerCanSeeSensitive": True, "viewerCanSeeFinancials": True}),
        (await make_caller("ADMIN"), {"viewerCanSeeSensitive": False, "viewerCanSeeFinancials": False}),
        (
            await make_caller("TEAM", ("SENSITIVE",)),
            {"viewerCanSeeSensitive": True, "viewerCanSeeFinancials": False},
        ),
        (
            await make_caller("TEAM", ("FINANCE",)),
            {"viewerCanSeeSensitive": False, "viewerCanSeeFinancials": True},
        ),
    ]
    for caller, expected in expectations:
        assert (await caller.gql(query, {"id": person["id"]}))["person"] == expected
    sensitive = await make_caller("TEAM", ("SENSITIVE",))
    assert (await update_bsn(admin, person["id"], "111222333"))["userErrors"] == []
    assert (await sensitive.gql("query($id: ID!) { person(id: $id) { bsn } }", {"id": person["id"]}))[
        "person"
    ] == {"bsn": "1112.22.333"}


# --- R1: persons without a membership -------------------------------------------------------


async def test_a_person_without_membership_is_hidden_from_business_and_readonly(admin, make_caller) -> None:
    member = await create_ok(admin, lastName="Lid", firstName="Mia")
    loner = await create_ok(admin, lastName="Los", firstName="Lars")
    org = await create_organisation(admin, "Werkgever BV")
    await add_membership(admin, member["id"], org)

    lookup = """query($id: ID!) {
        person(id: $id) { id }
        node(id: $id) { id }
        nodes(ids: [$id]) { id }
        persons(filter: {search: "lars"}) { totalCount nodes { id } }
    }"""
    for role in ("BUSINESS", "READONLY"):
        caller = await make_caller(role, ("SENSITIVE", "FINANCE"))
        page = await listing(caller)
        assert [e["node"]["id"] for e in page["edges"]] == [member["id"]], role
        assert page["totalCount"] == 1, role
        data = await caller.gql(lookup, {"id": loner["id"]})
        assert data == {
            "person": None,
            "node": None,
            "nodes": [None],
            "persons": {"totalCount": 0, "nodes": []},
        }, role
        assert (await fetch(caller, member["id"]))["lastName"] == "Lid"

    for role in ("TEAM", "ADMIN"):
        caller = await make_caller(role)
        page = await listing(caller)
        assert sorted(e["node"]["id"] for e in page["edges"]) == sorted([member["id"], loner["id"]]), role
        assert page["totalCount"] == 2, role
        data = await caller.gql(lookup, {"id": loner["id"]})
        assert data == {
            "person": {"id": loner["id"]},
            "node": {"id": loner["id"]},
            "nodes": [{"id": loner["id"]}],
            "persons": {"totalCount": 1, "nodes": [{"id": loner["id"]}]},
        }, role


async def test_business_cannot_update_a_hidden_person_but_can_once_it_has_a_membership(
    admin, make_caller
) -> None:
    loner = await create_ok(admin, lastName="Los")
    business = await make_caller("BUSINESS")
    team = await make_caller("TEAM")

    hidden = await update(business, id=loner["id"], firstName="Stiekem")
    assert hidden["person"] is None
    assert errors(hidden) == [(["id"], "NOT_FOUND")]
    missing = await update(business, id="UGVyc29uOjk5OTk5", firstName="X")  # Person:99999
    assert missing["userErrors"][0]["message"] == hidden["userErrors"][0]["message"]
    assert (await fetch(admin, loner["id"]))["firstName"] is None
    # TEAM sees every person and may change it.
    assert (await update(team, id=loner["id"], firstName="Team"))["userErrors"] == []

    org = await create_organisation(admin, "Werkgever BV")
    membership = await add_membership(admin, loner["id"], org)

    assert (await fetch(business, loner["id"]))["firstName"] == "Team"
    assert [e["node"]["id"] for e in (await listing(business))["edges"]] == [loner["id"]]
    changed = await update(business, id=loner["id"], firstName="Zakelijk")
    assert changed["userErrors"] == []
    assert changed["person"]["displayName"] == "Zakelijk Los"

    # An ended membership still makes the person a business relation.
    ended = await admin.gql(
        "mutation($id: ID!) { deactivateMembership(input: {id: $id}) { userErrors { code } } }",
        {"id": membership},
    )
    assert ended["deactivateMembership"]["userErrors"] == []
    assert (await fetch(business, loner["id"]))["lastName"] == "Los"


async def test_business_creating_a_person_cannot_see_it_until_it_is_linked(admin, make_caller) -> None:
    business = await make_caller("BUSINESS")
    payload = await create_without_bsn(business, lastName="Nieuwkomer")
    assert payload["userErrors"] == []
    assert await count_persons(business) == 0
    assert await count_persons(admin) == 1
