"""Erasure finds the next miss by itself: a person gets a unique marker in every field it can
have, through every mutation that records something about it; after deletePerson no marker
is left anywhere in the database (every table, the audit trail as JSON and its reasons,
and on SQLite the file itself), except what the README documents as kept:

- the membership's job title, department, role and tags: the organisation's history of who
  held which job (the business email and phones go);
- domain data the person was linked to (a party type, a customer group): it is not theirs,
  the links go.

Erasure finds the person's data by the person (the events' party and second party), so a
membership id taken over by another before ids were never reused changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from helpers import IS_POSTGRES, Caller, ok, upload
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from valid_numbers import dutch_iban

from relgraph import transfer
from relgraph.db.models import AuditEvent, Base
from relgraph.db.sqlite_library import sqlite
from relgraph.graphql.core.ids import decode_id, encode_id

# Personal: must be gone. Phone numbers and amounts are digits; emails are lower case.
PERSONAL = {
    "first": "Qzvfirstname", "renamed": "Qzvrenamed", "last": "Qzvlastname", "infix": "qzvinfix",
    "initials": "Q.Z.V.", "title": "qzvtitle", "birth": "1931-07-19", "bsn": "192837461",
    "email": "qzvprivate@qzvmail.example", "phone": "206739181",
    "email2": "qzvsecond@qzvmail.example", "website": "https://qzvsite.example", "social": "@qzvsocial",
    "label": "qzvlabel", "street": "Qzvstreet", "street2": "Qzvlane", "addition": "qzvbis", "city": "Qzvcity",
    "holder": "Qzvholder", "holder2": "Qzvowner", "employee": "QZV-EMP-1", "salary": "73917.31",
    "business": "qzvwork@qzvoffice.example", "business2": "qzvdesk@qzvoffice.example",
    "phone1": "206739182", "phone2": "206739183", "wrong": "qzvwrong@qzvoffice.example", "reason": "Qzvreason",
    "imported": "qzvimport@qzvoffice.example", "relation": "Qzvrelationnote", "relation2": "Qzvfriendnote",
    "note": "Qzvnotebody", "note2": "Qzvnoteedit", "internal": "Qzvinternalnote", "price": "Qzvpricenote",
    "subject": "Qzvsubject", "body": "Qzvactivitybody", "subject2": "Qzvcallsubject",
    "filename": "qzvpassport", "description": "Qzvdocdescription", "content": "Qzvfilecontent",
}  # fmt: skip
IBAN_BANK = "QZVB"
PERSONAL["iban"] = IBAN_BANK + "0417164300"
PERSONAL["iban2"] = IBAN_BANK + "0417164311"
# Kept with the membership, as the organisation's history (README, deletePerson).
KEPT = {"job": "Qzkjobtitle", "department": "Qzkdepartment", "role": "Qzkrole", "tag": "qzktag"}
# Domain data the person was linked to: kept, the link is erased.
DOMAIN = {"type": "QZD_TYPE", "group": "Qzdgroup"}
MEMBERSHIP_KEPT_FIELDS = {"job_title", "department", "role", "tags"}
DOMAIN_TABLES = {"party_types": "PartyType", "customer_groups": "CustomerGroup"}


def iban(number: str) -> str:
    return dutch_iban(int(number[4:]), number[:4])


async def give_the_person_everything(
    admin: Caller, make_caller: Any, sessionmaker: Any, tmp_path: Path
) -> dict[str, str]:
    """The person, through every mutation that can record something about it."""
    p = PERSONAL
    employer = (await ok(admin, "createOrganisation", "organisation { id }", name="Werkgever BV"))[
        "organisation"
    ]["id"]
    other = (await ok(admin, "createOrganisation", "organisation { id }", name="Ander BV"))["organisation"][
        "id"
    ]
    merged = (await ok(admin, "createOrganisation", "organisation { id }", name="Dubbel BV"))["organisation"][
        "id"
    ]
    business = await ok(
        admin, "addBusinessRelation", "person { id } membership { id }",
        person={"lastName": p["last"], "firstName": p["first"], "infix": p["infix"], "initials": p["initials"],
                "title": p["title"], "gender": "FEMALE", "birthDate": p["birth"], "bsn": p["bsn"],
                "email": p["email"], "phone": f"0{p['phone']}"},
        organisationId=employer,
        membership={"jobTitle": KEPT["job"], "department": KEPT["department"], "role": KEPT["role"],
                    "tags": [KEPT["tag"]], "businessEmail": p["business"], "phone1": f"0{p['phone1']}",
                    "phone2": f"0{p['phone2']}"},
    )  # fmt: skip
    person, membership = business["person"]["id"], business["membership"]["id"]
    await ok(admin, "updatePerson", "person { id }", id=person, firstName=p["renamed"])

    means = [
        (
            await ok(
                admin,
                "addContactMean",
                "contactMean { id }",
                partyId=person,
                kind=kind,
                value=value,
                label=p["label"],
            )
        )["contactMean"]["id"]
        for kind, value in (("EMAIL", p["email2"]), ("WEBSITE", p["website"]), ("SOCIAL", p["social"]))
    ]
    await ok(admin, "updateContactMean", "contactMean { id }", id=means[1], value=p["website"] + "/x")
    await ok(admin, "setPrimaryContactMean", "contactMean { id }", id=means[0])
    await ok(admin, "removeContactMean", "", id=means[2])

    visit = (
        await ok(admin, "addAddress", "address { id }", partyId=person, kind="VISIT", street=p["street"],
                 houseNumber="7", houseNumberAddition=p["addition"], postcode="1234 AB", city=p["city"])
    )["address"]["id"]  # fmt: skip
    second = (
        await ok(
            admin,
            "addAddress",
            "address { id }",
            partyId=person,
            kind="VISIT",
            street=p["street2"],
            city=p["city"],
        )
    )["address"]["id"]
    await ok(admin, "updateAddress", "address { id }", id=visit, houseNumber="9")
    await ok(admin, "setHeadOffice", "address { id }", addressId=second)
    await ok(admin, "removeAddress", "", id=visit)

    accounts = [
        (
            await ok(
                admin,
                "addBankAccount",
                "bankAccount { id }",
                partyId=person,
                iban=iban(number),
                holderName=p["holder"],
            )
        )["bankAccount"]["id"]
        for number in (p["iban"], p["iban2"])
    ]
    await ok(admin, "updateBankAccount", "bankAccount { id }", id=accounts[0], holderName=p["holder2"])
    await ok(admin, "setPrimaryBankAccount", "bankAccount { id }", id=accounts[1])
    await ok(admin, "removeBankAccount", "", id=accounts[0])

    await ok(
        admin,
        "createPartyType",
        "partyType { code }",
        code=DOMAIN["type"],
        name="Qzd soort",
        partyKind="PERSON",
    )
    await ok(admin, "setPartyTypes", "", partyId=person, types=["EMPLOYEE", DOMAIN["type"]])
    await ok(admin, "setEmployeeData", "", personId=person, employeeNumber=p["employee"], salary=p["salary"])
    group = (await ok(admin, "createCustomerGroup", "customerGroup { id }", name=DOMAIN["group"]))[
        "customerGroup"
    ]["id"]
    await ok(admin, "addPartiesToGroup", "", groupId=group, partyIds=[person])
    await ok(admin, "removePartiesFromGroup", "", groupId=group, partyIds=[person])
    await ok(admin, "addPartiesToGroup", "", groupId=group, partyIds=[person])

    await ok(admin, "updateMembership", "membership { id }", id=membership, businessEmail=p["business2"])
    await ok(admin, "deactivateMembership", "membership { id }", id=membership)
    await ok(admin, "reactivateMembership", "membership { id }", id=membership)
    wrong = (
        await ok(
            admin,
            "addMembership",
            "membership { id }",
            personId=person,
            organisationId=other,
            businessEmail=p["wrong"],
        )
    )["membership"]["id"]
    await ok(admin, "deleteMembership", "", id=wrong, reason=p["reason"])
    at_merged = (
        await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=merged,
                 businessEmail=p["business"], phone1=f"0{p['phone1']}")
    )["membership"]["id"]  # fmt: skip
    relinked = await ok(
        admin, "bulkRelinkMemberships", "applied",
        items=[{"membershipId": at_merged, "organisationId": other, "keepHistory": True}],
    )  # fmt: skip
    assert relinked["applied"]
    await ok(admin, "mergeOrganisations", "", sourceId=other, targetId=merged)
    csv_file = tmp_path / "memberships.csv"
    csv_file.write_text(
        f"person_id,organisation_id,role,business_email\n{decode_id(person)[1]},{decode_id(employer)[1]},"  # type: ignore[index]
        f"import,{p['imported']}\n"
    )
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        assert (await transfer.import_csv(session, "memberships", csv_file)).applied
        await session.commit()

    knows = (
        await ok(admin, "createRelationType", "relationType { id }", name="kent", inverseName="wordt gekend door",
                 sourceKinds=["ORGANISATION"], targetKinds=["PERSON"])
    )["relationType"]["id"]  # fmt: skip
    relation = (
        await ok(
            admin,
            "addRelation",
            "relation { id }",
            typeId=knows,
            sourceId=employer,
            targetId=person,
            note=p["relation"],
        )
    )["relation"]["id"]
    await ok(
        admin,
        "updateRelation",
        "relation { id }",
        id=relation,
        note=p["relation"] + " 2",
        startDate="2020-01-01",
    )
    ended = (
        await ok(
            admin,
            "addRelation",
            "relation { id }",
            typeId=knows,
            sourceId=merged,
            targetId=person,
            note=p["relation2"],
        )
    )["relation"]["id"]
    await ok(admin, "deleteRelation", "", id=ended)

    staff = await make_caller("TEAM")
    categories = (await admin.gql("{ internalRelationCategories { id code } }"))["internalRelationCategories"]
    link = (
        await ok(admin, "addInternalRelation", "internalRelation { id }", employeeId=encode_id("User", staff.user_id),
                 partyId=person, categoryId=categories[0]["id"], since="2020-01-01")
    )["internalRelation"]["id"]  # fmt: skip
    await ok(admin, "updateInternalRelation", "internalRelation { id }", id=link, until="2030-01-01")

    notes = [
        (await ok(admin, "addNote", "note { id }", partyId=person, kind=kind, body=body))["note"]["id"]
        for kind, body in (
            ("GENERAL", p["note"]),
            ("INTERNAL", p["internal"]),
            ("PRICE_AGREEMENT", p["price"]),
        )
    ]
    await ok(admin, "updateNote", "note { id }", id=notes[0], body=p["note2"])
    await ok(admin, "removeNote", "", id=notes[1])
    activities = [
        (await ok(admin, "addActivity", "activity { id }", partyId=person, kind=kind, subject=subject, body=p["body"],
                  dueAt="2030-01-01T10:00:00Z", assigneeId=encode_id("User", staff.user_id)))["activity"]["id"]
        for kind, subject in (("TASK", p["subject"]), ("CALL", p["subject2"]))
    ]  # fmt: skip
    await ok(admin, "updateActivity", "activity { id }", id=activities[0], body=p["body"] + " 2")
    await ok(admin, "completeActivity", "activity { id }", id=activities[0])
    await ok(admin, "removeActivity", "", id=activities[1])

    kept = await upload(
        admin, person, p["content"].encode(), p["filename"] + ".pdf", description=p["description"]
    )
    gone = await upload(admin, person, b"%PDF " + p["content"].encode(), p["filename"] + "2.pdf")
    await ok(admin, "deleteDocument", "", id=gone["document"]["id"])
    return {"person": person, "employer": employer, "group": group, "document": kept["document"]["id"]}


def _markers_in(value: str, markers: dict[str, str]) -> list[str]:
    folded = value.casefold()
    return [name for name, marker in markers.items() if marker.casefold() in folded]


def _kept_in_event(event: Any) -> bool:
    """Where kept markers may stay: a membership's kept fields, domain data's own events."""
    return event.object_type == "Membership" or (
        event.object_type in DOMAIN_TABLES.values() and event.party_id is None
    )


async def markers_left(session: Any) -> list[str]:
    """Every place in the database that holds a marker it should not."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(select(table))).all():
            cell = json.dumps([str(v) for v in row], ensure_ascii=False)
            found += [f"{table.name}: {m}" for m in _markers_in(cell, PERSONAL)]
            if table.name not in ("memberships", "membership_tags", "audit_events"):
                found += [f"{table.name}: {m}" for m in _markers_in(cell, KEPT)]
            if table.name not in DOMAIN_TABLES and table.name != "audit_events":
                found += [f"{table.name}: {m}" for m in _markers_in(cell, DOMAIN)]
    for event in (await session.execute(select(AuditEvent))).scalars():
        where = f"audit {event.object_type} {event.action} on {event.party_id}"
        kept_fields = {k: v for k, v in (event.changes or {}).items() if k in MEMBERSHIP_KEPT_FIELDS}
        other_fields = {k: v for k, v in (event.changes or {}).items() if k not in MEMBERSHIP_KEPT_FIELDS}
        if _kept_in_event(event):
            rest = json.dumps(other_fields if event.object_type == "Membership" else {}, ensure_ascii=False)
        else:
            rest = json.dumps([kept_fields, other_fields], ensure_ascii=False)
        found += [f"{where}: {m}" for m in _markers_in(rest + (event.reason or ""), KEPT | DOMAIN)]
    return sorted(set(found))


async def test_no_marker_of_an_erased_person_is_left_anywhere(
    admin, make_caller, session, sessionmaker, tmp_path, database_url
) -> None:
    made = await give_the_person_everything(admin, make_caller, sessionmaker, tmp_path)
    person_pk = decode_id(made["person"])[1]  # type: ignore[index]
    before = await markers_left(session)
    assert {m.split(": ")[-1] for m in before} >= set(PERSONAL) - {"content"}  # the test sees them all
    await session.rollback()

    await ok(admin, "deletePerson", "person { id }", id=made["person"], confirm=True)

    assert await markers_left(session) == []
    # The links to domain data are gone from the trail too, not only their values.
    events = await session.scalars(
        select(AuditEvent).where(AuditEvent.party_id == person_pk, AuditEvent.object_type == "CustomerGroup")
    )
    assert [(e.action, e.object_id) for e in events] == []
    if not IS_POSTGRES:
        # Nor in the file: erased values do not linger in freed pages (secure_delete).
        await session.close()
        path = Path(make_url(database_url).database or "")
        with contextlib.closing(sqlite.connect(path)) as connection:
            assert connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
        raw = (await asyncio.to_thread(path.read_bytes)).decode("latin-1").casefold()
        assert [name for name, marker in PERSONAL.items() if marker.casefold() in raw] == []


async def test_erasure_finds_the_persons_membership_events_by_the_person_not_by_their_id(
    admin, session, sessionmaker
) -> None:
    """Before ids were never reused, a membership deleted as a wrong link could leave its id
    to another person's membership; erasure used to look events up by that id."""
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Werkgever BV"))["organisation"][
        "id"
    ]
    erased = (await ok(admin, "createPerson", "person { id }", lastName="Weg"))["person"]["id"]
    stays = (await ok(admin, "createPerson", "person { id }", lastName="Blijft"))["person"]["id"]
    wrong = await ok(admin, "addMembership", "membership { id }", personId=erased, organisationId=org,
                     businessEmail=PERSONAL["wrong"], phone1=f"0{PERSONAL['phone1']}")  # fmt: skip
    await ok(admin, "deleteMembership", "", id=wrong["membership"]["id"], reason="Verkeerde persoon")
    other = await ok(admin, "addMembership", "membership { id }", personId=stays, organisationId=org,
                     businessEmail="blijft@werk.example")  # fmt: skip
    old_pk, new_pk = decode_id(wrong["membership"]["id"])[1], decode_id(other["membership"]["id"])[1]  # type: ignore[index]
    async with sessionmaker() as writer:  # what SQLite did before migration 0013: the id given again
        await writer.execute(
            text("UPDATE memberships SET id = :old WHERE id = :new"), {"old": old_pk, "new": new_pk}
        )
        await writer.execute(
            text(
                "UPDATE audit_events SET object_id = :old WHERE object_type = 'Membership' AND object_id = :new"
            ),
            {"old": old_pk, "new": new_pk},
        )
        await writer.commit()

    await ok(admin, "deletePerson", "person { id }", id=erased, confirm=True)

    left = [m for m in await markers_left(session) if m.endswith(("wrong", "phone1"))]
    assert left == []
    kept = await session.scalars(select(AuditEvent.changes).where(AuditEvent.object_type == "Membership"))
    assert any("blijft@werk.example" in json.dumps(c) for c in kept)  # the other person's stays


ERASED_TRAIL = """
query($id: ID!) {
  node(id: $id) {
    ... on Party { auditTrail(first: 100) { totalCount nodes { objectType action reason changes { field after } } } }
  }
}"""


async def test_what_erasure_leaves_on_the_trail_reads_as_the_erased_objects_did(admin, make_caller) -> None:
    """The events of an erased invoice address, price agreement or bank account stay out of
    sight of who could not see those objects (their kind survives the erasure), and the
    deletion's own reason counts nothing such a reader may not see."""
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Werk BV"))["organisation"]["id"]
    person = (await ok(admin, "createPerson", "person { id }", lastName="Geheim"))["person"]["id"]
    await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=org)
    await ok(
        admin, "addAddress", "address { id }", partyId=person, kind="INVOICE", street="Factuurweg", city="Ede"
    )
    await ok(admin, "addNote", "note { id }", partyId=person, kind="PRICE_AGREEMENT", body="Tien procent")
    await ok(admin, "addBankAccount", "bankAccount { id }", partyId=person, iban=iban("ABNA0417164300"))
    await ok(admin, "deletePerson", "person { id }", id=person, confirm=True)

    def classified(events: list[dict[str, Any]]) -> list[str]:
        found = []
        for e in events:
            kinds = {c["after"] for c in e["changes"] if c["field"] == "kind"}
            if e["objectType"] == "BankAccount" or kinds & {'"INVOICE"', '"PRICE_AGREEMENT"'}:
                found.append(f"{e['objectType']} {e['action']}")
        return found

    seen_by_admin = (await admin.gql(ERASED_TRAIL, {"id": person}))["node"]["auditTrail"]["nodes"]
    assert len(classified(seen_by_admin)) >= 3  # they are there, and their kind is kept
    for role in ("TEAM", "BUSINESS"):
        events = (await (await make_caller(role)).gql(ERASED_TRAIL, {"id": person}))["node"]["auditTrail"][
            "nodes"
        ]
        assert classified(events) == [], role
        assert len(events) < len(seen_by_admin)
        deletion = next(e for e in events if e["objectType"] == "Person" and e["action"] == "DELETE")
        assert deletion["reason"] == "Personal data erased; 1 membership(s) ended.", role
