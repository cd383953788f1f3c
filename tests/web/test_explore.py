"""The /explore network view in headless Chromium, against `relgraph serve --demo`, offline.

As an analyst would (a BUSINESS user, not ADMIN): search, draw, open the details panel,
expand, find a path between two parties, use the keyboard, and draw 2,000 nodes; filters,
the as-of date, exports and links are test_explore_views.py. Every answer the page shows is
checked against the API asked directly with the same token (the page only calls the API).

Each state is saved as a screenshot under the run's base temporary directory
(`<basetemp>/screenshots/`, kept by pytest for the last three runs; `--basetemp` chooses
it), or under $RELGRAPH_SCREENSHOTS when set. The helpers are tests/support/
explore_page.py and browser.py.
"""

from __future__ import annotations

import json
import math
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser import Page, needs_chromium
from explore_page import (
    DRENTHE,
    WAREHOUSING,
    X,
    api,
    api_edges,
    click_node,
    drawn_edges,
    drawn_ids,
    hood,
    loads,
    mark,
    open_explore,
    search_and_pick,
    shoot,
)
from pages import assert_offline, assert_policy_holds, colours_in, near, png_pixels
from server import Server

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    return server.tokens()["business@demo.test"]


def test_search_panel_expand_and_path(server: Server, token: str, page: Page, shots: Path) -> None:
    open_explore(page, server, token)
    # A person found through their email says so.
    email = api(server, token, "{ persons(first: 100) { nodes { displayName email } } }")
    person = next(p for p in email["persons"]["nodes"] if p["email"])
    page.type_into("#explore-search", person["email"])
    page.click("#explore-search-button")
    hint = page.wait_for(
        "(document.querySelector('.explore-why') || {}).textContent", what="why the person matched"
    )
    assert hint == f"matched on email: {person['email']}", hint
    assert "Search for a party to start" not in page.evaluate(
        "document.getElementById('explore-status').textContent"
    )

    search_and_pick(page, "Noorderlicht Renovatie Drenthe", "Noorderlicht Renovatie Drenthe")
    loads(page, 1)
    first = hood(server, token, DRENTHE)
    assert drawn_ids(page) == {n["party"]["id"] for n in first["nodes"]}
    assert drawn_edges(page) == api_edges(first)
    assert page.evaluate(f"{X}.cy.edges().every(e => e.data('label'))"), "edges without labels"
    status = page.evaluate("document.getElementById('explore-status').textContent")
    assert f"{len(first['nodes'])} parties" in status and "truncated: no" in status, status
    shoot(page, shots, "01-drawn")

    # A click opens the details panel of the parent organisation, not an expansion.
    parent = next(e["target"] for e in first["edges"] if e["kind"] == "HIERARCHY" and e["source"] == DRENTHE)
    click_node(page, parent)
    page.wait_for(
        f"document.getElementById('explore-panel').dataset.id === {json.dumps(parent)}",
        what="the details panel",
    )
    details = api(
        server,
        token,
        """query($id: ID!) { node(id: $id) { ... on Organisation { displayName parent { displayName }
             memberships { totalCount } subsidiaries { totalCount } accountManagers { name } } } }""",
        {"id": parent},
    )["node"]
    panel = page.evaluate("document.getElementById('explore-panel').innerText")
    assert details["displayName"] in panel and details["parent"]["displayName"] in panel, panel
    assert f"People\n{details['memberships']['totalCount']} (" in panel, panel
    assert f"Subsidiaries\n{details['subsidiaries']['totalCount']} (" in panel, panel
    for manager in details["accountManagers"]:
        assert manager["name"] in panel, panel
    assert page.evaluate(f"{X}.state.loads") == 1, "a click expanded the node"
    card = page.evaluate("document.querySelector('#explore-panel a.explore-card').getAttribute('href')")
    assert card.startswith("/graphql#query=") and parent in card, card
    shoot(page, shots, "02-details")

    # Expand from the panel: new parties land beside the parent and the zoom stays.
    zoom = page.evaluate(f"{X}.cy.zoom()")
    before = drawn_ids(page)
    page.click("#explore-panel button[data-action=expand]")
    loads(page, 2)
    assert page.evaluate(f"{X}.cy.zoom()") == zoom, "an expansion zoomed the graph"
    second = hood(server, token, parent)
    added = drawn_ids(page) - before
    assert added == {n["party"]["id"] for n in second["nodes"]} - before
    spots = page.evaluate(
        f"""(() => {{ const cy = {X}.cy, at = cy.$id({json.dumps(parent)}).position();
              return {json.dumps(sorted(added))}.map(id => Math.hypot(cy.$id(id).position('x') - at.x,
                                                                   cy.$id(id).position('y') - at.y)); }})()"""
    )
    assert spots and max(spots) < 400, f"new nodes far from their parent: {spots}"
    assert drawn_edges(page) == api_edges(first, second)
    shoot(page, shots, "03-expanded")

    # The path from Drenthe (from its panel) to Warehousing (a search result's "to").
    click_node(page, DRENTHE)
    page.wait_for(f"document.getElementById('explore-panel').dataset.id === {json.dumps(DRENTHE)}")
    page.click("#explore-panel button[data-action=path-from]")
    page.type_into("#explore-search", "Noorderlicht Warehousing")
    page.click("#explore-search-button")
    page.wait_for("!!document.querySelector('.explore-result-row')", what="search results")
    mark(page, ".explore-result-row", "Noorderlicht Warehousing")
    page.click(".explore-result-row[data-test-pick] button[aria-label^='Path to']")
    page.wait_for(
        "document.querySelectorAll('#explore-path-hops .explore-when').length > 0 && "
        "[...document.querySelectorAll('#explore-path-hops .explore-when')].every(e => e.textContent)",
        what="the path with its dates",
    )
    path = api(
        server,
        token,
        """query($a: ID!, $b: ID!) { shortestPath(fromId: $a, toId: $b, maxDepth: 6,
             include: [RELATIONS, HIERARCHY, MEMBERSHIPS]) { length parties { id displayName } edges { source target kind label } } }""",
        {"a": DRENTHE, "b": WAREHOUSING},
    )["shortestPath"]
    hops = page.evaluate("[...document.querySelectorAll('#explore-path-hops li')].map(li => li.innerText)")
    assert len(hops) == path["length"], hops
    for hop, edge in zip(hops, path["edges"], strict=True):
        assert edge["label"] in hop, (hop, edge)
        assert "since " in hop or "start date not recorded" in hop, hop
        if edge["kind"] == "HIERARCHY" and "since " in hop:
            # The first day of the subsidiary's current period under this parent.
            since = date.fromisoformat(hop.split("since ")[1][:10])
            parents = api(
                server,
                token,
                """query($id: ID!, $on: Date!, $before: Date!) { node(id: $id) { ... on Organisation {
                     on: parent(asOf: $on) { id } before: parent(asOf: $before) { id } } } }""",
                {"id": edge["source"], "on": str(since), "before": str(since - timedelta(days=1))},
            )["node"]
            assert parents["on"]["id"] == edge["target"], (hop, parents)
            assert (parents["before"] or {}).get("id") != edge["target"], (hop, parents)
    assert page.evaluate(f"{X}.cy.edges('.path').length") == path["length"]
    assert set(page.evaluate(f"{X}.cy.nodes('.path').map(n => n.id())")) == {p["id"] for p in path["parties"]}
    message = page.evaluate("document.getElementById('explore-path-message').textContent")
    assert f"{path['length']} links" in message, message
    image = png_pixels(shoot(page, shots, "04-path"))
    assert near(colours_in(image), (0xC2, 0x18, 0x5B)) > 200, "the path is not highlighted on screen"

    # Too short a reach is said plainly.
    page.evaluate(
        "document.getElementById('explore-path-depth').value = String("
        f"{path['length'] - 1}); document.getElementById('explore-path-find').click()"
    )
    said = page.wait_for(
        "(t => t.startsWith('No path') && t)(document.getElementById('explore-path-message').textContent)",
        what="no path",
    )
    assert f"within {path['length'] - 1} links" in said, said
    assert page.evaluate(f"{X}.cy.edges('.path').length") == 0

    assert_offline(page, server)
    assert not page.errors(), page.errors()
    warnings = [
        e["params"]["args"]
        for e in page.events
        if e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "warning"
    ]
    assert not warnings, warnings  # e.g. Cytoscape's about a custom wheel sensitivity
    assert_policy_holds(page, f"{server.url}/explore")


def test_keyboard(server: Server, token: str, page: Page) -> None:
    open_explore(page, server, token)
    page.evaluate(f"{X}.load({json.dumps(DRENTHE)})")
    loads(page, 1)
    page.evaluate("document.getElementById('explore-graph').focus()")

    def key(name: str) -> None:
        text = name if len(name) == 1 else ""
        for kind in ("keyDown", "keyUp"):
            page.call("Input.dispatchKeyEvent", type=kind, key=name, text=text if kind == "keyDown" else "")

    key("n")
    chosen = page.wait_for("document.getElementById('explore-panel').dataset.id", what="n to select a party")
    assert page.evaluate(f"{X}.cy.nodes(':selected').map(n => n.id())") == [chosen]
    key("Enter")
    loads(page, 2)
    key("i")
    page.wait_for(f"{X}.cy.$id({json.dumps(chosen)}).hasClass('pinned')", what="i to pin")
    pan = page.evaluate(f"{X}.cy.pan().x")
    key("ArrowLeft")
    assert page.evaluate(f"{X}.cy.pan().x") == pan + 60
    key("h")
    page.wait_for(f"{X}.cy.$id({json.dumps(chosen)}).hasClass('hidden')", what="h to hide")
    assert not page.errors(), page.errors()


def test_two_thousand_nodes(server: Server, token: str, page: Page, shots: Path) -> None:
    """Draws 2,000 parties through the same code as an API answer and prints the time to the first
    frame and to a frame after a pan (figures, not assertions: the machine's load decides them)."""
    open_explore(page, server, token)
    page.evaluate(
        f"""(() => {{ const nodes = [], edges = [];
              for (let i = 1; i < 2000; i++) {{
                nodes.push({{distance: i < 40 ? 1 : 2, party: {{id: 'p' + i, kind: i % 3 ? 'PERSON' : 'ORGANISATION',
                             displayName: 'Party ' + i}}}});
                edges.push({{source: 'p' + i, target: i < 40 ? 'p0' : 'p' + (i % 39 + 1), kind: 'RELATIONS', label: 'partner of'}});
              }}
              {X}.draw({{id: 'p0', kind: 'ORGANISATION', displayName: 'Centre'}}, {{nodes: nodes, edges: edges, truncated: false}});
              return 1; }})()"""
    )
    first_draw = page.wait_for(f"{X}.state.drawMs", timeout=120, what="the first frame")
    assert page.evaluate(f"{X}.cy.nodes().length") == 2000
    # A corner of the graph: the rings are round, so no node is under the mouse there.
    box = page.evaluate(
        "(r => [r.left + 10, r.top + 10])(document.getElementById('explore-graph').getBoundingClientRect())"
    )
    pan_before = page.evaluate(f"{X}.cy.pan()")
    started = time.monotonic()
    page.call(
        "Input.dispatchMouseEvent",
        type="mousePressed",
        x=box[0],
        y=box[1],
        button="left",
        buttons=1,
        clickCount=1,
    )
    for step in range(1, 11):
        page.call(
            "Input.dispatchMouseEvent",
            type="mouseMoved",
            x=box[0] + 20 * step,
            y=box[1],
            button="left",
            buttons=1,
        )
    page.call(
        "Input.dispatchMouseEvent",
        type="mouseReleased",
        x=box[0] + 200,
        y=box[1],
        button="left",
        buttons=1,
        clickCount=1,
    )
    # The next frames after the drag: Cytoscape draws on animation frames.
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))")
    panned = time.monotonic() - started
    moved = page.evaluate(f"{X}.cy.pan()")
    assert math.isclose(moved["x"] - pan_before["x"], 200, abs_tol=30), (pan_before, moved)
    print(
        f"2,000 nodes: first frame after {first_draw:.0f} ms; a 200 px drag drawn after {panned * 1000:.0f} ms"
    )
    shoot(page, shots, "10-two-thousand")
    assert not page.errors(), page.errors()
