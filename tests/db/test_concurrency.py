"""Races between many clients at once: reparenting, versioned updates, bulk relinks and merges.

Every request is its own HTTP request with its own session and transaction (the engine's
pool gives each a connection), so on PostgreSQL the transactions really overlap; on SQLite
they queue on the write lock, and the same outcomes must hold. The checks look at what was
stored afterwards, not at the order things happened in, which the scheduler decides.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

import pytest
from helpers import USER_ERRORS, Caller, MakeCaller, codes, pk
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from relgraph.db.models import (
    AuditEvent,
    ContactMean,
    Membership,
    MembershipTag,
    Organisation,
    Person,
)
from relgraph.graphql.core.ids import encode_id

SET_PARENT = f"""
mutation($input: SetParentOrganisationInput!) {{
  setParentOrganisation(input: $input) {{ organisation {{ id version }} {USER_ERRORS} }}
}}"""
VERSION = "query($id: ID!) { node(id: $id) { ... on Organisation { version } } }"
CLIENTS = 20
ROLES = ("ADMIN", "TEAM", "BUSINESS")


def payload_of(response: Any, field: str) -> dict[str, Any]:
    """The mutation's payload; a lost race must be a userError, never a 500 or a top-level error."""
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    return body["data"][field]


def codes_or_ok(payload: dict[str, Any]) -> list[str]:
    """The payload's userError codes, or ["ok"] for none."""
    return codes(payload) or ["ok"]


async def clients(make_caller: MakeCaller) -> list[Caller]:
    return [await make_caller(ROLES[i % len(ROLES)]) for i in range(CLIENTS)]


# --- reparenting ---------------------------------------------------------------------------

# The subtree: R over A, B, C; A over A1, A2; A1 over A11; B over B1, B2; B1 over B11.
TREE = {"A": "R", "B": "R", "C": "R", "A1": "A", "A2": "A", "A11": "A1", "B1": "B", "B2": "B", "B11": "B1"}

CYCLES = """
WITH RECURSIVE up(start_id, id, steps) AS (
  SELECT id, parent_id, 1 FROM organisations WHERE parent_id IS NOT NULL
  UNION ALL
  SELECT up.start_id, o.parent_id, up.steps + 1
  FROM up JOIN organisations o ON o.id = up.id
  WHERE o.parent_id IS NOT NULL AND up.start_id <> up.id
    AND up.steps <= (SELECT count(*) FROM organisations)
)
SELECT DISTINCT start_id FROM up WHERE id = start_id
"""


async def _tree(sessionmaker: Any) -> dict[str, int]:
    ids: dict[str, int] = {}
    async with sessionmaker() as session:
        for name in ["R", *TREE]:
            org = Organisation(
                name=name,
                name_key=name.lower(),
                search_text=name.lower(),
                parent_id=ids.get(TREE.get(name, "")),
            )
            session.add(org)
            await session.flush()
            ids[name] = org.id
        await session.commit()
    return ids


async def test_twenty_clients_reparenting_one_subtree_never_make_a_cycle(make_caller, sessionmaker) -> None:
    ids = await _tree(sessionmaker)
    nodes = [encode_id("Organisation", i) for i in ids.values()]
    callers = await clients(make_caller)
    outcomes: list[tuple[int, str]] = []  # (organisation, outcome)

    async def client(number: int, caller: Caller) -> None:
        moves = random.Random(number)  # seeded: the same moves every run
        for _ in range(4):
            org = moves.choice(nodes)
            parent = None if moves.random() < 0.1 else moves.choice(nodes)
            move: dict[str, Any] = {"organisationId": org, "parentId": parent}
            if number % 2:
                # Half the clients say which version they saw: whoever changes it first wins.
                seen = (await caller.gql(VERSION, {"id": org}))["node"]["version"]
                move["expectedVersion"] = seen
            payload = payload_of(await caller.post(SET_PARENT, {"input": move}), "setParentOrganisation")
            [outcome] = codes_or_ok(payload)
            assert outcome in ("ok", "CYCLE", "CONFLICT"), payload
            outcomes.append((pk(org), outcome))

    await asyncio.gather(*(client(n, c) for n, c in enumerate(callers)))

    tally = {o: sum(1 for _, x in outcomes if x == o) for o in ("ok", "CYCLE", "CONFLICT")}
    assert len(outcomes) == 4 * CLIENTS
    assert tally["ok"] and tally["CYCLE"], tally
    async with sessionmaker() as session:
        assert (await session.execute(text(CYCLES))).all() == []
        parents = dict((await session.execute(select(Organisation.id, Organisation.parent_id))).all())
        versions = dict((await session.execute(select(Organisation.id, Organisation.version))).all())
        events = (
            await session.execute(
                select(AuditEvent.object_id, AuditEvent.changes)
                .where(AuditEvent.action == "SET_PARENT")
                .order_by(AuditEvent.id)
            )
        ).all()
    # No lost update: each accepted move bumped its organisation's version once and left one
    # audit event; replayed in the order they were recorded, each event starts from the parent
    # the one before it left (so they really ran one after the other), and the replay ends in
    # the stored state.
    for org_id in ids.values():
        accepted = sum(1 for o, x in outcomes if o == org_id and x == "ok")
        assert versions[org_id] == 1 + accepted, (org_id, versions[org_id], accepted)
    assert len(events) == tally["ok"]
    replay = _initial(ids)
    for org_id, changes in events:
        if "parent_id" in changes:
            assert changes["parent_id"]["before"] == replay[org_id], (org_id, changes)
            replay[org_id] = changes["parent_id"]["after"]
    assert replay == {i: parents[i] for i in ids.values()}
    # The cycle query does find one when there is one (the hierarchy code would never).
    async with sessionmaker() as session:
        child = next(i for i, parent in parents.items() if parent is not None)
        await session.execute(
            text("UPDATE organisations SET parent_id = :child WHERE id = :root"),
            {"child": child, "root": _root_of(parents, child)},
        )
        assert len((await session.execute(text(CYCLES))).all()) >= 2
        await session.rollback()


def _root_of(parents: dict[int, int | None], org: int) -> int:
    while parents[org] is not None:
        org = parents[org]  # type: ignore[assignment]
    return org


def _initial(ids: dict[str, int]) -> dict[int, int | None]:
    return {ids[name]: ids[TREE[name]] if name in TREE else None for name in ids}


# --- versioned updates -----------------------------------------------------------------------

UPDATES = {
    "organisation": (
        "updateOrganisation",
        "UpdateOrganisationInput",
        "organisation { id version }",
        """... on Organisation { version description email phone
             addresses { kind city } contactMeans { kind value } }""",
    ),
    "person": (
        "updatePerson",
        "UpdatePersonInput",
        "person { id version }",
        "... on Person { version firstName email phone contactMeans { kind value } }",
    ),
    "membership": (
        "updateMembership",
        "UpdateMembershipInput",
        "membership { id version }",
        "... on Membership { version jobTitle department tags }",
    ),
}


def _change(kind: str, n: int) -> dict[str, Any]:
    """Client n's values: fields of the row itself and of the rows that hang off it."""
    if kind == "organisation":
        return {
            "description": f"Versie van client {n}",
            "email": f"info{n}@client.example",
            "phone": f"+31 20 555 {n:04d}",
            "visitAddress": {"street": "Kade", "houseNumber": str(n + 1), "city": f"Stad {n}"},
        }
    if kind == "person":
        return {
            "firstName": f"Client{n}",
            "email": f"prive{n}@client.example",
            "phone": f"+31 6 1234 {n:04d}",
        }
    return {"jobTitle": f"Functie {n}", "department": f"Afdeling {n}", "tags": [f"client-{n}", "gedeeld"]}


def _stored_as(kind: str, node: dict[str, Any], change: dict[str, Any]) -> None:
    """The stored values are exactly the winner's, with no second copy of a related row."""
    if kind == "organisation":
        assert node["description"] == change["description"]
        assert node["email"] == change["email"]
        assert [a["city"] for a in node["addresses"] if a["kind"] == "VISIT"] == [
            change["visitAddress"]["city"]
        ]
        assert sorted(m["kind"] for m in node["contactMeans"]) == ["EMAIL", "PHONE"], node["contactMeans"]
    elif kind == "person":
        assert (node["firstName"], node["email"]) == (change["firstName"], change["email"])
        assert sorted(m["kind"] for m in node["contactMeans"]) == ["EMAIL", "PHONE"], node["contactMeans"]
    else:
        assert (node["jobTitle"], node["department"]) == (change["jobTitle"], change["department"])
        assert sorted(node["tags"]) == sorted(change["tags"])


async def _subjects(admin: Caller) -> dict[str, str]:
    org = await admin.gql(
        'mutation { createOrganisation(input: {name: "Versie BV"}) { organisation { id } } }'
    )
    org_id = org["createOrganisation"]["organisation"]["id"]
    person = await admin.gql('mutation { createPerson(input: {lastName: "Versie"}) { person { id } } }')
    person_id = person["createPerson"]["person"]["id"]
    membership = await admin.gql(
        "mutation($p: ID!, $o: ID!) { addMembership(input: {personId: $p, organisationId: $o}) "
        "{ membership { id } userErrors { code } } }",
        {"p": person_id, "o": org_id},
    )
    return {
        "organisation": org_id,
        "person": person_id,
        "membership": membership["addMembership"]["membership"]["id"],
    }


async def test_concurrent_versioned_updates_have_one_winner_and_lose_nothing(admin, make_caller) -> None:
    callers = await clients(make_caller)
    subjects = await _subjects(admin)
    # Round 1 finds no contact means, address or tags yet (every client would insert them);
    # round 2 finds the winner's of round 1 (every client would replace them).
    for round_ in (1, 2):
        for kind, (field, input_type, returned, read) in UPDATES.items():
            node = f"query($id: ID!) {{ node(id: $id) {{ {read} }} }}"
            seen = (await admin.gql(node, {"id": subjects[kind]}))["node"]["version"]
            mutation = (
                f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ {returned} {USER_ERRORS} }} }}"
            )
            changes = [_change(kind, round_ * 100 + n) for n in range(CLIENTS)]
            responses = await asyncio.gather(
                *(
                    caller.post(
                        mutation, {"input": {"id": subjects[kind], "expectedVersion": seen, **change}}
                    )
                    for caller, change in zip(callers, changes, strict=True)
                )
            )
            payloads = [payload_of(r, field) for r in responses]
            outcomes = [codes_or_ok(p) for p in payloads]
            winners = [i for i, o in enumerate(outcomes) if o == ["ok"]]
            assert len(winners) == 1, (kind, round_, outcomes)
            assert sorted(map(tuple, outcomes)) == [("CONFLICT",)] * (CLIENTS - 1) + [("ok",)], (
                kind,
                outcomes,
            )
            stored = (await admin.gql(node, {"id": subjects[kind]}))["node"]
            winner = payloads[winners[0]][returned.split()[0]]
            assert stored["version"] == winner["version"] > seen, (kind, round_)
            _stored_as(kind, stored, changes[winners[0]])


# --- bulk relinks and merges ---------------------------------------------------------------

RELINK = f"""
mutation($input: BulkRelinkMembershipsInput!) {{
  bulkRelinkMemberships(input: $input) {{ applied totals {{ relinked failed }} {USER_ERRORS}
    results(failedOnly: true) {{ index {USER_ERRORS} }} }}
}}"""
MERGE = f"""
mutation($input: MergeOrganisationsInput!) {{
  mergeOrganisations(input: $input) {{ counts {{ membershipsMoved membershipsMerged }} {USER_ERRORS} }}
}}"""
UPDATE_MEMBERSHIP = f"""
mutation($input: UpdateMembershipInput!) {{ updateMembership(input: $input) {{ membership {{ id }} {USER_ERRORS} }} }}"""
UPDATE_ORGANISATION = f"""
mutation($input: UpdateOrganisationInput!) {{
  updateOrganisation(input: $input) {{ organisation {{ id }} {USER_ERRORS} }}
}}"""
MUTATIONS = {
    "relink": (RELINK, "bulkRelinkMemberships"),
    "merge": (MERGE, "mergeOrganisations"),
    "membership": (UPDATE_MEMBERSHIP, "updateMembership"),
    "organisation": (UPDATE_ORGANISATION, "updateOrganisation"),
}
PEOPLE = 40


async def _world(
    sessionmaker: Any, round_: int
) -> tuple[dict[str, int], list[int], dict[tuple[str, int], int]]:
    """Organisations A..F; 40 people at A; some of them at B, D or E too, in the same role."""
    now = dt.datetime.now(dt.UTC)
    async with sessionmaker() as session:
        orgs = {
            n: Organisation(name=f"{n}{round_}", name_key=f"{n}{round_}".lower(), search_text="")
            for n in "ABCDEF"
        }
        people = [
            Person(last_name=f"R{round_}-{i}", sort_key=f"r{round_}-{i}", search_text="")
            for i in range(PEOPLE)
        ]
        session.add_all([*orgs.values(), *people])
        await session.flush()
        where = [("A", p) for p in range(PEOPLE)]
        where += (
            [("B", p) for p in range(20)]
            + [("D", p) for p in range(15, 30)]
            + [("E", p) for p in range(25, 40)]
        )
        rows = [
            {
                "person_id": people[p].id,
                "organisation_id": orgs[o].id,
                "role": "Contact",
                "active": True,
                "start_date": dt.date(2020, 1, 1),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for o, p in where
        ]
        ids = (
            (
                await session.execute(
                    insert(Membership).returning(Membership.id, sort_by_parameter_order=True), rows
                )
            )
            .scalars()
            .all()
        )
        await session.execute(insert(MembershipTag), [{"membership_id": i, "tag": "klant"} for i in ids])
        await session.commit()
    return {n: o.id for n, o in orgs.items()}, [p.id for p in people], dict(zip(where, ids, strict=True))


async def _census(sessionmaker: Any, people: list[int]) -> dict[str, Any]:
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    Membership.id,
                    Membership.person_id,
                    Membership.organisation_id,
                    Membership.role,
                    Membership.active,
                ).where(Membership.person_id.in_(people))
            )
        ).all()
        tags = await session.scalar(
            select(func.count())
            .select_from(MembershipTag)
            .join(Membership, Membership.id == MembershipTag.membership_id)
            .where(Membership.person_id.in_(people))
        )
        archived = set(await session.scalars(select(Organisation.id).where(Organisation.archived.is_(True))))
    active = [r for r in rows if r.active]
    per_person: dict[int, int] = {}
    for r in active:
        per_person[r.person_id] = per_person.get(r.person_id, 0) + 1
    return {
        "ids": {r.id for r in rows},
        "active": len(active),
        "per_person": per_person,
        "keys": [(r.person_id, r.organisation_id, r.role or "") for r in active],
        "at_archived": [r.id for r in active if r.organisation_id in archived],
        "tags": tags,
    }


def _items(
    at: dict[tuple[str, int], int],
    gid: dict[str, str],
    where: str,
    persons: range,
    to: str,
    keep_history: bool = True,
) -> list[dict[str, Any]]:
    """Relink items: the memberships at `where` of `persons` (by number) to `to`."""
    return [
        {
            "membershipId": encode_id("Membership", at[(where, p)]),
            "organisationId": gid[to],
            "keepHistory": keep_history,
            "startDate": "2031-01-01",
        }
        for p in persons
    ]


async def test_concurrent_bulk_relinks_and_merges_reconcile(make_caller, sessionmaker) -> None:
    """Merges and relinks over the same people at once: every row accounted for."""
    callers = await clients(make_caller)
    team = [c for n, c in enumerate(callers) if ROLES[n % len(ROLES)] != "BUSINESS"]  # merges need TEAM
    for round_ in range(3):
        orgs, people, at = await _world(sessionmaker, round_)
        before = await _census(sessionmaker, people)
        gid = {n: encode_id("Organisation", i) for n, i in orgs.items()}

        # Overlaps: A's people 10-29 relinked to C and 20-39 moved to F; A merged into B
        # (people 0-19 are at B already); D merged into E (25-29 are at both); D's people
        # relinked to C; B's relinked to F. In between, single changes to the same rows,
        # which lock them in their own way: the memberships (and so their people's search
        # text) and the organisations (and so their contact means and addresses).
        work = [
            ("relink", {"items": _items(at, gid, "A", range(10, 30), "C")}),
            ("merge", {"sourceId": gid["A"], "targetId": gid["B"]}),
            ("relink", {"items": _items(at, gid, "A", range(20, 40), "F", keep_history=False)}),
            ("merge", {"sourceId": gid["D"], "targetId": gid["E"]}),
            ("relink", {"items": _items(at, gid, "D", range(15, 30), "C")}),
            ("relink", {"items": _items(at, gid, "B", range(20), "F")}),
            *(
                (
                    "membership",
                    {"id": encode_id("Membership", at[(o, p)]), "businessEmail": f"p{p}@{o}.example"},
                )
                for o, p in [("A", 39), ("A", 25), ("A", 12), ("A", 3), ("B", 19), ("B", 5), ("D", 27)]
            ),
            *(
                (
                    "organisation",
                    {"id": gid[o], "email": f"info@{o}.example", "visitAddress": {"city": f"Stad {o}"}},
                )
                for o in "ADBE"
            ),
        ]
        random.Random(round_).shuffle(work)
        calls = []
        for n, (kind, input_) in enumerate(work):
            caller = team[n % len(team)]
            calls.append(caller.post(MUTATIONS[kind][0], {"input": input_}))
        responses = await asyncio.gather(*calls)

        created = merged = 0
        outcomes = []
        for (kind, input_), response in zip(work, responses, strict=True):
            if kind == "relink":
                payload = payload_of(response, "bulkRelinkMemberships")
                if payload["applied"]:
                    assert payload["totals"]["failed"] == 0
                    created += sum(1 for i in input_["items"] if i["keepHistory"])
                else:
                    # Lost to a merge or another relink: refused as a whole, for a reason it names.
                    errors = payload["userErrors"] + [e for r in payload["results"] for e in r["userErrors"]]
                    assert errors and {e["code"] for e in errors} <= {"CONFLICT", "INVALID", "NOT_FOUND"}, (
                        payload
                    )
                outcomes.append((kind, payload["applied"]))
            elif kind == "merge":
                payload = payload_of(response, "mergeOrganisations")
                assert payload["userErrors"] == [], payload  # nothing the relinks do can stop a merge
                merged += payload["counts"]["membershipsMerged"]
                outcomes.append((kind, True))
            else:
                # No expectedVersion: they wait their turn and apply (a deadlock was a 500),
                # unless a merge got there first: a merged organisation takes no changes.
                payload = payload_of(response, MUTATIONS[kind][1])
                if payload["userErrors"]:
                    [error] = payload["userErrors"]
                    assert error["code"] == "INVALID" and "was merged into" in error["message"], payload

        after = await _census(sessionmaker, people)
        assert after["ids"] >= before["ids"], f"round {round_}: a membership row was lost"
        assert len(after["ids"]) == len(before["ids"]) + created, (round_, outcomes)
        assert after["tags"] == before["tags"] + created, (round_, outcomes)
        # A relink keeps the count of active memberships; a merge ends one per duplicate.
        assert after["active"] == before["active"] - merged, (round_, outcomes)
        assert len(set(after["keys"])) == len(after["keys"]), f"round {round_}: a duplicate active membership"
        assert after["at_archived"] == [], f"round {round_}: active at a merged organisation"
        assert set(after["per_person"]) == set(people), f"round {round_}: someone lost every membership"


@pytest.mark.postgres_only
async def test_a_deadlock_victim_hears_conflict_and_nothing_of_it_stays(
    admin, sessionmaker, database_url
) -> None:
    """A deadlock nobody foresaw: the mutation PostgreSQL sacrifices answers CONFLICT, not a 500."""
    import asyncpg

    created = await admin.gql(
        'mutation { createOrganisation(input: {name: "Slot BV", email: "oud@slot.example"}) { organisation { id } } }'
    )
    org = created["createOrganisation"]["organisation"]["id"]
    async with sessionmaker() as session:
        email = await session.scalar(select(ContactMean.id).where(ContactMean.party_id == pk(org)))
    url = make_url(database_url)
    other = await asyncpg.connect(
        user=url.username, password=url.password, host=url.host, port=url.port or 5432, database=url.database
    )
    try:
        # This side checks for deadlocks last, so the mutation is the one given up.
        await other.execute("SET deadlock_timeout = '20s'")
        transaction = other.transaction()
        await transaction.start()
        await other.execute("SELECT 1 FROM contact_means WHERE id = $1 FOR UPDATE", email)
        update = asyncio.create_task(
            admin.post(
                UPDATE_ORGANISATION, {"input": {"id": org, "email": "nieuw@slot.example", "description": "x"}}
            )
        )
        # The mutation holds the organisation and waits for the contact mean ...
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        for _ in range(3000):
            if await other.fetchval(waiting):
                break
            assert not update.done(), payload_of(update.result(), "updateOrganisation")
            await asyncio.sleep(0.01)
        # ... and now this side waits for the organisation: a cycle.
        await other.execute("SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE", pk(org))
        await transaction.rollback()
        payload = payload_of(await update, "updateOrganisation")
    finally:
        await other.close()
    assert codes(payload) == ["CONFLICT"], payload
    stored = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on Organisation { email description version } } }", {"id": org}
    )
    assert stored["node"] == {"email": "oud@slot.example", "description": None, "version": 1}
