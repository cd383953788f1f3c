"""asOf in compiled reads (issue 21's graph as of a day): the hierarchy of that day from its
periods, the memberships in force on it, a root's asOf inherited below it unless a field
sets its own; answered as the resolvers answer it, as every demo user, on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from compared import both, card_id
from sqlalchemy import Date, bindparam, select, update

from relgraph.db.models import InternalRelation, Membership, Relation
from relgraph.db.models.in_force import in_force_on
from relgraph.graphql.compiled import execution

# The fixtures of the compiled reads' tests.

TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()

# The card of bench/card.py as of a day from the variables; its lists of that day and the
# hierarchy's fields below it inherit the day, `now` sets its own.
CARD_AS_OF = """query CardAsOf($id: ID!, $day: Date) {
  organisation(id: $id, asOf: $day) {
    id name archived depth
    parent { id name memberships(first: 5) { totalCount nodes { id } } }
    ancestors { name } root { name }
    memberships(first: 50) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { id jobTitle role active startDate endDate person { id displayName }
              organisation { name parent { name } } }
    }
    subsidiaries(first: 50) {
      totalCount
      nodes { id name parent { name } memberships(first: 50) { totalCount nodes { id active } } }
    }
    now: subsidiaries(first: 50, asOf: "TODAY") { totalCount nodes { name parent { name } } }
  }
}""".replace("TODAY", TODAY.isoformat())

# The hierarchy as the demo data's history has it (demo/hierarchy_history.py): the
# document's own dates, before and after each move.
HIERARCHY_ON = """query HierarchyOn($id: ID!) {
  organisation(id: $id) { name
    before: parent(asOf: "2024-06-30") { name parent { name } }
    after: parent(asOf: "2024-07-01") { name }
    ancestors(asOf: "2024-01-01") { name depth ancestors { name } }
    root(asOf: "2023-01-01") { name depth }
    depth(asOf: "2022-12-31")
    old: subsidiaries(first: 50, asOf: "2024-01-01") {
      totalCount edges { cursor node { name depth subsidiaries { totalCount nodes { name } } } }
    }
    subsidiaries(first: 50) { totalCount nodes { name } }
  }
  dated: organisation(id: $id, asOf: "2024-01-01") { name depth parent { name }
    subsidiaries(first: 50) { nodes { name subsidiaries(first: 50) { nodes { name depth } } } }
    inherited: subsidiaries(first: 50, asOf: null) { nodes { name } }
  }
}"""


async def _all_organisations(caller: Any) -> list[str]:
    found = await caller.gql("{ organisations(first: 100) { nodes { id } } }")
    return [node["id"] for node in found["organisations"]["nodes"]]


async def test_the_hierarchy_of_a_day_reads_as_the_resolvers_read_it(
    demo_data, demo_users, resolvers_client, answered
) -> None:
    admin = demo_users[0]
    organisations = await _all_organisations(admin)
    answered.clear()
    moved = 0
    for organisation in organisations:
        answer = await both(admin, resolvers_client, HIERARCHY_ON, {"id": organisation})
        found = answer["data"]["organisation"]
        moved += found["before"] != found["after"]
    assert set(answered) == {"HierarchyOn"}
    assert moved, "some organisation moved to another parent on 2024-07-01 (the demo data's history)"


# A group's descendants on the days around the demo hierarchy's move of 2024-07-01: the
# document's own dates, a day from the variables, and the root's day inherited below it.
DESCENDANTS_ON = """query DescendantsOn($id: ID!, $day: Date) {
  organisation(id: $id) { name
    before: descendants(asOf: "2024-06-30", first: 50) {
      totalCount edges { cursor depth node { name parent { name } depth subsidiaries { totalCount } } }
      pageInfo { hasNextPage startCursor endCursor }
    }
    after: descendants(asOf: "2024-07-01", first: 50) { totalCount nodes { name parent { name } } }
    page: descendants(asOf: "2024-07-01", first: 3, maxDepth: 2) {
      totalCount nodes { name } pageInfo { hasNextPage endCursor }
    }
    asked: descendants(asOf: $day, includeArchived: true) { totalCount nodes { name root { name } } }
    today: descendants { totalCount nodes { name } }
  }
  dated: organisation(id: $id, asOf: $day) { name
    descendants(first: 50) { totalCount edges { depth node { name ancestors { name } } } }
    now: descendants(asOf: null, first: 50) { totalCount nodes { name parent { name } } }
    old: descendants(asOf: "2024-06-30", maxDepth: 1) { totalCount nodes { name } }
  }
}"""


async def test_descendants_of_a_day_read_as_the_resolvers_read_them(
    demo_data, demo_users, resolvers_client, answered
) -> None:
    organisations = await _all_organisations(demo_users[0])
    moved = 0
    for caller in demo_users:
        answered.clear()
        for n, organisation in enumerate(organisations):
            day = ("2024-06-30", "2024-07-01", "2023-01-01")[n % 3]
            answer = await both(caller, resolvers_client, DESCENDANTS_ON, {"id": organisation, "day": day})
            found = answer["data"]["organisation"]
            before = sorted(str(e["node"]["parent"]) + e["node"]["name"] for e in found["before"]["edges"])
            moved += before != sorted(str(o["parent"]) + o["name"] for o in found["after"]["nodes"])
        assert set(answered) == {"DescendantsOn"}, caller.email
    assert moved, "some group's tree changed on 2024-07-01 (the demo data's history)"
    # asOf today or null in the variables: the resolvers answer (today's statements).
    answered.clear()
    for day in (TODAY.isoformat(), None):
        await both(demo_users[0], resolvers_client, DESCENDANTS_ON, {"id": organisations[0], "day": day})
    assert answered == []


async def _dated_memberships(sessionmaker: Any) -> None:
    """Memberships (and relations, and account managers' internal relations) that ended in
    the past, end in the future, begin in the future, and ones ended by hand: in force on
    some days and not on others."""
    day = dt.timedelta(days=1)
    async with sessionmaker() as session:
        for remainder, since, until in (
            (0, TODAY - 300 * day, TODAY - 10 * day),
            (1, None, TODAY + 10 * day),
            (2, TODAY + 5 * day, None),
        ):
            await session.execute(
                update(InternalRelation)
                .where(InternalRelation.id % 4 == remainder)
                .values(since=since, until=until)
            )
        for model in (Membership, Relation):
            await _dated(session, model, day)
        await session.commit()


async def _dated(session: Any, model: Any, day: dt.timedelta) -> None:
    """Memberships or relations (dates and the ended-by-hand flag) of every kind of period."""
    for remainder, values in (
        (0, {"start_date": TODAY - 300 * day, "end_date": TODAY - 10 * day}),
        (1, {"start_date": None, "end_date": TODAY + 10 * day}),
        (2, {"start_date": TODAY + 5 * day, "end_date": None}),
        (3, {"active": False, "start_date": None, "end_date": TODAY + 30 * day}),
        (4, {"active": False, "end_date": TODAY - 3 * day, "start_date": TODAY - 400 * day}),
    ):
        await session.execute(update(model).where(model.id % 7 == remainder).values(**values))


DAYS = [-400, -20, -5, -1, 0, 3, 7, 20, 60]


async def test_the_card_as_of_a_day_from_the_variables_as_every_demo_user(
    demo_data, demo_users, resolvers_client, answered, sessionmaker
) -> None:
    await _dated_memberships(sessionmaker)
    card = await card_id(demo_users[0])
    counts = set()
    for caller in demo_users:
        answered.clear()
        for offset in DAYS:
            day = (TODAY + dt.timedelta(days=offset)).isoformat()
            answer = await both(caller, resolvers_client, CARD_AS_OF, {"id": card, "day": day})
            counts.add(answer["data"]["organisation"]["memberships"]["totalCount"])
        await both(caller, resolvers_client, CARD_AS_OF, {"id": card, "day": None})
        # Today's date and null in the variables: the resolvers (today's statements).
        assert answered == ["CardAsOf"] * (len(DAYS) - 1), caller.email
    assert len(counts) > 2, "the people list differs from one day to another"


async def test_one_compile_serves_every_day(demo_data, demo_users, answered) -> None:
    caller = demo_users[1]
    card = await card_id(caller)
    await caller.post(CARD_AS_OF, {"id": card, "day": YESTERDAY})
    before = execution.compiles[0]
    answered.clear()
    for day in ("2024-01-01", "2023-06-30", YESTERDAY):
        await caller.post(CARD_AS_OF, {"id": card, "day": day})
    assert execution.compiles[0] == before
    assert answered == ["CardAsOf"] * 3


# A root's asOf from the variables, and each field's own as literal, variable or null.
INHERITED = """query Inherited($id: ID!, $day: Date, $own: Date) {
  organisation(id: $id, asOf: $day) {
    name depth
    parent { name memberships(first: 10) { totalCount } }
    mine: parent(asOf: $own) { name parent { name } }
    today: parent(asOf: "TODAY") { name }
    inherited: parent(asOf: null) { name }
    memberships(first: 50, asOf: $own) { totalCount nodes { id organisation { depth parent { name } } } }
    then: memberships(first: 50, asOf: "2024-03-01") { totalCount nodes { id } }
    subsidiaries(first: 50) { nodes { name ancestors { name } root(asOf: $own) { name } } }
  }
}""".replace("TODAY", TODAY.isoformat())


@pytest.mark.parametrize(
    ("day", "own", "compiled"),
    [
        ("2024-06-30", "2024-07-01", True),
        ("2024-07-01", "2024-06-30", True),
        (YESTERDAY, "2022-01-01", True),
        ("2024-06-30", None, False),  # null in the variables: inherited, by the resolvers
        (None, "2024-06-30", False),
    ],
)
async def test_a_root_as_of_is_inherited_unless_a_field_sets_its_own(
    day, own, compiled, demo_data, demo_users, resolvers_client, answered, sessionmaker
) -> None:
    await _dated_memberships(sessionmaker)
    admin = demo_users[0]
    organisations = await _all_organisations(admin)
    answered.clear()
    for organisation in organisations:
        await both(admin, resolvers_client, INHERITED, {"id": organisation, "day": day, "own": own})
    assert bool(answered) == compiled and set(answered) <= {"Inherited"}


async def test_the_rule_for_a_day_known_when_the_statement_runs_is_the_rule_for_a_date(
    demo_data, sessionmaker
) -> None:
    """in_force.py's rule with the day a bind parameter (what compiled reads send) selects
    the memberships it selects with the day as a date, before, on and after today."""
    await _dated_memberships(sessionmaker)
    bound = in_force_on(Membership, bindparam("day", type_=Date()))
    async with sessionmaker() as session:
        for offset in DAYS:
            day = TODAY + dt.timedelta(days=offset)
            known = set(await session.scalars(select(Membership.id).where(in_force_on(Membership, day))))
            later = set(await session.scalars(select(Membership.id).where(bound), {"day": day}))
            assert known == later, day
            assert known, day


# Relations and account managers of a day, inherited from the root and from a dated
# membership's person; the parties a relation reaches carry the day.
RELATIONS_AS_OF = """query RelationsAsOf($id: ID!, $day: Date) {
  organisation(id: $id, asOf: $day) {
    accountManagers { id name }
    then: accountManagers(asOf: "2024-01-01") { name }
    relations(first: 50) {
      totalCount
      edges { cursor label direction
        otherParty { id displayName ... on Organisation { parent { name } accountManagers { name } } }
        node { id active startDate endDate source { id ... on Organisation { depth } } } }
    }
    old: relations(first: 50, asOf: "2023-06-01") { totalCount nodes { id } }
    memberships(first: 20) { nodes { person { displayName relations(first: 10) { totalCount } } } }
  }
}"""


async def test_relations_and_account_managers_of_a_day_as_every_demo_user(
    demo_data, demo_users, resolvers_client, answered, sessionmaker
) -> None:
    await _dated_memberships(sessionmaker)
    organisations = await _all_organisations(demo_users[0])
    counts = set()
    for caller in demo_users:
        answered.clear()
        for n, organisation in enumerate(organisations[:12]):
            day = (TODAY + dt.timedelta(days=DAYS[n % len(DAYS)])).isoformat()
            if day == TODAY.isoformat():
                continue
            answer = await both(caller, resolvers_client, RELATIONS_AS_OF, {"id": organisation, "day": day})
            found = answer["data"]["organisation"]
            counts.add((found["relations"]["totalCount"], len(found["accountManagers"])))
        assert answered and set(answered) == {"RelationsAsOf"}, caller.email
    assert len(counts) > 2


# Lists the compiler writes only as of today, below a root of another day: the resolvers
# answer the whole operation for that day.
TODAY_ONLY = [
    "memberships(first: 5) { nodes { person { memberships(first: 5) { totalCount } } } }",
    "neighbourhood(depth: 1) { nodes { party { displayName } } }",
]


@pytest.mark.parametrize("below", TODAY_ONLY, ids=["a person's memberships", "neighbourhood"])
async def test_lists_written_only_as_of_today_are_left_to_the_resolvers_under_another_day(
    below, demo_data, demo_users, resolvers_client, answered, sessionmaker
) -> None:
    await _dated_memberships(sessionmaker)
    admin = demo_users[0]
    organisations = await _all_organisations(admin)
    query = 'query Dated($id: ID!) { organisation(id: $id, asOf: "2024-06-30") { name ' + below + " } }"
    today = query.replace(', asOf: "2024-06-30"', "")
    answered.clear()
    for organisation in organisations[:10]:
        await both(admin, resolvers_client, query, {"id": organisation})
    assert answered == []
    await both(admin, resolvers_client, today, {"id": organisations[0]})
    assert answered == ["Dated"]
