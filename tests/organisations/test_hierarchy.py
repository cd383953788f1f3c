"""The organisation hierarchy: parent, subsidiaries, ancestors, descendants, reparenting.

Also the statement counts that keep the organisation card batched (issue 4): ancestors and
descendants are one recursive statement each, and the flagship card query costs the same
number of statements for a tiny group as for a group with a thousand people.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from helpers import USER_ERRORS, codes, create_organisation, create_person, errors, pk
from sqlalchemy import insert, select

from relgraph.db.models import (
    ContactMean,
    InternalRelation,
    InternalRelationCategory,
    Membership,
    MembershipTag,
    Organisation,
    Person,
    Relation,
    RelationType,
)
from relgraph.domain.organisations import parent_periods
from relgraph.graphql.compiled import execution as compiled_execution
from relgraph.graphql.core.ids import encode_id

SET_PARENT = f"""
mutation($input: SetParentOrganisationInput!) {{
  setParentOrganisation(input: $input) {{
    organisation {{ id version parent {{ id }} }}
    {USER_ERRORS}
  }}
}}"""

ARCHIVE = f"""
mutation($id: ID!) {{
  archiveOrganisation(input: {{id: $id}}) {{ organisation {{ id archived }} {USER_ERRORS} }}
}}"""


# --- helpers -----------------------------------------------------------------------------


async def create_org(caller: Any, name: str, parent: str | None = None) -> str:
    """Create an organisation through the API (under `parent` when given); return its id."""
    org_id = await create_organisation(caller, name)
    if parent is not None:
        result = await set_parent(caller, org_id, parent)
        assert result["userErrors"] == [], result
    return org_id


async def set_parent(
    caller: Any, org_id: str, parent_id: str | None, expected_version: int | None = None
) -> dict[str, Any]:
    """Run setParentOrganisation; return its payload (organisation + userErrors)."""
    variables: dict[str, Any] = {"input": {"organisationId": org_id, "parentId": parent_id}}
    if expected_version is not None:
        variables["input"]["expectedVersion"] = expected_version
    data = await caller.gql(SET_PARENT, variables)
    return data["setParentOrganisation"]


async def archive(caller: Any, org_id: str) -> None:
    data = await caller.gql(ARCHIVE, {"id": org_id})
    assert data["archiveOrganisation"]["userErrors"] == []


async def org(caller: Any, org_id: str, selection: str, **variables: Any) -> dict[str, Any]:
    """Fetch `selection` of one organisation."""
    params = "".join(f", ${name}: {kind}" for name, (kind, _) in variables.items())
    query = f"query($id: ID!{params}) {{ organisation(id: $id) {{ {selection} }} }}"
    values = {name: value for name, (_, value) in variables.items()}
    data = await caller.gql(query, {"id": org_id, **values})
    assert data["organisation"] is not None
    return data["organisation"]


async def parent_ids(sessionmaker: Any) -> dict[int, int | None]:
    """Every organisation's parent id, read fresh from the database."""
    async with sessionmaker() as session:
        rows = await session.execute(select(Organisation.id, Organisation.parent_id))
        return dict(rows.all())


def walk_up(parents: dict[int, int | None], start: int) -> list[int]:
    """The chain of parents of `start`; fails the test if it loops."""
    seen = [start]
    current = parents[start]
    while current is not None:
        assert current not in seen, f"the hierarchy loops: {[*seen, current]}"
        seen.append(current)
        current = parents[current]
    return seen[1:]


# --- parent, subsidiaries --------------------------------------------------------------


async def test_parent_and_subsidiaries_sorted_by_name(admin) -> None:
    root = await create_org(admin, "Holding")
    charlie = await create_org(admin, "charlie BV", root)
    alpha = await create_org(admin, "Alpha BV", root)
    bravo = await create_org(admin, "Bravo BV", root)

    assert (await org(admin, alpha, "parent { id name }"))["parent"] == {
        "id": root,
        "name": "Holding",
    }
    assert (await org(admin, root, "parent { id }"))["parent"] is None

    subs = (await org(admin, root, "subsidiaries { totalCount nodes { id name } }"))["subsidiaries"]
    assert subs["totalCount"] == 3
    # Sorted by name ignoring case: "charlie" sorts after "Bravo".
    assert [n["id"] for n in subs["nodes"]] == [alpha, bravo, charlie]
    # A leaf has an empty connection, not null.
    leaf = (await org(admin, alpha, "subsidiaries { totalCount nodes { id } }"))["subsidiaries"]
    assert leaf == {"totalCount": 0, "nodes": []}


async def test_subsidiaries_paginate_with_first_and_after(admin) -> None:
    root = await create_org(admin, "Group")
    names = [f"Sub {i:02d}" for i in range(7)]
    for name in reversed(names):
        await create_org(admin, name, root)

    selection = (
        "subsidiaries(first: $first, after: $after) { totalCount "
        "edges { cursor node { name } } pageInfo { hasNextPage endCursor } }"
    )
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        result = await org(admin, root, selection, first=("Int", 3), after=("String", after))
        conn = result["subsidiaries"]
        assert conn["totalCount"] == 7
        seen += [e["node"]["name"] for e in conn["edges"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
        assert after == conn["edges"][-1]["cursor"]
    assert pages == 3
    assert seen == names


async def test_archived_subsidiaries_hidden_unless_asked(admin) -> None:
    root = await create_org(admin, "Parent Co")
    kept = await create_org(admin, "Kept", root)
    gone = await create_org(admin, "Archived One", root)
    await archive(admin, gone)

    default = (await org(admin, root, "subsidiaries { totalCount nodes { id } }"))["subsidiaries"]
    assert default == {"totalCount": 1, "nodes": [{"id": kept}]}

    everything = (
        await org(
            admin,
            root,
            "subsidiaries(includeArchived: true) { totalCount nodes { id archived } }",
        )
    )["subsidiaries"]
    assert everything["totalCount"] == 2
    assert everything["nodes"] == [
        {"id": gone, "archived": True},
        {"id": kept, "archived": False},
    ]


# --- ancestors, root, depth ------------------------------------------------------------


async def test_ancestors_root_and_depth(admin) -> None:
    top = await create_org(admin, "Top")
    middle = await create_org(admin, "Middle", top)
    bottom = await create_org(admin, "Bottom", middle)

    selection = "ancestors { id } root { id } depth"
    assert await org(admin, bottom, selection) == {
        "ancestors": [{"id": middle}, {"id": top}],  # nearest first
        "root": {"id": top},
        "depth": 2,
    }
    assert await org(admin, middle, selection) == {
        "ancestors": [{"id": top}],
        "root": {"id": top},
        "depth": 1,
    }
    # A root is its own root, at depth 0, without ancestors.
    assert await org(admin, top, selection) == {
        "ancestors": [],
        "root": {"id": top},
        "depth": 0,
    }


async def test_ancestors_of_siblings_in_one_request_do_not_mix(admin) -> None:
    a = await create_org(admin, "A root")
    b = await create_org(admin, "B root")
    a1 = await create_org(admin, "A child", a)
    b1 = await create_org(admin, "B child", b)
    b2 = await create_org(admin, "B grandchild", b1)
    query = (
        """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Organisation { ancestors { id } depth } } }"""
    )
    data = await admin.gql(query, {"ids": [a1, b2, a]})
    assert data["nodes"] == [
        {"id": a1, "ancestors": [{"id": a}], "depth": 1},
        {"id": b2, "ancestors": [{"id": b1}, {"id": b}], "depth": 2},
        {"id": a, "ancestors": [], "depth": 0},
    ]


# --- descendants -----------------------------------------------------------------------


async def _bfs_tree(admin: Any) -> dict[str, str]:
    """Root -> {Mango, Zulu}; Mango -> Berry; Zulu -> Apple; Apple -> Aardvark.

    Names are chosen so that breadth-first order differs from both name order and
    depth-first order.
    """
    ids: dict[str, str] = {}
    ids["Root"] = await create_org(admin, "Root")
    ids["Zulu"] = await create_org(admin, "Zulu", ids["Root"])
    ids["Mango"] = await create_org(admin, "Mango", ids["Root"])
    ids["Apple"] = await create_org(admin, "Apple", ids["Zulu"])
    ids["Berry"] = await create_org(admin, "Berry", ids["Mango"])
    ids["Aardvark"] = await create_org(admin, "Aardvark", ids["Apple"])
    return ids


BFS_ORDER = [("Mango", 1), ("Zulu", 1), ("Apple", 2), ("Berry", 2), ("Aardvark", 3)]


async def test_descendants_breadth_first_with_depth(admin) -> None:
    ids = await _bfs_tree(admin)
    conn = (
        await org(
            admin,
            ids["Root"],
            "descendants { totalCount edges { depth node { id name } } }",
        )
    )["descendants"]
    assert [(e["node"]["name"], e["depth"]) for e in conn["edges"]] == BFS_ORDER
    assert all(e["node"]["id"] == ids[e["node"]["name"]] for e in conn["edges"])
    assert conn["totalCount"] == 5

    # Depth is relative to the organisation asked about.
    below_zulu = (await org(admin, ids["Zulu"], "descendants { edges { depth node { name } } }"))[
        "descendants"
    ]
    assert [(e["node"]["name"], e["depth"]) for e in below_zulu["edges"]] == [
        ("Apple", 1),
        ("Aardvark", 2),
    ]
    leaf = (await org(admin, ids["Aardvark"], "descendants { totalCount edges { depth } }"))["descendants"]
    assert leaf == {"totalCount": 0, "edges": []}


async def test_descendants_max_depth_limits_items_and_total(admin) -> None:
    ids = await _bfs_tree(admin)
    selection = "descendants(maxDepth: $d) { totalCount edges { depth node { name } } }"
    for max_depth, expected in (
        (1, BFS_ORDER[:2]),
        (2, BFS_ORDER[:4]),
        (3, BFS_ORDER),
        (64, BFS_ORDER),
    ):
        conn = (await org(admin, ids["Root"], selection, d=("Int", max_depth)))["descendants"]
        assert [(e["node"]["name"], e["depth"]) for e in conn["edges"]] == expected, max_depth
        assert conn["totalCount"] == len(expected), max_depth


async def test_descendants_paginate_without_duplicates(admin) -> None:
    ids = await _bfs_tree(admin)
    # Widen the tree so pages cut through levels.
    for name in ("Kiwi", "Lime"):
        await create_org(admin, name, ids["Mango"])
    full = (await org(admin, ids["Root"], "descendants { totalCount edges { depth node { id } } }"))[
        "descendants"
    ]
    expected = [(e["node"]["id"], e["depth"]) for e in full["edges"]]
    assert len(expected) == full["totalCount"] == 7

    selection = (
        "descendants(first: $first, after: $after) { totalCount "
        "edges { depth node { id } } pageInfo { hasNextPage endCursor } }"
    )
    walked: list[tuple[str, int]] = []
    after = None
    for _ in range(10):
        conn = (await org(admin, ids["Root"], selection, first=("Int", 2), after=("String", after)))[
            "descendants"
        ]
        assert conn["totalCount"] == 7
        walked += [(e["node"]["id"], e["depth"]) for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert walked == expected
    assert len({i for i, _ in walked}) == 7


async def test_descendants_max_depth_zero_is_bad_user_input(admin) -> None:
    root = await create_org(admin, "Root")
    await create_org(admin, "Child", root)
    response = await admin.post(
        "query($id: ID!) { organisation(id: $id) { descendants(maxDepth: 0) { totalCount } } }",
        {"id": root},
    )
    body = response.json()
    assert body["errors"], body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"][-1] == "descendants"


# --- setParentOrganisation -------------------------------------------------------------


async def test_set_parent_moves_and_detaches(admin, sessionmaker) -> None:
    a = await create_org(admin, "A")
    b = await create_org(admin, "B")
    child = await create_org(admin, "Child", a)

    moved = await set_parent(admin, child, b)
    assert moved["userErrors"] == []
    assert moved["organisation"]["parent"] == {"id": b}
    assert (await org(admin, a, "subsidiaries { totalCount }"))["subsidiaries"]["totalCount"] == 0
    assert (await org(admin, b, "subsidiaries { nodes { id } }"))["subsidiaries"]["nodes"] == [{"id": child}]

    detached = await set_parent(admin, child, None)
    assert detached["userErrors"] == []
    assert detached["organisation"]["parent"] is None
    assert await org(admin, child, "parent { id } depth root { id }") == {
        "parent": None,
        "depth": 0,
        "root": {"id": child},
    }
    assert (await parent_ids(sessionmaker))[pk(child)] is None


async def test_set_parent_to_self_is_a_cycle(admin) -> None:
    a = await create_org(admin, "Self")
    payload = await set_parent(admin, a, a)
    assert payload["organisation"] is None
    assert payload["userErrors"][0]["code"] == "CYCLE"
    assert payload["userErrors"][0]["field"] == ["parentId"]
    assert (await org(admin, a, "parent { id }"))["parent"] is None


async def test_set_parent_to_a_descendant_is_a_cycle_and_changes_nothing(admin) -> None:
    top = await create_org(admin, "Top")
    middle = await create_org(admin, "Middle", top)
    bottom = await create_org(admin, "Bottom", middle)
    before = await org(admin, top, "version parent { id }")

    for descendant in (bottom, middle):
        payload = await set_parent(admin, top, descendant)
        assert payload["organisation"] is None
        assert codes(payload) == ["CYCLE"]
        assert payload["userErrors"][0]["field"] == ["parentId"]

    assert await org(admin, top, "version parent { id }") == before
    assert await org(admin, bottom, "ancestors { id }") == {"ancestors": [{"id": middle}, {"id": top}]}


async def test_set_parent_unknown_parent_is_not_found(admin) -> None:
    a = await create_org(admin, "Lonely")
    payload = await set_parent(admin, a, encode_id("Organisation", 987654))
    assert payload["organisation"] is None
    assert errors(payload) == [(["parentId"], "NOT_FOUND")]


async def test_set_parent_unknown_organisation_is_not_found(admin) -> None:
    a = await create_org(admin, "Parent")
    payload = await set_parent(admin, encode_id("Organisation", 987654), a)
    assert errors(payload) == [(["organisationId"], "NOT_FOUND")]


async def test_set_parent_with_a_person_id_is_invalid(admin) -> None:
    a = await create_org(admin, "Org")
    person = await create_person(admin, "Jansen")
    payload = await set_parent(admin, a, person)
    assert payload["organisation"] is None
    assert errors(payload) == [(["parentId"], "INVALID")]
    assert (await org(admin, a, "parent { id }"))["parent"] is None


async def test_set_parent_with_stale_version_is_a_conflict(admin) -> None:
    a = await create_org(admin, "Mover")
    p1 = await create_org(admin, "P1")
    p2 = await create_org(admin, "P2")
    version = (await org(admin, a, "version"))["version"]

    first = await set_parent(admin, a, p1, expected_version=version)
    assert first["userErrors"] == []
    assert first["organisation"]["version"] > version

    stale = await set_parent(admin, a, p2, expected_version=version)
    assert stale["organisation"] is None
    assert errors(stale) == [(["expectedVersion"], "CONFLICT")]
    assert (await org(admin, a, "parent { id }"))["parent"] == {"id": p1}


async def test_readonly_cannot_set_parent(admin, make_caller) -> None:
    a = await create_org(admin, "A")
    b = await create_org(admin, "B")
    reader = await make_caller("READONLY")
    payload = await set_parent(reader, a, b)
    assert codes(payload) == ["FORBIDDEN"]
    assert (await org(admin, a, "parent { id }"))["parent"] is None


async def test_cycle_is_refused_in_a_very_deep_chain(admin, session, sessionmaker) -> None:
    """The cycle check must see the whole chain, however long: putting the top of a
    70-level chain under its bottom is a cycle, not a move."""
    previous: int | None = None
    chain: list[int] = []
    for level in range(70):
        row = Organisation(
            name=f"Deep {level:02d}",
            name_key=f"deep {level:02d}",
            search_text="",
            parent_id=previous,
        )
        session.add(row)
        await session.flush()
        chain.append(row.id)
        previous = row.id
    await session.commit()
    top, bottom = (
        encode_id("Organisation", chain[0]),
        encode_id("Organisation", chain[-1]),
    )

    payload = await set_parent(admin, top, bottom)
    assert payload["organisation"] is None
    assert codes(payload) == ["CYCLE"]
    parents = await parent_ids(sessionmaker)
    assert parents[chain[0]] is None
    assert walk_up(parents, chain[-1])[-1] == chain[0]


# --- statement counts ------------------------------------------------------------------


async def test_ancestors_are_one_statement(admin, monkeypatch) -> None:
    # The resolvers' statements are counted here (a compiled read is one statement in all).
    monkeypatch.setattr(compiled_execution, "compiled_for", lambda *args: "measuring the resolvers")
    chain = [await create_org(admin, "Level 0")]
    for level in range(1, 7):
        chain.append(await create_org(admin, f"Level {level}", chain[-1]))
    leaf = chain[-1]

    base = "query($id: ID!) { organisation(id: $id) { id } }"
    with_ancestors = "query($id: ID!) { organisation(id: $id) { id ancestors { id } } }"
    _, plain = await admin.counted(base, {"id": leaf})
    data, counted = await admin.counted(with_ancestors, {"id": leaf})
    assert [a["id"] for a in data["organisation"]["ancestors"]] == list(reversed(chain[:-1]))
    assert counted - plain == 1

    # root and depth come from the same loaded chain: no further statement.
    also = "query($id: ID!) { organisation(id: $id) { id ancestors { id } root { id } depth } }"
    data, with_root = await admin.counted(also, {"id": leaf})
    assert data["organisation"]["depth"] == 6
    assert data["organisation"]["root"] == {"id": chain[0]}
    assert with_root == counted


async def test_descendants_are_one_statement(admin) -> None:
    root = await create_org(admin, "Root")
    for i in range(3):
        child = await create_org(admin, f"Child {i}", root)
        for j in range(2):
            grandchild = await create_org(admin, f"Grandchild {i}.{j}", child)
            await create_org(admin, f"Great-grandchild {i}.{j}", grandchild)

    base = "query($id: ID!) { organisation(id: $id) { id } }"
    edges = "query($id: ID!) { organisation(id: $id) { id descendants { edges { depth node { id } } } } }"
    total = "query($id: ID!) { organisation(id: $id) { id descendants { totalCount edges { depth node { id } } } } }"
    _, plain = await admin.counted(base, {"id": root})
    data, with_edges = await admin.counted(edges, {"id": root})
    assert len(data["organisation"]["descendants"]["edges"]) == 15
    assert [e["depth"] for e in data["organisation"]["descendants"]["edges"]] == [1] * 3 + [2] * 6 + [3] * 6
    data, with_total = await admin.counted(total, {"id": root})
    assert data["organisation"]["descendants"]["totalCount"] == 15
    # A first page is a compiled read: the walk, its page and its count are part of the
    # organisation's own statement.
    assert with_edges - plain == 0
    assert with_total - plain == 0
    # A later page is the resolvers' (the organisation, then its page; it cannot count its
    # whole list, its statement skips the rows before the cursor, so it counts separately).
    later = total.replace("descendants {", "descendants(first: 5, after: $after) {").replace(
        "$id: ID!", "$id: ID!, $after: String"
    )
    first_five = await admin.gql(
        later.replace("edges { depth", "edges { cursor depth"), {"id": root, "after": None}
    )
    cursor = first_five["organisation"]["descendants"]["edges"][-1]["cursor"]
    data, with_cursor = await admin.counted(later, {"id": root, "after": cursor})
    assert data["organisation"]["descendants"]["totalCount"] == 15
    assert len(data["organisation"]["descendants"]["edges"]) == 5
    assert with_cursor - plain == 2


# --- the race --------------------------------------------------------------------------


def _outcome(response: Any) -> str:
    """'ok', or the userError code of a setParentOrganisation response."""
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    payload = body["data"]["setParentOrganisation"]
    if not payload["userErrors"]:
        assert payload["organisation"] is not None
        return "ok"
    assert payload["organisation"] is None
    return payload["userErrors"][0]["code"]


@pytest.mark.postgres_only
async def test_concurrent_opposite_reparenting_never_makes_a_cycle(admin, make_caller, sessionmaker) -> None:
    other = await make_caller("TEAM")
    outcomes: list[tuple[str, str]] = []
    for round_ in range(15):
        a = await create_org(admin, f"A{round_}")
        b = await create_org(admin, f"B{round_}")
        first, second = await asyncio.gather(
            admin.post(SET_PARENT, {"input": {"organisationId": a, "parentId": b}}),
            other.post(SET_PARENT, {"input": {"organisationId": b, "parentId": a}}),
        )
        result = (_outcome(first), _outcome(second))
        outcomes.append(result)
        assert result.count("ok") <= 1, f"round {round_}: both moves succeeded"
        assert any(code in ("CYCLE", "CONFLICT") for code in result), result

        parents = await parent_ids(sessionmaker)
        walk_up(parents, pk(a))
        walk_up(parents, pk(b))
        if result[0] == "ok":
            assert (parents[pk(a)], parents[pk(b)]) == (pk(b), None)
        elif result[1] == "ok":
            assert (parents[pk(a)], parents[pk(b)]) == (None, pk(a))
        else:
            assert (parents[pk(a)], parents[pk(b)]) == (None, None)
    # With a serialising lock one of the two always gets through.
    assert all("ok" in o for o in outcomes), outcomes


@pytest.mark.postgres_only
async def test_concurrent_reparenting_on_a_chain_never_makes_a_cycle(
    admin, make_caller, sessionmaker
) -> None:
    """X2 under X1, Y alone; then at once X1 under Y and Y under X2 (X1 -> Y -> X2 -> X1)."""
    other = await make_caller("BUSINESS")
    for round_ in range(10):
        x1 = await create_org(admin, f"X1-{round_}")
        x2 = await create_org(admin, f"X2-{round_}", x1)
        x3 = await create_org(admin, f"X3-{round_}", x2)
        y = await create_org(admin, f"Y-{round_}")
        first, second = await asyncio.gather(
            admin.post(SET_PARENT, {"input": {"organisationId": x1, "parentId": y}}),
            other.post(SET_PARENT, {"input": {"organisationId": y, "parentId": x3}}),
        )
        result = (_outcome(first), _outcome(second))
        assert result.count("ok") == 1, f"round {round_}: {result}"
        assert any(code in ("CYCLE", "CONFLICT") for code in result), result
        parents = await parent_ids(sessionmaker)
        for node in (x1, x2, x3, y):
            walk_up(parents, pk(node))


# --- the flagship card -----------------------------------------------------------------

CARD = """
query($id: ID!) {
  organisation(id: $id) {
    name
    ancestors { name }
    accountManagers { name }
    email
    contactMeans { kind value primary }
    memberships(first: 100) {
      totalCount
      nodes { jobTitle role tags person { displayName } }
    }
    subsidiaries(first: 50) {
      totalCount
      nodes {
        name
        accountManagers { name }
        phone
        contactMeans { kind value primary }
        relations(first: 10) { totalCount edges { label direction otherParty { displayName } } }
        memberships(first: 20) { nodes { jobTitle role tags person { displayName } } }
        subsidiaries(first: 5) {
          nodes {
            name
            contactMeans(kinds: [PHONE]) { value }
            memberships(first: 10) { nodes { jobTitle person { displayName } } }
          }
        }
      }
    }
  }
}
"""


async def _build_group(session: Any, label: str, subsidiaries: int, people: int, manager_id: int) -> int:
    """Insert a group directly: a holding under a parent, `subsidiaries` x `people` people,
    3 people at the holding, one sub-subsidiary with 2 people under each subsidiary; each
    subsidiary supplies the next one, and `manager_id` manages the holding and each subsidiary."""

    def new_org(name: str, parent_id: int | None) -> Organisation:
        return Organisation(
            name=name,
            name_key=name.lower(),
            search_text=name.lower(),
            parent_id=parent_id,
        )

    top = new_org(f"{label} parent", None)
    session.add(top)
    await session.flush()
    holding = new_org(f"{label} holding", top.id)
    session.add(holding)
    await session.flush()
    subs = [new_org(f"{label} sub {i:03d}", holding.id) for i in range(subsidiaries)]
    session.add_all(subs)
    await session.flush()
    subsubs = [new_org(f"{label} sub {i:03d} branch", s.id) for i, s in enumerate(subs)]
    session.add_all(subsubs)
    await session.flush()

    staffing = [(holding, 3)] + [(s, people) for s in subs] + [(s, 2) for s in subsubs]
    persons: list[tuple[Organisation, Person]] = []
    for organisation, count in staffing:
        for j in range(count):
            last = f"{label}{organisation.id}x{j:03d}"
            persons.append(
                (
                    organisation,
                    Person(
                        last_name=last,
                        first_name="Piet",
                        sort_key=last.lower(),
                        search_text=last.lower(),
                    ),
                )
            )
    session.add_all([p for _, p in persons])
    await session.flush()
    links = [
        Membership(
            person_id=p.id,
            organisation_id=o.id,
            job_title=f"Job {i % 7}",
            role="Beslisser" if i % 2 else None,
        )
        for i, (o, p) in enumerate(persons)
    ]
    session.add_all(links)
    await session.flush()
    await session.execute(
        insert(MembershipTag),
        [{"membership_id": m.id, "tag": tag} for m in links for tag in ("nieuwsbrief", f"groep{m.id % 3}")],
    )
    supplies = RelationType(
        name=f"{label} supplier of",
        inverse_name=f"{label} customer of",
        source_kinds=["ORGANISATION"],
        target_kinds=["ORGANISATION"],
    )
    session.add(supplies)
    await session.flush()
    session.add_all(
        Relation(type_id=supplies.id, source_id=s.id, target_id=subs[(i + 1) % len(subs)].id)
        for i, s in enumerate(subs)
    )
    account_manager = await session.scalar(
        select(InternalRelationCategory.id).where(InternalRelationCategory.code == "ACCOUNT_MANAGER")
    )
    session.add_all(
        InternalRelation(user_id=manager_id, party_id=o.id, category_id=account_manager)
        for o in [holding, *subs]
    )
    # Every organisation of the group: a primary email and phone, and an extra phone.
    for n, o in enumerate([holding, *subs, *subsubs]):
        session.add_all(
            [
                ContactMean(party_id=o.id, kind="EMAIL", value=f"info@{label}{n}.example", is_primary=True),
                ContactMean(party_id=o.id, kind="PHONE", value=f"+3120{n:07d}", is_primary=True),
                ContactMean(party_id=o.id, kind="PHONE", value=f"+3130{n:07d}", label="after hours"),
            ]
        )
    await session.commit()
    return holding.id


async def test_card_statement_count_does_not_depend_on_size(admin, session) -> None:
    small = encode_id(
        "Organisation",
        await _build_group(session, "small", subsidiaries=2, people=3, manager_id=admin.user_id),
    )
    big = encode_id(
        "Organisation",
        await _build_group(session, "big", subsidiaries=50, people=20, manager_id=admin.user_id),
    )

    small_data, small_count = await admin.counted(CARD, {"id": small})
    big_data, big_count = await admin.counted(CARD, {"id": big})
    print(f"\ncard statements: small={small_count} big={big_count}")

    # The result is really big (and really small), so the equality below means something.
    for data, subsidiaries, people in ((small_data, 2, 3), (big_data, 50, 20)):
        card = data["organisation"]
        assert card["ancestors"] == [{"name": card["name"].replace("holding", "parent")}]
        assert card["accountManagers"] == [{"name": "Admin Tester"}]
        assert card["email"].startswith("info@") and len(card["contactMeans"]) == 3
        assert card["memberships"]["totalCount"] == 3
        assert len(card["memberships"]["nodes"]) == 3
        assert card["subsidiaries"]["totalCount"] == subsidiaries
        assert len(card["subsidiaries"]["nodes"]) == subsidiaries
        for sub in card["subsidiaries"]["nodes"]:
            assert sub["accountManagers"] == [{"name": "Admin Tester"}]
            assert [(m["kind"], m["primary"]) for m in sub["contactMeans"]] == [
                ("EMAIL", True),
                ("PHONE", True),
                ("PHONE", False),
            ]
            assert sub["phone"] == sub["contactMeans"][1]["value"]
            # Each subsidiary supplies the next and is supplied by the previous one.
            assert sub["relations"]["totalCount"] == 2
            assert sorted(e["direction"] for e in sub["relations"]["edges"]) == ["INCOMING", "OUTGOING"]
            assert len(sub["memberships"]["nodes"]) == people, sub["name"]
            assert all(m["person"]["displayName"].startswith("Piet ") for m in sub["memberships"]["nodes"])
            assert all(
                "nieuwsbrief" in m["tags"] and len(m["tags"]) == 2 for m in sub["memberships"]["nodes"]
            )
            branches = sub["subsidiaries"]["nodes"]
            assert [b["name"] for b in branches] == [f"{sub['name']} branch"]
            assert len(branches[0]["contactMeans"]) == 2
            assert len(branches[0]["memberships"]["nodes"]) == 2
            assert all(m["person"] is not None for m in branches[0]["memberships"]["nodes"])

    assert small_count == big_count
    # One statement per loader per level of the query (authentication included).
    assert big_count <= 25


async def test_the_card_as_of_a_day_costs_the_same_statements_at_any_size(admin, session) -> None:
    """Issue 21: asOf keeps the card batched (the day is part of every loader key), and a
    past day's card asks as many statements as today's."""
    small = await _build_group(session, "small", subsidiaries=2, people=3, manager_id=admin.user_id)
    big = await _build_group(session, "big", subsidiaries=30, people=10, manager_id=admin.user_id)
    await parent_periods.open_missing(session)
    await session.commit()
    dated = CARD.replace("query($id: ID!)", "query($id: ID!, $day: Date)").replace(
        "organisation(id: $id)", "organisation(id: $id, asOf: $day)"
    )
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    counts = {}
    for label, holding, size in (("small", small, 2), ("big", big, 30)):
        today, counts[label, "today"] = await admin.counted(CARD, {"id": encode_id("Organisation", holding)})
        data, counts[label] = await admin.counted(
            dated, {"id": encode_id("Organisation", holding), "day": yesterday}
        )
        assert data == today  # nothing changed since yesterday
        assert data["organisation"]["subsidiaries"]["totalCount"] == size
    assert counts["small"] == counts["big"] == counts["big", "today"], counts
