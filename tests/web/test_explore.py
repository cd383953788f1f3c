"""The /explore network view in headless Chromium, against `relgraph serve --demo`, offline.

As an analyst would (a BUSINESS user, not ADMIN): search, draw, open the details panel,
expand, find a path between two parties, filter, go back in time, export, reopen a view
from its link, use the keyboard, and draw 2,000 nodes. Every answer the page shows is
checked against the API asked directly with the same token (the page only calls the API).

Each state is saved as a screenshot under the run's base temporary directory
(`<basetemp>/screenshots/`, kept by pytest for the last three runs; `--basetemp` chooses
it), or under $RELGRAPH_SCREENSHOTS when set. The browser helpers are tests/support/browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import Browser, Page, needs_chromium
from pages import assert_offline, assert_policy_holds, colours_in, near, png_pixels, save_token
from server import Server

pytestmark = needs_chromium

DRENTHE = "T3JnYW5pc2F0aW9uOjE1"  # Noorderlicht Renovatie Drenthe B.V. (the demo data's IDs are fixed)
WAREHOUSING = "T3JnYW5pc2F0aW9uOjEw"  # Noorderlicht Warehousing B.V.

IDLE = "window.relgraphExplore && window.relgraphExplore.state.loading === 0"
X = "window.relgraphExplore"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("serve"))
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    return server.tokens()["business@demo.test"]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    running = Browser(tmp_path / "chromium-profile")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    tab = browser.new_page()
    try:
        yield tab
    finally:
        tab.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("RELGRAPH_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Page, shots: Path, name: str) -> bytes:
    page.pump(0.4)  # let the canvas paint
    image = page.screenshot()
    (shots / f"{name}.png").write_bytes(image)
    print(f"screenshot: {shots / name}.png")
    return image


def api(server: Server, token: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


HOOD = """query($id: ID!, $include: [NeighbourhoodKind!], $asOf: Date, $maxNodes: Int!) {
  node(id: $id) { ... on Party { neighbourhood(depth: 1, include: $include, asOf: $asOf, maxNodes: $maxNodes) {
    nodes { party { id } } edges { source target kind label } truncated } } } }"""


def hood(server: Server, token: str, party: str, **variables: Any) -> dict[str, Any]:
    variables = {"include": ["RELATIONS", "HIERARCHY", "MEMBERSHIPS"], "maxNodes": 200} | variables
    answer: dict[str, Any] = api(server, token, HOOD, {"id": party, **variables})["node"]["neighbourhood"]
    return answer


def open_explore(page: Page, server: Server, token: str, fragment: str = "") -> None:
    page.navigate(f"{server.url}/explore{fragment}")
    page.wait_for(f"!!{X}", what="explore.js to start")
    if page.evaluate("localStorage.getItem('relgraph.token')") != token:
        save_token(page, token)


def reopen(page: Page, url: str, answers: int = 1) -> None:
    """Open a view from its link in a fresh page load (a changed fragment alone only redraws)."""
    page.navigate("about:blank")
    page.navigate(url)
    page.wait_for(f"!!{X}", what="explore.js to start")
    loads(page, answers)


def search_and_pick(page: Page, text: str, name: str) -> None:
    page.type_into("#explore-search", text)
    page.click("#explore-search-button")
    page.wait_for(
        f"[...document.querySelectorAll('.explore-result')].some(b => b.textContent.includes({json.dumps(name)}))",
        what=f"{name} in the search results",
    )
    mark(page, ".explore-result", name)
    page.click(".explore-result[data-test-pick]")


def mark(page: Page, selector: str, text: str) -> None:
    """Tag the first element matching selector whose text has *text*, so page.click can find it."""
    page.evaluate(
        f"""document.querySelectorAll('[data-test-pick]').forEach(e => e.removeAttribute('data-test-pick'));
            [...document.querySelectorAll({json.dumps(selector)})]
              .find(b => b.textContent.includes({json.dumps(text)})).setAttribute('data-test-pick', '')"""
    )


def loads(page: Page, count: int) -> None:
    page.wait_for(f"{IDLE} && {X}.state.loads === {count}", what=f"{count} neighbourhood answers drawn")
    assert page.evaluate(f"{X}.state.error") is None, page.diagnostics()


def drawn_ids(page: Page) -> set[str]:
    return set(page.evaluate(f"{X}.cy.nodes().map(n => n.id())"))


def drawn_edges(page: Page, selector: str = "edge") -> set[tuple[str, str, str, str]]:
    return {
        tuple(e)
        for e in page.evaluate(
            f"{X}.cy.edges({json.dumps(selector)}).map(e => [e.data('source'), e.data('target'), e.data('kind'), e.data('label')])"
        )
    }


def api_edges(*answers: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(e["source"], e["target"], e["kind"], e["label"]) for a in answers for e in a["edges"]}


def click_node(page: Page, node_id: str) -> None:
    """A real mouse click on a drawn node."""
    at = page.evaluate(
        f"""(() => {{ const n = {X}.cy.$id({json.dumps(node_id)}); const p = n.renderedPosition();
                      const box = document.getElementById('explore-graph').getBoundingClientRect();
                      return {{x: box.left + p.x, y: box.top + p.y}}; }})()"""
    )
    page.click_at(at["x"], at["y"])


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


def test_filters_history_and_truncation(server: Server, token: str, page: Page, shots: Path) -> None:
    open_explore(page, server, token)
    page.evaluate(f"{X}.load({json.dumps(DRENTHE)})")
    loads(page, 1)

    # Party kinds: persons are filtered out in the page (the start stays).
    page.click("#explore-kinds input[value=PERSON]")
    page.wait_for(f"{X}.cy.nodes('.filtered').length > 0", what="persons filtered out")
    assert page.evaluate(f"{X}.cy.nodes('.filtered').every(n => n.data('kind') === 'PERSON')")
    assert page.evaluate(f"{X}.cy.nodes('[kind = \"PERSON\"]').every(n => n.hasClass('filtered'))")
    assert "filtered out" in page.evaluate("document.getElementById('explore-status').textContent")
    page.click("#explore-kinds input[value=PERSON]")

    # Link kinds and relation types change what the API is asked for: the view is drawn again.
    page.wait_for("document.querySelectorAll('#explore-types input').length > 0", what="the relation types")
    page.evaluate(
        """document.querySelectorAll('#explore-types input').forEach(b => b.checked = b.value === 'accountant of');
           document.querySelector('#explore-types input').dispatchEvent(new Event('change', {bubbles: true}))"""
    )
    page.click("#explore-include input[value=MEMBERSHIPS]")
    page.wait_for(f"{IDLE} && !{X}.cy.edges('[kind = \"MEMBERSHIPS\"]').length", what="the redraw")
    loads(page, 1)
    relations = {e[3] for e in drawn_edges(page, '[kind = "RELATIONS"]')}
    assert relations == {"accountant of"}, relations
    shoot(page, shots, "05-filtered")
    assert "types=accountant+of" in page.evaluate("location.hash")

    # Back to everything; then the network as it stood on a day, as the API answers it.
    reopen(page, f"{server.url}/explore#party={DRENTHE}&asOf=2015-01-01")
    past = hood(server, token, DRENTHE, asOf="2015-01-01")
    assert drawn_ids(page) == {n["party"]["id"] for n in past["nodes"]}
    assert drawn_edges(page) == api_edges(past)
    assert drawn_ids(page) != {n["party"]["id"] for n in hood(server, token, DRENTHE)["nodes"]}
    assert "as of 2015-01-01" in page.evaluate("document.getElementById('explore-status').textContent")
    shoot(page, shots, "06-as-of")

    # Ended links: a party with an ended relation or membership shows it dotted, with its dates.
    ended = api(
        server,
        token,
        """{ organisations(first: 100) { nodes { id relations(includeInactive: true, first: 50) {
             edges { relation { active endDate } } } memberships(includeInactive: true, first: 50) {
             nodes { active endDate } } } } }""",
    )
    party = next(
        o
        for o in ended["organisations"]["nodes"]
        if any(not e["relation"]["active"] and e["relation"]["endDate"] for e in o["relations"]["edges"])
        or any(not m["active"] and m["endDate"] for m in o["memberships"]["nodes"])
    )
    inactive = sum(not e["relation"]["active"] for e in party["relations"]["edges"]) + sum(
        not m["active"] for m in party["memberships"]["nodes"]
    )
    reopen(page, f"{server.url}/explore#party={party['id']}&ended=1")
    labels = page.evaluate(f"{X}.cy.edges('[?ended]').map(e => e.data('label'))")
    assert len(labels) == inactive, labels
    assert any("(ended " in label for label in labels), labels
    shoot(page, shots, "07-ended")

    # A limit reached is stated with what was left out.
    page.evaluate("document.getElementById('explore-depth').value = '3'")
    page.evaluate("document.getElementById('explore-ended').checked = false")
    page.evaluate(
        "{ const m = document.getElementById('explore-max'); m.value = '50'; m.dispatchEvent(new Event('change')); }"
    )
    status = page.wait_for(
        "(t => t.includes('truncated: yes') && t)(document.getElementById('explore-status').textContent)",
        what="the truncation to be stated",
    )
    assert "stopped at 50 parties" in status and "left out" in status, status
    assert not page.errors(), page.errors()


def test_export_and_reopen_from_the_link(
    server: Server, token: str, page: Page, shots: Path, tmp_path: Path
) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    page.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
    open_explore(page, server, token)
    page.evaluate(f"{X}.load({json.dumps(DRENTHE)})")
    loads(page, 1)
    first = hood(server, token, DRENTHE)
    other = next(n["party"]["id"] for n in first["nodes"] if n["party"]["id"] != DRENTHE)
    page.evaluate(f"{X}.expand({json.dumps(other)})")
    loads(page, 2)
    second = hood(server, token, other)

    page.click("#explore-export-graphml")
    page.click("#explore-export-csv")
    page.click("#explore-export-png")
    deadline = time.monotonic() + 30
    while len([p for p in downloads.iterdir() if not p.name.endswith(".crdownload")]) < 4:
        assert time.monotonic() < deadline, sorted(p.name for p in downloads.iterdir())
        page.pump(0.2)
    files = {p.suffix: p for p in downloads.iterdir()}
    graph = ET.parse(files[".graphml"]).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = {n.get("id") for n in graph.iterfind(".//g:node", ns)}
    assert nodes == {n["party"]["id"] for a in (first, second) for n in a["nodes"]}
    keys = {k.get("id"): k.get("attr.name") for k in graph.iterfind("g:key", ns)}
    edges = set()
    for edge in graph.iterfind(".//g:edge", ns):
        data = {
            keys[d.get("key")]: d.text
            for d in edge.iterfind("g:data", ns)
            if d.get("key") in ("ekind", "elabel")
        }
        edges.add((edge.get("source"), edge.get("target"), data["kind"], data["label"]))
    assert edges == api_edges(first, second)

    tables = {
        p.name.rsplit("-", 1)[-1]: list(csv.DictReader(io.StringIO(p.read_text())))
        for p in downloads.glob("*.csv")
    }
    assert {row["id"] for row in tables["nodes.csv"]} == nodes
    assert len(tables["edges.csv"]) == len(edges)
    assert files[".png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Pin one party, hide another, select a third: the link reopens all of it.
    ids = sorted(nodes - {DRENTHE, other})
    page.evaluate(f"{X}.select({{id: {json.dumps(ids[0])}}})")
    page.wait_for("!!document.querySelector('#explore-panel button[data-action=pin]')")
    page.click("#explore-panel button[data-action=pin]")
    page.evaluate(f"{X}.select({{id: {json.dumps(ids[1])}}})")
    page.wait_for("!!document.querySelector('#explore-panel button[data-action=hide]')")
    page.click("#explore-panel button[data-action=hide]")
    page.evaluate(f"{X}.select({{id: {json.dumps(other)}}})")
    page.pump(0.3)
    link = page.evaluate("location.href")
    shown = drawn_ids(page)
    shoot(page, shots, "08-before-reopen")

    reopen(page, link, answers=2)
    page.wait_for(
        f"document.getElementById('explore-panel').dataset.id === {json.dumps(other)}", what="the selection"
    )
    assert drawn_ids(page) == shown
    assert page.evaluate(f"{X}.cy.nodes('.pinned').map(n => n.id())") == [ids[0]]
    assert page.evaluate(f"{X}.cy.nodes('.hidden').map(n => n.id())") == [ids[1]]
    assert page.evaluate(f"{X}.cy.$id({json.dumps(ids[0])}).locked()")
    shoot(page, shots, "09-reopened")
    assert not page.errors(), page.errors()


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
