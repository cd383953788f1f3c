"""`active` agrees with the dates: a membership, relation or internal relation whose end date
has passed is inactive on every path, one that starts tomorrow is not active yet, and a
lapsed one gives its place to a new one (db/models/in_force.py, domain/places.py)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from helpers import Caller, create_organisation, create_person, pk
from sqlalchemy import select

from relgraph import transfer
from relgraph.db.models import Membership, Relation
from relgraph.graphql.core.ids import encode_id

TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
TOMORROW = (TODAY + dt.timedelta(days=1)).isoformat()
NEXT_MONTH = (TODAY + dt.timedelta(days=30)).isoformat()
ERRORS = "userErrors { field code }"
MEMBERSHIP = "id active startDate endDate role person { lastName }"
ADD_MEMBERSHIP = f"""
mutation($input: AddMembershipInput!) {{ addMembership(input: $input) {{ membership {{ {MEMBERSHIP} }} {ERRORS} }} }}"""
MEMBERSHIPS = f"""
query($id: ID!, $inactive: Boolean! = false, $filter: MembershipFilter) {{
  node(id: $id) {{
    ... on Organisation {{ memberships(includeInactive: $inactive, filter: $filter) {{ totalCount nodes {{ {MEMBERSHIP} }} }} }}
    ... on Person {{ memberships(includeInactive: $inactive, filter: $filter) {{ totalCount nodes {{ {MEMBERSHIP} }} }} }}
  }}
}}"""
RELATION = "id active startDate endDate"
ADD_RELATION = f"""
mutation($input: AddRelationInput!) {{ addRelation(input: $input) {{ relation {{ {RELATION} }} {ERRORS} }} }}"""
UPDATE_RELATION = f"""
mutation($input: UpdateRelationInput!) {{ updateRelation(input: $input) {{ relation {{ {RELATION} }} {ERRORS} }} }}"""
RELATIONS = f"""
query($id: ID!, $inactive: Boolean! = false) {{
  node(id: $id) {{ ... on Party {{ relations(includeInactive: $inactive) {{ totalCount edges {{ relation {{ {RELATION} }} }} }} }} }}
}}"""
NEIGHBOURS = """
query($id: ID!, $include: [NeighbourhoodKind!]) {
  node(id: $id) { ... on Party { neighbourhood(depth: 1, include: $include) {
    nodes { party { displayName } } staff { user { name } } edges { kind } } } }
}"""
PATH = """
query($a: ID!, $b: ID!, $include: [NeighbourhoodKind!]) { shortestPath(fromId: $a, toId: $b, include: $include) { length } }"""


async def add_membership(caller: Caller, person: str, org: str, **fields: Any) -> dict[str, Any]:
    data = await caller.gql(ADD_MEMBERSHIP, {"input": {"personId": person, "organisationId": org, **fields}})
    return data["addMembership"]


async def memberships(caller: Caller, owner: str, **variables: Any) -> dict[str, Any]:
    return (await caller.gql(MEMBERSHIPS, {"id": owner, **variables}))["node"]["memberships"]


async def relation_type(caller: Caller) -> str:
    data = await caller.gql(
        'mutation { createRelationType(input: {name: "supplier of", inverseName: "customer of", '
        "sourceKinds: [ORGANISATION], targetKinds: [ORGANISATION]}) { relationType { id } } }"
    )
    return data["createRelationType"]["relationType"]["id"]


async def add_relation(
    caller: Caller, type_id: str, source: str, target: str, **fields: Any
) -> dict[str, Any]:
    data = await caller.gql(
        ADD_RELATION, {"input": {"typeId": type_id, "sourceId": source, "targetId": target, **fields}}
    )
    return data["addRelation"]


async def flags(sessionmaker: Any, model: Any) -> dict[int, bool]:
    async with sessionmaker() as session:
        return dict((await session.execute(select(model.id, model.active))).all())


async def test_a_membership_past_its_end_date_is_inactive_on_every_path(admin, sessionmaker) -> None:
    org = await create_organisation(admin, "Acme")
    old, new = await create_person(admin, "Oudgediende"), await create_person(admin, "Nieuwkomer")
    ended = await add_membership(
        admin, old, org, role="Inkoper", tags=["nieuwsbrief"], startDate="2020-01-01", endDate=YESTERDAY
    )
    assert ended["userErrors"] == [] and ended["membership"]["active"] is False
    await add_membership(admin, new, org, role="Inkoper", tags=["nieuwsbrief"])
    ended_id = ended["membership"]["id"]
    assert (await flags(sessionmaker, Membership))[pk(ended_id)] is True, "the flag is still set"

    people = await memberships(admin, org)
    assert people["totalCount"] == 1 and [m["person"]["lastName"] for m in people["nodes"]] == ["Nieuwkomer"]
    every = await memberships(admin, org, inactive=True)
    assert {(m["person"]["lastName"], m["active"]) for m in every["nodes"]} == {
        ("Oudgediende", False),
        ("Nieuwkomer", True),
    }
    # A mailing list by tag, and a search of the organisation's people.
    assert (await memberships(admin, org, filter={"tag": "nieuwsbrief"}))["totalCount"] == 1
    assert (await memberships(admin, org, filter={"search": "oudgediende"}))["totalCount"] == 0
    assert (await memberships(admin, org, inactive=True, filter={"search": "oudgediende"}))["totalCount"] == 1
    assert (await memberships(admin, old))["totalCount"] == 0
    node = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on Membership { active } } }", {"id": ended_id}
    )
    assert node["node"]["active"] is False

    graph = (await admin.gql(NEIGHBOURS, {"id": org, "include": ["MEMBERSHIPS"]}))["node"]["neighbourhood"]
    assert {n["party"]["displayName"] for n in graph["nodes"]} == {"Acme", "Nieuwkomer"}
    path = await admin.gql(PATH, {"a": old, "b": org, "include": ["MEMBERSHIPS"]})
    assert path["shortestPath"] is None

    async with sessionmaker() as session:
        out = io.StringIO()
        await transfer.export_csv(session, "memberships", out)
    exported = {int(row["id"]): row["active"] for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert exported[pk(ended_id)] == "false"


async def test_a_new_membership_takes_the_place_of_one_past_its_end_date(admin, sessionmaker) -> None:
    org, person = await create_organisation(admin, "Acme"), await create_person(admin, "Terugkeerder")
    ended = (
        await add_membership(admin, person, org, role="Beslisser", startDate="2019-05-01", endDate=YESTERDAY)
    )["membership"]
    again = await add_membership(admin, person, org, role="Beslisser", startDate=TODAY.isoformat())
    assert again["userErrors"] == [] and again["membership"]["active"] is True
    listed = await memberships(admin, person, inactive=True)
    assert sorted((m["active"], m["endDate"]) for m in listed["nodes"]) == [(False, YESTERDAY), (True, None)]
    # The old one gave up its place (its flag), and nothing it answers changed.
    assert (await flags(sessionmaker, Membership))[pk(ended["id"])] is False
    third = await add_membership(admin, person, org, role="Beslisser")
    assert third["userErrors"] == [{"field": ["role"], "code": "CONFLICT"}]
    back = await admin.gql(
        "mutation($id: ID!) { reactivateMembership(input: {id: $id}) { userErrors { field code } } }",
        {"id": ended["id"]},
    )
    assert back["reactivateMembership"]["userErrors"] == [{"field": ["role"], "code": "CONFLICT"}]


async def test_a_membership_that_starts_tomorrow_is_not_active_yet(admin) -> None:
    org, person = await create_organisation(admin, "Acme"), await create_person(admin, "Aanstaand")
    planned = await add_membership(admin, person, org, role="Gebruiker", startDate=TOMORROW)
    assert planned["userErrors"] == [] and planned["membership"]["active"] is False
    assert (await memberships(admin, org))["totalCount"] == 0
    assert [m["active"] for m in (await memberships(admin, org, inactive=True))["nodes"]] == [False]
    # It holds its place: a second one in the same role is a conflict.
    second = await add_membership(admin, person, org, role="Gebruiker")
    assert second["userErrors"] == [{"field": ["role"], "code": "CONFLICT"}]


async def test_deactivating_ends_at_once_or_on_a_later_last_day(admin) -> None:
    org = await create_organisation(admin, "Acme")
    leaving, gone = await create_person(admin, "Vertrekker"), await create_person(admin, "Weg")
    later = (await add_membership(admin, leaving, org))["membership"]["id"]
    now = (await add_membership(admin, gone, org))["membership"]["id"]
    deactivate = (
        "mutation($id: ID!, $end: Date) { deactivateMembership(input: {id: $id, endDate: $end}) "
        "{ membership { active endDate } userErrors { code } } }"
    )
    planned = await admin.gql(deactivate, {"id": later, "end": NEXT_MONTH})
    assert planned["deactivateMembership"]["membership"] == {"active": True, "endDate": NEXT_MONTH}
    at_once = await admin.gql(deactivate, {"id": now, "end": None})
    assert at_once["deactivateMembership"]["membership"] == {"active": False, "endDate": TODAY.isoformat()}
    assert [m["person"]["lastName"] for m in (await memberships(admin, org))["nodes"]] == ["Vertrekker"]


async def test_a_relation_past_its_end_date_is_inactive_on_every_path(admin, sessionmaker) -> None:
    supplies = await relation_type(admin)
    a, b, c = [await create_organisation(admin, n) for n in ("Alfa", "Beta", "Gamma")]
    ended = await add_relation(admin, supplies, a, b, startDate="2020-01-01", endDate=YESTERDAY)
    assert ended["userErrors"] == [] and ended["relation"]["active"] is False
    assert (await flags(sessionmaker, Relation))[pk(ended["relation"]["id"])] is True, "the flag is still set"
    planned = await add_relation(admin, supplies, a, c, startDate=TOMORROW)
    assert planned["relation"]["active"] is False

    listed = (await admin.gql(RELATIONS, {"id": a}))["node"]["relations"]
    assert listed == {"totalCount": 0, "edges": []}
    every = (await admin.gql(RELATIONS, {"id": a, "inactive": True}))["node"]["relations"]
    assert every["totalCount"] == 2 and {e["relation"]["active"] for e in every["edges"]} == {False}
    graph = (await admin.gql(NEIGHBOURS, {"id": a, "include": ["RELATIONS"]}))["node"]["neighbourhood"]
    assert {n["party"]["displayName"] for n in graph["nodes"]} == {"Alfa"}
    assert (await admin.gql(PATH, {"a": a, "b": b, "include": ["RELATIONS"]}))["shortestPath"] is None

    again = await add_relation(admin, supplies, a, b)
    assert again["userErrors"] == [] and again["relation"]["active"] is True
    assert (await admin.gql(RELATIONS, {"id": b}))["node"]["relations"]["totalCount"] == 1


async def test_ending_a_relation_by_hand_keeps_its_last_day_and_reviving_clears_it(admin) -> None:
    supplies = await relation_type(admin)
    a, b = await create_organisation(admin, "Alfa"), await create_organisation(admin, "Beta")
    relation = (await add_relation(admin, supplies, a, b, startDate="2020-01-01"))["relation"]["id"]

    async def update(**fields: Any) -> dict[str, Any]:
        data = await admin.gql(UPDATE_RELATION, {"input": {"id": relation, **fields}})
        assert data["updateRelation"]["userErrors"] == []
        return data["updateRelation"]["relation"]

    assert await update(active=False) == {
        "id": relation,
        "active": False,
        "startDate": "2020-01-01",
        "endDate": TODAY.isoformat(),
    }
    assert (await update(active=True))["endDate"] is None
    assert (await update(active=False, endDate=NEXT_MONTH))["active"] is True, (
        "a later end date plans the end"
    )


async def test_an_internal_relation_past_its_until_is_not_current(admin) -> None:
    org = await create_organisation(admin, "Acme")
    categories = await admin.gql("{ internalRelationCategories { id code } }")
    manager = next(
        c["id"] for c in categories["internalRelationCategories"] if c["code"] == "ACCOUNT_MANAGER"
    )
    added = await admin.gql(
        "mutation($input: AddInternalRelationInput!) { addInternalRelation(input: $input) "
        "{ internalRelation { current } userErrors { code } } }",
        {
            "input": {
                "employeeId": encode_id("User", admin.user_id),
                "partyId": org,
                "categoryId": manager,
                "since": "2020-01-01",
                "until": YESTERDAY,
            }
        },
    )
    assert added["addInternalRelation"]["internalRelation"] == {"current": False}
    card = await admin.gql(
        "query($id: ID!) { organisation(id: $id) { accountManagers { id } internalRelations { totalCount } } }",
        {"id": org},
    )
    assert card["organisation"] == {"accountManagers": [], "internalRelations": {"totalCount": 0}}
    graph = (await admin.gql(NEIGHBOURS, {"id": org, "include": ["INTERNAL"]}))["node"]["neighbourhood"]
    assert graph["staff"] == [] and graph["edges"] == []


LAPSED = {"role": "Inkoper", "startDate": "2018-01-01", "endDate": YESTERDAY}


async def test_relinking_into_the_place_of_a_lapsed_membership(admin) -> None:
    mover = await create_person(admin, "Verhuizer")
    old, target = await create_organisation(admin, "Oud"), await create_organisation(admin, "Doel")
    current = (await add_membership(admin, mover, old, role="Inkoper"))["membership"]["id"]
    await add_membership(admin, mover, target, **LAPSED)
    relinked = await admin.gql(
        "mutation($input: BulkRelinkMembershipsInput!) { bulkRelinkMemberships(input: $input) "
        "{ applied results { userErrors { field code } newMembership { active } } } }",
        {"input": {"items": [{"membershipId": current, "organisationId": target, "keepHistory": False}]}},
    )
    assert relinked["bulkRelinkMemberships"]["applied"] is True, relinked
    assert relinked["bulkRelinkMemberships"]["results"][0]["newMembership"] == {"active": True}
    assert [m["active"] for m in (await memberships(admin, target, inactive=True))["nodes"]] == [True, False]


async def test_merging_into_the_place_of_a_lapsed_membership_moves_the_current_one(admin) -> None:
    stayer = await create_person(admin, "Blijver")
    source, target = await create_organisation(admin, "Bron"), await create_organisation(admin, "Doel")
    await add_membership(admin, stayer, source, role="Inkoper")
    await add_membership(admin, stayer, target, **LAPSED)
    merged = await admin.gql(
        "mutation($s: ID!, $t: ID!) { mergeOrganisations(input: {sourceId: $s, targetId: $t}) "
        "{ counts { membershipsMoved membershipsMerged } userErrors { code } } }",
        {"s": source, "t": target},
    )
    assert merged["mergeOrganisations"] == {
        "counts": {"membershipsMoved": 1, "membershipsMerged": 0},
        "userErrors": [],
    }
    listed = (await memberships(admin, target, inactive=True))["nodes"]
    assert sorted((m["active"], m["endDate"]) for m in listed) == [(False, YESTERDAY), (True, None)]


async def test_an_import_takes_the_place_of_a_lapsed_membership(admin, sessionmaker, tmp_path: Path) -> None:
    org, person = await create_organisation(admin, "Acme"), await create_person(admin, "Ingelezen")
    await add_membership(admin, person, org, role="Beslisser", startDate="2018-01-01", endDate=YESTERDAY)
    path = tmp_path / "m.csv"
    path.write_text(
        f"person_id,organisation_id,role,start_date,active\n{pk(person)},{pk(org)},Beslisser,{TODAY},true\n",
        encoding="utf-8",
    )
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        result = await transfer.import_csv(session, "memberships", path)
        assert result.applied and not result.rejected, [r.errors for r in result.rejected]
        await session.commit()
    assert [m["active"] for m in (await memberships(admin, person, inactive=True))["nodes"]] == [False, True]


@pytest.mark.postgres_only
async def test_two_adds_racing_for_a_lapsed_place_give_one_membership_and_a_conflict(
    admin, make_caller
) -> None:
    other = await make_caller("TEAM")
    org = await create_organisation(admin, "Race BV")
    for round_ in range(6):
        person = await create_person(admin, f"Racer{round_}")
        await add_membership(admin, person, org, role="Beslisser", startDate="2018-01-01", endDate=YESTERDAY)
        variables = {"input": {"personId": person, "organisationId": org, "role": "Beslisser"}}
        responses = await asyncio.gather(
            admin.post(ADD_MEMBERSHIP, variables), other.post(ADD_MEMBERSHIP, variables)
        )
        outcomes = []
        for response in responses:
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, body
            outcomes.append([e["code"] for e in body["data"]["addMembership"]["userErrors"]] or ["ok"])
        assert sorted(outcomes) == [["CONFLICT"], ["ok"]], f"round {round_}: {outcomes}"
        assert [m["active"] for m in (await memberships(admin, person, inactive=True))["nodes"]] == [
            False,
            True,
        ]
