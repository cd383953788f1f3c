"""The audit trail and the timeline: who changed what, masked per viewer, merged newest first."""

from __future__ import annotations

import json
from typing import Any

from helpers import create_organisation, make_account_manager, ok, upload
from sqlalchemy import select

from relgraph.db.models import AuditEvent
from relgraph.graphql.core.ids import decode_id, encode_id

CREDIT_LIMIT = "76543.21"
BSN_BEFORE, BSN_AFTER = "111222333", "123456782"
IBAN = "NL91ABNA0417164300"
PRICE_TEXT = "Staffelkorting 7 procent"
INTERNAL_TEXT = "Wanbetaler in 2024"
INVOICE_STREET = "Factuurstraat"
TRAIL = """
query($id: ID!, $after: String) {
  node(id: $id) {
    ... on Party {
      auditTrail(first: 100, after: $after) {
        totalCount
        nodes { at objectType objectId action actor { name } changes { field before after masked } }
      }
    }
  }
}"""
TIMELINE = """
query($id: ID!, $first: Int, $after: String, $kinds: [TimelineKind!]) {
  node(id: $id) {
    ... on Party {
      timeline(first: $first, after: $after, kinds: $kinds) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            __typename
            ... on Note { id createdAt body }
            ... on Activity { id createdAt subject }
            ... on AuditEvent { at objectType action }
          }
        }
      }
    }
  }
}"""


async def test_audit_values_are_masked_per_viewer_but_stored(admin, make_caller, session) -> None:
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Geheim BV"))["organisation"][
        "id"
    ]
    person = (await ok(admin, "createPerson", "person { id }", lastName="Jansen", bsn=BSN_BEFORE))["person"][
        "id"
    ]
    await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=org)
    await ok(admin, "updatePerson", "person { id }", id=person, bsn=BSN_AFTER, firstName="Piet")
    await ok(admin, "setSalesRelation", "salesRelation { currency }", partyId=org, creditLimit=CREDIT_LIMIT)
    await ok(admin, "addBankAccount", "bankAccount { id }", partyId=org, iban=IBAN)
    price = (await ok(admin, "addNote", "note { id }", partyId=org, kind="PRICE_AGREEMENT", body=PRICE_TEXT))[
        "note"
    ]
    await ok(admin, "addNote", "note { id }", partyId=org, kind="INTERNAL", body=INTERNAL_TEXT)
    await ok(admin, "updateOrganisation", "organisation { id }", id=org, description="Openbaar")
    await ok(
        admin,
        "addAddress",
        "address { id }",
        partyId=org,
        kind="INVOICE",
        street=INVOICE_STREET,
        city="Assen",
    )

    # viewer -> (sees financials, sees the BSN, reads internal notes)
    EXPECTED = {
        ("ADMIN", ("FINANCE", "SENSITIVE")): (True, True, True),
        ("TEAM", ()): (False, False, True),
        ("TEAM", ("FINANCE",)): (True, False, True),
        ("TEAM", ("SENSITIVE",)): (False, True, True),
        ("BUSINESS", ("FINANCE",)): (True, False, False),
        ("READONLY", ()): (False, False, False),
    }
    problems: list[str] = []
    for (role, permissions), (finance, sensitive, internal) in EXPECTED.items():
        who = f"{role}+{'+'.join(permissions) or 'nothing'}"
        caller = await make_caller(role, permissions)
        text = ""
        shown: dict[tuple[str, str, str], dict[str, Any]] = {}
        note_kinds: set[str] = set()
        for party in (org, person):
            response = await caller.post(TRAIL, {"id": party, "after": None})
            text += response.text
            trail = response.json()["data"]["node"]["auditTrail"]
            assert trail["totalCount"] == len(trail["nodes"]), who
            ats = [e["at"] for e in trail["nodes"]]
            assert ats == sorted(ats, reverse=True), f"{who}: not newest first"
            for event in trail["nodes"]:
                for change in event["changes"]:
                    shown[(event["objectType"], event["action"], change["field"])] = change
                    if (event["objectType"], change["field"]) == ("Note", "kind"):
                        note_kinds.add(json.loads(change["after"]))
        # True: shown; False: masked; None: checked below. Bank accounts and invoice addresses
        # do not exist without FINANCE (R4, as node(id:) says), nor do their events.
        want = {
            ("SalesRelation", "SET", "credit_limit"): finance,
            ("Person", "UPDATE", "bsn"): sensitive,
            ("Note", "CREATE", "body"): None,  # two notes: checked through the texts below
            ("Person", "UPDATE", "first_name"): True,
            ("Organisation", "UPDATE", "description"): True,
        }
        if finance:
            want |= {("BankAccount", "CREATE", "iban"): True, ("Address", "CREATE", "street"): True}
        for key in (("BankAccount", "CREATE", "iban"), ("Address", "CREATE", "street")):
            if not finance and key in shown:
                problems.append(f"{who}: {key} is in the trail")
        if not internal and not finance:
            want.pop(("Note", "CREATE", "body"))  # it reads neither note
        for key, visible in want.items():
            change = shown.get(key)
            if change is None:
                problems.append(f"{who}: no change {key} in the trail")
            elif visible is not None and change["masked"] == visible:
                problems.append(f"{who}: {key} masked={change['masked']}, expected {not visible}")
            elif visible is False and (change["before"], change["after"]) != (None, None):
                problems.append(f"{who}: masked {key} still carries values {change}")
        if finance and json.dumps(CREDIT_LIMIT) not in text.replace('\\"', '"'):
            problems.append(f"{who}: the credit limit should be readable")
        for secret, allowed in (
            (CREDIT_LIMIT, finance),
            (IBAN, finance),
            # The BSN is never stored in the trail at all, only that it changed.
            (BSN_BEFORE, False),
            (BSN_AFTER, False),
            (PRICE_TEXT, finance),
            (INTERNAL_TEXT, internal),
            (INVOICE_STREET, finance),
        ):
            if (secret in text) != allowed:
                problems.append(
                    f"{who}: {secret!r} {'missing from' if allowed else 'appears in'} the response"
                )
        if sensitive and shown[("Person", "UPDATE", "bsn")]["after"] != json.dumps("<changed>"):
            problems.append(f"{who}: the BSN change reads {shown[('Person', 'UPDATE', 'bsn')]}")
        # A note's events are there for who may read its kind, and show the kind.
        if note_kinds != {k for k, reads in (("PRICE_AGREEMENT", finance), ("INTERNAL", internal)) if reads}:
            problems.append(f"{who}: note kinds {note_kinds}")
    assert not problems, "\n".join(problems)

    # Masking happens at read time: the stored events keep the values.
    stored = await session.scalars(select(AuditEvent).where(AuditEvent.object_type == "SalesRelation"))
    assert [e.changes["credit_limit"]["after"] for e in stored] == [CREDIT_LIMIT]
    note_events = (await admin.gql(TRAIL, {"id": org, "after": None}))["node"]["auditTrail"]["nodes"]
    created = next(
        e
        for e in note_events
        if e["objectType"] == "Note" and e["changes"][0]["after"] == json.dumps(PRICE_TEXT)
    )
    assert created["objectId"] == price["id"] and created["actor"] == {"name": "Admin Tester"}
    assert decode_id(created["objectId"]) == ("Note", int(decode_id(price["id"])[1]))


async def test_timeline_merges_kinds_newest_first_and_pages_without_gaps(admin, make_caller) -> None:
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Tijdlijn BV"))["organisation"][
        "id"
    ]
    activity = (await ok(admin, "addActivity", "activity { id }", partyId=org, subject="Bellen"))["activity"][
        "id"
    ]
    for i in range(3):
        await ok(admin, "addNote", "note { id }", partyId=org, body=f"notitie {i}")
        await ok(admin, "updateOrganisation", "organisation { id }", id=org, description=f"versie {i}")
    await ok(admin, "completeActivity", "activity { id }", id=activity)
    await ok(admin, "addNote", "note { id }", partyId=org, kind="PRICE_AGREEMENT", body="prijs")
    await ok(admin, "addActivity", "activity { id }", partyId=org, kind="MEETING", subject="Lunch")

    async def page(
        caller: Any, first: int, after: str | None = None, kinds: list[str] | None = None
    ) -> dict[str, Any]:
        data = await caller.gql(TIMELINE, {"id": org, "first": first, "after": after, "kinds": kinds})
        return data["node"]["timeline"]

    def key(edge: dict[str, Any]) -> tuple[str, str, str]:
        node = edge["node"]
        return node.get("at") or node["createdAt"], node["__typename"], node.get("id") or edge["cursor"]

    whole = await page(admin, 100)
    kinds = [e["node"]["__typename"] for e in whole["edges"]]
    # 4 notes, 2 activities, and the audit events of the organisation (create + 3 updates):
    # the events of the notes and activities are not repeated as audit items.
    assert sorted(kinds) == ["Activity"] * 2 + ["AuditEvent"] * 4 + ["Note"] * 4
    assert whole["totalCount"] == 10 and not whole["pageInfo"]["hasNextPage"]
    stamps = [key(e)[0] for e in whole["edges"]]
    assert stamps == sorted(stamps, reverse=True)
    assert kinds[0] == "Activity" and whole["edges"][1]["node"]["body"] == "prijs"
    assert all(
        e["node"]["objectType"] == "Organisation"
        for e in whole["edges"]
        if e["node"]["__typename"] == "AuditEvent"
    )

    # Paging in threes meets every item once, in the same order, even when a newer item
    # arrives between two pages (it sits before the cursor, so it does not shift the pages).
    seen: list[tuple[str, str, str]] = []
    after = None
    while True:
        current = await page(admin, 3, after)
        seen += [key(e) for e in current["edges"]]
        if not seen[3:]:
            await ok(admin, "addNote", "note { id }", partyId=org, body="tussendoor")
        if not current["pageInfo"]["hasNextPage"]:
            break
        after = current["pageInfo"]["endCursor"]
    assert seen == [key(e) for e in whole["edges"]]
    assert (await page(admin, 100))["totalCount"] == 11

    only_notes = await page(admin, 100, kinds=["NOTE", "ACTIVITY"])
    assert {e["node"]["__typename"] for e in only_notes["edges"]} == {"Note", "Activity"} and only_notes[
        "totalCount"
    ] == 7
    # Without FINANCE the price agreement is not in the timeline at all.
    team = await make_caller("TEAM")
    team_view = await page(team, 100)
    assert team_view["totalCount"] == 10 and "prijs" not in json.dumps(team_view)

    response = await admin.post(TIMELINE, {"id": org, "first": 2, "after": "bm9uc2Vuc2U=", "kinds": None})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_created_and_updated_by_on_parties_memberships_and_relations(admin, make_caller) -> None:
    team = await make_caller("TEAM")
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Wie BV"))["organisation"]["id"]
    person = (await ok(admin, "createPerson", "person { id }", lastName="Dewit"))["person"]["id"]
    membership = (await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=org))[
        "membership"
    ]["id"]
    kind = (
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
    relation = (
        await ok(admin, "addRelation", "relation { id }", typeId=kind, sourceId=org, targetId=person)
    )["relation"]["id"]
    stamps = "createdAt updatedAt createdBy { name } updatedBy { name }"
    query = f"""
    query($ids: [ID!]!) {{
      nodes(ids: $ids) {{
        ... on Party {{ {stamps} }}
        ... on Membership {{ {stamps} }}
        ... on Relation {{ {stamps} }}
      }}
    }}"""
    ids = [org, person, membership, relation]
    before = (await admin.gql(query, {"ids": ids}))["nodes"]
    assert all(n["createdBy"] == n["updatedBy"] == {"name": "Admin Tester"} for n in before), before

    await ok(team, "updateOrganisation", "organisation { id }", id=org, description="door team")
    await ok(team, "updatePerson", "person { id }", id=person, firstName="Anna")
    await ok(team, "updateMembership", "membership { id }", id=membership, jobTitle="Inkoper")
    await ok(team, "updateRelation", "relation { id }", id=relation, note="via beurs")
    after, statements_many = await admin.counted(query, {"ids": ids})
    for old, new in zip(before, after["nodes"], strict=True):
        assert new["createdBy"] == {"name": "Admin Tester"} and new["updatedBy"] == {"name": "Team Tester"}, (
            new
        )
        assert new["createdAt"] == old["createdAt"] and new["updatedAt"] > old["updatedAt"]
    # The users come through one loader: asking for one object costs as much as for four.
    _, statements_one = await admin.counted(query, {"ids": [org]})
    assert statements_many <= statements_one + 3  # one lookup per object type, not per object


async def test_membership_and_relation_events_name_their_other_party(admin, session) -> None:
    """Every write path records the second party an event names (R1 on reading, erasure)."""
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Een BV"))["organisation"]["id"]
    other = (await ok(admin, "createOrganisation", "organisation { id }", name="Twee BV"))["organisation"][
        "id"
    ]
    person = (await ok(admin, "createPerson", "person { id }", lastName="Noemer"))["person"]["id"]
    added = await ok(
        admin, "addMembership", "membership { id }", personId=person, organisationId=org, role="a"
    )
    membership = added["membership"]["id"]
    await ok(admin, "updateMembership", "membership { id }", id=membership, jobTitle="Inkoper")
    await ok(admin, "deactivateMembership", "membership { id }", id=membership)
    await ok(admin, "reactivateMembership", "membership { id }", id=membership)
    wrong = await ok(
        admin, "addMembership", "membership { id }", personId=person, organisationId=org, role="b"
    )
    await ok(admin, "deleteMembership", "", id=wrong["membership"]["id"], reason="Verkeerde persoon")
    relinked = await ok(
        admin,
        "bulkRelinkMemberships",
        "applied",
        items=[{"membershipId": membership, "organisationId": other, "keepHistory": True}],
    )
    assert relinked["applied"], relinked
    business = await ok(
        admin, "addBusinessRelation", "membership { id }", person={"lastName": "Zakelijk"}, organisationId=org
    )
    assert business["membership"]["id"]
    kind = (
        await ok(
            admin,
            "createRelationType",
            "relationType { id }",
            name="adviseert",
            inverseName="wordt geadviseerd door",
            sourceKinds=["PERSON"],
            targetKinds=["ORGANISATION"],
        )
    )["relationType"]["id"]
    relation = await ok(admin, "addRelation", "relation { id }", typeId=kind, sourceId=person, targetId=org)
    await ok(admin, "updateRelation", "relation { id }", id=relation["relation"]["id"], note="Sinds 2020")
    await ok(admin, "addRelation", "relation { id }", typeId=kind, sourceId=person, targetId=other)
    await ok(admin, "mergeOrganisations", "", sourceId=other, targetId=org)
    await ok(admin, "deleteRelation", "", id=relation["relation"]["id"])

    events = (
        (
            await session.execute(
                select(AuditEvent)
                .where(AuditEvent.object_type.in_(["Membership", "Relation"]))
                .order_by(AuditEvent.id)
            )
        )
        .scalars()
        .all()
    )
    person_pk = decode_id(person)[1]
    assert {e.action for e in events} >= {"CREATE", "UPDATE", "DEACTIVATE", "REACTIVATE", "DELETE", "RELINK"}
    unnamed = [(e.object_type, e.action, e.party_id) for e in events if e.other_party_id is None]
    assert unnamed == []
    person_of: dict[int, int] = {}  # membership id -> its person, as of its latest CREATE
    named = 0
    for e in events:
        if e.object_type == "Membership":
            if e.action == "CREATE":
                person_of[e.object_id] = e.changes["person_id"]["after"]
            assert e.other_party_id == person_of[e.object_id], (e.action, e.party_id)
            named += e.other_party_id == person_pk
        else:  # a relation of the person: the person on the organisation's trail, and vice versa
            assert (e.party_id == person_pk) != (e.other_party_id == person_pk), (e.action, e.party_id)
    assert named == 9


# --- who may read which event (R1-R4 on the trail) ------------------------------------------------

ROWS = """
query($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on Party {
      auditTrail(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { objectType objectId action reason changes { field before after masked } }
      }
      timeline(first: 100, kinds: [AUDIT]) { totalCount nodes { ... on AuditEvent { objectType objectId action } } }
    }
  }
}"""
HIDDEN_EMAIL, HIDDEN_PHONE, HIDDEN_JOB = "vera@verborgen.example", "+31201234999", "Stille vennoot"


async def _trail(
    caller: Any, party: str, page_size: int = 100
) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
    """Every event of `party`'s trail as `caller` reads it (paged), the totalCount, and the timeline's audit part."""
    events: list[dict[str, Any]] = []
    after = None
    while True:
        node = (await caller.gql(ROWS, {"id": party, "first": page_size, "after": after}))["node"]
        trail = node["auditTrail"]
        events += trail["nodes"]
        if not trail["pageInfo"]["hasNextPage"]:
            return events, trail["totalCount"], node["timeline"]
        after = trail["pageInfo"]["endCursor"]


async def test_membership_events_of_a_hidden_person_are_not_on_the_trail(admin, make_caller) -> None:
    """Issue 18, item 1: a wrong link to a person who has no other membership, deleted again,
    leaves that person hidden (R1); the organisation's trail must not show the two events."""
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Spoorloos BV"))["organisation"][
        "id"
    ]
    hidden = (await ok(admin, "createPerson", "person { id }", lastName="Verborgen", firstName="Vera"))[
        "person"
    ]["id"]
    added = await ok(
        admin,
        "addMembership",
        "membership { id }",
        personId=hidden,
        organisationId=org,
        jobTitle=HIDDEN_JOB,
        businessEmail=HIDDEN_EMAIL,
        phone1=HIDDEN_PHONE,
    )
    await ok(admin, "deleteMembership", "", id=added["membership"]["id"], reason="Verkeerde persoon")
    await ok(admin, "updateOrganisation", "organisation { id }", id=org, description="Openbaar")

    full, _, _ = await _trail(admin, org)
    assert [(e["objectType"], e["action"]) for e in full] == [
        ("Organisation", "UPDATE"),
        ("Membership", "DELETE"),
        ("Membership", "CREATE"),
        ("Organisation", "CREATE"),
    ]
    for role in ("ADMIN", "TEAM", "BUSINESS", "READONLY"):
        caller = await make_caller(role, ("FINANCE", "SENSITIVE"))
        response = await caller.post(ROWS, {"id": org, "first": 100, "after": None})
        node = response.json()["data"]["node"]
        shown = [(e["objectType"], e["action"]) for e in node["auditTrail"]["nodes"]]
        in_timeline = [(e["objectType"], e["action"]) for e in node["timeline"]["nodes"]]
        if role in ("ADMIN", "TEAM"):
            assert shown == in_timeline == [(e["objectType"], e["action"]) for e in full], role
            continue
        assert shown == in_timeline == [("Organisation", "UPDATE"), ("Organisation", "CREATE")], role
        assert node["auditTrail"]["totalCount"] == node["timeline"]["totalCount"] == 2, role
        for secret in (HIDDEN_EMAIL, HIDDEN_PHONE, HIDDEN_JOB, hidden):
            assert secret not in response.text, (role, secret)


async def test_which_events_and_fields_each_viewer_reads(admin, make_caller) -> None:
    """The trail per role and permission: an event is listed only when its object and every
    party it names are visible to the reader (R1, R2, R4 as the objects themselves read);
    a listed event masks the fields its reader may not see. The count, the pages and the
    timeline agree with the list."""
    org = (
        await ok(
            admin, "createOrganisation", "organisation { id }", name="Matrix BV", vatNumber="NL004495445B01"
        )
    )["organisation"]["id"]
    await ok(
        admin,
        "updateOrganisation",
        "organisation { id }",
        id=org,
        invoiceEmail="f@matrix.example",
        description="x",
    )
    member = (await ok(admin, "createPerson", "person { id }", lastName="Zichtbaar", bsn=BSN_BEFORE))[
        "person"
    ]["id"]
    hidden = (await ok(admin, "createPerson", "person { id }", lastName="Verborgen"))["person"]["id"]
    await ok(
        admin,
        "addMembership",
        "membership { id }",
        personId=member,
        organisationId=org,
        businessEmail="z@m.example",
    )
    wrong = (await ok(admin, "addMembership", "membership { id }", personId=hidden, organisationId=org))[
        "membership"
    ]["id"]
    await ok(admin, "deleteMembership", "", id=wrong, reason="Verkeerde persoon")
    await ok(admin, "updatePerson", "person { id }", id=member, bsn=BSN_AFTER)
    await ok(
        admin,
        "setEmployeeData",
        "employee { employeeNumber }",
        personId=member,
        employeeNumber="E-7",
        salary="3000.00",
    )
    kind = (
        await ok(
            admin,
            "createRelationType",
            "relationType { id }",
            name="kent",
            inverseName="gekend door",
            sourceKinds=["ORGANISATION"],
            targetKinds=["PERSON"],
        )
    )["relationType"]["id"]
    to_hidden = (
        await ok(admin, "addRelation", "relation { id }", typeId=kind, sourceId=org, targetId=hidden)
    )["relation"]["id"]
    to_member = (
        await ok(admin, "addRelation", "relation { id }", typeId=kind, sourceId=org, targetId=member)
    )["relation"]["id"]
    await ok(admin, "setSalesRelation", "salesRelation { currency }", partyId=org, creditLimit=CREDIT_LIMIT)
    account = (await ok(admin, "addBankAccount", "bankAccount { id }", partyId=org, iban=IBAN))[
        "bankAccount"
    ]["id"]
    invoice = (
        await ok(admin, "addAddress", "address { id }", partyId=org, kind="INVOICE", street=INVOICE_STREET)
    )["address"]["id"]
    visit = (await ok(admin, "addAddress", "address { id }", partyId=org, kind="VISIT", street="Bezoekweg"))[
        "address"
    ]["id"]
    notes = {
        k: (await ok(admin, "addNote", "note { id }", partyId=org, kind=k, body=f"{k} tekst"))["note"]["id"]
        for k in ("GENERAL", "INTERNAL", "PRICE_AGREEMENT")
    }
    categories = (await admin.gql("{ internalRelationCategories { id code } }"))["internalRelationCategories"]
    manager = next(c["id"] for c in categories if c["code"] == "ACCOUNT_MANAGER")
    admin_user = encode_id("User", admin.user_id)
    link = (
        await ok(
            admin,
            "addInternalRelation",
            "internalRelation { id }",
            employeeId=admin_user,
            partyId=org,
            categoryId=manager,
            commissionPercent="12.50",
        )
    )["internalRelation"]["id"]
    # Alfa now has an account manager: its documents are shielded (R2).
    document = (await upload(admin, org, b"%PDF-1.4 matrix", "matrix.pdf"))["document"]["id"]

    everything = {party: (await _trail(admin, party))[0] for party in (org, member)}
    assert {e["objectId"] for e in everything[org]} >= {
        wrong,
        to_hidden,
        to_member,
        account,
        invoice,
        visit,
        link,
        document,
        *notes.values(),
    }

    def readable(event: dict[str, Any], role: str, finance: bool) -> bool:
        staff = role in ("ADMIN", "TEAM")
        hidden_objects = {wrong, to_hidden} if not staff else set()  # R1: they name the hidden person
        if not finance:
            hidden_objects |= {account, invoice, notes["PRICE_AGREEMENT"]}  # R4: as absent as node(id:) says
        if not staff:
            hidden_objects.add(notes["INTERNAL"])
        if role != "ADMIN":
            hidden_objects.add(document)  # R2: shielded, and none of these viewers manages Alfa
        return event["objectId"] not in hidden_objects

    def masked(event: dict[str, Any], finance: bool, sensitive: bool) -> set[str]:
        fields = {c["field"] for c in event["changes"]}
        kind = event["objectType"]
        if kind == "SalesRelation":
            return fields if not finance else set()
        financial = {
            "Organisation": {
                "vat_number",
                "invoice_email",
                "invoice_company_name",
                "invoice_uses_postal_address",
            },
            "EmployeeData": {"salary", "currency"},
            "InternalRelation": {"commission_percent"},
        }.get(kind, set())
        return (fields & financial if not finance else set()) | (
            {"bsn"} & fields if kind == "Person" and not sensitive else set()
        )

    problems: list[str] = []
    for role in ("ADMIN", "TEAM", "BUSINESS", "READONLY"):
        for permissions in ((), ("FINANCE",), ("SENSITIVE",), ("FINANCE", "SENSITIVE")):
            finance, sensitive = "FINANCE" in permissions, "SENSITIVE" in permissions
            who = f"{role}+{'+'.join(permissions) or 'nothing'}"
            caller = await make_caller(role, permissions)
            for party, name in ((org, "org"), (member, "member")):
                events, total, timeline = await _trail(caller, party, page_size=4)
                want = [e for e in everything[party] if readable(e, role, finance)]
                key = [(e["objectType"], e["objectId"], e["action"]) for e in want]
                got = [(e["objectType"], e["objectId"], e["action"]) for e in events]
                if got != key:
                    problems.append(
                        f"{who} {name}: extra {sorted(set(got) - set(key))}, missing {sorted(set(key) - set(got))}"
                    )
                if total != len(events):
                    problems.append(f"{who} {name}: totalCount {total} for {len(events)} events")
                audit_only = [k for k in key if k[0] not in ("Note", "Activity")]
                in_timeline = [(e["objectType"], e["objectId"], e["action"]) for e in timeline["nodes"]]
                if in_timeline != audit_only or timeline["totalCount"] != len(audit_only):
                    problems.append(
                        f"{who} {name}: timeline {len(in_timeline)}/{timeline['totalCount']}, expected {len(audit_only)}"
                    )
                by_key = {(e["objectType"], e["objectId"], e["action"]): e for e in want}
                for event in events:
                    full = by_key.get((event["objectType"], event["objectId"], event["action"]))
                    if full is None:
                        continue
                    hidden_fields = {c["field"] for c in event["changes"] if c["masked"]}
                    if hidden_fields != masked(full, finance, sensitive):
                        problems.append(
                            f"{who} {name}: {event['objectType']} {event['action']} masks {hidden_fields}"
                        )
                    if any(
                        c["masked"] and (c["before"], c["after"]) != (None, None) for c in event["changes"]
                    ):
                        problems.append(f"{who} {name}: a masked change carries values in {event}")
    assert not problems, "\n".join(problems)


async def test_a_merged_invoice_address_moves_out_of_sight_of_who_may_not_see_it(admin, make_caller) -> None:
    """A merge records one MOVE event per address; an invoice address's names its kind like
    its other events, so that it stays as absent as the address for a viewer without FINANCE."""
    source = (await ok(admin, "createOrganisation", "organisation { id }", name="Bron BV"))["organisation"][
        "id"
    ]
    target = (await ok(admin, "createOrganisation", "organisation { id }", name="Doel BV"))["organisation"][
        "id"
    ]
    invoice = (await ok(admin, "addAddress", "address { id }", partyId=source, kind="INVOICE", city="Assen"))[
        "address"
    ]["id"]
    visit = (await ok(admin, "addAddress", "address { id }", partyId=source, kind="VISIT", city="Emmen"))[
        "address"
    ]["id"]
    await ok(admin, "mergeOrganisations", "", sourceId=source, targetId=target)

    def moves(events: list[dict[str, Any]]) -> set[str]:
        return {e["objectId"] for e in events if (e["objectType"], e["action"]) == ("Address", "MOVE")}

    assert moves((await _trail(admin, target))[0]) == {invoice, visit}
    team = await make_caller("TEAM", ("SENSITIVE",))
    events, total, _ = await _trail(team, target)
    assert moves(events) == {visit} and total == len(events)


async def test_document_events_follow_the_party_each_document_is_on(admin, make_caller) -> None:
    """R2 on a document's events is decided per document, by the party it is on now: a merge
    moves a shielded document's events out of sight on the old trail, and an open
    organisation's documents stay in sight beside a shielded one's."""
    shielded, open_org, merged = [
        await create_organisation(admin, n) for n in ("Afgeschermd BV", "Open BV", "Weg BV")
    ]
    manager, team = await make_caller("TEAM"), await make_caller("TEAM")
    await make_account_manager(admin, shielded, manager)
    await upload(admin, shielded, b"%PDF-1.4 een", "een.pdf")
    await upload(admin, open_org, b"%PDF-1.4 twee", "twee.pdf")
    await upload(admin, merged, b"%PDF-1.4 drie", "drie.pdf")
    await ok(admin, "mergeOrganisations", "", sourceId=merged, targetId=shielded)

    async def document_events(caller: Any, party: str) -> list[str]:
        trail = (await caller.gql(TRAIL, {"id": party}))["node"]["auditTrail"]["nodes"]
        return [e["action"] for e in trail if e["objectType"] == "Document"]

    assert await document_events(team, open_org) == ["UPLOAD"]
    assert await document_events(team, shielded) == []
    assert await document_events(team, merged) == []  # on the survivor now, shielded there
    assert await document_events(manager, merged) != []
    assert await document_events(admin, merged) != []
