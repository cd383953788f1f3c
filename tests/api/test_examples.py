"""Every example query runs on demo data, and the flagship ones give the expected shape."""

from __future__ import annotations

import pytest
from helpers import EXAMPLE_QUERIES

from relgraph import demo
from relgraph.text import fold


@pytest.fixture
async def demo_caller(admin, sessionmaker):
    async with sessionmaker() as session:
        await demo.seed(session, organisations=60, persons=200, seed=7, created_by_id=admin.user_id)
        await session.commit()
    return admin


def _query(name: str) -> str:
    return (EXAMPLE_QUERIES / f"{name}.graphql").read_text()


async def test_every_example_runs_without_errors(demo_caller) -> None:
    files = sorted(EXAMPLE_QUERIES.glob("*.graphql"))
    assert len(files) >= 5
    for path in files:
        text = path.read_text()
        assert text.startswith("#"), f"{path.name} must start with a comment saying what it answers"
        response = await demo_caller.post(text)
        body = response.json()
        assert response.status_code == 200, (path.name, body)
        assert "errors" not in body, (path.name, body["errors"])
        assert body["data"], path.name


async def test_organisation_card_has_the_expected_shape(demo_caller) -> None:
    data = await demo_caller.gql(_query("organisation-card"))
    [card] = data["organisations"]["nodes"]
    assert card["name"] == "Noorderlicht Bouw B.V."
    assert [a["name"] for a in card["ancestors"]] == [demo.FLAGSHIP_NAME]
    assert card["depth"] == 1
    assert card["invoiceEmail"] and card["invoiceAddress"]["lines"], "the card shows invoice data"
    assert card["addresses"][0]["isHeadOffice"]
    assert len(card["accountManagers"]) == 2
    assert card["relations"]["totalCount"] >= len(card["relations"]["edges"]) > 0
    subsidiaries = card["subsidiaries"]["nodes"]
    assert card["subsidiaries"]["totalCount"] == len(subsidiaries) >= 2
    assert any(s["subsidiaries"]["nodes"] for s in subsidiaries), "two levels of subsidiaries"
    levels = [card, *subsidiaries, *(g for s in subsidiaries for g in s["subsidiaries"]["nodes"])]
    for org in levels:
        memberships = org["memberships"]["nodes"]
        assert memberships, f"{org['name']} has people"
        assert org["memberships"]["totalCount"] == len(memberships)
        for m in memberships:
            assert m["person"]["displayName"]
            assert m["tags"] == sorted(m["tags"])


async def test_group_tree_is_breadth_first_and_deep(demo_caller) -> None:
    data = await demo_caller.gql(_query("group-tree"))
    [holding] = data["organisations"]["nodes"]
    edges = holding["descendants"]["edges"]
    depths = [e["depth"] for e in edges]
    assert depths == sorted(depths)
    assert max(depths) >= 3, "the flagship group is at least 4 levels deep"
    assert holding["descendants"]["totalCount"] == len(edges)
    names_by_depth = {e["node"]["name"]: e["depth"] for e in edges}
    for edge in edges:
        parent = edge["node"]["parent"]["name"]
        expected = 0 if parent == holding["name"] else names_by_depth[parent]
        assert edge["depth"] == expected + 1


async def test_search_example_matches_only_what_it_asks(demo_caller) -> None:
    data = await demo_caller.gql(_query("search-organisations"))
    nodes = [e["node"] for e in data["organisations"]["edges"]]
    assert nodes
    for node in nodes:
        texts = [node["name"], node["legalName"], *(a["city"] for a in node["addresses"])]
        assert any("bouw" in fold(t) for t in texts if t), node


async def test_mailing_list_example_only_lists_tagged_people(demo_caller) -> None:
    data = await demo_caller.gql(_query("mailing-list"))
    [holding] = data["organisations"]["nodes"]
    for membership in holding["memberships"]["nodes"]:
        assert "nieuwsbrief" in membership["tags"]


async def test_relations_example_reads_each_relation_from_the_organisations_side(demo_caller) -> None:
    data = await demo_caller.gql(_query("relations-of-two-types"))
    [org] = data["organisations"]["nodes"]
    edges = org["relations"]["edges"]
    assert org["relations"]["totalCount"] == len(edges) > 0
    assert {e["relation"]["type"]["name"] for e in edges} <= {"supplier of", "partner of"}
    for edge in edges:
        kind = edge["relation"]["type"]
        if kind["symmetric"]:
            assert edge["direction"] == "SYMMETRIC" and edge["label"] == kind["name"]
        elif edge["direction"] == "INCOMING":
            assert edge["label"] == kind["inverseName"]
        else:
            assert edge["direction"] == "OUTGOING" and edge["label"] == kind["name"]
        assert edge["otherParty"]["displayName"] != org["name"]


async def test_account_manager_files_example_lists_their_customer_files(demo_caller) -> None:
    data = await demo_caller.gql(_query("account-manager-files"))
    [org] = data["organisations"]["nodes"]
    managers = org["accountManagers"]
    assert len(managers) == 2, "the demo gives Noorderlicht Bouw two account managers"
    for manager in managers:
        files = manager["internalRelations"]["nodes"]
        assert manager["internalRelations"]["totalCount"] >= len(files) > 0
        assert org["name"] in {f["party"]["displayName"] for f in files}


async def test_neighbourhood_example_is_a_connected_graph_around_bouw(demo_caller) -> None:
    data = await demo_caller.gql(_query("neighbourhood"))
    [org] = data["organisations"]["nodes"]
    graph = org["neighbourhood"]
    nodes = {n["party"]["id"]: n["distance"] for n in graph["nodes"]}
    assert [n["party"]["displayName"] for n in graph["nodes"] if n["distance"] == 0] == [org["name"]]
    assert {1, 2} <= set(nodes.values()) and max(nodes.values()) <= 2
    assert len(nodes) <= 150
    staff = {s["user"]["name"] for s in graph["staff"]}
    assert staff, "the account managers of Bouw are one link away"
    nodes.update({s["user"]["id"]: s["distance"] for s in graph["staff"]})
    for edge in graph["edges"]:
        assert edge["source"] in nodes and edge["target"] in nodes, edge
    # Every node but the start is linked to a node one step nearer.
    for pid, distance in nodes.items():
        if distance:
            neighbours = [
                e["target"] if e["source"] == pid else e["source"]
                for e in graph["edges"]
                if pid in (e["source"], e["target"])
            ]
            assert any(nodes.get(n, 99) == distance - 1 for n in neighbours), pid


async def test_shortest_path_example_links_the_two_organisations(demo_caller) -> None:
    data = await demo_caller.gql(_query("shortest-path"))
    path = data["shortestPath"]
    assert path is not None
    names = [p["displayName"] for p in path["parties"]]
    assert names[0] == "Noorderlicht Renovatie Drenthe B.V." and names[-1] == "Noorderlicht Warehousing B.V."
    assert 1 <= path["length"] == len(path["edges"]) <= 6


async def test_group_people_example_lists_people_at_every_level(demo_caller) -> None:
    data = await demo_caller.gql(_query("group-people"))
    [holding] = data["organisations"]["nodes"]
    edges = holding["descendants"]["edges"]
    assert len(edges) == holding["descendants"]["totalCount"] >= 10
    assert all(e["node"]["memberships"]["totalCount"] >= 1 for e in edges)


async def test_competitors_example_shows_people_of_competing_organisations(demo_caller) -> None:
    data = await demo_caller.gql(_query("competitors-people"))
    [bouw] = data["organisations"]["nodes"]
    edges = bouw["relations"]["edges"]
    assert edges and all(e["label"] == "competitor of" for e in edges)
    assert any(e["otherParty"]["memberships"]["nodes"] for e in edges)


async def test_busiest_staff_example_is_sorted_by_customer_files(demo_caller) -> None:
    data = await demo_caller.gql(_query("busiest-staff"))
    counts = [u["customerFileCount"] for u in data["users"]["nodes"]]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    for user in data["users"]["nodes"]:
        assert len(user["internalRelations"]["nodes"]) == min(5, user["customerFileCount"])


async def test_person_connections_example_finds_people_named_jansen(demo_caller) -> None:
    data = await demo_caller.gql(_query("person-connections"))
    people = data["persons"]["nodes"]
    named = [p for p in people if fold(p["displayName"]).endswith(" jansen")]
    assert len(named) >= 3, [p["displayName"] for p in people]
    assert all(p["memberships"]["nodes"] for p in named), "the demo's Jansens work somewhere"
    for person in people:
        # Anyone else is found by a business email at a Jansen company.
        employers = [fold(m["organisation"]["name"]) for m in person["memberships"]["nodes"]]
        assert person in named or any("jansen" in e for e in employers), person


async def test_group_contacts_example_lists_key_accounts_with_their_primary_email_and_phone(
    demo_caller,
) -> None:
    data = await demo_caller.gql(_query("group-contacts"))
    [group] = data["customerGroups"]
    assert group["name"] == demo.KEY_ACCOUNTS
    organisations = group["members"]["nodes"]
    assert group["members"]["totalCount"] == len(organisations) >= 3
    assert {demo.FLAGSHIP_NAME, demo.BOUW_NAME} <= {o["name"] for o in organisations}
    names = [fold(o["name"]) for o in organisations]
    assert names == sorted(names)
    for org in organisations:
        assert org["email"] and "@" in org["email"], org["name"]
        assert org["phone"] and org["phone"].startswith("+31"), org["name"]
        primary = [m for m in org["contactMeans"] if m["kind"] == "PHONE" and m["primary"]]
        assert [m["formatted"].replace(" ", "") for m in primary] == [org["phone"]]


async def test_group_as_of_example_shows_the_group_of_that_day(demo_caller) -> None:
    """The demo's history (demo/hierarchy_history.py): on 2024-01-01 Warehousing sat under
    Bouw and Renovatie Drenthe under Utiliteitsbouw; today under Logistiek and Woningbouw Noord."""
    data = await demo_caller.gql(_query("group-as-of"))
    [holding] = data["organisations"]["nodes"]

    def parents(tree: dict) -> dict[str, str]:
        assert tree["totalCount"] == len(tree["edges"]) >= 10
        return {e["node"]["name"]: e["node"]["parent"]["name"] for e in tree["edges"]}

    then, today = parents(holding["then"]), parents(holding["today"])
    assert then["Noorderlicht Warehousing B.V."] == "Noorderlicht Bouw B.V."
    assert today["Noorderlicht Warehousing B.V."] == "Noorderlicht Logistiek B.V."
    assert then["Noorderlicht Renovatie Drenthe B.V."] == "Noorderlicht Utiliteitsbouw B.V."
    assert today["Noorderlicht Renovatie Drenthe B.V."] == "Noorderlicht Woningbouw Noord B.V."
    # The people of that day: in force on 2024-01-01 by their dates.
    day = "2024-01-01"
    for edge in holding["then"]["edges"]:
        for m in edge["node"]["memberships"]["nodes"]:
            assert (m["startDate"] or day) <= day <= (m["endDate"] or day), m
    assert any(e["node"]["memberships"]["totalCount"] for e in holding["then"]["edges"])


async def test_changes_feed_example_starts_with_the_demo_data(demo_caller) -> None:
    data = await demo_caller.gql(_query("changes-feed"))
    changes = data["changes"]
    # The demo's 60 organisations, 200 persons and their memberships and relations.
    assert changes["totalCount"] >= 260 and changes["pageInfo"]["hasNextPage"]
    assert [c["kind"] for c in changes["nodes"]] == ["CREATED"] * 20
    assert all(c["node"] is not None for c in changes["nodes"])
