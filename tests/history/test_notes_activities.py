"""Notes and activities on parties: writing, validation, filters, batching, merges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from helpers import USER_ERRORS, create_organisation, errors, mutate, ok

from relgraph.graphql.core.ids import encode_id

NOTE = "id kind body version createdAt updatedAt author { name } createdBy { name } updatedBy { name }"
ACTIVITY = (
    "id kind subject body dueAt doneAt status version assignee { name } createdBy { name } updatedBy { name }"
)
NOTES = f"""
query($id: ID!, $kinds: [NoteKind!]) {{
  node(id: $id) {{ ... on Party {{ notes(kinds: $kinds) {{ totalCount nodes {{ {NOTE} }} }} }} }}
}}"""
ACTIVITIES = """
query($id: ID!, $status: ActivityStatus) {
  node(id: $id) { ... on Party { activities(status: $status) { totalCount nodes { subject status } } } }
}"""
NOW = dt.datetime.now(dt.UTC)


async def test_notes_crud_validation_versions_and_kinds(admin, make_caller) -> None:
    org = await create_organisation(admin, "Notitie BV")
    team = await make_caller("TEAM")

    bad = await mutate(admin, "addNote", "note { id }", partyId=org, body="  ")
    assert errors(bad) == [(["body"], "INVALID")]
    bad = await mutate(admin, "addNote", "note { id }", partyId=org, body="x" * 10_001)
    assert errors(bad) == [(["body"], "INVALID")]
    bad = await mutate(admin, "addNote", "note { id }", partyId=encode_id("Organisation", 999_999), body="hi")
    assert errors(bad) == [(["partyId"], "NOT_FOUND")]

    general = (
        await ok(
            admin, "addNote", f"note {{ {NOTE} }}", partyId=org, body="Belt elke maandag.\nAltijd na 10u."
        )
    )["note"]
    assert general["kind"] == "GENERAL" and general["body"] == "Belt elke maandag.\nAltijd na 10u."
    assert general["author"] == general["createdBy"] == general["updatedBy"] == {"name": "Admin Tester"}
    internal = (
        await ok(admin, "addNote", "note { id }", partyId=org, kind="INTERNAL", body="Lastige klant")
    )["note"]
    price = (
        await ok(admin, "addNote", "note { id }", partyId=org, kind="PRICE_AGREEMENT", body="10% op ladders")
    )["note"]

    # A stale version is a CONFLICT and changes nothing; the current one goes through, by another user.
    stale = await mutate(team, "updateNote", "note { id }", id=general["id"], expectedVersion=7, body="nee")
    assert errors(stale) == [(["expectedVersion"], "CONFLICT")]
    changed = (
        await ok(
            team,
            "updateNote",
            f"note {{ {NOTE} }}",
            id=general["id"],
            expectedVersion=1,
            body="Belt op dinsdag",
        )
    )["note"]
    assert (changed["body"], changed["version"], changed["updatedBy"], changed["author"]) == (
        "Belt op dinsdag",
        2,
        {"name": "Team Tester"},
        {"name": "Admin Tester"},
    )
    assert changed["updatedAt"] > general["updatedAt"] and changed["createdAt"] == general["createdAt"]
    assert errors(await mutate(team, "updateNote", "note { id }", id=general["id"], body="")) == [
        (["body"], "INVALID")
    ]

    listed = (await admin.gql(NOTES, {"id": org, "kinds": None}))["node"]["notes"]
    assert listed["totalCount"] == 3
    assert [n["id"] for n in listed["nodes"]] == [price["id"], internal["id"], general["id"]]  # newest first
    only = (await admin.gql(NOTES, {"id": org, "kinds": ["INTERNAL", "PRICE_AGREEMENT"]}))["node"]["notes"]
    assert {n["id"] for n in only["nodes"]} == {internal["id"], price["id"]} and only["totalCount"] == 2

    # TEAM without FINANCE: the price agreement does not exist for it, not even to remove.
    assert (await team.gql(NOTES, {"id": org, "kinds": None}))["node"]["notes"]["totalCount"] == 2
    gone = await mutate(team, "removeNote", "deletedId", id=price["id"])
    assert errors(gone) == [(["id"], "NOT_FOUND")]
    assert errors(
        await mutate(team, "addNote", "note { id }", partyId=org, kind="PRICE_AGREEMENT", body="5%")
    ) == [(["kind"], "FORBIDDEN")]
    assert (await ok(admin, "removeNote", "deletedId", id=internal["id"]))["deletedId"] == internal["id"]
    assert (await admin.gql("query($id: ID!) { node(id: $id) { id } }", {"id": internal["id"]}))[
        "node"
    ] is None
    assert (await admin.gql(NOTES, {"id": org, "kinds": None}))["node"]["notes"]["totalCount"] == 2


async def test_activity_statuses_filters_completion_and_my_activities(admin, make_caller) -> None:
    org = await create_organisation(admin, "Activiteit BV")
    seller = await make_caller("BUSINESS")
    seller_id = encode_id("User", seller.user_id)
    yesterday = (NOW - dt.timedelta(days=1)).isoformat()
    tomorrow = (NOW + dt.timedelta(days=1)).isoformat()

    checks = [
        ({"subject": " "}, [(["subject"], "INVALID")]),
        ({"subject": "Bellen", "dueAt": "2026-12-01T09:00:00"}, [(["dueAt"], "INVALID")]),
        (
            {"subject": "Bellen", "doneAt": (NOW + dt.timedelta(days=2)).isoformat()},
            [(["doneAt"], "INVALID")],
        ),
        ({"subject": "Bellen", "assigneeId": encode_id("User", 999_999)}, [(["assigneeId"], "INVALID")]),
        ({"subject": "Bellen", "assigneeId": org}, [(["assigneeId"], "INVALID")]),
    ]
    for fields, expected in checks:
        assert (
            errors(await mutate(admin, "addActivity", "activity { id }", partyId=org, **fields)) == expected
        ), fields

    def add(**f: Any) -> Any:
        return ok(seller, "addActivity", f"activity {{ {ACTIVITY} }}", partyId=org, **f)

    overdue = (await add(kind="CALL", subject="Terugbellen", dueAt=yesterday, assigneeId=seller_id))[
        "activity"
    ]
    planned = (await add(kind="MEETING", subject="Kennismaking", dueAt=tomorrow, assigneeId=seller_id))[
        "activity"
    ]
    open_ended = (await add(subject="Offerte maken"))["activity"]
    logged = (await add(kind="CALL", subject="Gebeld", doneAt=yesterday))["activity"]
    assert [a["status"] for a in (overdue, planned, open_ended, logged)] == [
        "OVERDUE",
        "PLANNED",
        "PLANNED",
        "DONE",
    ]
    assert overdue["assignee"] == {"name": "Business Tester"} and open_ended["assignee"] is None

    async def listed(status: str | None) -> list[str]:
        found = (await admin.gql(ACTIVITIES, {"id": org, "status": status}))["node"]["activities"]
        assert found["totalCount"] == len(found["nodes"])
        return [a["subject"] for a in found["nodes"]]

    # Open work soonest first; everything else latest first.
    assert await listed("PLANNED") == ["Offerte maken", "Kennismaking"]
    assert await listed("OVERDUE") == ["Terugbellen"]
    assert await listed("DONE") == ["Gebeld"]
    assert await listed(None) == ["Kennismaking", "Offerte maken", "Gebeld", "Terugbellen"]

    done = (
        await ok(
            seller, "completeActivity", f"activity {{ {ACTIVITY} }}", id=overdue["id"], expectedVersion=1
        )
    )["activity"]
    assert done["status"] == "DONE" and done["doneAt"] is not None and done["version"] == 2
    again = (await ok(seller, "completeActivity", "activity { doneAt version }", id=overdue["id"]))[
        "activity"
    ]
    assert again == {"doneAt": done["doneAt"], "version": 2}  # done already: unchanged
    assert errors(
        await mutate(
            seller, "updateActivity", "activity { id }", id=overdue["id"], expectedVersion=1, subject="x"
        )
    ) == [(["expectedVersion"], "CONFLICT")]
    reopened = (
        await ok(admin, "updateActivity", f"activity {{ {ACTIVITY} }}", id=overdue["id"], doneAt=None)
    )["activity"]
    assert (reopened["status"], reopened["doneAt"], reopened["updatedBy"]) == (
        "OVERDUE",
        None,
        {"name": "Admin Tester"},
    )

    mine = """
    query($status: ActivityStatus) { myActivities(status: $status) { totalCount nodes { subject party { id } } } }"""
    assert (await seller.gql(mine, {"status": None}))["myActivities"] == {
        "totalCount": 2,
        "nodes": [
            {"subject": "Kennismaking", "party": {"id": org}},
            {"subject": "Terugbellen", "party": {"id": org}},
        ],
    }
    assert [
        a["subject"] for a in (await seller.gql(mine, {"status": "OVERDUE"}))["myActivities"]["nodes"]
    ] == ["Terugbellen"]
    assert (await admin.gql(mine, {"status": None}))["myActivities"]["totalCount"] == 0

    readonly = await make_caller("READONLY")
    assert errors(await mutate(readonly, "completeActivity", "activity { id }", id=planned["id"])) == [
        ([], "FORBIDDEN")
    ]
    assert (await ok(seller, "removeActivity", "deletedId", id=logged["id"]))["deletedId"] == logged["id"]
    assert await listed("DONE") == []


async def test_notes_of_many_parties_take_a_constant_number_of_statements(admin) -> None:
    query = """
    query {
      organisations(first: 100) {
        nodes {
          notes(first: 5) { totalCount nodes { body author { name } } }
          activities(status: PLANNED) { totalCount nodes { subject assignee { name } } }
          timeline(first: 5) { totalCount nodes { __typename ... on AuditEvent { actor { name } } } }
        }
      }
    }"""

    async def grow(n: int) -> int:
        for i in range(n):
            org = await create_organisation(admin, f"Teller {i} BV")
            for j in range(3):
                await ok(admin, "addNote", "note { id }", partyId=org, body=f"notitie {j}")
            await ok(
                admin,
                "addActivity",
                "activity { id }",
                partyId=org,
                subject="Bellen",
                assigneeId=encode_id("User", admin.user_id),
            )
        data, statements = await admin.counted(query)
        assert all(o["notes"]["totalCount"] == 3 for o in data["organisations"]["nodes"])
        return statements

    few = await grow(2)
    many = await grow(5)
    assert many == few


async def test_merge_moves_notes_and_activities(admin) -> None:
    source = await create_organisation(admin, "Dubbel BV")
    target = await create_organisation(admin, "Echt BV")
    await ok(admin, "addNote", "note { id }", partyId=source, body="van de dubbele")
    await ok(admin, "addNote", "note { id }", partyId=source, kind="PRICE_AGREEMENT", body="2% korting")
    await ok(admin, "addNote", "note { id }", partyId=target, body="van de echte")
    await ok(admin, "addActivity", "activity { id }", partyId=source, subject="Afspraak plannen")
    merge = f"""
    mutation($input: MergeOrganisationsInput!) {{
      mergeOrganisations(input: $input) {{ counts {{ notesMoved activitiesMoved }} {USER_ERRORS} }}
    }}"""
    for dry_run, source_notes in ((True, 2), (False, 0)):
        payload = (
            await admin.gql(merge, {"input": {"sourceId": source, "targetId": target, "dryRun": dry_run}})
        )["mergeOrganisations"]
        assert payload == {"counts": {"notesMoved": 2, "activitiesMoved": 1}, "userErrors": []}
        assert (await admin.gql(NOTES, {"id": source, "kinds": None}))["node"]["notes"][
            "totalCount"
        ] == source_notes
    notes = (await admin.gql(NOTES, {"id": target, "kinds": None}))["node"]["notes"]
    assert {n["body"] for n in notes["nodes"]} == {"van de dubbele", "2% korting", "van de echte"}
    assert (await admin.gql(ACTIVITIES, {"id": target, "status": None}))["node"]["activities"][
        "totalCount"
    ] == 1
    trail = """
    query($id: ID!) { node(id: $id) { ... on Party { auditTrail(first: 100) { nodes { objectType action } } } } }"""
    events = (await admin.gql(trail, {"id": target}))["node"]["auditTrail"]["nodes"]
    moved = [e["objectType"] for e in events if e["action"] == "MOVE"]
    assert sorted(moved) == ["Activity", "Note", "Note"]
