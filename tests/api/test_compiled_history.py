"""A party's notes, activities and timeline through compiled reads: the same answers as the
resolvers for every demo role, paged both ways in every order, and nothing a viewer may not
see (notes of hidden kinds, masked audit values, a hidden person's history, a document's
event shielded by its account managers) in a compiled answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from compared import both
from helpers import (
    Caller,
    add_membership,
    create_organisation,
    create_person,
    make_account_manager,
    ok,
    upload_ok,
)

from relgraph.cli import DEMO_USERS

NOTE = "id noteKind: kind noteBody: body createdAt updatedAt version author { name } updatedBy { name }"
ACTIVITY = "id kind subject body dueAt doneAt status createdAt version assignee { name } createdBy { name }"
EVENT = "at action objectType reason actor { name } changes { __typename field before after masked }"
ITEM = f"__typename ... on Note {{ {NOTE} }} ... on Activity {{ {ACTIVITY} }} ... on AuditEvent {{ {EVENT} }}"
PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor }"
ARGUMENTS = "first: $first, after: $after, last: $last, before: $before"
VARIABLES = "$id: ID!, $first: Int, $after: String, $last: Int, $before: String"


def timeline_query(order: str) -> str:
    return f"""query Timeline({VARIABLES}) {{ organisation(id: $id) {{
      timeline({order} {ARGUMENTS}) {{ {PAGE} nodes {{ {ITEM} }} }} }} }}"""


def notes_query(kinds: str) -> str:
    return f"""query Notes({VARIABLES}) {{ organisation(id: $id) {{
      notes({kinds} {ARGUMENTS}) {{ {PAGE} nodes {{ __typename {NOTE} }} }} }} }}"""


def activities_query(status: str) -> str:
    return f"""query Activities({VARIABLES}) {{ organisation(id: $id) {{
      activities({status} {ARGUMENTS}) {{ {PAGE} nodes {{ __typename {ACTIVITY} }} }} }} }}"""


LISTS = [
    *(
        timeline_query(o)
        for o in ("", "orderBy: { field: TIME, direction: ASC }", "orderBy: { field: TIME }")
    ),
    timeline_query("kinds: [AUDIT, NOTE]"),
    *(notes_query(k) for k in ("", "kinds: [PRICE_AGREEMENT]", "kinds: [GENERAL, INTERNAL]")),
    *(activities_query(s) for s in ("", "status: PLANNED", "status: OVERDUE", "status: DONE")),
]

PERSON = f"""query Person($id: ID!) {{ person(id: $id) {{
  timeline {{ {PAGE} nodes {{ {ITEM} }} }}
  notes {{ totalCount nodes {{ body }} }}
  activities {{ totalCount nodes {{ subject }} }} }} }}"""

MARKERS = ("MARKER-INTERNAL", "MARKER-PRICE", "MARKER-INVOICE", "MARKER-HIDDEN")


@pytest.fixture
async def history(demo_data: None, demo_users: list[Caller]) -> dict[str, str]:
    """An organisation with notes of every kind, activities in every status, audit events
    with financial values and a document's event (its account manager: the TEAM user), and
    a person no business user sees, with a note and an activity."""
    admin, team = demo_users[0], demo_users[1]
    org = await create_organisation(admin, "Historie Testbedrijf B.V.", invoiceCompanyName="MARKER-INVOICE-A")
    await ok(
        admin, "updateOrganisation", "", id=org, invoiceCompanyName="MARKER-INVOICE-B", website="https://x.nl"
    )
    for kind, body in (
        ("GENERAL", "Algemeen een"),
        ("INTERNAL", "MARKER-INTERNAL afspraak"),
        ("PRICE_AGREEMENT", "MARKER-PRICE 7% korting"),
        ("GENERAL", "Algemeen twee"),
    ):
        await ok(admin, "addNote", "", partyId=org, kind=kind, body=body)
    now = dt.datetime.now(dt.UTC)
    for i, (due, done) in enumerate(
        [(-3, None), (5, None), (None, None), (-10, -9), (-1, None), (20, None), (-6, -2)]
    ):
        fields: dict[str, Any] = {"subject": f"Actie {i}", "kind": ("TASK", "CALL", "MEETING")[i % 3]}
        if due is not None:
            fields["dueAt"] = (now + dt.timedelta(days=due)).isoformat()
        if done is not None:
            fields["doneAt"] = (now + dt.timedelta(days=done)).isoformat()
        await ok(admin, "addActivity", "", partyId=org, **fields)
    await make_account_manager(admin, org, team)
    await upload_ok(admin, org, b"%PDF-1.4 offerte", "offerte.pdf")
    hidden = await create_person(admin, "Verborgen")
    await ok(admin, "addNote", "", partyId=hidden, body="MARKER-HIDDEN notitie")
    await ok(admin, "addActivity", "", partyId=hidden, subject="MARKER-HIDDEN actie")
    types = (await admin.gql("{ relationTypes { id } }"))["relationTypes"]
    await ok(admin, "addRelation", "", typeId=types[0]["id"], sourceId=org, targetId=hidden)
    return {"organisation": org, "person": hidden}


async def _walk(
    caller: Caller, resolvers_client: Any, answered: list[str], query: str, id_: str, backwards: bool
) -> list[str]:
    """Every page of the list, 3 at a time, forwards or from the end; each page compared and
    compiled. The items' cursors in the order shown."""
    cursors: list[str] = []
    cursor: str | None = None
    while True:
        variables: dict[str, Any] = {"id": id_}
        if backwards:
            variables |= {"last": 3, "before": cursor}
        else:
            variables |= {"first": 3, "after": cursor}
        answered.clear()
        answer = await both(caller, resolvers_client, query, variables)
        assert answered, (query, caller.email)
        connection = next(iter(answer["data"]["organisation"].values()))
        page = [edge["cursor"] for edge in connection["edges"]]
        cursors = page + cursors if backwards else cursors + page
        info = connection["pageInfo"]
        if not (info["hasPreviousPage"] if backwards else info["hasNextPage"]):
            assert len(cursors) == connection["totalCount"]
            return cursors
        cursor = info["startCursor"] if backwards else info["endCursor"]


async def test_lists_are_paged_both_ways_in_every_order_as_the_resolvers_page_them(
    history, demo_users, resolvers_client, answered
) -> None:
    for caller in demo_users:
        for query in LISTS:
            forwards = await _walk(caller, resolvers_client, answered, query, history["organisation"], False)
            backwards = await _walk(caller, resolvers_client, answered, query, history["organisation"], True)
            assert forwards == backwards and len(set(forwards)) == len(forwards)
    admin = demo_users[0]
    everything = await admin.gql(timeline_query(""), {"id": history["organisation"], "first": 100})
    kinds = {n["__typename"] for n in everything["organisation"]["timeline"]["nodes"]}
    assert kinds == {"Note", "Activity", "AuditEvent"}


async def test_a_document_event_is_in_the_timeline_of_its_account_manager_only(
    history, demo_users, resolvers_client, answered
) -> None:
    """The audit part reads the viewer's own id (R2): bound per request, not compiled in."""
    seen = {}
    for caller in demo_users:
        answered.clear()
        answer = await both(
            caller, resolvers_client, timeline_query(""), {"id": history["organisation"], "first": 100}
        )
        assert answered == ["Timeline"]
        nodes = answer["data"]["organisation"]["timeline"]["nodes"]
        seen[caller.email] = any(n.get("objectType") == "Document" for n in nodes)
    assert list(seen.values()) == [True, True, False, False]  # ADMIN, TEAM (the manager): yes


async def test_hidden_history_never_reaches_a_compiled_answer(
    history, demo_users, resolvers_client, answered
) -> None:
    for caller, (_, _, role, permissions) in zip(demo_users, DEMO_USERS, strict=True):
        hidden = set()
        if role not in ("ADMIN", "TEAM"):
            hidden |= {"MARKER-INTERNAL", "MARKER-HIDDEN"}
        if "FINANCE" not in permissions:
            hidden |= {"MARKER-PRICE", "MARKER-INVOICE"}
        text = b""
        for query, id_ in [*((q, history["organisation"]) for q in LISTS), (PERSON, history["person"])]:
            answered.clear()
            answer = await both(caller, resolvers_client, query, {"id": id_, "first": 100})
            assert answered, (query, caller.email)
            text += orjson.dumps(answer)
        for marker in MARKERS:
            assert (marker.encode() in text) == (marker not in hidden), (marker, caller.email)
        if "FINANCE" not in permissions:
            assert b'"masked":true' in text  # the invoice name's changes: there, without values


async def test_a_timeline_holding_a_merge_report_is_answered_by_the_resolvers(
    history, demo_users, resolvers_client, answered
) -> None:
    """A merge's counts are the reader's (what it sees of the parties the report names): the
    compiled statement runs, finds the report and leaves the answer to the resolvers."""
    admin = demo_users[0]
    source = await create_organisation(admin, "Samengevoegd B.V.")
    await ok(admin, "addNote", "", partyId=source, body="Gaat mee")
    # Counted only when the reader sees that person: the count needs the database.
    await add_membership(admin, await create_person(admin, "Meegaand"), source)
    await ok(admin, "mergeOrganisations", "", sourceId=source, targetId=history["organisation"])
    for caller in demo_users:
        answered.clear()
        query = timeline_query("")
        answer = await both(caller, resolvers_client, query, {"id": history["organisation"], "first": 100})
        actions = {n.get("action") for n in answer["data"]["organisation"]["timeline"]["nodes"]}
        assert "MERGE" in actions and answered == ["Timeline"]  # ran, then declined
        answered.clear()
        without = timeline_query("").replace(" changes { __typename field before after masked }", "")
        await both(caller, resolvers_client, without, {"id": history["organisation"], "first": 100})
        assert answered == ["Timeline"]
