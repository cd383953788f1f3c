"""The changes feed: creations, updates, merges, deletions and erasures in commit order,
resumable after any cursor, under the visibility rules (R1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import Caller, add_membership, create_organisation, create_person, ok, pk
from sqlalchemy import select

from relgraph.db.models import Change, Role
from relgraph.domain.history import audit_writes
from relgraph.policy import Viewer

FEED = """
query($after: String, $first: Int) {
  changes(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { kind objectType objectId survivorId at node { id } } }
  }
}"""


async def feed(caller: Caller, after: str | None = None) -> tuple[list[dict[str, Any]], str | None, int]:
    """Every change after `after`, page by page: (changes, the last cursor, totalCount)."""
    changes: list[dict[str, Any]] = []
    total = 0
    while True:
        page = (await caller.gql(FEED, {"after": after, "first": 3}))["changes"]
        total = page["totalCount"]
        changes += [e["node"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"] or after
        if not page["pageInfo"]["hasNextPage"]:
            return changes, after, total


def kinds(changes: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(c["kind"], c["objectType"], c["objectId"]) for c in changes]


async def relation_type(admin: Caller) -> str:
    payload = await ok(
        admin,
        "createRelationType",
        "relationType { id }",
        name="partner of",
        symmetric=True,
        sourceKinds=["ORGANISATION"],
        targetKinds=["ORGANISATION"],
    )
    return str(payload["relationType"]["id"])


async def test_the_feed_lists_every_kind_of_change_in_order_and_resumes(admin) -> None:
    _, start, _ = await feed(admin)
    acme = await create_organisation(admin, "Acme BV")
    other = await create_organisation(admin, "Acme Holding BV")
    person = await create_person(admin, "Jansen", firstName="Piet")
    membership = await add_membership(admin, person, acme)
    seen, cursor, _ = await feed(admin, start)
    assert kinds(seen) == [
        ("CREATED", "ORGANISATION", acme),
        ("CREATED", "ORGANISATION", other),
        ("CREATED", "PERSON", person),
        ("CREATED", "MEMBERSHIP", membership),
    ]
    assert seen[0]["node"] == {"id": acme}

    type_id = await relation_type(admin)
    relation = (
        await ok(admin, "addRelation", "relation { id }", typeId=type_id, sourceId=acme, targetId=other)
    )["relation"]["id"]
    await ok(admin, "updateOrganisation", "organisation { id }", id=acme, website="https://acme.example")
    await ok(admin, "deleteRelation", "deletedId", id=relation)
    await ok(admin, "mergeOrganisations", "target { id }", sourceId=other, targetId=acme)
    await ok(admin, "deleteMembership", "deletedMembershipId", id=membership, reason="wrong person")
    await ok(admin, "deletePerson", "person { id }", id=person, confirm=True)
    later, _, _ = await feed(admin, cursor)
    assert ("CREATED", "RELATION", relation) in kinds(later)
    assert ("UPDATED", "ORGANISATION", acme) in kinds(later)
    assert ("DELETED", "RELATION", relation) in kinds(later)
    merged = [c for c in later if c["kind"] == "MERGED"]
    assert [(c["objectId"], c["survivorId"]) for c in merged] == [(other, acme)]
    assert merged[0]["node"] == {"id": other}  # archived, still there
    assert ("DELETED", "MEMBERSHIP", membership) in kinds(later)
    assert kinds(later)[-1] == ("ERASED", "PERSON", person)
    deleted = [c for c in later if c["kind"] == "DELETED"]
    assert all(c["node"] is None for c in deleted)
    # The order is the order of the mutations: each committed before the next began.
    firsts = [kinds(later).index(k) for k in [
        ("CREATED", "RELATION", relation), ("DELETED", "RELATION", relation),
        ("MERGED", "ORGANISATION", other), ("DELETED", "MEMBERSHIP", membership),
        ("ERASED", "PERSON", person),
    ]]  # fmt: skip
    assert firsts == sorted(firsts)
    # Nothing new after the end: the same cursor, no changes.
    again, _, _ = await feed(admin, cursor)
    assert again == later


async def test_a_relation_change_is_one_change_though_both_ends_trail_it(admin) -> None:
    _, start, _ = await feed(admin)
    a = await create_organisation(admin, "Alpha BV")
    b = await create_organisation(admin, "Beta BV")
    relation = (
        await ok(
            admin, "addRelation", "relation { id }", typeId=await relation_type(admin), sourceId=a, targetId=b
        )
    )["relation"]["id"]
    seen, _, _ = await feed(admin, start)
    assert [k for k in kinds(seen) if k[1] == "RELATION"] == [("CREATED", "RELATION", relation)]


async def test_a_business_viewer_never_sees_a_hidden_persons_changes_nor_their_count(
    admin, make_caller
) -> None:
    business = await make_caller("BUSINESS")
    _, admin_start, admin_total = await feed(admin)
    _, start, total = await feed(business)
    hidden = await create_person(admin, "Verborgen", firstName="Hans")
    await ok(admin, "updatePerson", "person { id }", id=hidden, firstName="Hansje")
    shown, _, shown_total = await feed(business, start)
    assert shown == []
    assert shown_total == total
    everything, _, admin_now = await feed(admin, admin_start)
    assert admin_now == admin_total + 2
    assert [c["objectId"] for c in everything] == [hidden, hidden]

    # Once a business relation, the person and its new membership are there.
    org = await create_organisation(admin, "Zichtbaar BV")
    membership = await add_membership(admin, hidden, org)
    shown, cursor, _ = await feed(business, start)
    assert ("CREATED", "MEMBERSHIP", membership) in kinds(shown)
    # Deleting that membership hides the person again, and its changes with it: the
    # deletion too, from the pages and the count alike.
    await ok(admin, "deleteMembership", "deletedMembershipId", id=membership, reason="wrong link")
    later, _, later_total = await feed(business, cursor)
    assert later == []
    everything_business, _, _ = await feed(business, start)
    assert hidden not in [c["objectId"] for c in everything_business]
    assert membership not in [c["objectId"] for c in everything_business]
    assert later_total == total + 1  # the organisation's creation
    admin_sees, _, _ = await feed(admin, admin_start)
    assert ("DELETED", "MEMBERSHIP", membership) in kinds(admin_sees)


async def test_an_erased_person_leaves_no_personal_data_in_the_feed(admin, session) -> None:
    org = await create_organisation(admin, "Bewaar BV")
    person = await create_person(admin, "Uniekenaam", firstName="Geheimvoornaam")
    await add_membership(admin, person, org)
    await ok(admin, "deletePerson", "person { id }", id=person, confirm=True)
    rows = (await session.scalars(select(Change))).all()
    text = repr([vars(r) for r in rows])
    assert "Uniekenaam" not in text and "Geheimvoornaam" not in text
    changes, _, _ = await feed(admin)
    erased = [c for c in changes if c["kind"] == "ERASED"]
    assert [c["objectId"] for c in erased] == [person]


async def test_every_change_of_an_object_stamps_its_updated_at(admin) -> None:
    """Also where the write path does not stamp it itself: a merge redirects the earlier
    merges into its source (a set-based update of `merged_into_id`)."""
    first = await create_organisation(admin, "Eerst BV")
    middle = await create_organisation(admin, "Midden BV")
    last = await create_organisation(admin, "Laatst BV")
    await ok(admin, "mergeOrganisations", "target { id }", sourceId=first, targetId=middle)
    read = "query($id: ID!) { organisation(id: $id) { updatedAt version mergedInto { id } } }"
    before = (await admin.gql(read, {"id": first}))["organisation"]
    _, start, _ = await feed(admin)
    await ok(admin, "mergeOrganisations", "target { id }", sourceId=middle, targetId=last)
    after = (await admin.gql(read, {"id": first}))["organisation"]
    assert after["mergedInto"] == {"id": last}
    assert after["updatedAt"] > before["updatedAt"]
    assert after["version"] == before["version"]  # a stamp, not a change its writer made
    changes, _, _ = await feed(admin, start)
    redirected = [c for c in changes if c["objectId"] == first]
    assert [(c["kind"], c["survivorId"]) for c in redirected] == [("MERGED", last)]
    # Stamped at the commit: what changed since then filters it in.
    since = await admin.gql(
        "query($t: DateTime) { organisations(first: 10, filter: {updatedSince: $t, includeArchived: true}) { nodes { id } } }",
        {"t": after["updatedAt"]},
    )
    assert first in [n["id"] for n in since["organisations"]["nodes"]]


SINCE = """
query($updated: DateTime, $created: DateTime) {
  organisations(first: 100, filter: {updatedSince: $updated, createdSince: $created, includeArchived: true}) {
    totalCount nodes { id }
  }
  persons(first: 100, filter: {updatedSince: $updated, createdSince: $created}) { totalCount nodes { id } }
}"""


async def test_updated_since_and_created_since_find_what_changed(admin) -> None:
    old_org = await create_organisation(admin, "Oud BV")
    old_person = await create_person(admin, "Oud")
    stamp = await admin.gql("query($id: ID!) { person(id: $id) { createdAt } }", {"id": old_person})
    since = (
        dt.datetime.fromisoformat(stamp["person"]["createdAt"]) + dt.timedelta(microseconds=1)
    ).isoformat()
    new_org = await create_organisation(admin, "Nieuw BV")
    await ok(admin, "updatePerson", "person { id }", id=old_person, firstName="Anna")
    created = await admin.gql(SINCE, {"created": since})
    assert [n["id"] for n in created["organisations"]["nodes"]] == [new_org]
    assert created["persons"] == {"totalCount": 0, "nodes": []}
    updated = await admin.gql(SINCE, {"updated": since})
    assert updated["persons"] == {"totalCount": 1, "nodes": [{"id": old_person}]}
    assert [n["id"] for n in updated["organisations"]["nodes"]] == [new_org]
    everything = await admin.gql(SINCE, {"updated": "2000-01-01T00:00:00+01:00"})
    assert {n["id"] for n in everything["organisations"]["nodes"]} == {old_org, new_org}
    later = await admin.gql(SINCE, {"updated": "2199-01-01T00:00:00+00:00"})
    assert later["organisations"]["totalCount"] == 0 and later["persons"]["nodes"] == []


async def test_a_time_filter_without_an_offset_is_a_client_error(admin) -> None:
    response = await admin.post(SINCE, {"updated": "2026-01-01T00:00:00"})
    body = response.json()
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "INVALID", "argument": "filter.updatedSince"}
    ]
    assert "offset" in body["errors"][0]["message"]


@pytest.mark.postgres_only
async def test_a_reader_never_skips_a_change_that_committed_after_a_later_numbered_one(
    admin, sessionmaker
) -> None:
    """Two transactions commit out of the order of their changes' ids: the one that wrote
    first commits last. A reader that has read the other's change resumes and still gets it."""
    first_org = await create_organisation(admin, "Eerste BV")
    second_org = await create_organisation(admin, "Tweede BV")
    _, start, _ = await feed(admin)
    actor = Viewer(
        id=admin.user_id, email=admin.email, name="Admin", role=Role.ADMIN, permissions=frozenset()
    )
    async with sessionmaker() as slow, sessionmaker() as fast:
        audit_writes.record(slow, actor=actor, object_type="Organisation", object_id=pk(first_org),
                            party_id=pk(first_org), action="UPDATE")  # fmt: skip
        await slow.flush()  # its change takes its id now
        audit_writes.record(fast, actor=actor, object_type="Organisation", object_id=pk(second_org),
                            party_id=pk(second_org), action="UPDATE")  # fmt: skip
        await fast.flush()
        await fast.commit()
        seen, cursor, _ = await feed(admin, start)
        assert kinds(seen) == [("UPDATED", "ORGANISATION", second_org)]
        await slow.commit()
    later, _, _ = await feed(admin, cursor)
    assert kinds(later) == [("UPDATED", "ORGANISATION", first_org)]
    async with sessionmaker() as session:
        ids = dict(
            (await session.execute(select(Change.object_id, Change.id).where(Change.kind == "UPDATED"))).all()
        )
    # The change read last has the smaller id: id order would have skipped it.
    assert ids[pk(first_org)] < ids[pk(second_org)]


LINKS = """
query($filter: LinkListFilter) {
  memberships(first: 100, filter: $filter) { totalCount nodes { id } }
  relations(first: 100, filter: $filter) { totalCount nodes { id } }
}"""


async def test_the_root_lists_of_memberships_and_relations_filter_on_their_stamps(admin, make_caller) -> None:
    business = await make_caller("BUSINESS")
    acme = await create_organisation(admin, "Lijst BV")
    other = await create_organisation(admin, "Lijst Partner BV")
    person = await create_person(admin, "Lid")
    loner = await create_person(admin, "Alleen")  # no membership: hidden from BUSINESS (R1)
    old = await add_membership(admin, person, acme)
    type_id = await relation_type(admin)
    relation = (
        await ok(admin, "addRelation", "relation { id }", typeId=type_id, sourceId=acme, targetId=other)
    )["relation"]["id"]
    person_type = (
        await ok(
            admin,
            "createRelationType",
            "relationType { id }",
            name="contact of",
            inverseName="has contact",
            sourceKinds=["PERSON"],
            targetKinds=["ORGANISATION"],
        )
    )["relationType"]["id"]
    hidden = (
        await ok(admin, "addRelation", "relation { id }", typeId=person_type, sourceId=loner, targetId=acme)
    )["relation"]["id"]
    everything = await admin.gql(LINKS)
    assert [n["id"] for n in everything["memberships"]["nodes"]] == [old]
    assert [n["id"] for n in everything["relations"]["nodes"]] == [relation, hidden]
    seen = await business.gql(LINKS)
    assert [n["id"] for n in seen["relations"]["nodes"]] == [relation]
    assert seen["relations"]["totalCount"] == 1

    stamp = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on Relation { updatedAt } } }", {"id": hidden}
    )
    since = (dt.datetime.fromisoformat(stamp["node"]["updatedAt"]) + dt.timedelta(microseconds=1)).isoformat()
    new = await add_membership(admin, person, other)
    await ok(admin, "updateRelation", "relation { id }", id=relation, note="Sinds 2020")
    changed = await admin.gql(LINKS, {"filter": {"updatedSince": since}})
    assert [n["id"] for n in changed["memberships"]["nodes"]] == [new]
    assert [n["id"] for n in changed["relations"]["nodes"]] == [relation]
    created = await admin.gql(LINKS, {"filter": {"createdSince": since}})
    assert created["relations"] == {"totalCount": 0, "nodes": []}
    await ok(admin, "deactivateMembership", "membership { id }", id=old)
    assert [n["id"] for n in (await admin.gql(LINKS))["memberships"]["nodes"]] == [new]
    inactive_too = await admin.gql(LINKS, {"filter": {"includeInactive": True}})
    assert [n["id"] for n in inactive_too["memberships"]["nodes"]] == [old, new]


COUNTED = """
query($first: Int) {
  changes(first: $first) {
    totalCount
    nodes {
      kind objectId
      node {
        id
        ... on Membership { person { displayName } organisation { name } }
        ... on Organisation { name }
      }
    }
  }
}"""


async def test_the_feeds_statements_depend_on_the_query_not_on_the_changes(admin) -> None:
    org = await create_organisation(admin, "Tel BV")
    await add_membership(admin, await create_person(admin, "Teller"), org)
    _, few = await admin.counted(COUNTED, {"first": 3})
    for i in range(6):
        other = await create_organisation(admin, f"Tel {i} BV")
        await add_membership(admin, await create_person(admin, f"Teller {i}"), other)
    data, many = await admin.counted(COUNTED, {"first": 100})
    assert len(data["changes"]["nodes"]) >= 18
    assert many == few
