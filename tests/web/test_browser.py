"""GraphiQL (and its links with the /explore network view) and uploaded documents in headless
Chromium, against a real server, offline. The network view's own tests are test_explore.py.

The browser tests start `relgraph serve --demo` (server.Server) and Debian's
chromium, and drive Chromium over the DevTools protocol (CDP) with the small
client of tests/support/browser.py: open a page, evaluate JavaScript, click
with real mouse events, wait for conditions, take screenshots. Chromium runs with
a dead proxy, and every request the page makes is recorded and checked to be
same-origin: the pages must work on machines without internet access.

They skip when no chromium is on PATH; `.ci/run` installs it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from browser import Page, needs_chromium
from pages import assert_offline, assert_policy_holds, save_token
from server import Server

# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_token(server: Server) -> str:
    return server.tokens()["admin@demo.test"]


# --- GraphiQL --------------------------------------------------------------------------------------


@needs_chromium
def test_graphiql_runs_a_query_offline(server: Server, admin_token: str, page: Page, tmp_path: Path) -> None:
    page.navigate(f"{server.url}/graphql")
    page.wait_for("!!document.querySelector('.graphiql-query-editor .CodeMirror')", what="GraphiQL to render")
    save_token(page, admin_token)
    assert page.evaluate("localStorage.getItem('relgraph.token')") == admin_token
    assert "Token saved" in page.evaluate("document.getElementById('relgraph-status').textContent")

    # Write the query into GraphiQL's editor (CodeMirror keeps its instance on its element),
    # wait for GraphiQL to take in the new operation name (it does so ~100 ms after an edit;
    # the tab's title shows it), and press the run button.
    query = 'query BrowserCheck { organisations(filter: {search: "Noorderlicht"}) { totalCount nodes { displayName } } }'
    page.evaluate(
        f"document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue({json.dumps(query)})"
    )
    page.wait_for(
        "(document.querySelector('.graphiql-tab-active') || document.body).textContent.includes('BrowserCheck')",
        what="GraphiQL to pick up the edited query",
    )
    page.click(".graphiql-execute-button")

    result = page.wait_for(
        """(() => {
            const pane = document.querySelector('.graphiql-response .CodeMirror');
            const text = pane ? pane.CodeMirror.getValue() : '';
            return text.includes('totalCount') ? text : null;
        })()""",
        what="a result in GraphiQL's response pane",
    )
    assert "Noorderlicht Holding B.V." in result, result
    assert '"errors"' not in result, result
    # ... and it is on screen, not only in the editor's model.
    assert page.evaluate("document.querySelector('.graphiql-response').innerText.includes('Noorderlicht')")
    (tmp_path / "graphiql.png").write_bytes(page.screenshot())

    assert_offline(page, server)
    assert not page.errors(), page.errors()
    assert_policy_holds(page, f"{server.url}/graphql")


EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"


@needs_chromium
def test_graphiql_token_examples_and_a_card_from_the_network_view(
    server: Server, admin_token: str, page: Page
) -> None:
    # Without a token GraphiQL asks for no schema, so there is no UNAUTHENTICATED error to linger.
    page.navigate(f"{server.url}/graphql")
    page.wait_for("!!document.querySelector('.graphiql-query-editor .CodeMirror')", what="GraphiQL to render")
    page.pump(1.5)
    assert f"{server.url}/graphql" not in page.requested_urls()[1:], page.requested_urls()
    save_token(page, admin_token)
    page.wait_for(
        f"performance.getEntriesByType('resource').some(e => e.name === {json.dumps(server.url + '/graphql')})",
        what="the schema request with the token",
    )
    page.pump(1.5)
    assert "UNAUTHENTICATED" not in page.evaluate("document.body.innerText")

    # Examples open one at a time, in one tab.
    tabs = page.evaluate("document.querySelectorAll('.graphiql-tab').length")
    examples = json.loads(page.evaluate("document.getElementById('relgraph-examples').textContent"))
    for index in (3, 5):
        page.evaluate(
            f"{{ const s = document.getElementById('relgraph-examples-picker'); s.value = '{index}';"
            " s.dispatchEvent(new Event('change')); }"
        )
        page.wait_for(
            f"{EDITOR}.getValue() === {json.dumps(examples[index]['query'])}", what=f"example {index}"
        )
    assert page.evaluate("document.querySelectorAll('.graphiql-tab').length") <= max(tabs, 1) + 1

    # GraphiQL and the network view link to each other; the network view hands GraphiQL a card.
    assert (
        page.evaluate("document.getElementById('relgraph-explore-link').getAttribute('href')") == "/explore"
    )
    page.click("#relgraph-explore-link")
    page.wait_for("!!window.relgraphExplore", what="the network view")
    assert page.evaluate("document.querySelector('.relgraph-bar a').getAttribute('href')") == "/graphql"
    organisation = "T3JnYW5pc2F0aW9uOjE1"
    page.evaluate(f"window.relgraphExplore.load({json.dumps(organisation)})")
    page.wait_for("window.relgraphExplore.state.loads === 1 && window.relgraphExplore.state.loading === 0")
    page.evaluate(f"window.relgraphExplore.select({{id: {json.dumps(organisation)}}})")
    card = page.wait_for(
        "(a => a && a.getAttribute('href'))(document.querySelector('#explore-panel a.explore-card'))",
        what="the card link",
    )
    page.navigate(server.url + card)
    page.wait_for(f"{EDITOR}.getValue().includes('query PartyCard')", what="the card query in GraphiQL")
    assert page.evaluate("location.hash") == "", "the handed-over query stayed in the URL"
    page.wait_for(
        "[...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]"
        f".some(c => c.CodeMirror.getValue().includes({json.dumps(organisation)}))",
        what="the party's ID in the variables",
    )
    page.wait_for(
        "(document.querySelector('.graphiql-tab-active') || document.body).textContent.includes('PartyCard')",
        what="GraphiQL to pick up the card's operation",
    )
    page.click(".graphiql-execute-button")
    result = page.wait_for(
        """(() => { const pane = document.querySelector('.graphiql-response .CodeMirror');
                    const text = pane ? pane.CodeMirror.getValue() : '';
                    return text.includes('displayName') ? text : null; })()""",
        what="the card in the response pane",
    )
    assert "Noorderlicht Renovatie Drenthe B.V." in result and '"errors"' not in result, result
    assert not page.errors(), page.errors()


# --- uploaded documents ----------------------------------------------------------------------------

ACTIVE_CONTENT = {
    "page.html": (
        "text/html",
        b"<!doctype html><title>uploaded page</title><script>document.title = 'script ran'</script><h1>uploaded</h1>",
    ),
    "drawing.svg": (
        "image/svg+xml",
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="document.title = \'script ran\'">'
            b'<script>document.title = "script ran"</script><text y="20">uploaded</text></svg>'
        ),
    ),
    "feed.xml": (
        "application/xml",
        (
            b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
            b'<script>document.title = "script ran"</script><p>uploaded</p></body></html>'
        ),
    ),
}


def upload_documents(server: Server, token: str) -> dict[str, str]:
    """Upload ACTIVE_CONTENT to a new organisation; their download URLs by file name."""
    auth = {"Authorization": f"Bearer {token}"}
    made = httpx.post(
        f"{server.url}/graphql",
        json={
            "query": 'mutation { createOrganisation(input: {name: "Actief B.V."}) { organisation { id } } }'
        },
        headers=auth,
        timeout=30,
    ).json()
    org = made["data"]["createOrganisation"]["organisation"]["id"]
    urls = {}
    for name, (content_type, content) in ACTIVE_CONTENT.items():
        query = (
            "mutation($p: ID!, $f: Upload!) { uploadDocument(input: {partyId: $p, file: $f}) "
            "{ document { downloadUrl } userErrors { message } } }"
        )
        operations = {"query": query, "variables": {"p": org, "f": None}}
        body = httpx.post(
            f"{server.url}/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": (name, content, content_type)},
            headers=auth,
            timeout=30,
        ).json()
        assert body["data"]["uploadDocument"]["userErrors"] == [], body
        urls[name] = server.url + body["data"]["uploadDocument"]["document"]["downloadUrl"]
    return urls


@needs_chromium
def test_uploaded_html_svg_and_xml_are_downloaded_not_rendered(
    server: Server, admin_token: str, page: Page, tmp_path: Path
) -> None:
    urls = upload_documents(server, admin_token)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    page.call(
        "Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads), eventsEnabled=True
    )
    # The download route takes the token from the header, as any API client sends it.
    page.call("Network.setExtraHTTPHeaders", headers={"Authorization": f"Bearer {admin_token}"})
    for name, (_, content) in ACTIVE_CONTENT.items():
        page.navigate(f"{server.url}/healthz")  # a page of relgraph's origin, as the uploaded one would be
        page.call("Page.navigate", url=urls[name])
        deadline = time.monotonic() + 30
        while not (downloads / name).is_file() or (downloads / name).read_bytes() != content:
            assert time.monotonic() < deadline, f"{name} was not downloaded\n{page.diagnostics()}"
            page.pump(0.2)
        page.pump(0.5)
        assert page.evaluate("location.href") == f"{server.url}/healthz", f"{name} replaced the page"
        assert page.evaluate("document.title") != "script ran"
        assert "uploaded" not in page.evaluate("document.documentElement.outerHTML")
        headers = page.response_headers(urls[name])
        assert headers["content-type"] == "application/octet-stream", headers
        assert headers["content-disposition"].startswith("attachment;"), headers
        assert "sandbox" in headers["content-security-policy"], headers


# --- no browser ------------------------------------------------------------------------------------


async def test_explore_page_uses_only_local_assets(client) -> None:
    response = await client.get("/explore")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)=["']//""", page)
    assert 'data-endpoint="/graphql"' in page
    assert "relgraph-token" in page and "explore-search" in page

    assets = [a for a in re.findall(r"""(?:src|href)=["']([^"']+)["']""", page) if not a.startswith("data:")]
    assert "/static/explore/cytoscape.min.js" in assets
    assert "/static/explore/explore.js" in assets and "/static/explore/explore.css" in assets
    for asset in assets:
        if asset == "/graphql":
            continue  # the link to GraphiQL
        assert asset.startswith("/static/"), asset
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert fetched.content, asset


async def test_a_stale_operation_name_is_a_request_error_not_a_crash(admin) -> None:
    """GraphiQL sends the previous tab's operationName when run right after an edit."""
    document = "query Renamed { viewer { email } }"
    for accept, status in (("application/json", 200), ("application/graphql-response+json", 400)):
        response = await admin.client.post(
            "/graphql",
            json={"query": document, "operationName": "AccountManagerFiles"},
            headers={"Authorization": f"Bearer {admin.token}", "Accept": accept},
        )
        assert response.status_code == status, response.text
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["message"] == "Unknown operation named 'AccountManagerFiles'."
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
