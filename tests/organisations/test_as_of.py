"""The graph as of a day (issue 21): the card, the tree and the neighbourhood of a past day.

A scripted history, written through the API: the hierarchy changes on four days 100 days
apart (a reparenting, a move of subsidiaries, a merge), and memberships, relations and an
account manager start and end on dates of their own. The hierarchy is written today, so
the test lets time pass between the steps by moving every recorded period back 100 days
(what the days in between would have left in the table).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from helpers import add_membership, create_organisation, create_person, ok
from sqlalchemy import select

from relgraph.db.models import ParentPeriod

TODAY = dt.date.today()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def ahead(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


@dataclass
class History:
    ids: dict[str, str]


async def _days_pass(sessionmaker: Any, days: int) -> None:
    """Move every parent period `days` back, as if the changes so far were made that long ago."""
    back = dt.timedelta(days=days)
    async with sessionmaker() as session:
        for period in await session.scalars(select(ParentPeriod)):
            period.valid_from = period.valid_from and period.valid_from - back
            period.valid_to = period.valid_to and period.valid_to - back
        await session.commit()


async def _set_parent(admin: Any, org: str, parent: str) -> None:
    await ok(admin, "setParentOrganisation", "", organisationId=org, parentId=parent)


@pytest.fixture
async def history(admin: Any, make_caller: Any, sessionmaker: Any) -> History:
    ids = {name: await create_organisation(admin, name) for name in ("Holding", "A", "B", "D", "E", "G", "X")}
    # Day T-300: A and B under the holding, G and D under A.
    for org, parent in (("A", "Holding"), ("B", "Holding"), ("G", "A"), ("D", "A")):
        await _set_parent(admin, ids[org], ids[parent])
    await _days_pass(sessionmaker, 100)
    # Day T-200: G goes to B; E starts under D.
    await _set_parent(admin, ids["G"], ids["B"])
    await _set_parent(admin, ids["E"], ids["D"])
    await _days_pass(sessionmaker, 100)
    # Day T-100: A's subsidiaries (D, with E below it) move to B.
    await ok(admin, "moveSubsidiaries", "movedCount", fromOrganisationId=ids["A"], toOrganisationId=ids["B"])
    await _days_pass(sessionmaker, 100)
    # Today: D is merged into B; E, D's subsidiary, moves to B.
    await ok(
        admin, "mergeOrganisations", "counts { subsidiariesMoved }", sourceId=ids["D"], targetId=ids["B"]
    )

    for name in ("Jansen", "Vries", "Bakker", "Visser", "Smit"):
        ids[name] = await create_person(admin, name)
    await add_membership(admin, ids["Jansen"], ids["A"], startDate=ago(400), endDate=ago(120))
    await add_membership(admin, ids["Jansen"], ids["B"], startDate=ago(119))
    await add_membership(admin, ids["Vries"], ids["E"], startDate=ago(250))
    await add_membership(admin, ids["Bakker"], ids["G"], startDate=ahead(30))
    await add_membership(admin, ids["Visser"], ids["G"], startDate=ago(400), endDate=ahead(10))
    smit = await add_membership(admin, ids["Smit"], ids["G"], startDate=ago(400))
    await ok(admin, "deactivateMembership", "", id=smit)  # left today

    supplier = await ok(
        admin,
        "createRelationType",
        "relationType { id }",
        name="levert aan",
        inverseName="koopt van",
        sourceKinds=["ORGANISATION"],
        targetKinds=["ORGANISATION"],
    )
    type_id = supplier["relationType"]["id"]
    await ok(
        admin,
        "addRelation",
        "",
        typeId=type_id,
        sourceId=ids["A"],
        targetId=ids["X"],
        startDate=ago(400),
        endDate=ago(150),
    )
    await ok(
        admin, "addRelation", "", typeId=type_id, sourceId=ids["B"], targetId=ids["X"], startDate=ago(100)
    )

    manager = await make_caller("TEAM", email="accountmanager@test.example")
    ids["manager"] = (await manager.gql("{ viewer { id } }"))["viewer"]["id"]
    data = await admin.gql("{ internalRelationCategories { id code } }")
    category = next(c["id"] for c in data["internalRelationCategories"] if c["code"] == "ACCOUNT_MANAGER")
    await ok(
        admin,
        "addInternalRelation",
        "",
        employeeId=ids["manager"],
        partyId=ids["A"],
        categoryId=category,
        since=ago(400),
        until=ago(90),
    )
    return History(ids)


CARD = """
query($id: ID!, $day: Date) {
  organisation(id: $id, asOf: $day) {
    name
    parent { name }
    depth
    root { name }
    subsidiaries(includeArchived: true) { totalCount nodes { name memberships { totalCount nodes { person { displayName } } } } }
    memberships { totalCount nodes { person { displayName } organisation { name } } }
    relations { totalCount edges { label otherParty { displayName } } }
    accountManagers { email }
    internalRelations { totalCount }
  }
}"""


def _names(connection: dict[str, Any]) -> list[str]:
    return [n["name"] for n in connection["nodes"]]


def _people(connection: dict[str, Any]) -> list[str]:
    return sorted(n["person"]["displayName"] for n in connection["nodes"])


async def test_the_card_of_a_past_day_shows_what_was_in_force_then(admin: Any, history: History) -> None:
    ids = history.ids
    then = (await admin.gql(CARD, {"id": ids["A"], "day": ago(250)}))["organisation"]
    assert (
        then["parent"] == {"name": "Holding"} and then["depth"] == 1 and then["root"] == {"name": "Holding"}
    )
    # D, merged today, is archived: listed with includeArchived, as today.
    assert _names(then["subsidiaries"]) == ["D", "G"] and then["subsidiaries"]["totalCount"] == 2
    # The subsidiaries inherit the day: G's people of T-250 (Bakker starts next month).
    g = next(n for n in then["subsidiaries"]["nodes"] if n["name"] == "G")
    assert _people(g["memberships"]) == ["Smit", "Visser"]
    assert _people(then["memberships"]) == ["Jansen"] and then["memberships"]["totalCount"] == 1
    assert then["memberships"]["nodes"][0]["organisation"] == {"name": "A"}
    assert [(e["label"], e["otherParty"]["displayName"]) for e in then["relations"]["edges"]] == [
        ("levert aan", "X")
    ]
    assert then["accountManagers"] == [{"email": "accountmanager@test.example"}]
    assert then["internalRelations"]["totalCount"] == 1

    today = (await admin.gql(CARD, {"id": ids["A"], "day": None}))["organisation"]
    assert today["parent"] == {"name": "Holding"} and today["subsidiaries"]["totalCount"] == 0
    assert today["memberships"]["totalCount"] == 0 and today["relations"]["totalCount"] == 0
    assert today["accountManagers"] == [] and today["internalRelations"]["totalCount"] == 0

    # Before the group was formed A stood alone.
    before = (await admin.gql(CARD, {"id": ids["A"], "day": ago(400)}))["organisation"]
    assert before["parent"] is None and before["depth"] == 0 and before["root"] == {"name": "A"}
    assert before["subsidiaries"]["totalCount"] == 0


async def test_asof_today_answers_as_without_it(admin: Any, history: History) -> None:
    for name in ("Holding", "A", "B", "G", "E"):
        plain = await admin.gql(CARD, {"id": history.ids[name], "day": None})
        dated = await admin.gql(CARD, {"id": history.ids[name], "day": TODAY.isoformat()})
        assert dated == plain, name


async def test_a_future_day_answers_by_the_planned_dates(admin: Any, history: History) -> None:
    g = history.ids["G"]
    assert _people((await admin.gql(CARD, {"id": g, "day": None}))["organisation"]["memberships"]) == [
        "Visser"
    ]
    later = (await admin.gql(CARD, {"id": g, "day": ahead(40)}))["organisation"]
    # Visser's planned end has passed, Bakker has begun; Smit left by hand today.
    assert _people(later["memberships"]) == ["Bakker"]
    assert later["parent"] == {"name": "B"}
    # The days before today follow the dates of a membership ended by hand.
    assert "Smit" in _people((await admin.gql(CARD, {"id": g, "day": ago(1)}))["organisation"]["memberships"])


TREE = """
query($id: ID!, $day: Date, $archived: Boolean! = false) {
  organisation(id: $id) {
    descendants(asOf: $day, first: 100, includeArchived: $archived) {
      totalCount edges { depth node { name parent { name } } }
    }
  }
}"""


async def _tree(admin: Any, org: str, day: str | None, archived: bool = False) -> list[tuple[int, str, str]]:
    data = await admin.gql(TREE, {"id": org, "day": day, "archived": archived})
    found = data["organisation"]["descendants"]
    assert found["totalCount"] == len(found["edges"])
    return [(e["depth"], e["node"]["name"], e["node"]["parent"]["name"]) for e in found["edges"]]


async def test_the_tree_of_each_day_follows_reparenting_moves_and_the_merge(
    admin: Any, history: History
) -> None:
    holding = history.ids["Holding"]
    assert await _tree(admin, holding, ago(400)) == []
    # D is archived (merged) today, and archived organisations hide their branch, as today:
    # its past shows with includeArchived.
    assert await _tree(admin, holding, ago(250)) == [(1, "A", "Holding"), (1, "B", "Holding"), (2, "G", "A")]
    assert await _tree(admin, holding, ago(250), archived=True) == [
        (1, "A", "Holding"),
        (1, "B", "Holding"),
        (2, "D", "A"),
        (2, "G", "A"),
    ]
    assert await _tree(admin, holding, ago(150), archived=True) == [
        (1, "A", "Holding"),
        (1, "B", "Holding"),
        (2, "D", "A"),
        (2, "G", "B"),
        (3, "E", "D"),
    ]
    assert await _tree(admin, holding, ago(50)) == [(1, "A", "Holding"), (1, "B", "Holding"), (2, "G", "B")]
    assert await _tree(admin, holding, ago(50), archived=True) == [
        (1, "A", "Holding"),
        (1, "B", "Holding"),
        (2, "D", "B"),
        (2, "G", "B"),
        (3, "E", "D"),
    ]
    assert await _tree(admin, holding, None) == [
        (1, "A", "Holding"),
        (1, "B", "Holding"),
        (2, "E", "B"),
        (2, "G", "B"),
    ]


async def test_ancestors_of_a_past_day_and_a_field_that_sets_its_own_day(
    admin: Any, history: History
) -> None:
    query = """query($id: ID!, $then: Date, $later: Date) {
      organisation(id: $id, asOf: $then) {
        ancestors { name }
        now: ancestors(asOf: $later) { name }
        parent { name parent { name } subsidiaries(includeArchived: true) { nodes { name } } }
      }
      plain: organisation(id: $id) { ancestors { name } }
    }"""
    data = await admin.gql(query, {"id": history.ids["E"], "then": ago(150), "later": ago(50)})
    org = data["organisation"]
    assert [a["name"] for a in org["ancestors"]] == ["D", "A", "Holding"]
    assert [a["name"] for a in org["now"]] == ["D", "B", "Holding"]
    # The parent inherits the day: D under A, with E below it, on T-150.
    assert org["parent"] == {"name": "D", "parent": {"name": "A"}, "subsidiaries": {"nodes": [{"name": "E"}]}}
    # The same organisation without asOf in the same request: the loaders key on the day.
    assert [a["name"] for a in data["plain"]["ancestors"]] == ["B", "Holding"]


NEIGHBOURHOOD = """
query($id: ID!, $day: Date) {
  organisation(id: $id, asOf: $day) {
    neighbourhood(depth: 1) { nodes { party { displayName } } staff { user { email } } edges { kind label } }
  }
}"""


async def test_the_neighbourhood_and_paths_of_a_past_day(admin: Any, history: History) -> None:
    ids = history.ids
    then = (await admin.gql(NEIGHBOURHOOD, {"id": ids["A"], "day": ago(250)}))["organisation"][
        "neighbourhood"
    ]
    # D, merged into B today, is archived: no node, as today.
    assert sorted(n["party"]["displayName"] for n in then["nodes"]) == ["A", "G", "Holding", "Jansen", "X"]
    assert [s["user"]["email"] for s in then["staff"]] == ["accountmanager@test.example"]
    assert sorted(e["kind"] for e in then["edges"]) == [
        "HIERARCHY",
        "HIERARCHY",
        "INTERNAL",
        "MEMBERSHIPS",
        "RELATIONS",
    ]
    today = (await admin.gql(NEIGHBOURHOOD, {"id": ids["A"], "day": None}))["organisation"]["neighbourhood"]
    assert sorted(n["party"]["displayName"] for n in today["nodes"]) == ["A", "Holding"]
    assert today["staff"] == []

    path = """query($from: ID!, $to: ID!, $day: Date) {
      shortestPath(fromId: $from, toId: $to, include: [HIERARCHY, RELATIONS], asOf: $day) { length parties { displayName } }
    }"""
    then_path = (await admin.gql(path, {"from": ids["G"], "to": ids["X"], "day": ago(250)}))["shortestPath"]
    assert [p["displayName"] for p in then_path["parties"]] == ["G", "A", "X"]
    now_path = (await admin.gql(path, {"from": ids["G"], "to": ids["X"], "day": None}))["shortestPath"]
    assert [p["displayName"] for p in now_path["parties"]] == ["G", "B", "X"]
    assert (await admin.gql(path, {"from": ids["G"], "to": ids["X"], "day": ago(400)}))[
        "shortestPath"
    ] is None


async def test_a_person_hidden_today_stays_hidden_in_the_past(
    admin: Any, make_caller: Any, history: History
) -> None:
    """R1 as today: a person with no membership (a wrong link deleted) is invisible on every day."""
    ids = history.ids
    hidden = await create_person(admin, "Verborgen")
    membership = await add_membership(admin, hidden, ids["A"], startDate=ago(400), endDate=ago(200))
    await ok(admin, "deleteMembership", "", id=membership, reason="Wrong person")
    knows = await ok(
        admin,
        "createRelationType",
        "relationType { id }",
        name="kent",
        inverseName="bekend bij",
        sourceKinds=["ORGANISATION"],
        targetKinds=["PERSON"],
    )
    type_id = knows["relationType"]["id"]
    await ok(
        admin,
        "addRelation",
        "",
        typeId=type_id,
        sourceId=ids["A"],
        targetId=hidden,
        startDate=ago(400),
        endDate=ago(200),
    )
    business = await make_caller("BUSINESS")
    then = (await business.gql(CARD, {"id": ids["A"], "day": ago(250)}))["organisation"]
    assert _people(then["memberships"]) == ["Jansen"]
    assert [e["otherParty"]["displayName"] for e in then["relations"]["edges"]] == ["X"]
    assert then["relations"]["totalCount"] == 1
    seen = (await business.gql(NEIGHBOURHOOD, {"id": ids["A"], "day": ago(250)}))["organisation"][
        "neighbourhood"
    ]
    assert "Verborgen" not in [n["party"]["displayName"] for n in seen["nodes"]]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('"2024-02-30"', "no day of the calendar"),
        ('"1899-12-31"', "between 1900-01-01 and 2199-12-31"),
        ('"2200-01-01"', "between 1900-01-01 and 2199-12-31"),
        ('"yesterday"', "YYYY-MM-DD"),
        ('"20240101"', "YYYY-MM-DD"),
        ("20240101", "YYYY-MM-DD"),
    ],
)
async def test_a_bad_asof_literal_is_invalid_naming_the_argument(admin: Any, value: str, why: str) -> None:
    org = await create_organisation(admin, "Datum B.V.")
    for query in (
        f'{{ organisation(id: "{org}", asOf: {value}) {{ name }} }}',
        f'{{ organisation(id: "{org}") {{ memberships(asOf: {value}) {{ totalCount }} }} }}',
    ):
        body = (await admin.post(query)).json()
        assert "data" not in body or body["data"] is None, body
        [error] = body["errors"]
        assert error["extensions"] == {"code": "INVALID", "argument": "asOf"}, error
        assert error["message"].startswith("asOf: ") and why in error["message"], error


@pytest.mark.parametrize("value", ["1899-12-31", "2200-01-01", "2024-02-30", "yesterday"])
async def test_a_bad_asof_variable_is_invalid_naming_the_argument(admin: Any, value: str) -> None:
    org = await create_organisation(admin, "Datum B.V.")
    query = "query($id: ID!, $day: Date) { organisation(id: $id) { name subsidiaries(asOf: $day) { totalCount } } }"
    body = (await admin.post(query, {"id": org, "day": value})).json()
    # Refused before the operation runs: nothing is answered.
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID", "argument": "asOf"}, error
    assert error["message"].startswith("asOf: ")
