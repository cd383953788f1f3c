"""Nested connections page both ways and sort (issue 20, items 1 and 4).

Every connection below the root is walked on demo data forwards (first/after) and
backwards (last/before) in small pages, in each of its orders: both walks give exactly the
items of the whole list, in its order, with consistent pageInfo and totalCount. The orders
themselves are checked against the values they sort on; a cursor of another order is a
clean BAD_USER_INPUT; statement counts follow the query, not the data; and what R1 hides
stays hidden in every order and page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLNamedType, GraphQLObjectType, build_schema, get_named_type
from helpers import SCHEMA_FILE, create_organisation, create_person, make_account_manager, ok, pk, upload_ok

from relgraph import demo

PAGE = 3
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


@dataclass(frozen=True)
class Nested:
    """One nested connection field: on which type, with which fixed arguments, sortable how."""

    owner: str  # the type the field is read on (an inline fragment of node(id:))
    name: str
    arguments: str = ""
    order_type: str | None = None  # the GraphQL input type of its orderBy
    orders: tuple[str, ...] = ()  # its order fields
    at_least: int = PAGE + 1  # the demo owner's list must be longer than a page


_PARTY_LISTS = [
    ("relations", "includeInactive: true", "RelationOrder", ("RECORDED", "TYPE", "START_DATE"), PAGE + 1),
    ("internalRelations", "includeEnded: true", None, (), 1),
    ("documents", "", None, (), PAGE + 1),
    ("notes", "", None, (), PAGE + 1),
    ("activities", "", None, (), PAGE + 1),
    ("auditTrail", "", None, (), PAGE + 1),
    ("timeline", "", "TimelineOrder", ("TIME",), PAGE + 1),
]

NESTED = [
    *(
        Nested(t, n, a, o, f, m)
        for t in ("Organisation", "Person", "Party")
        for n, a, o, f, m in _PARTY_LISTS
    ),
    Nested("Organisation", "subsidiaries", "includeArchived: true", "SubsidiaryOrder", ("NAME",)),
    Nested("Organisation", "descendants", "includeArchived: true"),
    Nested(
        "Organisation",
        "memberships",
        "includeInactive: true",
        "MembershipOrder",
        ("NAME", "START_DATE", "ROLE"),
    ),
    Nested(
        "Person",
        "memberships",
        "includeInactive: true",
        "MembershipOrder",
        ("NAME", "START_DATE", "ROLE"),
        at_least=2,
    ),
    Nested("User", "internalRelations", "includeEnded: true", at_least=2),
    Nested("CustomerGroup", "members", "includeArchived: true, includeInactive: true"),
    Nested("Query", "myActivities", at_least=PAGE + 1),
]


def test_the_walk_covers_every_nested_connection() -> None:
    """A connection added later is walked too, or this fails."""
    schema = build_schema(SCHEMA_FILE.read_text())
    found = set()
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType | GraphQLNamedType) and hasattr(type_, "fields"):
            for name, definition in type_.fields.items():  # type: ignore[attr-defined]
                if get_named_type(definition.type).name.endswith("Connection"):
                    found.add((type_.name, name))
    roots = {
        ("Query", name)
        for name in ("organisations", "persons", "users", "memberships", "relations", "changes")
    }
    assert found - roots == {(n.owner, n.name) for n in NESTED}
    assert len(NESTED) == 28
    for nested in NESTED:
        arguments = schema.get_type(nested.owner).fields[nested.name].args  # type: ignore[union-attr]
        assert {"first", "after", "last", "before"} <= set(arguments), nested


@pytest.fixture
async def demo_world(admin, sessionmaker) -> dict[str, Any]:
    """Demo data, and for each owner type the object whose lists are walked."""
    async with sessionmaker() as session:
        await demo.seed(session, organisations=60, persons=200, seed=7, created_by_id=admin.user_id)
        await session.commit()
    flagship = await admin.gql(
        '{ organisations(filter: { search: "Noorderlicht Bouw B.V." }, first: 1) { nodes { id accountManagers { id } } } }'
    )
    [card] = flagship["organisations"]["nodes"]
    holding = await admin.gql(
        f'{{ organisations(filter: {{ search: "{demo.FLAGSHIP_NAME}" }}, first: 1) {{ nodes {{ id }} }} }}'
    )
    people = await admin.gql(
        "{ persons(first: 100) { nodes { id memberships(includeInactive: true) { totalCount } } } }"
    )
    busiest = max(people["persons"]["nodes"], key=lambda p: p["memberships"]["totalCount"])
    groups = await admin.gql("{ customerGroups(includeInactive: true) { id members { totalCount } } }")
    group = max(groups["customerGroups"], key=lambda g: g["members"]["totalCount"])
    # The viewer's own activities: a few assigned to the admin who walks.
    viewer = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    for i in range(PAGE * 2 + 1):
        await ok(admin, "addActivity", "", partyId=card["id"], subject=f"Bellen {i}", assigneeId=viewer)
    # The demo's persons have no history, files or relations of their own: give the busiest
    # some, and the card's organisation more files and history than a page.
    person = busiest["id"]
    types = [
        await _relation_type(admin, "adviser of", "advised by", "PERSON"),
        await _relation_type(admin, "auditor of", "audited by", "PERSON"),
    ]
    for i in range(PAGE + 2):
        other = await create_organisation(admin, f"Adviespartner {i} B.V.")
        start = f"20{10 + i % 3}-01-01" if i % 2 else None
        await ok(
            admin, "addRelation", "", typeId=types[i % 2], sourceId=other, targetId=person, startDate=start
        )
        for party in (person, card["id"]):
            await ok(admin, "addNote", "", partyId=party, body=f"Gesprek {i}")
            await ok(admin, "addActivity", "", partyId=party, subject=f"Terugbellen {i}")
            await upload_ok(admin, party, b"%PDF-1.4 offerte " + bytes([48 + i]), f"offerte-{i}.pdf")
    await make_account_manager(admin, person, admin)
    # And the holding more subsidiaries than a page.
    holding_id = holding["organisations"]["nodes"][0]["id"]
    for i in range(PAGE):
        child = await create_organisation(admin, f"Noorderlicht Nieuw {i} B.V.")
        await ok(admin, "setParentOrganisation", "", organisationId=child, parentId=holding_id)
    return {
        "Organisation": card["id"],
        "Holding": holding_id,
        "Party": card["id"],
        "Person": person,
        "User": card["accountManagers"][0]["id"],
        "CustomerGroup": group["id"],
    }


def _query(nested: Nested, with_order: bool, selection: str) -> str:
    variables = "$id: ID!, $first: Int, $after: String, $last: Int, $before: String"
    arguments = "first: $first, after: $after, last: $last, before: $before"
    if with_order:
        variables += f", $orderBy: {nested.order_type}"
        arguments += ", orderBy: $orderBy"
    if nested.arguments:
        arguments = f"{nested.arguments}, {arguments}"
    field = f"{nested.name}({arguments}) {{ {selection} }}"
    if nested.owner == "Query":
        return f"query({variables}) {{ {field} }}".replace("$id: ID!, ", "")
    return f"query({variables}) {{ node(id: $id) {{ ... on {nested.owner} {{ {field} }} }} }}"


def _list_of(data: dict[str, Any], nested: Nested) -> dict[str, Any]:
    return data[nested.name] if nested.owner == "Query" else data["node"][nested.name]


async def _walk(
    caller: Any, nested: Nested, owner: str, order: dict[str, str] | None, selection: str = ""
) -> list[Any]:
    """Walk one list both ways in pages of PAGE; the cursors of the whole list, in order.

    With a `selection` of the edges: each edge of every page seen, the whole list's first.
    """
    query = _query(nested, order is not None, f"totalCount edges {{ cursor {selection} }} {PAGE_INFO}")
    seen: list[Any] = []
    base: dict[str, Any] = {"id": owner} | ({"orderBy": order} if order else {})

    async def page(**arguments: Any) -> dict[str, Any]:
        result = _list_of(await caller.gql(query, base | arguments), nested)
        seen.extend(result["edges"])
        return result

    whole = await page(first=100)
    cursors = [e["cursor"] for e in whole["edges"]]
    assert whole["totalCount"] == len(cursors), (nested, order)
    assert len(set(cursors)) == len(cursors), (nested, order)
    where = (nested, order)

    forward: list[str] = []
    after = None
    while True:
        result = await page(first=PAGE, after=after)
        got = [e["cursor"] for e in result["edges"]]
        forward += got
        info = result["pageInfo"]
        assert info["hasPreviousPage"] == (after is not None), where
        assert info["startCursor"] == (got[0] if got else None), where
        assert result["totalCount"] == len(cursors), where
        if not info["hasNextPage"]:
            break
        assert len(got) == PAGE, where
        after = info["endCursor"]
    assert forward == cursors, where

    backward: list[str] = []
    before = None
    while True:
        result = await page(last=PAGE, before=before)
        got = [e["cursor"] for e in result["edges"]]
        backward = got + backward
        info = result["pageInfo"]
        assert info["hasNextPage"] == (before is not None), where
        assert info["endCursor"] == (got[-1] if got else None), where
        if not info["hasPreviousPage"]:
            break
        assert len(got) == PAGE, where
        before = info["startCursor"]
    assert backward == cursors, where

    if len(cursors) > 2:
        # A window in the middle: after the first item, before the last.
        middle = await page(first=100, after=cursors[0], before=cursors[-1])
        assert [e["cursor"] for e in middle["edges"]] == cursors[1:-1], where
        tail = await page(last=2, after=cursors[0])
        assert [e["cursor"] for e in tail["edges"]] == cursors[-2:], where
    if selection:
        # Every page showed the same edges as the whole list.
        assert {str(e) for e in seen} == {str(e) for e in whole["edges"]}, where
        return list(whole["edges"])
    return cursors


async def test_every_nested_connection_pages_both_ways_in_every_order(admin, demo_world) -> None:
    short = []
    for nested in NESTED:
        owner = demo_world[nested.owner] if nested.owner != "Query" else ""
        if nested.name in ("subsidiaries", "descendants"):
            owner = demo_world["Holding"]
        orders: list[dict[str, str] | None] = [None]
        orders += [{"field": f, "direction": d} for f in nested.orders for d in ("ASC", "DESC")]
        for order in orders:
            cursors = await _walk(admin, nested, owner, order)
            if len(cursors) < nested.at_least:
                short.append((nested.owner, nested.name, order, len(cursors)))
    # The walks above prove little on lists shorter than a page: the demo lists are not.
    assert short == [], "\n".join(map(str, short))


# --- the orders themselves --------------------------------------------------------------------

MEMBERSHIPS = """
query($id: ID!, $orderBy: MembershipOrder) {
  node(id: $id) {
    ... on Organisation { memberships(includeInactive: true, first: 100, orderBy: $orderBy) { nodes { ...M } } }
    ... on Person { memberships(includeInactive: true, first: 100, orderBy: $orderBy) { nodes { ...M } } }
  }
}
fragment M on Membership { id role startDate person { sortName } organisation { name } }
"""

RELATIONS = """
query($id: ID!, $orderBy: RelationOrder) {
  node(id: $id) {
    ... on Party {
      relations(includeInactive: true, first: 100, orderBy: $orderBy) {
        nodes { id startDate }
        edges { label node { id } relation { id } }
      }
    }
  }
}"""


def _ids(nodes: list[dict[str, Any]]) -> list[str]:
    return [n["id"] for n in nodes]


async def _memberships(caller: Any, owner: str, order: dict[str, str] | None) -> list[dict[str, Any]]:
    data = await caller.gql(MEMBERSHIPS, {"id": owner, "orderBy": order})
    return data["node"]["memberships"]["nodes"]


@pytest.mark.parametrize("side", ["Organisation", "Person"])
async def test_memberships_sort_by_name_start_date_and_role(admin, demo_world, side) -> None:
    owner = demo_world[side]
    default = await _memberships(admin, owner, None)
    assert len(default) >= 2
    by_name = await _memberships(admin, owner, {"field": "NAME"})
    assert _ids(by_name) == _ids(default)
    name_desc = await _memberships(admin, owner, {"field": "NAME", "direction": "DESC"})
    # Descending: ties (the same name) too go the other way, by id.
    assert _ids(name_desc) == _ids(by_name)[::-1]

    def start(m: dict[str, Any]) -> tuple[str, int]:
        return (m["startDate"] or "0001-01-01", pk(m["id"]))

    def role(m: dict[str, Any]) -> tuple[str, int]:
        return ((m["role"] or "").lower(), pk(m["id"]))

    for name, key in (("START_DATE", start), ("ROLE", role)):
        ascending = await _memberships(admin, owner, {"field": name})
        assert _ids(ascending) == _ids(sorted(default, key=key)), name
        descending = await _memberships(admin, owner, {"field": name, "direction": "DESC"})
        assert _ids(descending) == _ids(ascending)[::-1], name
        assert len({key(m)[0] for m in default}) > 1, f"the demo data sort the same on {name}"


async def test_relations_sort_by_type_as_read_and_start_date(admin, demo_world) -> None:
    owner = demo_world["Organisation"]

    async def relations(order: dict[str, str] | None) -> dict[str, Any]:
        return (await admin.gql(RELATIONS, {"id": owner, "orderBy": order}))["node"]["relations"]

    default = await relations(None)
    assert len(default["nodes"]) > PAGE
    # Relay's node is the relation; nodes are the edges' nodes.
    for edge, node in zip(default["edges"], default["nodes"], strict=True):
        assert edge["node"]["id"] == edge["relation"]["id"] == node["id"]
    assert _ids(default["nodes"]) == sorted(_ids(default["nodes"]), key=pk), "as recorded by default"
    assert _ids((await relations({"field": "RECORDED"}))["nodes"]) == _ids(default["nodes"])

    labels = {e["node"]["id"]: e["label"] for e in default["edges"]}
    by_type = await relations({"field": "TYPE"})
    expected = sorted(_ids(default["nodes"]), key=lambda i: (labels[i], pk(i)))
    assert _ids(by_type["nodes"]) == expected
    assert [e["label"] for e in by_type["edges"]] == sorted(labels.values())
    assert len(set(labels.values())) > 1

    starts = {n["id"]: n["startDate"] or "0001-01-01" for n in default["nodes"]}
    by_start = await relations({"field": "START_DATE", "direction": "DESC"})
    expected = sorted(_ids(default["nodes"]), key=lambda i: (starts[i], pk(i)), reverse=True)
    assert _ids(by_start["nodes"]) == expected


async def test_subsidiaries_sort_by_name_both_ways(admin, demo_world) -> None:
    query = """
    query($id: ID!, $orderBy: SubsidiaryOrder) {
      node(id: $id) { ... on Organisation { subsidiaries(first: 100, orderBy: $orderBy) { nodes { id name } } } }
    }"""
    default = (await admin.gql(query, {"id": demo_world["Holding"]}))["node"]["subsidiaries"]["nodes"]
    assert len(default) > PAGE
    desc = {"field": "NAME", "direction": "DESC"}
    descending = (await admin.gql(query, {"id": demo_world["Holding"], "orderBy": desc}))["node"]
    assert _ids(descending["subsidiaries"]["nodes"]) == _ids(default)[::-1]
    names = [n["name"].casefold() for n in default]
    assert names == sorted(names)


async def test_timeline_oldest_first_is_the_exact_reverse(admin, demo_world) -> None:
    query = """
    query($id: ID!, $orderBy: TimelineOrder) {
      node(id: $id) {
        ... on Party {
          timeline(first: 100, orderBy: $orderBy) {
            edges { cursor node { __typename ... on Note { createdAt } ... on Activity { createdAt } ... on AuditEvent { at } } }
          }
        }
      }
    }"""

    async def timeline(order: dict[str, str] | None) -> list[dict[str, Any]]:
        data = await admin.gql(query, {"id": demo_world["Organisation"], "orderBy": order})
        return data["node"]["timeline"]["edges"]

    newest = await timeline(None)
    assert len(newest) > PAGE
    assert newest == await timeline({"field": "TIME", "direction": "DESC"})
    oldest = await timeline({"field": "TIME", "direction": "ASC"})
    assert oldest == newest[::-1]
    times = [dt.datetime.fromisoformat(e["node"].get("createdAt") or e["node"]["at"]) for e in oldest]
    assert times == sorted(times)


# --- cursors of another order, statement counts -----------------------------------------------


async def test_a_cursor_of_another_order_is_bad_user_input(admin, demo_world) -> None:
    cases = [
        ("Organisation", "memberships", "MembershipOrder", "NAME", "ROLE"),
        ("Organisation", "memberships", "MembershipOrder", "START_DATE", "ROLE"),
        ("Person", "memberships", "MembershipOrder", "ROLE", "NAME"),
        ("Organisation", "relations", "RelationOrder", "RECORDED", "TYPE"),
        ("Organisation", "relations", "RelationOrder", "TYPE", "START_DATE"),
    ]
    for owner, name, order_type, made, used in cases:
        nested = Nested(owner, name, "includeInactive: true", order_type)
        query = _query(nested, True, "edges { cursor }")
        made_by = {"id": demo_world[owner], "first": 1, "orderBy": {"field": made}}
        [edge] = _list_of(await admin.gql(query, made_by), nested)["edges"]
        for argument in ("after", "before"):
            variables = {"id": demo_world[owner], argument: edge["cursor"], "orderBy": {"field": used}}
            response = await admin.post(query, variables)
            body = response.json()
            assert response.status_code == 200, body
            codes = [e["extensions"]["code"] for e in body.get("errors", [])]
            assert codes == ["BAD_USER_INPUT"], (owner, name, made, used, argument, body)
            # The same cursor in its own order is fine, also descending.
            same = {**variables, "orderBy": {"field": made, "direction": "DESC"}}
            assert "errors" not in (await admin.post(query, same)).json()


# The timeline of notes only: it reads the rows of each kind of item a page holds with a
# statement of that kind, so a page's mix of kinds would count.
CARD = """
query($id: ID!, $last: Int, $m: MembershipOrder, $r: RelationOrder, $t: TimelineOrder, $s: SubsidiaryOrder) {
  node(id: $id) {
    ... on Organisation {
      subsidiaries(first: 50, orderBy: $s) {
        totalCount
        nodes {
          memberships(last: $last, orderBy: $m, includeInactive: true) { totalCount nodes { id role person { id } } }
          relations(last: $last, orderBy: $r) { totalCount edges { label node { id } otherParty { id } } }
          timeline(kinds: [NOTE], last: $last, orderBy: $t) { totalCount edges { cursor } }
          subsidiaries(last: $last, orderBy: $s) { totalCount nodes { id } }
        }
      }
    }
  }
}"""


async def _group(admin: Any, name: str, subsidiaries: int, kind: str) -> str:
    """A holding with `subsidiaries`, each with people, relations, a note, an activity and a
    subsidiary of its own: every kind of item the card below reads."""
    holding = await create_organisation(admin, f"{name} Holding B.V.")
    for i in range(subsidiaries):
        child = await create_organisation(admin, f"{name} {i} B.V.")
        await ok(admin, "setParentOrganisation", "", organisationId=child, parentId=holding)
        grandchild = await create_organisation(admin, f"{name} {i}.1 B.V.")
        await ok(admin, "setParentOrganisation", "", organisationId=grandchild, parentId=child)
        for j, role in enumerate(("Beslisser", "Inkoper")):
            person = await create_person(admin, f"{name}{i}{j}")
            await ok(admin, "addMembership", "", personId=person, organisationId=child, role=role)
        await ok(admin, "addRelation", "", typeId=kind, sourceId=child, targetId=grandchild)
        await ok(admin, "addRelation", "", typeId=kind, sourceId=holding, targetId=child)
        await ok(admin, "addNote", "", partyId=child, body="Gesprek")
        await ok(admin, "addActivity", "", partyId=child, subject="Terugbellen")
    return holding


async def test_statement_counts_follow_the_query_not_the_data(admin) -> None:
    """Sorted and backwards pages of every subsidiary's lists: the same statements for one
    subsidiary or four, for any order and page size."""
    kind = await _relation_type(admin, "supplier of", "customer of", "ORGANISATION")
    one = await _group(admin, "Een", 1, kind)
    four = await _group(admin, "Vier", 4, kind)
    orders = {
        "m": {"field": "ROLE", "direction": "DESC"},
        "r": {"field": "TYPE"},
        "t": {"field": "TIME", "direction": "ASC"},
        "s": {"field": "NAME", "direction": "DESC"},
    }
    counts = {}
    for name, owner, last, order in (
        ("one, sorted", one, 2, orders),
        ("four, sorted", four, 1, orders),
        ("four, default order", four, 3, {}),
        ("four, by start date", four, 2, {"m": {"field": "START_DATE"}, "r": {"field": "START_DATE"}}),
    ):
        data, counts[name] = await admin.counted(CARD, {"id": owner, "last": last, **order})
        nodes = data["node"]["subsidiaries"]["nodes"]
        assert len(nodes) == (1 if owner == one else 4)
        assert all(n["memberships"]["nodes"] and n["relations"]["edges"] for n in nodes)
    assert len(set(counts.values())) == 1, counts


# --- visibility --------------------------------------------------------------------------------


async def _relation_type(admin: Any, name: str, inverse: str, target: str) -> str:
    payload = await ok(
        admin,
        "createRelationType",
        "relationType { id }",
        name=name,
        inverseName=inverse,
        sourceKinds=["ORGANISATION"],
        targetKinds=[target],
    )
    return payload["relationType"]["id"]


async def test_a_hidden_person_stays_out_of_every_order_and_page(admin, make_caller) -> None:
    """R1: BUSINESS does not see a person without memberships: not as the other end of a
    relation, in no order, direction or page, nor in the total. A deactivated person leaves
    the organisation's people list in every order and page too."""
    business = await make_caller("BUSINESS")
    org = await create_organisation(admin, "Zichtbaar B.V.")
    hidden = await create_person(admin, "Verborgenheim")
    to_person = await _relation_type(admin, "adviser of", "advised by", "PERSON")
    kinds = [
        await _relation_type(admin, "supplier of", "customer of", "ORGANISATION"),
        await _relation_type(admin, "lender to", "borrower from", "ORGANISATION"),
    ]
    others = []
    for i in range(PAGE * 2):
        other = await create_organisation(admin, f"Partner {i} B.V.")
        others.append(other)
        start = f"20{10 + i % 3}-01-01" if i % 2 else None
        await ok(admin, "addRelation", "", typeId=kinds[i % 2], sourceId=org, targetId=other, startDate=start)
        if i == PAGE:  # the hidden one in the middle of the list, in every order
            await ok(
                admin, "addRelation", "", typeId=to_person, sourceId=org, targetId=hidden, startDate=start
            )

    members = []
    for i, role in enumerate(["Beslisser", "Gebruiker", "Contact", None, "Inkoper"]):
        person = await create_person(admin, f"Lid{i}")
        start = f"2020-0{5 - i}-01"
        await ok(admin, "addMembership", "", personId=person, organisationId=org, role=role, startDate=start)
        members.append(person)
    leaver = members[2]
    await ok(admin, "updatePerson", "", id=leaver, active=False)

    relations = Nested("Organisation", "relations", "", "RelationOrder")
    memberships = Nested("Organisation", "memberships", "", "MembershipOrder")
    cases = [
        (relations, ("RECORDED", "TYPE", "START_DATE"), "node { id } otherParty { id }", hidden, len(others)),
        (memberships, ("NAME", "START_DATE", "ROLE"), "node { id person { id } }", leaver, len(members) - 1),
    ]
    for nested, fields, selection, left_out, visible in cases:
        for field_name in fields:
            for direction in ("ASC", "DESC"):
                order = {"field": field_name, "direction": direction}
                for caller, expected in ((admin, visible + (left_out == hidden)), (business, visible)):
                    edges = await _walk(caller, nested, org, order, selection)
                    assert len(edges) == expected, (nested.name, order)
                    shown = str(edges)
                    assert (left_out in shown) == (caller is admin and left_out == hidden), (nested, order)
