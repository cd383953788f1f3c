"""Driving and checking the /explore network view in the browser tests (tests/web/test_explore*.py):
the demo parties they start from, the API asked directly with the page's token to compare
answers, screenshots per state, and the page's own controls used as a person would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from browser import Page
from pages import save_token
from server import Server

__all__ = [
    "DRENTHE",
    "IDLE",
    "WAREHOUSING",
    "X",
    "api",
    "api_edges",
    "click_node",
    "drawn_edges",
    "drawn_ids",
    "hood",
    "loads",
    "mark",
    "open_explore",
    "reopen",
    "search_and_pick",
    "shoot",
]

DRENTHE = "T3JnYW5pc2F0aW9uOjE1"  # Noorderlicht Renovatie Drenthe B.V. (the demo data's IDs are fixed)
WAREHOUSING = "T3JnYW5pc2F0aW9uOjEw"  # Noorderlicht Warehousing B.V.

IDLE = "window.relgraphExplore && window.relgraphExplore.state.loading === 0"
X = "window.relgraphExplore"


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
