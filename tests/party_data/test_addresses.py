"""Addresses (head office, one postal and one invoice address) and invoice data (R4)."""

from __future__ import annotations

from typing import Any

from helpers import USER_ERRORS, create_organisation, create_person, errors, mutate
from sqlalchemy import select

from relgraph.db.models import Address, AuditEvent

ADDRESS = "id kind street houseNumber houseNumberAddition postcode city country isHeadOffice lines formatted version"
INVOICE = "vatNumber invoiceCompanyName invoiceEmail invoiceUsesPostalAddress invoiceAddress { id street }"

# What each mutation selects (helpers.mutate adds the userErrors).
CREATE_ORG = "organisation { id }"
UPDATE_ORG = "organisation { id version }"
ADD = f"address {{ {ADDRESS} }} party {{ id }}"
UPDATE = f"address {{ {ADDRESS} }}"
REMOVE = "deletedId newHeadOffice { id } party { id }"
SET_HEAD_OFFICE = "address { id isHeadOffice version }"

ADDRESSES = f"""
query($id: ID!, $kinds: [AddressKind!]) {{
  node(id: $id) {{ ... on Party {{ addresses(kinds: $kinds) {{ {ADDRESS} }} }} }}
}}"""
CARD = f"""
query($id: ID!) {{
  organisation(id: $id) {{ viewerCanSeeFinancials {INVOICE} addresses {{ kind street }} }}
}}"""


async def add(caller: Any, party: str, kind: str, **fields: Any) -> dict[str, Any]:
    return await mutate(caller, "addAddress", ADD, partyId=party, kind=kind, **fields)


async def add_ok(caller: Any, party: str, kind: str, **fields: Any) -> dict[str, Any]:
    payload = await add(caller, party, kind, **fields)
    assert payload["userErrors"] == [], payload
    return payload["address"]


async def addresses(caller: Any, party: str, kinds: list[str] | None = None) -> list[dict[str, Any]]:
    return (await caller.gql(ADDRESSES, {"id": party, "kinds": kinds}))["node"]["addresses"]


async def test_head_office_is_the_first_visit_address_and_moves_on_when_removed(admin, session) -> None:
    org = await create_organisation(admin, "Acme")
    first = await add_ok(
        admin,
        org,
        "VISIT",
        street="Keizersgracht",
        houseNumber="12",
        houseNumberAddition="A",
        postcode="1015cx",
        city="Amsterdam",
    )
    assert first == {
        "id": first["id"],
        "kind": "VISIT",
        "street": "Keizersgracht",
        "houseNumber": "12",
        "houseNumberAddition": "A",
        "postcode": "1015 CX",
        "city": "Amsterdam",
        "country": "NL",
        "isHeadOffice": True,
        "lines": ["Keizersgracht 12 A", "1015 CX Amsterdam"],
        "formatted": "Keizersgracht 12 A, 1015 CX Amsterdam",
        "version": 1,
    }
    second = await add_ok(
        admin,
        org,
        "VISIT",
        street="Hauptstraße",
        houseNumber="1",
        postcode="10115",
        city="Berlin",
        country="de",
    )
    assert (second["isHeadOffice"], second["lines"][-1]) == (False, "DE")
    postal = await add_ok(
        admin, org, "POSTAL", street="Postbus", houseNumber="99", postcode="1000 AA", city="Amsterdam"
    )
    assert errors(await add(admin, org, "POSTAL", city="Utrecht")) == [(["kind"], "CONFLICT")]
    assert [a["id"] for a in await addresses(admin, org)] == [first["id"], second["id"], postal["id"]]
    assert [a["id"] for a in await addresses(admin, org, ["POSTAL"])] == [postal["id"]]
    found = await admin.gql('{ organisations(filter: {city: "berlin"}) { edges { node { id } } } }')
    assert [e["node"]["id"] for e in found["organisations"]["edges"]] == [org], "search knows the new city"

    refused = await mutate(admin, "setHeadOffice", SET_HEAD_OFFICE, addressId=postal["id"])
    assert errors(refused) == [(["addressId"], "INVALID")]
    stale = await mutate(admin, "setHeadOffice", SET_HEAD_OFFICE, addressId=second["id"], expectedVersion=7)
    assert errors(stale) == [(["expectedVersion"], "CONFLICT")]
    moved = await mutate(admin, "setHeadOffice", SET_HEAD_OFFICE, addressId=second["id"], expectedVersion=1)
    assert moved["address"] == {"id": second["id"], "isHeadOffice": True, "version": 2}
    assert [(a["id"], a["isHeadOffice"]) for a in await addresses(admin, org, ["VISIT"])] == [
        (second["id"], True),
        (first["id"], False),
    ]

    changed = await mutate(admin, "updateAddress", UPDATE, id=first["id"], city="Haarlem", expectedVersion=2)
    assert (changed["address"]["city"], changed["address"]["street"], changed["address"]["version"]) == (
        "Haarlem",
        "Keizersgracht",
        3,
    )
    assert errors(
        await mutate(admin, "updateAddress", UPDATE, id=first["id"], city="x", expectedVersion=2)
    ) == [(["expectedVersion"], "CONFLICT")]
    third = await add_ok(admin, org, "VISIT", city="Zwolle")
    removed = await mutate(admin, "removeAddress", REMOVE, id=second["id"])
    assert removed == {
        "deletedId": second["id"],
        "newHeadOffice": {"id": first["id"]},
        "party": {"id": org},
        "userErrors": [],
    }
    assert [(a["id"], a["isHeadOffice"]) for a in await addresses(admin, org, ["VISIT"])] == [
        (first["id"], True),
        (third["id"], False),
    ]

    # A person's first visit address is its head office too (its home address).
    person = await create_person(admin, "Jansen")
    assert (await add_ok(admin, person, "VISIT", city="Delft"))["isHeadOffice"] is True

    # Every change is in the audit trail, with the party and before/after values.
    events = (
        await session.execute(
            select(AuditEvent.action, AuditEvent.party_id, AuditEvent.changes)
            .where(AuditEvent.object_type == "Address")
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [e.action for e in events] == [
        "CREATE",
        "CREATE",
        "CREATE",
        "UPDATE",
        "UPDATE",
        "UPDATE",
        "CREATE",
        "DELETE",
        "UPDATE",
        "CREATE",
    ]
    assert all(e.party_id is not None for e in events)
    assert events[3].changes == {"is_head_office": {"before": True, "after": False}}
    assert events[5].changes == {"city": {"before": "Amsterdam", "after": "Haarlem"}}
    assert events[7].changes["city"] == {"before": "Berlin", "after": None}


async def test_invoice_address_reads_through_the_postal_address(admin, session) -> None:
    org = await create_organisation(
        admin,
        "Acme",
        vatNumber="nl 004495445 b01",
        invoiceEmail="Facturen@Acme.nl",
        invoiceCompanyName="Acme Holding B.V.",
        invoiceUsesPostalAddress=True,
    )
    card = (await admin.gql(CARD, {"id": org}))["organisation"]
    assert {k: card[k] for k in ("vatNumber", "invoiceCompanyName", "invoiceEmail", "invoiceAddress")} == {
        "vatNumber": "NL004495445B01",
        "invoiceCompanyName": "Acme Holding B.V.",
        "invoiceEmail": "facturen@acme.nl",
        "invoiceAddress": None,
    }
    postal = await add_ok(admin, org, "POSTAL", street="Postbus", houseNumber="1")
    invoice = await add_ok(admin, org, "INVOICE", street="Factuurstraat", houseNumber="2")
    assert (await admin.gql(CARD, {"id": org}))["organisation"]["invoiceAddress"] == {
        "id": postal["id"],
        "street": "Postbus",
    }
    await mutate(admin, "updateAddress", UPDATE, id=postal["id"], street="Antwoordnummer")
    assert (await admin.gql(CARD, {"id": org}))["organisation"]["invoiceAddress"] == {
        "id": postal["id"],
        "street": "Antwoordnummer",
    }, "no copy that drifts"
    off = await mutate(admin, "updateOrganisation", UPDATE_ORG, id=org, invoiceUsesPostalAddress=False)
    assert off["userErrors"] == []
    card = (await admin.gql(CARD, {"id": org}))["organisation"]
    assert (card["invoiceUsesPostalAddress"], card["invoiceAddress"]["id"]) == (False, invoice["id"])
    kinds = (await session.scalars(select(Address.kind).order_by(Address.id))).all()
    assert kinds == ["POSTAL", "INVOICE"]

    bad = await mutate(
        admin, "updateOrganisation", UPDATE_ORG, id=org, invoiceEmail="nope", vatNumber="NL123"
    )
    assert sorted(errors(bad)) == [(["invoiceEmail"], "INVALID"), (["vatNumber"], "INVALID")]


async def test_invoice_data_is_financial_for_reading_and_writing(admin, make_caller) -> None:
    org = await create_organisation(
        admin, "Acme", vatNumber="NL004495445B01", invoiceEmail="facturen@acme.nl"
    )
    postal = await add_ok(admin, org, "POSTAL", city="Utrecht")
    invoice = await add_ok(admin, org, "INVOICE", city="Factuurstad")
    business = await make_caller("BUSINESS")
    response = await business.post(CARD, {"id": org})
    body = response.json()
    assert body["data"]["organisation"] == {
        "viewerCanSeeFinancials": False,
        "vatNumber": None,
        "invoiceCompanyName": None,
        "invoiceEmail": None,
        "invoiceUsesPostalAddress": None,
        "invoiceAddress": None,
        "addresses": [{"kind": "POSTAL", "street": None}],
    }
    assert sorted((e["path"][-1], e["extensions"]["code"]) for e in body["errors"]) == [
        ("invoiceAddress", "FORBIDDEN"),
        ("invoiceCompanyName", "FORBIDDEN"),
        ("invoiceEmail", "FORBIDDEN"),
        ("invoiceUsesPostalAddress", "FORBIDDEN"),
        ("vatNumber", "FORBIDDEN"),
    ]
    assert "NL004495445B01" not in response.text and "Factuurstad" not in response.text
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await business.gql(node, {"id": invoice["id"]}))["node"] is None
    assert (await business.gql(node, {"id": postal["id"]}))["node"] == {"id": postal["id"]}

    refused = await mutate(business, "updateOrganisation", UPDATE_ORG, id=org, vatNumber=None, name="Acme 2")
    assert errors(refused) == [(["vatNumber"], "FORBIDDEN")]
    refused = await mutate(
        business, "createOrganisation", CREATE_ORG, name="Nieuw", invoiceEmail="f@nieuw.nl"
    )
    assert errors(refused) == [(["invoiceEmail"], "FORBIDDEN")]
    await create_organisation(business, "Zonder factuurgegevens")
    assert errors(await add(business, org, "INVOICE", city="x")) == [(["kind"], "FORBIDDEN")]
    # An invoice address does not exist for a viewer without FINANCE: changing one is as
    # changing an address that never was (not a FORBIDDEN that tells it is there).
    assert errors(await mutate(business, "updateAddress", UPDATE, id=invoice["id"], city="x")) == [
        (["id"], "NOT_FOUND")
    ]
    assert errors(await mutate(business, "removeAddress", REMOVE, id=invoice["id"])) == [
        (["id"], "NOT_FOUND")
    ]
    assert (await mutate(business, "updateAddress", UPDATE, id=postal["id"], city="Zeist"))[
        "userErrors"
    ] == []

    finance = await make_caller("BUSINESS", ("FINANCE",))
    allowed = await mutate(finance, "updateOrganisation", UPDATE_ORG, id=org, vatNumber=None)
    assert allowed["userErrors"] == []
    assert (await mutate(finance, "updateAddress", UPDATE, id=invoice["id"], city="Gouda"))[
        "userErrors"
    ] == []
    card = (await finance.gql(CARD, {"id": org}))["organisation"]
    assert (card["vatNumber"], card["invoiceAddress"]["id"]) == (None, invoice["id"])


async def test_address_writes_follow_the_write_and_person_rules(admin, make_caller) -> None:
    org = await create_organisation(admin, "Acme")
    hidden = await create_person(admin, "Verborgen")
    address = await add_ok(admin, hidden, "VISIT", city="Delft")
    readonly = await make_caller("READONLY", ("FINANCE",))
    assert errors(await add(readonly, org, "VISIT", city="x")) == [([], "FORBIDDEN")]
    assert errors(await mutate(readonly, "updateAddress", UPDATE, id=address["id"], city="x")) == [
        ([], "FORBIDDEN")
    ]

    # The person has no membership: to BUSINESS it does not exist (R1).
    business = await make_caller("BUSINESS", ("FINANCE",))
    assert errors(await add(business, hidden, "VISIT", city="x")) == [(["partyId"], "NOT_FOUND")]
    assert errors(await mutate(business, "updateAddress", UPDATE, id=address["id"], city="x")) == [
        (["id"], "NOT_FOUND")
    ]
    assert errors(await mutate(business, "removeAddress", REMOVE, id=address["id"])) == [
        (["id"], "NOT_FOUND")
    ]
    assert errors(await mutate(business, "setHeadOffice", SET_HEAD_OFFICE, addressId=address["id"])) == [
        (["addressId"], "NOT_FOUND")
    ]
    assert (await business.gql("query($id: ID!) { node(id: $id) { id } }", {"id": address["id"]}))[
        "node"
    ] is None
    assert (await add_ok(business, org, "VISIT", city="Gouda"))["isHeadOffice"] is True
    team = await make_caller("TEAM")
    assert (await mutate(team, "updateAddress", UPDATE, id=address["id"], city="Leiden"))["userErrors"] == []
    assert [a["city"] for a in await addresses(admin, hidden)] == ["Leiden"]


async def test_invalid_input_is_reported_at_its_field_and_nothing_changes(admin) -> None:
    org = await create_organisation(admin, "Acme")
    bad = await add(admin, org, "VISIT", postcode="12345", houseNumber="1" * 11, city="x" * 101)
    assert sorted(errors(bad)) == [
        (["city"], "INVALID"),
        (["houseNumber"], "INVALID"),
        (["postcode"], "INVALID"),
    ]
    for country in ("Nederland", "XX"):
        assert errors(await add(admin, org, "VISIT", country=country)) == [(["country"], "INVALID")]
    assert errors(await add(admin, "bm9wZToy", "VISIT")) == [(["partyId"], "INVALID")]
    address = await add_ok(admin, org, "VISIT", postcode="1234 AB")
    # The postcode is checked against the country it will have.
    assert errors(await mutate(admin, "updateAddress", UPDATE, id=address["id"], postcode="12345")) == [
        (["postcode"], "INVALID")
    ]
    assert (await mutate(admin, "updateAddress", UPDATE, id=address["id"], postcode="12345", country="DE"))[
        "address"
    ]["country"] == "DE"
    assert errors(await mutate(admin, "updateAddress", UPDATE, id=org, city="x")) == [(["id"], "INVALID")]
    assert [(a["postcode"], a["version"]) for a in await addresses(admin, org)] == [("12345", 2)]


async def test_merging_keeps_the_targets_postal_address_and_head_office(admin) -> None:
    source = await create_organisation(admin, "Dubbel")
    target = await create_organisation(admin, "Origineel")
    head = await add_ok(admin, source, "VISIT", city="Zwolle")
    await add_ok(admin, source, "POSTAL", city="Zwolle")
    kept = await add_ok(admin, target, "POSTAL", city="Utrecht")
    merged = (
        await admin.gql(
            f"""mutation($input: MergeOrganisationsInput!) {{
          mergeOrganisations(input: $input) {{ counts {{ addressesMoved addressesMerged }} {USER_ERRORS} }}
        }}""",
            {"input": {"sourceId": source, "targetId": target}},
        )
    )["mergeOrganisations"]
    assert merged == {"counts": {"addressesMoved": 1, "addressesMerged": 1}, "userErrors": []}
    # The target had no head office: the source's takes that place.
    assert [(a["id"], a["isHeadOffice"], a["version"]) for a in await addresses(admin, target)] == [
        (head["id"], True, 2),
        (kept["id"], False, 1),
    ]


async def test_addresses_of_a_list_load_in_a_constant_number_of_statements(admin) -> None:
    query = """{ organisations(first: 50) { edges { node {
        addresses { id lines } visitAddress { id } invoiceAddress { id } } } } }"""
    counts = []
    for batch in range(2):
        for n in range(3):
            org = await create_organisation(admin, f"Org {batch}-{n}")
            await add_ok(admin, org, "VISIT", city="Gouda")
            await add_ok(admin, org, "POSTAL", city="Gouda")
        data, count = await admin.counted(query)
        assert all(len(e["node"]["addresses"]) == 2 for e in data["organisations"]["edges"])
        counts.append(count)
    assert counts[0] == counts[1]
