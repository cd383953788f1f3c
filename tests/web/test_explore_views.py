"""The /explore network view in headless Chromium: filters, the as-of date, ended links, truncation,
exports and reopening a view from its link (as a BUSINESS user, against `relgraph serve --demo`).
Every answer the page shows is compared with the API's, asked with the same token. Screenshots
go where test_explore.py says; the helpers are tests/support/explore_page.py.
"""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from browser import Page, needs_chromium
from explore_page import (
    DRENTHE,
    IDLE,
    X,
    api,
    api_edges,
    drawn_edges,
    drawn_ids,
    hood,
    loads,
    open_explore,
    reopen,
    shoot,
)
from server import Server

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    return server.tokens()["business@demo.test"]


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
