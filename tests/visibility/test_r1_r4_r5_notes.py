"""Notes and activities in the authorization matrix (issue 9): note kinds by role and
permission (R4, R5), a hidden person's notes and activities (R1), writing as reading allows.

The matrix's scenario and plumbing: tests/support/authorization.py.
"""

from __future__ import annotations

from authorization import DOC_NODE, MISSING_PERSON, SEES_ALL_PERSONS, build_scenario, outcome, report
from helpers import mutate, ok

from relgraph.graphql.core.ids import encode_id

NOTE_KINDS = ("GENERAL", "INTERNAL", "PRICE_AGREEMENT")
PARTY_NOTES = """
query($id: ID!) {
  node(id: $id) {
    ... on Party {
      notes(first: 100) { totalCount nodes { id kind } }
      activities(first: 100) { totalCount nodes { id } }
      timeline(first: 100, kinds: [NOTE]) { totalCount }
    }
  }
}"""
ALFA_TRAIL = """
query($id: ID!) { node(id: $id) { ... on Party { auditTrail(first: 100) { nodes { objectType objectId } } } } }"""


async def test_r1_r4_r5_notes_by_kind_and_on_hidden_persons(admin, make_caller, client) -> None:
    """Notes: GENERAL for all, INTERNAL for ADMIN and TEAM, PRICE_AGREEMENT with FINANCE; a
    hidden person's notes and activities are as missing as the person. Writing follows reading."""
    s = await build_scenario(admin, make_caller, client)
    notes = {}
    for kind in NOTE_KINDS:
        notes[kind] = (
            await ok(admin, "addNote", "note { id }", partyId=s.alfa, kind=kind, body=f"{kind} op Alfa")
        )["note"]["id"]
    hidden_note = (await ok(admin, "addNote", "note { id }", partyId=s.hidden, body="over Vera"))["note"][
        "id"
    ]
    hidden_activity = (
        await ok(admin, "addActivity", "activity { id }", partyId=s.hidden, subject="Vera bellen")
    )["activity"]["id"]
    missing_note = encode_id("Note", 987_654_321)
    EXPECTED = {  # (role, permissions) -> note kinds it reads (and, if it may write at all, writes)
        ("ADMIN", ()): {"GENERAL", "INTERNAL"},
        ("ADMIN", ("FINANCE",)): {"GENERAL", "INTERNAL", "PRICE_AGREEMENT"},
        ("TEAM", ()): {"GENERAL", "INTERNAL"},
        ("TEAM", ("FINANCE",)): {"GENERAL", "INTERNAL", "PRICE_AGREEMENT"},
        ("BUSINESS", ()): {"GENERAL"},
        ("BUSINESS", ("FINANCE", "SENSITIVE")): {"GENERAL", "PRICE_AGREEMENT"},
        ("READONLY", ("FINANCE",)): {"GENERAL", "PRICE_AGREEMENT"},
    }
    problems: list[str] = []
    for (role, permissions), readable in EXPECTED.items():
        who = f"{role}+{'+'.join(permissions) or 'nothing'}"
        caller = await make_caller(role, permissions)
        listed = (await caller.gql(PARTY_NOTES, {"id": s.alfa}))["node"]
        got = {n["kind"] for n in listed["notes"]["nodes"]}
        if (
            got != readable
            or listed["notes"]["totalCount"] != len(readable)
            or listed["timeline"]["totalCount"] != len(readable)
        ):
            problems.append(
                f"{who}: Alfa notes {got} (totals {listed['notes']['totalCount']}, {listed['timeline']['totalCount']}), expected {readable}"
            )
        for kind, note in notes.items():
            node = (await caller.gql(DOC_NODE, {"id": note}))["node"]
            if (node is not None) != (kind in readable):
                problems.append(f"{who}: node({kind} note) = {node}")
        sees = SEES_ALL_PERSONS[role]
        trail = (await caller.gql(ALFA_TRAIL, {"id": s.alfa}))["node"]["auditTrail"]["nodes"]
        related = {e["objectId"] for e in trail if e["objectType"] == "Relation"}
        want_related = {s.rel_member, s.rel_inactive} | ({s.rel_hidden} if sees else set())
        if related != want_related:
            problems.append(
                f"{who}: Alfa's audit trail shows the relations {related}, expected {want_related}"
            )
        for label, item in (("note", hidden_note), ("activity", hidden_activity)):
            if ((await caller.gql(DOC_NODE, {"id": item}))["node"] is not None) != sees:
                problems.append(f"{who}: node(hidden person's {label}) visible={not sees}")
        writes = role != "READONLY"
        for kind in NOTE_KINDS:
            payload = await mutate(
                caller, "addNote", "note { id }", partyId=s.beta, kind=kind, body=f"{who} schrijft"
            )
            want = "FORBIDDEN" if not writes or kind not in readable else "ok"
            if outcome(payload) != want:
                problems.append(f"{who}: addNote {kind} -> {outcome(payload)}, expected {want}")
        if writes:
            # Someone else's note of a kind it may not read: as missing as a note that does not exist.
            for kind in set(NOTE_KINDS) - readable:
                payload = await mutate(
                    caller, "updateNote", "note { id }", id=notes[kind], body="overschreven"
                )
                missing = await mutate(
                    caller, "updateNote", "note { id }", id=missing_note, body="overschreven"
                )
                if outcome(payload) != "NOT_FOUND" or payload["userErrors"] != missing["userErrors"]:
                    problems.append(
                        f"{who}: updateNote on an unreadable {kind} note -> {payload['userErrors']}"
                    )
            if not sees:
                for name, fields in (("addNote", {"body": "x"}), ("addActivity", {"subject": "x"})):
                    on_hidden = await mutate(caller, name, "__typename", partyId=s.hidden, **fields)
                    on_missing = await mutate(caller, name, "__typename", partyId=MISSING_PERSON, **fields)
                    if (
                        outcome(on_hidden) != "NOT_FOUND"
                        or on_hidden["userErrors"] != on_missing["userErrors"]
                    ):
                        problems.append(f"{who}: {name} on the hidden person -> {on_hidden['userErrors']}")
    bodies = """query($id: ID!) { node(id: $id) { ... on Party { notes(first: 100) { nodes { body } } } } }"""
    texts = {n["body"] for n in (await admin.gql(bodies, {"id": s.alfa}))["node"]["notes"]["nodes"]}
    assert texts == {f"{kind} op Alfa" for kind in NOTE_KINDS}, "a refused update changed a note"
    report(problems)
