"""Deleting a person (erasure, tombstone), deactivating one, and the data subject access export."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from typing import Any

from helpers import codes, create_organisation, errors, mutate, ok, upload_ok
from sqlalchemy import select, text

from relgraph.db.models import Base
from relgraph.graphql.core.ids import decode_id
from relgraph.storage import DocumentStore
from relgraph.transfer.exporting import export_csv

TODAY = dt.date.today().isoformat()

# Values that exist nowhere but on the person to delete: after deletion, none may be left.
FIRST, RENAMED, LAST = "Xanthippe", "Xanthara", "Quaggelaar"
BSN = "111222333"
BIRTH = "1980-02-03"
EMAIL, PHONE, WEBSITE = "xq.private@mail.example", "+31612345678", "https://quaggelaar-prive.example"
IBAN, HOLDER = "NL91ABNA0417164300", "Holder Qwibbelstaart"
EMPLOYEE_NUMBER = "EMP-QWX-7"
BUSINESS_EMAIL, WRONG_EMAIL, PHONE1 = "xq@werkplek.example", "xq@vergissing.example", "+31201112233"
STREET = "Zonnebloemstraatje"
PRIVATE_FILENAME = "paspoort-qwx.pdf"
LEFTOVERS = (
    FIRST,
    RENAMED,
    LAST,
    BSN,
    BIRTH,
    EMAIL,
    "612345678",
    "quaggelaar-prive",
    IBAN,
    "qwibbelstaart",
    EMPLOYEE_NUMBER,
    "werkplek.example",
    "vergissing.example",
    "201112233",
    STREET,
    "paspoort-qwx",
)


async def leftovers(session: Any) -> list[str]:
    """Every (table, value) in the whole database that still holds one of LEFTOVERS."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(select(table))).all():
            cells = json.dumps([str(v) for v in row], ensure_ascii=False).casefold()
            found += [f"{table.name}: {value}" for value in LEFTOVERS if value.casefold() in cells]
    return found


TOMBSTONE = """
query($person: ID!, $org: ID!) {
  person(id: $person) {
    displayName sortName firstName lastName initials title birthDate bsn email phone active deletedAt
    contactMeans(includeInactive: true) { id } bankAccounts(includeInactive: true) { id } addresses { id }
    groups(includeInactive: true) { id } employee { employeeNumber } documents { totalCount }
    memberships(includeInactive: true) { nodes { active endDate businessEmail phone1 jobTitle } }
  }
  organisation(id: $org) {
    current: memberships { totalCount }
    memberships(includeInactive: true) { nodes { person { id displayName } } }
    relations(first: 10) { edges { otherParty { id displayName } } }
  }
}"""


async def test_deleting_a_person_erases_everything_personal_and_leaves_a_tombstone(
    admin, make_caller, session, settings
) -> None:
    org = await create_organisation(admin, "Werkgever BV")
    other_org = await create_organisation(admin, "Ander BV")
    person = (
        await ok(
            admin,
            "createPerson",
            "person { id }",
            lastName=LAST,
            firstName=FIRST,
            infix="van",
            initials="X.",
            title="drs.",
            gender="FEMALE",
            birthDate=BIRTH,
            bsn=BSN,
            email=EMAIL,
            phone=PHONE,
        )
    )["person"]["id"]
    await ok(admin, "updatePerson", "person { id }", id=person, firstName=RENAMED)  # old name in the trail
    await ok(admin, "addContactMean", "contactMean { id }", partyId=person, kind="WEBSITE", value=WEBSITE)
    await ok(admin, "addBankAccount", "bankAccount { id }", partyId=person, iban=IBAN, holderName=HOLDER)
    await ok(
        admin,
        "setEmployeeData",
        "employee { employeeNumber }",
        personId=person,
        employeeNumber=EMPLOYEE_NUMBER,
        salary="3100.00",
    )
    group = (await ok(admin, "createCustomerGroup", "customerGroup { id }", name="Nieuwsbrief"))[
        "customerGroup"
    ]["id"]
    await ok(admin, "addPartiesToGroup", "customerGroup { id }", groupId=group, partyIds=[person])
    await ok(
        admin,
        "addMembership",
        "membership { id }",
        personId=person,
        organisationId=org,
        jobTitle="Inkoper",
        businessEmail=BUSINESS_EMAIL,
        phone1=PHONE1,
    )
    wrong = (
        await ok(
            admin,
            "addMembership",
            "membership { id }",
            personId=person,
            organisationId=other_org,
            businessEmail=WRONG_EMAIL,
        )
    )["membership"]["id"]
    await ok(admin, "deleteMembership", "deletedMembershipId", id=wrong, reason="wrong person linked")
    relation_type = (
        await ok(
            admin,
            "createRelationType",
            "relationType { id }",
            name="kent",
            inverseName="wordt gekend door",
            sourceKinds=["ORGANISATION"],
            targetKinds=["PERSON"],
        )
    )["relationType"]["id"]
    await ok(admin, "addRelation", "relation { id }", typeId=relation_type, sourceId=org, targetId=person)
    address = (
        await ok(
            admin,
            "addAddress",
            "address { id }",
            partyId=person,
            kind="POSTAL",
            street=STREET,
            houseNumber="7",
            postcode="1234 AB",
            city="Utrecht",
        )
    )["address"]["id"]
    await ok(admin, "updateAddress", "address { id }", id=address, houseNumber="9")
    person_pk = decode_id(person)[1]  # type: ignore[index]
    private, shared = b"%PDF private " + BSN.encode(), b"%PDF the same content on two parties"
    await upload_ok(admin, person, private, PRIVATE_FILENAME)
    await upload_ok(admin, person, shared, "gedeeld.pdf")
    kept_document = (await upload_ok(admin, other_org, shared, "gedeeld.pdf"))["id"]
    store = DocumentStore(settings.document_root, settings.max_document_bytes)
    private_sha, shared_sha = hashlib.sha256(private).hexdigest(), hashlib.sha256(shared).hexdigest()
    assert store.exists(private_sha) and store.exists(shared_sha)

    # Only ADMIN deletes (R5), and only with confirm: true; nothing changes otherwise.
    for role in ("TEAM", "BUSINESS", "READONLY"):
        payload = await mutate(
            await make_caller(role), "deletePerson", "person { id }", id=person, confirm=True
        )
        assert codes(payload) == ["FORBIDDEN"], (role, payload)
    refused = await mutate(admin, "deletePerson", "person { id }", id=person, confirm=False)
    assert errors(refused) == [(["confirm"], "INVALID")]
    assert (await admin.gql("query($id: ID!) { person(id: $id) { firstName } }", {"id": person}))["person"][
        "firstName"
    ] == RENAMED

    deleted = await ok(
        admin, "deletePerson", "person { id displayName active deletedAt }", id=person, confirm=True
    )
    assert deleted["person"]["displayName"] == "Deleted contact" and deleted["person"]["active"] is False
    assert deleted["person"]["deletedAt"] is not None

    # The tombstone: no personal data, its membership ended today, and it reads as
    # "Deleted contact" through the membership and the relation.
    data = await admin.gql(TOMBSTONE, {"person": person, "org": org})
    tomb, employer = data["person"], data["organisation"]
    assert tomb.pop("deletedAt")[:19] == deleted["person"]["deletedAt"][:19]
    assert tomb == {
        "displayName": "Deleted contact",
        "sortName": "Deleted contact",
        "firstName": None,
        "lastName": "Deleted contact",
        "initials": None,
        "title": None,
        "birthDate": None,
        "bsn": None,
        "email": None,
        "phone": None,
        "active": False,
        "contactMeans": [],
        "bankAccounts": [],
        "addresses": [],
        "groups": [],
        "employee": None,
        "documents": {"totalCount": 0},
        "memberships": {
            "nodes": [
                {
                    "active": False,
                    "endDate": TODAY,
                    "businessEmail": None,
                    "phone1": None,
                    "jobTitle": "Inkoper",
                }
            ]
        },
    }
    assert employer["current"]["totalCount"] == 0
    assert employer["memberships"]["nodes"] == [{"person": {"id": person, "displayName": "Deleted contact"}}]
    assert employer["relations"]["edges"] == [
        {"otherParty": {"id": person, "displayName": "Deleted contact"}}
    ]

    # Nowhere in the database, audit trail included, is a personal value left; the
    # deletion itself is on record.
    assert await leftovers(session) == []
    event = (
        await session.execute(
            text(
                "SELECT action, reason FROM audit_events WHERE object_type = 'Person' AND object_id = :id ORDER BY id DESC"
            ),
            {"id": person_pk},
        )
    ).first()
    assert event is not None and event.action == "DELETE" and "erased" in event.reason

    # The private file is gone from disk; the content another party's document shares stays.
    assert not store.exists(private_sha)
    assert store.exists(shared_sha)
    other_docs = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on Party { documents { nodes { id } } } } }", {"id": other_org}
    )
    assert other_docs["node"]["documents"]["nodes"] == [{"id": kept_document}]

    # Deleted is final: not listed, not changeable, not deletable twice, not exported to CSV.
    found = await admin.gql('{ persons(filter: {search: "deleted", includeInactive: true}) { totalCount } }')
    assert found["persons"]["totalCount"] == 0
    for name, fields in (
        ("updatePerson", {"firstName": "Terug"}),
        ("deletePerson", {"confirm": True}),
    ):
        payload = await mutate(admin, name, "person { id }", id=person, **fields)
        assert errors(payload) == [(["id"], "NOT_FOUND")], (name, payload)
    again = await mutate(
        admin, "addMembership", "membership { id }", personId=person, organisationId=other_org
    )
    assert codes(again) == ["NOT_FOUND"]
    out = io.StringIO()
    assert await export_csv(session, "persons", out) == 0
    out = io.StringIO()
    await export_csv(session, "memberships", out)
    assert (
        BUSINESS_EMAIL not in out.getvalue() and out.getvalue().count("\n") == 2
    )  # header and the ended one


PERSONS = """
query($search: String!, $inactive: Boolean!, $org: ID!, $group: ID!) {
  persons(filter: {search: $search, includeInactive: $inactive}) { totalCount nodes { id active } }
  organisation(id: $org) { memberships(includeInactive: $inactive) { totalCount } }
  node(id: $group) { ... on CustomerGroup { members(includeInactive: $inactive) { totalCount } } }
}"""
EXPORT = "query($id: ID!) { personDataExport(id: $id) }"


async def test_deactivation_hides_from_search_and_lists_and_the_export_is_admin_only(
    admin, make_caller
) -> None:
    business = await make_caller("BUSINESS")
    org = await create_organisation(admin, "Exportbedrijf BV")
    person = (
        await ok(
            admin,
            "createPerson",
            "person { id }",
            lastName="Zwijgzaam",
            firstName="Dora",
            bsn=BSN,
            email=EMAIL,
        )
    )["person"]["id"]
    await ok(
        admin, "addMembership", "membership { id }", personId=person, organisationId=org, jobTitle="Planner"
    )
    await ok(admin, "addBankAccount", "bankAccount { id }", partyId=person, iban=IBAN)
    await ok(
        admin, "addAddress", "address { id }", partyId=person, kind="VISIT", street="Kade", city="Zwolle"
    )
    await ok(admin, "addNote", "note { id }", partyId=person, body="Belt liever na tienen.")
    group = (await ok(admin, "createCustomerGroup", "customerGroup { id }", name="Mailing"))["customerGroup"][
        "id"
    ]
    await ok(admin, "addPartiesToGroup", "customerGroup { id }", groupId=group, partyIds=[person])

    async def listed(inactive: bool) -> tuple[int, int, int]:
        data = await business.gql(
            PERSONS, {"search": "zwijgzaam", "inactive": inactive, "org": org, "group": group}
        )
        counts = data["persons"], data["organisation"]["memberships"], data["node"]["members"]
        return tuple(c["totalCount"] for c in counts)  # type: ignore[return-value]

    assert await listed(False) == (1, 1, 1)
    # BUSINESS may (de)activate a person it sees (R5); deactivating hides it (R3) but keeps it.
    await ok(business, "updatePerson", "person { active }", id=person, active=False)
    assert await listed(False) == (0, 0, 0)
    assert await listed(True) == (1, 1, 1)
    direct = await business.gql(
        "query($id: ID!) { person(id: $id) { active memberships { totalCount } } }", {"id": person}
    )
    assert direct["person"] == {"active": False, "memberships": {"totalCount": 1}}
    cleared = await mutate(business, "updatePerson", "person { active }", id=person, active=None)
    assert errors(cleared) == [(["active"], "INVALID")]
    await ok(business, "updatePerson", "person { active }", id=person, active=True)
    assert await listed(False) == (1, 1, 1)

    # The export: everything about the person, for ADMIN only; R4 still applies to ADMIN.
    document = (await admin.gql(EXPORT, {"id": person}))["personDataExport"]
    assert document["person"]["firstName"] == "Dora" and document["person"]["bsn"] == BSN
    assert document["person"]["globalId"] == person
    assert [c["value"] for c in document["contactMeans"]] == [EMAIL]
    assert [(m["organisationName"], m["jobTitle"]) for m in document["memberships"]] == [
        ("Exportbedrijf BV", "Planner")
    ]
    assert [b["iban"] for b in document["bankAccounts"]] == [IBAN]
    assert [(a["street"], a["city"]) for a in document["addresses"]] == [("Kade", "Zwolle")]
    assert [n["body"] for n in document["notes"]] == ["Belt liever na tienen."]
    assert {(e["objectType"], e["action"]) for e in document["auditEvents"]} >= {
        ("Person", "CREATE"),
        ("Person", "UPDATE"),
        ("Membership", "CREATE"),
        ("BankAccount", "CREATE"),
    }
    assert document["withheld"] == []
    plain_admin = await make_caller("ADMIN")
    limited = (await plain_admin.gql(EXPORT, {"id": person}))["personDataExport"]
    assert "bsn" not in limited["person"] and "bankAccounts" not in limited
    assert limited["withheld"] == [
        "person.bsn (needs the SENSITIVE permission)",
        "addresses of kind INVOICE (needs the FINANCE permission)",
        "bankAccounts (needs the FINANCE permission)",
        "employee.currency (needs the FINANCE permission)",
        "employee.salary (needs the FINANCE permission)",
        "internalRelations.commissionPercent (needs the FINANCE permission)",
        "notes of kind PRICE_AGREEMENT (needs the FINANCE permission)",
    ]
    assert IBAN not in json.dumps(limited)
    for role in ("TEAM", "BUSINESS", "READONLY"):
        response = (
            await (await make_caller(role, ("FINANCE", "SENSITIVE"))).post(EXPORT, {"id": person})
        ).json()
        assert response["data"] == {"personDataExport": None}, role
        assert [e["extensions"]["code"] for e in response["errors"]] == ["FORBIDDEN"], role
    missing = await admin.gql(EXPORT, {"id": org})
    assert missing == {"personDataExport": None}
