"""Organisations over GraphQL: create, validate, update, archive, search, paginate, global IDs."""

from __future__ import annotations

import base64
import json
import unicodedata
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from helpers import Caller, codes, create_person, errors, mutate

from relgraph.config import Settings
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.domain import users
from relgraph.web import create_app

ORG_FIELDS = """
    id name code legalName kvkNumber vatNumber industry description website email phone
    status checked creditworthy archived version
    createdBy { email }
    visitAddress { street houseNumber houseNumberAddition postcode city country isHeadOffice }
"""

# What each mutation selects (helpers.mutate adds the userErrors).
CREATED = f"organisation {{ {ORG_FIELDS} }} possibleDuplicates {{ id name }}"
UPDATED = f"organisation {{ {ORG_FIELDS} }}"
ARCHIVED = "organisation { id archived version }"

GET = f"query($id: ID!) {{ organisation(id: $id) {{ {ORG_FIELDS} }} }}"

LIST = """
query($filter: OrganisationFilter, $orderBy: OrganisationOrder,
      $first: Int, $after: String, $last: Int, $before: String) {
  organisations(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

UNKNOWN_ORGANISATION = base64.urlsafe_b64encode(b"Organisation:99999").decode().rstrip("=")


# --- helpers ----------------------------------------------------------------------------


async def create(caller: Caller, **fields: Any) -> dict[str, Any]:
    """Run createOrganisation with `fields` as input; return the payload."""
    return await mutate(caller, "createOrganisation", CREATED, **fields)


async def create_ok(caller: Caller, **fields: Any) -> dict[str, Any]:
    payload = await create(caller, **fields)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["organisation"]


async def create_many(caller: Caller, names: list[str]) -> None:
    """Create one organisation per name, in order, in one request (aliased mutations run serially)."""
    fields = " ".join(
        f"c{i}: createOrganisation(input: {{name: {json.dumps(name)}}}) {{ userErrors {{ message }} }}"
        for i, name in enumerate(names)
    )
    data = await caller.gql(f"mutation {{ {fields} }}")
    assert all(payload["userErrors"] == [] for payload in data.values()), data


async def update(caller: Caller, **fields: Any) -> dict[str, Any]:
    return await mutate(caller, "updateOrganisation", UPDATED, **fields)


async def fetch(caller: Caller, org_id: str) -> dict[str, Any]:
    return (await caller.gql(GET, {"id": org_id}))["organisation"]


async def listing(caller: Caller, **variables: Any) -> dict[str, Any]:
    return (await caller.gql(LIST, variables))["organisations"]


async def names(caller: Caller, **variables: Any) -> list[str]:
    return [e["node"]["name"] for e in (await listing(caller, first=100, **variables))["edges"]]


async def total(caller: Caller) -> int:
    return (await listing(caller, filter={"includeArchived": True}, first=1))["totalCount"]


def graphql_error_codes(response: httpx.Response) -> list[str | None]:
    """The extensions.code of each top-level error of a request that produced no data."""
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"] is None, body
    return [e.get("extensions", {}).get("code") for e in body["errors"]]


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


# --- create -----------------------------------------------------------------------------


async def test_create_organisation_round_trips_every_field(admin) -> None:
    fields = {
        "name": "Acme Nederland",
        "code": "C-1001",
        "legalName": "Acme Nederland B.V.",
        "kvkNumber": "12345678",
        "vatNumber": "NL004495445B01",
        "industry": "Groothandel",
        "description": "Line one\nLine two",
        "website": "https://acme.example/nl",
        "email": "info@acme.example",
        "phone": "+31 30 123 4567",
        "status": "PROSPECT",
        "checked": True,
        "creditworthy": True,
        "visitAddress": {
            "street": "Oudegracht",
            "houseNumber": "12",
            "houseNumberAddition": "A",
            "postcode": "3511ab",
            "city": "Utrecht",
        },
    }
    created = await create_ok(admin, **fields)
    stored = await fetch(admin, created["id"])
    assert stored == created
    # Phone numbers are stored normalised, in E.164 (they are the primary PHONE contact mean).
    normalised = {**fields, "phone": "+31301234567"}
    for name, value in normalised.items():
        if name != "visitAddress":
            assert stored[name] == value, name
    assert stored["visitAddress"] == {
        "street": "Oudegracht",
        "houseNumber": "12",
        "houseNumberAddition": "A",
        "postcode": "3511 AB",
        "city": "Utrecht",
        "country": "NL",
        "isHeadOffice": True,
    }
    assert (stored["archived"], stored["version"]) == (False, 1)
    assert stored["createdBy"] == {"email": admin.email}


async def test_create_normalises_its_input_and_fills_the_defaults(admin) -> None:
    bare = await create_ok(admin, name="  Kale Naam  ")
    assert bare["name"] == "Kale Naam"
    assert (bare["status"], bare["checked"], bare["creditworthy"]) == ("ACTIVE", False, False)
    assert (bare["code"], bare["kvkNumber"], bare["visitAddress"]) == (None, None, None)

    assert (await create_ok(admin, name="Spatie BV", kvkNumber="1234 5678"))["kvkNumber"] == "12345678"
    # VAT numbers of every EU country, checked against that country's format.
    assert (await create_ok(admin, name="Deutsche Firma", vatNumber="DE136695976"))[
        "vatNumber"
    ] == "DE136695976"
    assert (await create_ok(admin, name="Belgische Firma", vatNumber="be 0697.449.992"))[
        "vatNumber"
    ] == "BE0697449992"
    assert (await create_ok(admin, name="Nederlandse Firma", vatNumber="nl004495445b01"))[
        "vatNumber"
    ] == "NL004495445B01"
    # A foreign postcode is not forced into the Dutch "1234 AB" form.
    berlin = await create_ok(
        admin, name="Berlin GmbH", visitAddress={"postcode": "10115", "city": "Berlin", "country": "de"}
    )
    assert (berlin["visitAddress"]["postcode"], berlin["visitAddress"]["country"]) == ("10115", "DE")


async def test_a_name_of_exactly_200_characters_is_accepted(admin) -> None:
    # "ß" folds to "ss": the folded sort key is longer than the name itself.
    name = ("Großhandel Straße " * 12)[:200]
    assert len(name) == 200
    org = await create_ok(admin, name=name)
    assert org["name"] == name
    assert await names(admin, filter={"search": "grosshandel strasse"}) == [name]


INVALID_INPUTS = [
    ("KvK of 7 digits", {"kvkNumber": "1234567"}, ["kvkNumber"]),
    ("KvK of 9 digits", {"kvkNumber": "123456789"}, ["kvkNumber"]),
    ("KvK with a letter", {"kvkNumber": "1234567a"}, ["kvkNumber"]),
    ("NL VAT without B suffix", {"vatNumber": "NL123456789"}, ["vatNumber"]),
    ("NL VAT of 8 digits", {"vatNumber": "NL12345678B01"}, ["vatNumber"]),
    ("DE VAT of 8 digits", {"vatNumber": "DE12345678"}, ["vatNumber"]),
    ("VAT with unknown prefix", {"vatNumber": "XX123456789"}, ["vatNumber"]),
    ("VAT with non-EU prefix", {"vatNumber": "US123456789"}, ["vatNumber"]),
    ("email with two @", {"email": "info@@acme"}, ["email"]),
    ("email with a space", {"email": "info acme@example.nl"}, ["email"]),
    ("website without scheme", {"website": "acme.example"}, ["website"]),
    ("javascript: website", {"website": "javascript:alert(1)"}, ["website"]),
    ("postcode with leading 0", {"visitAddress": {"postcode": "0123 AB"}}, ["visitAddress", "postcode"]),
    ("postcode of 5 digits", {"visitAddress": {"postcode": "12345"}}, ["visitAddress", "postcode"]),
    ("empty name", {"name": ""}, ["name"]),
    ("blank name", {"name": "   "}, ["name"]),
    ("name of 201 characters", {"name": "x" * 201}, ["name"]),
    ("NUL in the name", {"name": "Acme\x00 BV"}, ["name"]),
    ("escape in the legal name", {"legalName": "Acme\x1b[31m BV"}, ["legalName"]),
    ("bell in the description", {"description": "bell\x07"}, ["description"]),
    ("description of 4001 characters", {"description": "x" * 4001}, ["description"]),
]


async def test_invalid_input_is_reported_at_its_field_and_creates_nothing(admin) -> None:
    await create_ok(admin, name="Bestaand BV")
    wrong = []
    for case, fields, path in INVALID_INPUTS:
        payload = await create(admin, **{"name": "Nieuw BV", **fields})
        if (
            payload["organisation"] is not None
            or errors(payload) != [(path, "INVALID")]
            or not payload["userErrors"][0]["message"]
            or payload["possibleDuplicates"]
        ):
            wrong.append((case, payload))
    assert wrong == []
    assert await total(admin) == 1


async def test_every_invalid_field_is_reported_once_and_at_once(admin) -> None:
    payload = await create(
        admin,
        name="",
        kvkNumber="123",
        vatNumber="NL1",
        email="nope",
        website="nope",
        visitAddress={"postcode": "nope", "country": "Nederland"},
    )
    assert payload["organisation"] is None
    assert sorted(errors(payload)) == sorted(
        [
            (["name"], "INVALID"),
            (["kvkNumber"], "INVALID"),
            (["vatNumber"], "INVALID"),
            (["email"], "INVALID"),
            (["website"], "INVALID"),
            (["visitAddress", "country"], "INVALID"),
            (["visitAddress", "postcode"], "INVALID"),
        ]
    )
    assert await total(admin) == 0


async def test_duplicate_code_is_a_conflict_on_create_and_update(admin) -> None:
    await create_ok(admin, name="Eerste", code="K-1")
    refused = await create(admin, name="Tweede", code="K-1")
    assert refused["organisation"] is None
    assert errors(refused) == [(["code"], "CONFLICT")]
    assert await names(admin) == ["Eerste"]

    second = await create_ok(admin, name="Tweede", code="K-2")
    payload = await update(admin, id=second["id"], code="K-1", industry="Bouw")
    assert payload["organisation"] is None
    assert errors(payload) == [(["code"], "CONFLICT")]
    stored = await fetch(admin, second["id"])
    assert (stored["code"], stored["industry"], stored["version"]) == ("K-2", None, 1)
    # Keeping its own code is no conflict with itself.
    assert (await update(admin, id=second["id"], code="K-2"))["userErrors"] == []


async def test_possible_duplicates_list_same_kvk_and_same_folded_name_without_blocking(admin) -> None:
    same_name = await create(admin, name="Société Générale", kvkNumber="11111111")
    assert same_name["possibleDuplicates"] == []
    same_kvk = await create_ok(admin, name="Heel Andere Naam", kvkNumber="22222222")
    await create_ok(admin, name="Ongerelateerd", kvkNumber="33333333")
    payload = await create(admin, name="SOCIETE  generale", kvkNumber="22222222")
    assert payload["userErrors"] == []
    assert payload["organisation"] is not None
    duplicates = {d["id"] for d in payload["possibleDuplicates"]}
    assert duplicates == {same_name["organisation"]["id"], same_kvk["id"]}
    assert await total(admin) == 4


# --- update -----------------------------------------------------------------------------


async def test_update_changes_only_the_fields_sent_and_null_clears(admin) -> None:
    org = await create_ok(
        admin,
        name="Origineel",
        code="W-1",
        industry="Bouw",
        email="a@b.nl",
        website="https://b.nl",
        kvkNumber="12345678",
    )
    payload = await update(admin, id=org["id"], phone="030 1234567", expectedVersion=1)
    assert payload["userErrors"] == []
    changed = payload["organisation"]
    assert (changed["phone"], changed["version"]) == ("+31301234567", 2)
    assert {k: v for k, v in changed.items() if k not in ("phone", "version")} == {
        k: v for k, v in org.items() if k not in ("phone", "version")
    }
    assert await fetch(admin, org["id"]) == changed

    cleared = (await update(admin, id=org["id"], email=None, code=None, expectedVersion=2))["organisation"]
    assert (cleared["email"], cleared["code"], cleared["industry"], cleared["phone"]) == (
        None,
        None,
        "Bouw",
        "+31301234567",
    )
    assert cleared["version"] == 3
    # The cleared customer number is free again.
    assert (await create(admin, name="Ander BV", code="W-1"))["userErrors"] == []


async def test_update_validates_like_create_and_cannot_clear_the_name(admin) -> None:
    org = await create_ok(admin, name="Valide BV", kvkNumber="12345678")
    assert errors(await update(admin, id=org["id"], kvkNumber="123", industry="Bouw")) == [
        (["kvkNumber"], "INVALID")
    ]
    assert errors(await update(admin, id=org["id"], name=None)) == [(["name"], "INVALID")]
    assert errors(await update(admin, id=org["id"], name="  ")) == [(["name"], "INVALID")]
    stored = await fetch(admin, org["id"])
    assert (stored["name"], stored["kvkNumber"], stored["industry"], stored["version"]) == (
        "Valide BV",
        "12345678",
        None,
        1,
    )


async def test_stale_expected_version_is_a_conflict_and_changes_nothing(admin) -> None:
    org = await create_ok(admin, name="Versie BV")
    assert (await update(admin, id=org["id"], industry="Bouw", expectedVersion=1))["userErrors"] == []
    payload = await update(admin, id=org["id"], industry="Zorg", email="x@y.nl", expectedVersion=1)
    assert payload["organisation"] is None
    assert errors(payload) == [(["expectedVersion"], "CONFLICT")]
    stored = await fetch(admin, org["id"])
    assert (stored["industry"], stored["email"], stored["version"]) == ("Bouw", None, 2)


async def test_update_of_an_unknown_id_is_not_found_and_of_a_person_id_invalid(admin) -> None:
    person = await create_person(admin, "Jansen")
    assert errors(await update(admin, id=UNKNOWN_ORGANISATION, name="X")) == [(["id"], "NOT_FOUND")]
    assert errors(await update(admin, id=person, name="X")) == [(["id"], "INVALID")]
    assert errors(await update(admin, id="garbage", name="X")) == [(["id"], "INVALID")]


async def test_updating_the_visit_address_moves_the_city_search(admin) -> None:
    org = await create_ok(admin, name="Verhuisd BV", visitAddress={"city": "Utrecht", "postcode": "3511 AB"})
    changed = (await update(admin, id=org["id"], visitAddress={"city": "Zwolle", "postcode": "8011aa"}))[
        "organisation"
    ]
    assert (changed["visitAddress"]["city"], changed["visitAddress"]["postcode"]) == ("Zwolle", "8011 AA")
    assert await names(admin, filter={"search": "zwolle"}) == ["Verhuisd BV"]
    assert await names(admin, filter={"search": "utrecht"}) == []
    assert await names(admin, filter={"city": "ZWOLLE"}) == ["Verhuisd BV"]
    assert await names(admin, filter={"city": "Utrecht"}) == []


# --- archive ----------------------------------------------------------------------------


async def test_archived_organisation_leaves_the_list_but_stays_reachable(admin) -> None:
    keep = await create_ok(admin, name="Blijft")
    gone = await create_ok(admin, name="Archief BV")
    payload = await mutate(admin, "archiveOrganisation", ARCHIVED, id=gone["id"], expectedVersion=1)
    assert payload == {"organisation": {"id": gone["id"], "archived": True, "version": 2}, "userErrors": []}

    page = await listing(admin, first=10)
    assert [e["node"]["id"] for e in page["edges"]] == [keep["id"]]
    assert page["totalCount"] == 1
    assert await names(admin, filter={"search": "archief"}) == []
    assert await names(admin, filter={"search": "archief", "includeArchived": True}) == ["Archief BV"]
    assert (await listing(admin, first=10, filter={"includeArchived": True}))["totalCount"] == 2

    assert (await fetch(admin, gone["id"]))["archived"] is True
    node = await admin.gql(
        "query($id: ID!) { node(id: $id) { id ... on Organisation { archived } } }", {"id": gone["id"]}
    )
    assert node["node"] == {"id": gone["id"], "archived": True}

    back = await mutate(admin, "unarchiveOrganisation", ARCHIVED, id=gone["id"], expectedVersion=2)
    assert back == {"organisation": {"id": gone["id"], "archived": False, "version": 3}, "userErrors": []}
    assert await names(admin) == ["Archief BV", "Blijft"]


async def test_archiving_twice_unarchiving_an_active_one_or_a_stale_version_changes_nothing(admin) -> None:
    org = await create_ok(admin, name="Dubbel BV")
    unarchive = await mutate(admin, "unarchiveOrganisation", ARCHIVED, id=org["id"])
    assert unarchive["organisation"] is None
    assert codes(unarchive) == ["INVALID"]

    await update(admin, id=org["id"], industry="Bouw")
    stale = await mutate(admin, "archiveOrganisation", ARCHIVED, id=org["id"], expectedVersion=1)
    assert errors(stale) == [(["expectedVersion"], "CONFLICT")]
    assert (await fetch(admin, org["id"]))["archived"] is False

    assert (await mutate(admin, "archiveOrganisation", ARCHIVED, id=org["id"]))["userErrors"] == []
    again = await mutate(admin, "archiveOrganisation", ARCHIVED, id=org["id"])
    assert again["organisation"] is None
    assert codes(again) == ["INVALID"]
    assert (await fetch(admin, org["id"]))["version"] == 3


# --- ordering and cursors on changing data ------------------------------------------------


async def test_order_by_created_at_and_updated_at(admin) -> None:
    first = await create_ok(admin, name="Zeta")
    await create_ok(admin, name="Alpha")
    await create_ok(admin, name="Mu")
    assert await names(admin, orderBy={"field": "CREATED_AT"}) == ["Zeta", "Alpha", "Mu"]
    assert await names(admin, orderBy={"field": "CREATED_AT", "direction": "DESC"}) == ["Mu", "Alpha", "Zeta"]
    page = await listing(admin, first=1, orderBy={"field": "CREATED_AT"})
    rest = await listing(admin, first=5, after=page["pageInfo"]["endCursor"], orderBy={"field": "CREATED_AT"})
    assert [e["node"]["name"] for e in rest["edges"]] == ["Alpha", "Mu"]

    await update(admin, id=first["id"], industry="Bouw")
    assert await names(admin, orderBy={"field": "UPDATED_AT"}) == ["Alpha", "Mu", "Zeta"]
    assert await names(admin, orderBy={"field": "UPDATED_AT", "direction": "DESC"}) == ["Zeta", "Mu", "Alpha"]


async def test_a_cursor_stays_valid_when_rows_are_added_before_it(admin) -> None:
    await create_many(admin, ["Bedrijf 01", "Bedrijf 02", "Bedrijf 04", "Bedrijf 05", "Bedrijf 06"])
    first = await listing(admin, first=2)
    await create_many(admin, ["Aaa Nieuw", "Bedrijf 00", "Bedrijf 03"])
    rest = await listing(admin, first=100, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["name"] for e in rest["edges"]] == [
        "Bedrijf 03",
        "Bedrijf 04",
        "Bedrijf 05",
        "Bedrijf 06",
    ]
    assert rest["pageInfo"]["hasPreviousPage"] is True


# --- permissions and global IDs -----------------------------------------------------------


async def test_readonly_caller_cannot_write_and_business_caller_can(admin, make_caller) -> None:
    org = await create_ok(admin, name="Alleen Lezen BV")
    reader = await make_caller("READONLY")
    payload = await create(reader, name="Stiekem BV")
    assert payload["organisation"] is None
    assert codes(payload) == ["FORBIDDEN"]
    assert [e["code"] for e in (await update(reader, id=org["id"], name="Nieuw"))["userErrors"]] == [
        "FORBIDDEN"
    ]
    archived = await mutate(reader, "archiveOrganisation", ARCHIVED, id=org["id"])
    assert codes(archived) == ["FORBIDDEN"]
    assert await names(admin, filter={"includeArchived": True}) == ["Alleen Lezen BV"]
    assert (await fetch(admin, org["id"]))["version"] == 1
    assert await names(reader) == ["Alleen Lezen BV"]

    # With FINANCE: ORG_FIELDS read the VAT number, which is invoice data (R4).
    business = await make_caller("BUSINESS", ("FINANCE",))
    created = await create_ok(business, name="Zakelijk BV")
    assert created["createdBy"] == {"email": business.email}


async def test_global_ids_resolve_only_to_their_own_type(admin) -> None:
    org = await create_ok(admin, name="Knoop BV")
    person = await create_person(admin, "Jansen")
    assert org["id"] != person
    data = await admin.gql(
        """query($org: ID!, $person: ID!, $missing: ID!) {
             asOrg: organisation(id: $person) { id }
             ok: organisation(id: $org) { id name }
             garbage: organisation(id: "garbage") { id }
             missing: organisation(id: $missing) { id }
             asPerson: person(id: $org) { id }
           }""",
        {"org": org["id"], "person": person, "missing": UNKNOWN_ORGANISATION},
    )
    assert data == {
        "asOrg": None,
        "ok": {"id": org["id"], "name": "Knoop BV"},
        "garbage": None,
        "missing": None,
        "asPerson": None,
    }

    ids = [org["id"], "garbage", person, UNKNOWN_ORGANISATION, org["id"]]
    data = await admin.gql(
        """query($ids: [ID!]!) { nodes(ids: $ids) {
             __typename id ... on Organisation { name } ... on Person { lastName } } }""",
        {"ids": ids},
    )
    assert data["nodes"] == [
        {"__typename": "Organisation", "id": org["id"], "name": "Knoop BV"},
        None,
        {"__typename": "Person", "id": person, "lastName": "Jansen"},
        None,
        {"__typename": "Organisation", "id": org["id"], "name": "Knoop BV"},
    ]


# --- read-only tests on one shared data set -----------------------------------------------

DIRECTORY = [
    {
        "name": "Société Générale",
        "code": "SG-001",
        "kvkNumber": "11111111",
        "visitAddress": {"city": "Amsterdam"},
    },
    {
        "name": "Bakkerij Ösztörö",
        "legalName": "Bakkerij Holding B.V.",
        "code": "BK-002",
        "kvkNumber": "22222222",
        "status": "PROSPECT",
        "visitAddress": {"city": "Utrecht"},
    },
    {"name": "100% Groen", "code": "GR_100", "kvkNumber": "33333333", "status": "INACTIVE"},
    {"name": "Groenteboer 1000", "visitAddress": {"city": "’s-Hertogenbosch"}},
    {"name": "Évry Conseil", "visitAddress": {"city": "Évry", "country": "FR", "postcode": "91000"}},
    {"name": "delta Logistiek"},
]
NUMBERED = [f"Bedrijf {i:02d}" for i in range(1, 26)]


def _folded(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Sorted the way the API promises: on the name, ignoring case and accents.
ALL_NAMES = sorted([o["name"] for o in DIRECTORY] + NUMBERED, key=_folded)


@pytest.fixture(scope="module")
def shared_database_url(database_template) -> Iterator[str]:
    url = database_template.make()
    yield url
    database_template.drop(url)


@pytest.fixture(scope="module")
async def reader(shared_database_url) -> AsyncIterator[Caller]:
    """A caller on a database of its own, filled once for the tests that only read."""
    url = shared_database_url
    engine = create_engine(url)
    try:
        email = f"reader-{uuid.uuid4().hex[:8]}@test.example"
        async with make_sessionmaker(engine)() as session:
            user = await users.create(
                session, email=email, name="Reader", role="ADMIN", permissions=("FINANCE",)
            )
            token = await users.create_token(session, email=email)
            await session.commit()
        app = create_app(Settings(database_url=url), engine=engine)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test"
        ) as client:
            caller = Caller(client=client, token=token, user_id=user.id, email=email)
            for fields in DIRECTORY:
                await create_ok(caller, **fields)
            # Created out of name order, so the name order is not the creation order.
            await create_many(caller, list(reversed(NUMBERED[:13])))
            await create_many(caller, list(reversed(NUMBERED[13:])))
            yield caller
    finally:
        await engine.dispose()


SEARCHES = [
    ("societe", ["Société Générale"]),
    ("SOCIÉTÉ GÉN", ["Société Générale"]),
    ("osztoro", ["Bakkerij Ösztörö"]),
    ("holding", ["Bakkerij Ösztörö"]),
    ("sg-001", ["Société Générale"]),
    ("bk-00", ["Bakkerij Ösztörö"]),
    ("2222", ["Bakkerij Ösztörö"]),
    ("11111111", ["Société Générale"]),
    ("amsterdam", ["Société Générale"]),
    ("UTRECHT", ["Bakkerij Ösztörö"]),
    ("hertogenbosch", ["Groenteboer 1000"]),
    ("groen", ["100% Groen", "Groenteboer 1000"]),
    ("EVRY", ["Évry Conseil"]),
    ("DELTA", ["delta Logistiek"]),
    ("bedrijf 2", ["Bedrijf 20", "Bedrijf 21", "Bedrijf 22", "Bedrijf 23", "Bedrijf 24", "Bedrijf 25"]),
    ("nergens", []),
    ("  ", ALL_NAMES),
]


async def test_search_matches_name_code_kvk_and_city_ignoring_case_and_accents(reader) -> None:
    wrong = []
    for term, expected in SEARCHES:
        page = await listing(reader, first=100, filter={"search": term})
        found = [e["node"]["name"] for e in page["edges"]]
        if found != expected or page["totalCount"] != len(expected):
            wrong.append((term, found, page["totalCount"]))
    assert wrong == []


WILDCARDS = [
    ("100%", ["100% Groen"]),
    ("%", ["100% Groen"]),
    ("_", ["100% Groen"]),
    ("gr_1", ["100% Groen"]),
    ("g_oen", []),
    ("1%0", []),
    ("bedrijf _1", []),
    ("\\", []),
]


async def test_like_wildcards_in_the_search_term_are_literal(reader) -> None:
    wrong = []
    for term, expected in WILDCARDS:
        found = await names(reader, filter={"search": term})
        if found != expected:
            wrong.append((term, found))
    assert wrong == []


async def test_filters_on_kvk_number_city_and_status(reader) -> None:
    assert await names(reader, filter={"kvkNumber": "22222222"}) == ["Bakkerij Ösztörö"]
    assert await names(reader, filter={"kvkNumber": "2222 2222"}) == ["Bakkerij Ösztörö"]
    assert await names(reader, filter={"kvkNumber": "2222"}) == []
    assert await names(reader, filter={"city": "amsterdam"}) == ["Société Générale"]
    assert await names(reader, filter={"city": " ’s-hertogenbosch "}) == ["Groenteboer 1000"]
    assert await names(reader, filter={"city": "Amster"}) == []
    assert await names(reader, filter={"status": "PROSPECT"}) == ["Bakkerij Ösztörö"]
    assert await names(reader, filter={"status": "INACTIVE"}) == ["100% Groen"]
    assert await names(reader, filter={"status": "ACTIVE", "search": "groen"}) == ["Groenteboer 1000"]
    assert await names(reader, filter={"status": "INACTIVE", "city": "Utrecht"}) == []
    page = await listing(reader, first=1, filter={"status": "ACTIVE"})
    assert page["totalCount"] == len(ALL_NAMES) - 2


async def test_city_filter_ignores_the_case_of_accented_letters(reader) -> None:
    assert await names(reader, filter={"city": "Évry"}) == ["Évry Conseil"]
    assert await names(reader, filter={"city": "ÉVRY"}) == ["Évry Conseil"]
    assert await names(reader, filter={"city": "évry"}) == ["Évry Conseil"]


async def test_first_after_walks_every_page_in_name_order(reader) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await listing(reader, first=7, after=after)
        assert page["totalCount"] == len(ALL_NAMES)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        seen += [e["node"]["name"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ALL_NAMES
    assert pages == 5

    default = await listing(reader)
    assert [e["node"]["name"] for e in default["edges"]] == ALL_NAMES[:20]
    assert default["pageInfo"]["hasNextPage"] is True


async def test_last_before_walks_backwards_from_the_end(reader) -> None:
    seen: list[str] = []
    before = None
    while True:
        page = await listing(reader, last=10, before=before)
        seen = [e["node"]["name"] for e in page["edges"]] + seen
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert seen == ALL_NAMES
    tail = await listing(reader, last=3)
    assert [e["node"]["name"] for e in tail["edges"]] == ALL_NAMES[-3:]
    assert (tail["pageInfo"]["hasNextPage"], tail["pageInfo"]["hasPreviousPage"]) == (False, True)
    assert tail["totalCount"] == len(ALL_NAMES)


async def test_order_by_name_descending(reader) -> None:
    assert await names(reader, orderBy={"field": "NAME", "direction": "DESC"}) == ALL_NAMES[::-1]
    page = await listing(reader, first=10, orderBy={"direction": "DESC"})
    rest = await listing(
        reader, first=100, after=page["pageInfo"]["endCursor"], orderBy={"direction": "DESC"}
    )
    assert [e["node"]["name"] for e in page["edges"] + rest["edges"]] == ALL_NAMES[::-1]


async def test_page_sizes_outside_1_to_100_are_bad_user_input(reader) -> None:
    cases = [{"first": 0}, {"first": 101}, {"first": -1}, {"last": 0}, {"last": 101}, {"first": 5, "last": 5}]
    for variables in cases:
        response = await reader.post(LIST, variables)
        assert graphql_error_codes(response) == ["BAD_USER_INPUT"], variables
        assert response.json()["errors"][0]["path"] == ["organisations"]
    # The bounds themselves are fine.
    assert len((await listing(reader, first=100))["edges"]) == len(ALL_NAMES)
    assert len((await listing(reader, last=1))["edges"]) == 1


BAD_CURSORS = [
    "garbage",
    "",
    "!!!!",
    b64("not json"),
    b64('["bedrijf 01"]'),  # one value short
    b64('["bedrijf 01", 1, 2]'),  # one value too many
    b64('["bedrijf 01", "b"]'),  # the id is not a number
    b64('{"a": 1}'),
    b64('["bedrijf 01", true]'),
    b64('["bedrijf 01", 1.5]'),
    b64('["bedrijf 01", 99999999999999999999999999]'),
    b64('["bedrijf 01", -99999999999999999999999999]'),
    b64("[1, 2]"),  # the name is not text
]


async def test_a_bad_cursor_is_bad_user_input_not_an_internal_error(reader) -> None:
    wrong = []
    for cursor in BAD_CURSORS:
        for size, argument in (("first", "after"), ("last", "before")):
            response = await reader.post(LIST, {size: 5, argument: cursor})
            body = response.json()
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
            if response.status_code != 200 or body.get("data") is not None or codes != ["BAD_USER_INPUT"]:
                wrong.append((argument, cursor, codes))
    assert wrong == []


async def test_a_cursor_of_another_ordering_is_bad_user_input(reader) -> None:
    by_name = await listing(reader, first=2)
    response = await reader.post(
        LIST, {"first": 2, "after": by_name["pageInfo"]["endCursor"], "orderBy": {"field": "CREATED_AT"}}
    )
    assert graphql_error_codes(response) == ["BAD_USER_INPUT"]


async def test_node_with_a_malformed_or_unknown_id_is_null(reader) -> None:
    bad_ids = [
        "garbage",
        "",
        "x",
        "💥",
        "=" * 8,
        UNKNOWN_ORGANISATION,
        b64("Organisation:abc"),
        b64("Organisation:-1"),
        b64("Nope:1"),
        b64("Organisation:" + "9" * 30),
        b64("Organisation"),
    ]
    wrong = []
    for bad_id in bad_ids:
        response = await reader.post("query($id: ID!) { node(id: $id) { id } }", {"id": bad_id})
        if (
            response.status_code != 200
            or response.json().get("data") != {"node": None}
            or "errors" in response.json()
        ):
            wrong.append((bad_id, response.json()))
    assert wrong == []


async def test_nodes_takes_at_most_100_ids(reader) -> None:
    first = (await listing(reader, first=1))["edges"][0]["node"]["id"]
    assert (
        len(
            (await reader.gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [first] * 100}))[
                "nodes"
            ]
        )
        == 100
    )
    response = await reader.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [first] * 101})
    assert graphql_error_codes(response) == ["BAD_USER_INPUT"]
