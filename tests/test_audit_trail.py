"""The audit trail and the timeline: who changed what, masked per viewer, merged newest first."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from relgraph.db.models import AuditEvent
from relgraph.graphql.ids import decode_id

ERRORS = "userErrors { field message code }"
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


async def ok(caller: Any, name: str, selection: str = "", /, **input: Any) -> dict[str, Any]:
    query = f"mutation($input: {name[0].upper() + name[1:]}Input!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}"
    payload = (await caller.gql(query, {"input": input}))[name]
    assert payload["userErrors"] == [], (name, payload)
    return payload


async def test_audit_values_are_masked_per_viewer_but_stored(admin, make_caller, session) -> None:
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Geheim BV"))["organisation"]["id"]
    person = (await ok(admin, "createPerson", "person { id }", lastName="Jansen", bsn=BSN_BEFORE))["person"]["id"]
    await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=org)
    await ok(admin, "updatePerson", "person { id }", id=person, bsn=BSN_AFTER, firstName="Piet")
    await ok(admin, "setSalesRelation", "salesRelation { currency }", partyId=org, creditLimit=CREDIT_LIMIT)
    await ok(admin, "addBankAccount", "bankAccount { id }", partyId=org, iban=IBAN)
    price = (await ok(admin, "addNote", "note { id }", partyId=org, kind="PRICE_AGREEMENT", body=PRICE_TEXT))["note"]
    await ok(admin, "addNote", "note { id }", partyId=org, kind="INTERNAL", body=INTERNAL_TEXT)
    await ok(admin, "updateOrganisation", "organisation { id }", id=org, description="Openbaar")
    await ok(admin, "addAddress", "address { id }", partyId=org, kind="INVOICE", street=INVOICE_STREET, city="Assen")

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
        want = {
            ("SalesRelation", "SET", "credit_limit"): finance,
            ("BankAccount", "CREATE", "iban"): finance,
            ("Person", "UPDATE", "bsn"): sensitive,
            ("Note", "CREATE", "body"): None,  # two notes: checked through the texts below
            ("Person", "UPDATE", "first_name"): True,
            ("Organisation", "UPDATE", "description"): True,
            ("Address", "CREATE", "street"): finance,  # an invoice address is invoice data (R4)
        }
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
                problems.append(f"{who}: {secret!r} {'missing from' if allowed else 'appears in'} the response")
        if sensitive and shown[("Person", "UPDATE", "bsn")]["after"] != json.dumps("<changed>"):
            problems.append(f"{who}: the BSN change reads {shown[('Person', 'UPDATE', 'bsn')]}")
        # The kind of a note is never masked: the frontend can say "a price agreement changed".
        note_kinds = [c for (t, _a, f), c in shown.items() if t == "Note" and f == "kind"]
        if not note_kinds or any(c["masked"] for c in note_kinds):
            problems.append(f"{who}: note kinds {note_kinds}")
    assert not problems, "\n".join(problems)

    # Masking happens at read time: the stored events keep the values.
    stored = await session.scalars(select(AuditEvent).where(AuditEvent.object_type == "SalesRelation"))
    assert [e.changes["credit_limit"]["after"] for e in stored] == [CREDIT_LIMIT]
    note_events = (await admin.gql(TRAIL, {"id": org, "after": None}))["node"]["auditTrail"]["nodes"]
    created = next(e for e in note_events if e["objectType"] == "Note" and e["changes"][0]["after"] == json.dumps(PRICE_TEXT))
    assert created["objectId"] == price["id"] and created["actor"] == {"name": "Admin Tester"}
    assert decode_id(created["objectId"]) == ("Note", int(decode_id(price["id"])[1]))


async def test_timeline_merges_kinds_newest_first_and_pages_without_gaps(admin, make_caller) -> None:
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Tijdlijn BV"))["organisation"]["id"]
    activity = (await ok(admin, "addActivity", "activity { id }", partyId=org, subject="Bellen"))["activity"]["id"]
    for i in range(3):
        await ok(admin, "addNote", "note { id }", partyId=org, body=f"notitie {i}")
        await ok(admin, "updateOrganisation", "organisation { id }", id=org, description=f"versie {i}")
    await ok(admin, "completeActivity", "activity { id }", id=activity)
    await ok(admin, "addNote", "note { id }", partyId=org, kind="PRICE_AGREEMENT", body="prijs")
    await ok(admin, "addActivity", "activity { id }", partyId=org, kind="MEETING", subject="Lunch")

    async def page(caller: Any, first: int, after: str | None = None, kinds: list[str] | None = None) -> dict[str, Any]:
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
    assert all(e["node"]["objectType"] == "Organisation" for e in whole["edges"] if e["node"]["__typename"] == "AuditEvent")

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
    assert {e["node"]["__typename"] for e in only_notes["edges"]} == {"Note", "Activity"} and only_notes["totalCount"] == 7
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
    membership = (await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=org))["membership"]["id"]
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
    relation = (await ok(admin, "addRelation", "relation { id }", typeId=kind, sourceId=org, targetId=person))["relation"]["id"]
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
        assert new["createdBy"] == {"name": "Admin Tester"} and new["updatedBy"] == {"name": "Team Tester"}, new
        assert new["createdAt"] == old["createdAt"] and new["updatedAt"] > old["updatedAt"]
    # The users come through one loader: asking for one object costs as much as for four.
    _, statements_one = await admin.counted(query, {"ids": [org]})
    assert statements_many <= statements_one + 3  # one lookup per object type, not per object


async def test_membership_and_relation_events_name_their_other_party(admin, session) -> None:
    """Every write path records the second party an event names (R1 on reading, erasure)."""
    org = (await ok(admin, "createOrganisation", "organisation { id }", name="Een BV"))["organisation"]["id"]
    other = (await ok(admin, "createOrganisation", "organisation { id }", name="Twee BV"))["organisation"]["id"]
    person = (await ok(admin, "createPerson", "person { id }", lastName="Noemer"))["person"]["id"]
    added = await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=org, role="a")
    membership = added["membership"]["id"]
    await ok(admin, "updateMembership", "membership { id }", id=membership, jobTitle="Inkoper")
    await ok(admin, "deactivateMembership", "membership { id }", id=membership)
    await ok(admin, "reactivateMembership", "membership { id }", id=membership)
    wrong = (await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=org, role="b"))
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
    relation = (await ok(admin, "addRelation", "relation { id }", typeId=kind, sourceId=person, targetId=org))
    await ok(admin, "updateRelation", "relation { id }", id=relation["relation"]["id"], note="Sinds 2020")
    await ok(admin, "addRelation", "relation { id }", typeId=kind, sourceId=person, targetId=other)
    await ok(admin, "mergeOrganisations", "", sourceId=other, targetId=org)
    await ok(admin, "deleteRelation", "", id=relation["relation"]["id"])

    events = (
        await session.execute(
            select(AuditEvent).where(AuditEvent.object_type.in_(["Membership", "Relation"])).order_by(AuditEvent.id)
        )
    ).scalars().all()
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
