"""bulkRelinkMemberships: all or nothing, dry runs, per-item errors, history, speed and races."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest
from helpers import USER_ERRORS, add_membership, create_organisation, create_person, errors, pk
from sqlalchemy import func, select

from relgraph.db.bulk import insert_rows, reserve_ids
from relgraph.db.models import (
    AuditEvent,
    Membership,
    MembershipTag,
    Organisation,
    Party,
    PartyKind,
    Person,
)
from relgraph.graphql.core.ids import encode_id

ARCHIVE = f"""
mutation($id: ID!) {{ archiveOrganisation(input: {{id: $id}}) {{ organisation {{ id }} {USER_ERRORS} }} }}"""

MEMBERSHIP = """
  id active startDate endDate version department jobTitle role tags businessEmail phone1 phone2
  accountManager { id } person { id } organisation { id }
"""
RELINK = f"""
mutation($input: BulkRelinkMembershipsInput!) {{
  bulkRelinkMemberships(input: $input) {{
    totals {{ requested relinked failed }}
    dryRun applied
    {USER_ERRORS}
    results {{
      index {USER_ERRORS}
      fromOrganisation {{ id }}
      oldMembership {{ {MEMBERSHIP} }}
      newMembership {{ {MEMBERSHIP} }}
    }}
  }}
}}"""
TOTALS_ONLY = f"""
mutation($input: BulkRelinkMembershipsInput!) {{
  bulkRelinkMemberships(input: $input) {{
    totals {{ requested relinked failed }} applied {USER_ERRORS}
    results(failedOnly: true) {{ index {USER_ERRORS} }}
  }}
}}"""


# --- helpers -----------------------------------------------------------------------------


async def relink(caller: Any, items: list[dict[str, Any]], dry_run: bool = False) -> dict[str, Any]:
    data = await caller.gql(RELINK, {"input": {"items": items, "dryRun": dry_run}})
    return data["bulkRelinkMemberships"]


async def table_state(sessionmaker: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Every membership row and tag, and the number of audit events: to prove nothing changed."""
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    Membership.id,
                    Membership.organisation_id,
                    Membership.active,
                    Membership.end_date,
                    Membership.version,
                ).order_by(Membership.id)
            )
        ).all()
        tags = (await session.execute(select(MembershipTag.membership_id, MembershipTag.tag))).all()
        # Staff accounts' events (a caller made for the test) are not what a relink touches.
        events = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type != "User")
        )
    return [tuple(r) for r in rows], sorted(tuple(t) for t in tags), events or 0


@pytest.fixture
async def world(admin: Any) -> dict[str, Any]:
    """Two organisations and four people working at the first one."""
    old = await create_organisation(admin, "Oud BV")
    new = await create_organisation(admin, "Nieuw BV")
    people = [await create_person(admin, f"Medewerker{i}") for i in range(4)]
    members = [
        await add_membership(
            admin,
            p,
            old,
            role="Beslisser" if i == 0 else None,
            department="Inkoop",
            jobTitle=f"Functie {i}",
            businessEmail=f"m{i}@oud.example",
            phone1="020 123 4567",
            phone2="06 1234 5678",
            tags=["nieuwsbrief", f"tag{i}"],
            startDate="2020-01-01",
            accountManagerId=encode_id("User", admin.user_id),
        )
        for i, p in enumerate(people)
    ]
    return {"old": old, "new": new, "people": people, "members": members}


# --- semantics ---------------------------------------------------------------------------


async def test_keep_history_ends_the_old_membership_and_starts_a_copy_at_the_target(
    admin, world, sessionmaker
) -> None:
    _, _, events_before = await table_state(sessionmaker)
    payload = await relink(
        admin,
        [{"membershipId": world["members"][0], "organisationId": world["new"], "startDate": "2025-03-01"}],
    )
    assert payload["userErrors"] == []
    assert payload["totals"] == {"requested": 1, "relinked": 1, "failed": 0}
    assert (payload["dryRun"], payload["applied"]) == (False, True)
    [result] = payload["results"]
    old, new = result["oldMembership"], result["newMembership"]
    assert result["userErrors"] == [] and result["index"] == 0
    assert old["id"] == world["members"][0]
    assert (old["active"], old["endDate"], old["version"]) == (False, "2025-02-28", 2)
    assert old["organisation"]["id"] == world["old"]
    assert new["id"] != old["id"]
    assert (new["active"], new["startDate"], new["endDate"], new["version"]) == (True, "2025-03-01", None, 1)
    assert new["organisation"]["id"] == world["new"]
    for name in (
        "department",
        "jobTitle",
        "role",
        "tags",
        "businessEmail",
        "phone1",
        "phone2",
        "accountManager",
        "person",
    ):
        assert new[name] == old[name], name
    assert new["tags"] == ["nieuwsbrief", "tag0"]
    assert new["accountManager"] == {"id": encode_id("User", admin.user_id)}

    # Read back, not from the payload: the old one only with includeInactive.
    listing = await admin.gql(
        """query($id: ID!) { person(id: $id) { memberships(includeInactive: true) {
             nodes { id active organisation { name } } } } }""",
        {"id": world["people"][0]},
    )
    assert {(n["organisation"]["name"], n["active"]) for n in listing["person"]["memberships"]["nodes"]} == {
        ("Oud BV", False),
        ("Nieuw BV", True),
    }
    # One audit event per changed object, in the same transaction.
    async with sessionmaker() as session:
        events = (
            await session.execute(
                select(AuditEvent.object_id, AuditEvent.action, AuditEvent.party_id, AuditEvent.actor_id)
                .where(AuditEvent.object_type == "Membership")
                .order_by(AuditEvent.id.desc())
                .limit(2)
            )
        ).all()
    assert sorted(events) == sorted(
        [
            (pk(old["id"]), "DEACTIVATE", pk(world["old"]), admin.user_id),
            (pk(new["id"]), "CREATE", pk(world["new"]), admin.user_id),
        ]
    )
    assert (await table_state(sessionmaker))[2] == events_before + 2


async def test_the_start_date_defaults_to_today(admin, world) -> None:
    payload = await relink(admin, [{"membershipId": world["members"][1], "organisationId": world["new"]}])
    [result] = payload["results"]
    today = dt.date.today()
    assert result["newMembership"]["startDate"] == today.isoformat()
    assert result["oldMembership"]["endDate"] == (today - dt.timedelta(days=1)).isoformat()


async def test_without_history_the_membership_itself_moves(admin, world, sessionmaker) -> None:
    before_rows, _, _ = await table_state(sessionmaker)
    payload = await relink(
        admin, [{"membershipId": world["members"][2], "organisationId": world["new"], "keepHistory": False}]
    )
    [result] = payload["results"]
    assert result["userErrors"] == []
    moved = result["newMembership"]
    assert moved == result["oldMembership"]
    assert result["fromOrganisation"] == {"id": world["old"]}
    assert moved["id"] == world["members"][2]
    assert (moved["active"], moved["startDate"], moved["version"]) == (True, "2020-01-01", 2)
    assert moved["organisation"]["id"] == world["new"]
    assert moved["tags"] == ["nieuwsbrief", "tag2"]
    after_rows, _, _ = await table_state(sessionmaker)
    assert len(after_rows) == len(before_rows), "a move creates no membership"

    # An ended membership can move too (correcting history); a new start date applies.
    payload = await relink(
        admin,
        [
            {
                "membershipId": world["members"][2],
                "organisationId": world["old"],
                "keepHistory": False,
                "startDate": "2021-05-01",
            }
        ],
    )
    assert payload["results"][0]["newMembership"]["startDate"] == "2021-05-01"


async def test_an_ended_membership_cannot_be_relinked_with_history(admin, world) -> None:
    first = await relink(admin, [{"membershipId": world["members"][3], "organisationId": world["new"]}])
    assert first["applied"]
    elsewhere = await create_organisation(admin, "Elders BV")
    again = await relink(admin, [{"membershipId": world["members"][3], "organisationId": elsewhere}])
    assert again["applied"] is False
    assert [(e["field"], e["code"]) for e in again["results"][0]["userErrors"]] == [
        (["items", "0", "membershipId"], "INVALID")
    ]


async def test_a_start_date_on_or_before_the_old_start_is_refused(admin, world) -> None:
    payload = await relink(
        admin,
        [{"membershipId": world["members"][0], "organisationId": world["new"], "startDate": "2020-01-01"}],
    )
    [error] = payload["results"][0]["userErrors"]
    assert (error["field"], error["code"]) == (["items", "0", "startDate"], "INVALID")
    assert "2020-01-01" in error["message"]


# --- all or nothing ----------------------------------------------------------------------


async def test_one_bad_item_means_nothing_changes_and_every_bad_item_is_reported(
    admin, world, sessionmaker
) -> None:
    archived = await create_organisation(admin, "Gearchiveerd BV")
    assert (await admin.gql(ARCHIVE, {"id": archived}))["archiveOrganisation"]["userErrors"] == []
    before = await table_state(sessionmaker)
    m = world["members"]
    items = [
        {"membershipId": m[0], "organisationId": world["new"]},
        {"membershipId": encode_id("Membership", 999_999), "organisationId": world["new"]},
        {"membershipId": m[1], "organisationId": world["new"]},
        {"membershipId": m[2], "organisationId": encode_id("Organisation", 999_999)},
        {"membershipId": "not-an-id", "organisationId": world["new"]},
        {"membershipId": m[3], "organisationId": archived},
        {"membershipId": m[3], "organisationId": world["people"][0]},
    ]
    payload = await relink(admin, items)
    assert payload["userErrors"] == []
    assert payload["applied"] is False
    assert payload["totals"] == {"requested": 7, "relinked": 0, "failed": 5}
    errors = {r["index"]: [(e["field"], e["code"]) for e in r["userErrors"]] for r in payload["results"]}
    assert errors == {
        0: [],
        1: [(["items", "1", "membershipId"], "NOT_FOUND")],
        2: [],
        3: [(["items", "3", "organisationId"], "NOT_FOUND")],
        4: [(["items", "4", "membershipId"], "INVALID")],
        5: [(["items", "5", "organisationId"], "INVALID")],
        6: [(["items", "6", "organisationId"], "INVALID")],  # a Person ID where an Organisation belongs
    }
    # The valid items say what they are (unchanged); nothing new exists.
    assert payload["results"][0]["oldMembership"]["active"] is True
    assert all(r["newMembership"] is None for r in payload["results"])
    assert await table_state(sessionmaker) == before


async def test_a_stale_expected_version_is_a_conflict_for_that_item(admin, world, sessionmaker) -> None:
    before = await table_state(sessionmaker)
    payload = await relink(
        admin,
        [
            {"membershipId": world["members"][0], "organisationId": world["new"], "expectedVersion": 1},
            {"membershipId": world["members"][1], "organisationId": world["new"], "expectedVersion": 7},
        ],
    )
    assert payload["results"][0]["userErrors"] == []
    [error] = payload["results"][1]["userErrors"]
    assert (error["field"], error["code"]) == (["items", "1", "expectedVersion"], "CONFLICT")
    assert await table_state(sessionmaker) == before


async def test_a_duplicate_at_the_target_is_a_conflict(admin, world, sessionmaker) -> None:
    # Person 0 works at the target already, in the same role: relinking would double it.
    await add_membership(admin, world["people"][0], world["new"], role="Beslisser")
    # Person 1 works there too, but in another role: that is allowed.
    await add_membership(admin, world["people"][1], world["new"], role="Gebruiker")
    before = await table_state(sessionmaker)
    payload = await relink(
        admin,
        [
            {"membershipId": world["members"][0], "organisationId": world["new"]},
            {"membershipId": world["members"][1], "organisationId": world["new"]},
        ],
    )
    [error] = payload["results"][0]["userErrors"]
    assert (error["field"], error["code"]) == (["items", "0", "organisationId"], "CONFLICT")
    assert "Nieuw BV as Beslisser" in error["message"]
    assert payload["results"][1]["userErrors"] == []
    assert await table_state(sessionmaker) == before


async def test_two_items_making_the_same_active_membership_conflict(admin, world, sessionmaker) -> None:
    person = world["people"][0]
    third = await create_organisation(admin, "Derde BV")
    second = await add_membership(admin, person, third, role="Beslisser")
    before = await table_state(sessionmaker)
    items = [
        {"membershipId": world["members"][0], "organisationId": world["new"]},
        {"membershipId": second, "organisationId": world["new"], "keepHistory": False},
        {"membershipId": world["members"][0], "organisationId": third},
    ]
    real = await relink(admin, items)
    dry = await relink(admin, items, dry_run=True)
    assert real["results"] == dry["results"]
    assert real["totals"] == dry["totals"] == {"requested": 3, "relinked": 0, "failed": 2}
    errors = {
        r["index"]: [(e["field"], e["code"], e["message"]) for e in r["userErrors"]] for r in real["results"]
    }
    assert errors[0] == []
    assert errors[1] == [
        (
            ["items", "1", "organisationId"],
            "CONFLICT",
            "Item 0 already gives this person an active membership at Nieuw BV as Beslisser.",
        )
    ]
    assert errors[2] == [
        (["items", "2", "membershipId"], "CONFLICT", "Item 0 relinks this membership already.")
    ]
    assert await table_state(sessionmaker) == before


async def test_memberships_may_trade_places_within_one_call(admin, sessionmaker) -> None:
    """Final state counts: X->Y and Y->X of one person in one role is no duplicate."""
    x, y = await create_organisation(admin, "X BV"), await create_organisation(admin, "Y BV")
    person = await create_person(admin, "Wissel")
    at_x = await add_membership(admin, person, x, role="Contact", startDate="2020-01-01")
    at_y = await add_membership(admin, person, y, role="Contact", startDate="2020-01-01")
    for keep_history in (False, True):
        items = [
            {"membershipId": at_x, "organisationId": y, "keepHistory": keep_history},
            {"membershipId": at_y, "organisationId": x, "keepHistory": keep_history},
        ]
        payload = await relink(admin, items)
        assert payload["applied"], payload["results"]
        if keep_history:
            at_x, at_y = (r["newMembership"]["id"] for r in payload["results"])
        else:
            at_x, at_y = at_y, at_x
    async with sessionmaker() as session:
        active = (
            await session.execute(
                select(Membership.organisation_id, func.count())
                .where(Membership.person_id == pk(person), Membership.active.is_(True))
                .group_by(Membership.organisation_id)
            )
        ).all()
    assert sorted(active) == sorted([(pk(x), 1), (pk(y), 1)])


# --- dry run -----------------------------------------------------------------------------


def _comparable(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without what differs between two runs by nature: new IDs."""
    results = []
    for r in payload["results"]:
        new = dict(r["newMembership"] or {})
        new.pop("id", None)
        results.append({**r, "newMembership": new})
    return {"totals": payload["totals"], "results": results, "userErrors": payload["userErrors"]}


async def test_a_dry_run_answers_as_the_real_run_and_changes_nothing(admin, world, sessionmaker) -> None:
    m = world["members"]
    items = [
        {"membershipId": m[0], "organisationId": world["new"], "startDate": "2024-01-01"},
        {"membershipId": m[1], "organisationId": world["new"], "keepHistory": False},
        {"membershipId": m[2], "organisationId": world["new"], "expectedVersion": 1},
    ]
    before = await table_state(sessionmaker)
    dry = await relink(admin, items, dry_run=True)
    assert (dry["dryRun"], dry["applied"]) == (True, False)
    assert await table_state(sessionmaker) == before, "a dry run writes nothing, audit included"
    real = await relink(admin, items)
    assert (real["dryRun"], real["applied"]) == (False, True)
    assert _comparable(dry) == _comparable(real)
    assert dry["results"][0]["newMembership"]["tags"] == ["nieuwsbrief", "tag0"]


async def test_columns_relink_as_items_do_and_place_errors_in_their_lists(admin, world, sessionmaker) -> None:
    m, new = world["members"], world["new"]
    before = await table_state(sessionmaker)

    async def columns(dry_run: bool = False, **lists: Any) -> dict[str, Any]:
        data = await admin.gql(RELINK, {"input": {"columns": lists, "dryRun": dry_run}})
        return data["bulkRelinkMemberships"]

    failed = await columns(
        membershipIds=[m[0], encode_id("Membership", 999_999), m[2]],
        organisationIds=[new],  # one for all
        startDates=[None, None, "2019-01-01"],
    )
    errors = {r["index"]: [(e["field"], e["code"]) for e in r["userErrors"]] for r in failed["results"]}
    assert errors == {
        0: [],
        1: [(["columns", "membershipIds", "1"], "NOT_FOUND")],
        2: [(["columns", "startDates", "2"], "INVALID")],
    }
    shared = await columns(membershipIds=[m[0], m[1]], organisationIds=[world["old"]])
    assert [e["field"] for r in shared["results"] for e in r["userErrors"]] == [
        ["columns", "organisationIds", "0"]
    ] * 2  # the one entry that counts for both items
    wrong_length = await columns(
        membershipIds=[m[0], m[1], m[2]], organisationIds=[new], startDates=[None] * 2
    )
    assert wrong_length["totals"] is None
    assert [(e["field"], e["code"]) for e in wrong_length["userErrors"]] == [
        (["columns", "startDates"], "INVALID")
    ]
    both = await admin.gql(
        RELINK,
        {
            "input": {
                "items": [{"membershipId": m[0], "organisationId": new}],
                "columns": {"membershipIds": [m[0]], "organisationIds": [new]},
            }
        },
    )
    assert [e["field"] for e in both["bulkRelinkMemberships"]["userErrors"]] == [["items"]]
    assert await table_state(sessionmaker) == before

    # The same relinks as columns (dry run) and as items (real run) give the same answer.
    dry = await columns(
        dry_run=True,
        membershipIds=[m[0], m[1], m[2]],
        organisationIds=[new, new, new],
        keepHistory=[True, False, True],
        startDates=["2024-01-01", None, None],
        expectedVersions=[None, None, 1],
    )
    assert await table_state(sessionmaker) == before
    real = await relink(
        admin,
        [
            {"membershipId": m[0], "organisationId": new, "startDate": "2024-01-01"},
            {"membershipId": m[1], "organisationId": new, "keepHistory": False},
            {"membershipId": m[2], "organisationId": new, "expectedVersion": 1},
        ],
    )
    assert real["applied"] and dry["totals"] == {"requested": 3, "relinked": 3, "failed": 0}
    assert _comparable(dry) == _comparable(real)
    assert dry["results"][0]["newMembership"]["tags"] == ["nieuwsbrief", "tag0"]


async def test_more_than_10000_items_is_one_clear_error(admin, world, sessionmaker) -> None:
    before = await table_state(sessionmaker)
    item = {"membershipId": world["members"][0], "organisationId": world["new"]}
    data = await admin.gql(TOTALS_ONLY, {"input": {"items": [item] * 10_001}})
    payload = data["bulkRelinkMemberships"]
    assert payload["totals"] is None and payload["results"] == []
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (["items"], "INVALID")
    assert "10000" in error["message"] and "10001" in error["message"]
    assert await table_state(sessionmaker) == before


# --- roles -------------------------------------------------------------------------------


async def test_business_may_relink_and_readonly_may_not(admin, make_caller, world, sessionmaker) -> None:
    readonly = await make_caller("READONLY")
    before = await table_state(sessionmaker)
    item = {"membershipId": world["members"][0], "organisationId": world["new"]}
    refused = await relink(readonly, [item])
    assert errors(refused) == [([], "FORBIDDEN")]
    assert refused["results"] == [] and refused["totals"] is None
    assert await table_state(sessionmaker) == before

    business = await make_caller("BUSINESS")
    done = await relink(business, [item])
    assert done["applied"] and done["totals"]["relinked"] == 1


# --- set-based ---------------------------------------------------------------------------


async def _bulk_world(sessionmaker: Any, size: int) -> tuple[list[int], int]:
    """`size` people with one tagged membership each at one organisation; and a target.

    Written set-based with the bulk helpers, not the ORM: 10,000 people take a second, not eight.
    """
    now = dt.datetime.now(dt.UTC)
    stamp = {"created_at": now, "updated_at": now, "version": 1}
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        orgs = [Organisation(name=n, name_key=n.lower(), search_text=n.lower()) for n in ("Van", "Naar")]
        session.add_all(orgs)
        await session.flush()
        people = await reserve_ids(session, Party.__table__, size)
        await insert_rows(
            session, Party.__table__, [{"id": p, "kind": PartyKind.PERSON.value, **stamp} for p in people]
        )
        await insert_rows(
            session,
            Person.__table__,
            [
                {"id": p, "gender": "UNKNOWN", "last_name": f"P{p}", "sort_key": f"p{p}", "search_text": ""}
                for p in people
            ],
        )
        ids = await reserve_ids(session, Membership.__table__, size)
        await insert_rows(
            session,
            Membership.__table__,
            [
                {
                    "id": m,
                    "person_id": p,
                    "organisation_id": orgs[0].id,
                    "role": "Contact",
                    "active": True,
                    "start_date": dt.date(2020, 1, 1),
                    **stamp,
                }
                for m, p in zip(ids, people, strict=True)
            ],
        )
        await insert_rows(session, MembershipTag.__table__, [{"membership_id": i, "tag": "t"} for i in ids])
        await session.commit()
        return ids, orgs[1].id


async def test_the_statement_count_does_not_grow_with_the_items(admin, sessionmaker) -> None:
    ids, target = await _bulk_world(sessionmaker, 1210)
    counts = []
    for part in (ids[:10], ids[10:1210]):
        items = [
            {"membershipId": encode_id("Membership", i), "organisationId": encode_id("Organisation", target)}
            for i in part
        ]
        data, statements = await admin.counted(TOTALS_ONLY, {"input": {"items": items}})
        payload = data["bulkRelinkMemberships"]
        assert payload["applied"] and payload["totals"]["relinked"] == len(part), payload
        counts.append(statements)
    assert counts[0] == counts[1], counts
    async with sessionmaker() as session:
        moved = await session.scalar(
            select(func.count()).where(Membership.organisation_id == target, Membership.active.is_(True))
        )
        tags = await session.scalar(
            select(func.count())
            .select_from(MembershipTag)
            .join(Membership, Membership.id == MembershipTag.membership_id)
            .where(Membership.organisation_id == target)
        )
    assert moved == tags == 1210


async def test_10000_items_with_every_field_fit_in_one_request(admin, sessionmaker) -> None:
    """The most a call takes, each item spelled out in full and the body indented, as a
    script might send it: well over 1 MB, within the default request limit."""
    ids, target = await _bulk_world(sessionmaker, 10_000)
    items = [
        {
            "membershipId": encode_id("Membership", i),
            "organisationId": encode_id("Organisation", target),
            "keepHistory": True,
            "startDate": "2024-06-01",
            "expectedVersion": 1,
        }
        for i in ids
    ]
    body = json.dumps(
        {"query": TOTALS_ONLY, "variables": {"input": {"items": items, "dryRun": True}}}, indent=2
    )
    assert len(body) > 2 * 1024 * 1024
    response = await admin.client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text[:500]
    payload = response.json()["data"]["bulkRelinkMemberships"]
    assert payload["totals"] == {"requested": 10_000, "relinked": 10_000, "failed": 0}, payload["userErrors"]
    assert not payload["applied"] and payload["results"] == []


# --- the race ----------------------------------------------------------------------------


@pytest.mark.postgres_only
async def test_concurrent_overlapping_relinks_never_duplicate_or_lose_a_membership(
    admin, make_caller, sessionmaker
) -> None:
    other = await make_caller("BUSINESS")
    await _bulk_world(sessionmaker, 60)
    async with sessionmaker() as session:
        start = await session.scalar(select(func.count()).select_from(Membership))
    created = 0
    for round_ in range(6):
        targets = [await create_organisation(admin, f"Doel {round_}-{i}") for i in range(2)]
        async with sessionmaker() as session:
            active = list(
                await session.scalars(
                    select(Membership.id).where(Membership.active.is_(True)).order_by(Membership.person_id)
                )
            )
        # Both callers take 20 of the same people, in opposite orders, to different organisations.
        start_date = (dt.date(2030, 1, 1) + dt.timedelta(days=round_)).isoformat()
        first = [
            {
                "membershipId": encode_id("Membership", i),
                "organisationId": targets[0],
                "startDate": start_date,
            }
            for i in active[:40]
        ]
        second = [
            {
                "membershipId": encode_id("Membership", i),
                "organisationId": targets[1],
                "keepHistory": round_ % 2 == 0,
                "startDate": start_date,
            }
            for i in reversed(active[20:])
        ]
        responses = await asyncio.gather(
            admin.post(TOTALS_ONLY, {"input": {"items": first}}),
            other.post(TOTALS_ONLY, {"input": {"items": second}}),
        )
        applied = 0
        for response, items in zip(responses, (first, second), strict=True):
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, body
            payload = body["data"]["bulkRelinkMemberships"]
            if payload["applied"]:
                applied += 1
                created += sum(1 for i in items if i.get("keepHistory", True))
            else:
                assert payload["totals"]["failed"] > 0 or payload["userErrors"], payload
        assert applied, f"round {round_}: neither call got through"
        async with sessionmaker() as session:
            total = await session.scalar(select(func.count()).select_from(Membership))
            per_person = (
                await session.execute(
                    select(Membership.person_id, func.count())
                    .where(Membership.active.is_(True))
                    .group_by(Membership.person_id)
                )
            ).all()
        assert total == start + created, f"round {round_}: a membership was lost or doubled"
        assert len(per_person) == 60 and all(n == 1 for _, n in per_person), per_person


@pytest.mark.postgres_only
async def test_concurrent_relinks_of_one_person_to_one_organisation_make_one_membership(
    admin, make_caller, sessionmaker
) -> None:
    """Different memberships of the same people, both to the same place: one call wins, whole."""
    other = await make_caller("TEAM")
    for round_ in range(5):
        a, b, target = [await create_organisation(admin, f"{n} {round_}") for n in ("A", "B", "Doel")]
        people = [await create_person(admin, f"Dubbel{round_}-{i}") for i in range(8)]
        at_a = [await add_membership(admin, p, a, role="Contact", startDate="2020-01-01") for p in people]
        at_b = [await add_membership(admin, p, b, role="Contact", startDate="2020-01-01") for p in people]
        responses = await asyncio.gather(
            admin.post(
                TOTALS_ONLY,
                {"input": {"items": [{"membershipId": m, "organisationId": target} for m in at_a]}},
            ),
            other.post(
                TOTALS_ONLY,
                {
                    "input": {
                        "items": [
                            {"membershipId": m, "organisationId": target, "keepHistory": False}
                            for m in reversed(at_b)
                        ]
                    }
                },
            ),
        )
        payloads = [r.json()["data"]["bulkRelinkMemberships"] for r in responses]
        assert sorted(p["applied"] for p in payloads) == [False, True], f"round {round_}: {payloads}"
        loser = next(p for p in payloads if not p["applied"])
        assert loser["totals"]["failed"] == 8
        assert {e["code"] for r in loser["results"] for e in r["userErrors"]} == {"CONFLICT"}
        async with sessionmaker() as session:
            at_target = (
                await session.execute(
                    select(Membership.person_id, func.count())
                    .where(Membership.organisation_id == pk(target), Membership.active.is_(True))
                    .group_by(Membership.person_id)
                )
            ).all()
        assert sorted(n for _, n in at_target) == [1] * 8, at_target
