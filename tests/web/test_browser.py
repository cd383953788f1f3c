"""GraphiQL and the /explore network view in headless Chromium, against a real server, offline.

The browser tests start `relgraph serve --demo` (server.Server) and Debian's
chromium, and drive Chromium over the DevTools protocol (CDP) with the small
client below (the `websockets` package): open a page, evaluate JavaScript, click
with real mouse events, wait for conditions, take screenshots. Chromium runs with
a dead proxy, and every request the page makes is recorded and checked to be
same-origin: the pages must work on machines without internet access.

They skip when no chromium is on PATH; `.ci/run` installs it.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import Server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (.ci/run installs Debian's chromium)"
)

VIEWPORT = (1280, 800)


# --- a tiny DevTools protocol client ---------------------------------------------------------------


class CDPError(AssertionError):
    pass


class Page:
    """One browser tab over CDP: commands are answered in order, events are kept in `events`."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(connect(ws_url, max_size=64 * 1024 * 1024, open_timeout=20))
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self.stack.close()

    def _receive(self, timeout: float) -> dict[str, Any]:
        message = json.loads(self.ws.recv(timeout=timeout))
        if "method" in message:
            self.events.append(message)
        return message

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(max(0.1, deadline - time.monotonic()))
            if message.get("id") == call_id:
                if "error" in message:
                    raise CDPError(f"{method}: {message['error']}")
                return message.get("result", {})

    def pump(self, seconds: float) -> None:
        """Take in events for a while (page loads, network requests)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._receive(left)
            except TimeoutError:
                return

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression (promises are awaited; no DOM nodes)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True, userGesture=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CDPError(
                f"{expression!r} threw: {details.get('exception', {}).get('description') or details}"
            )
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30, what: str = "") -> Any:
        """Poll until the expression is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            self.pump(0.1)
        raise CDPError(f"timed out waiting for {what or expression}\n{self.diagnostics()}")

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", what=f"{url} to load")

    def click_at(self, x: float, y: float) -> None:
        """A real left click: mouse moved, pressed and released at (x, y) in CSS pixels."""
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=1, clickCount=1)

    def click(self, selector: str) -> None:
        """Click the middle of the first element matching *selector*, as a user would."""
        box = self.wait_for(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: 'center'}});
                const r = el.getBoundingClientRect();
                return r.width && r.height ? {{x: r.left + r.width / 2, y: r.top + r.height / 2}} : null;
            }})()""",
            what=f"{selector} to be visible",
        )
        self.click_at(box["x"], box["y"])

    def type_into(self, selector: str, text: str) -> None:
        """Focus an input, clear it and type *text* (as one IME commit, like a paste)."""
        self.click(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).select()")
        self.call("Input.insertText", text=text)

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def response_headers(self, url: str) -> dict[str, str]:
        """The headers of the (last) response to `url`, names in lower case."""
        found = [
            e["params"]["response"]["headers"]
            for e in self.events
            if e["method"] == "Network.responseReceived" and e["params"]["response"]["url"] == url
        ]
        assert found, f"no response from {url}"
        return {name.lower(): value for name, value in found[-1].items()}

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"
        ]

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            if event["method"] == "Runtime.exceptionThrown":
                details = event["params"]["exceptionDetails"]
                found.append(details.get("exception", {}).get("description") or details.get("text", "?"))
            elif event["method"] == "Log.entryAdded" and event["params"]["entry"]["level"] == "error":
                entry = event["params"]["entry"]
                if entry.get("source") == "network" and entry.get("url", "").endswith("/graphql"):
                    continue  # an API answer such as 401 before a token is saved: the page shows it
                found.append(f"{entry.get('text')} {entry.get('url', '')}".strip())
        return found

    def diagnostics(self) -> str:
        body = ""
        try:
            body = self.evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''")
        except Exception as error:  # noqa: BLE001 - the page may be gone; say so instead
            body = f"(no page text: {error})"
        return f"page errors: {self.errors()}\nrequests: {self.requested_urls()}\npage text:\n{body}"


class Browser:
    """Headless Chromium with its own profile, a dead proxy and a DevTools port it picked itself."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        self.log = profile.parent / "chromium.log"
        with self.log.open("w") as log:
            self.process = self._start(profile, log)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"chromium did not start:\n{self.log.read_text()[-4000:]}")
            time.sleep(0.1)
        self.port = int(port_file.read_text().splitlines()[0])

    @staticmethod
    def _start(profile: Path, log: Any) -> subprocess.Popen[bytes]:
        assert CHROMIUM is not None
        return subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--mute-audio",
                # Anything not on 127.0.0.1 goes to a closed port: no network.
                "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=127.0.0.1",
                f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",  # Chromium writes the port it chose to DevToolsActivePort
                "about:blank",
            ],
            stdout=log,
            stderr=log,  # a file, not a pipe nobody reads: Chromium can be chatty
            start_new_session=True,
        )

    def new_page(self) -> Page:
        target = httpx.put(f"http://127.0.0.1:{self.port}/json/new?about:blank", timeout=20).json()
        page = Page(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Network", "Log"):
            page.call(f"{domain}.enable")
        # Whatever the pages' Content-Security-Policy refuses is recorded, to be checked.
        page.call(
            "Page.addScriptToEvaluateOnNewDocument",
            source="window.cspViolations = []; document.addEventListener('securitypolicyviolation', "
            "e => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));",
        )
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=VIEWPORT[0],
            height=VIEWPORT[1],
            deviceScaleFactor=1,
            mobile=False,
        )
        return page

    def stop(self) -> None:
        if self.process.poll() is None:
            # Chromium forks zygote/renderer processes into its own session: end the group.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


# --- PNG, without PIL ------------------------------------------------------------------------------


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG into (width, height, rows of raw pixel bytes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunk = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    assert header is not None, "PNG without IHDR"
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            upper_left = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def colours_in(
    image: tuple[int, int, list[bytes]], box: tuple[int, int, int, int] | None = None
) -> dict[bytes, int]:
    """How many pixels of each RGB colour a decoded PNG has (inside box = (left, top, right, bottom))."""
    width, height, rows = image
    bpp = len(rows[0]) // width
    left, top, right, bottom = box or (0, 0, width, height)
    counts: dict[bytes, int] = {}
    for row in rows[max(0, top) : min(height, bottom)]:
        for x in range(max(0, left), min(width, right)):
            pixel = row[x * bpp : x * bpp + 3]
            counts[pixel] = counts.get(pixel, 0) + 1
    return counts


def near(counts: dict[bytes, int], rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    return sum(n for c, n in counts.items() if all(abs(c[i] - rgb[i]) <= tolerance for i in range(3)))


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`relgraph serve --demo` in a fresh folder, shared by the browser tests of this module."""
    running = Server(tmp_path_factory.mktemp("serve"))
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin_token(server: Server) -> str:
    return server.tokens()["admin@demo.test"]


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


def assert_offline(page: Page, server: Server) -> None:
    """Every request the page made went to relgraph itself (or was a data: URL)."""
    urls = page.requested_urls()
    assert urls, "no requests recorded"
    foreign = [u for u in urls if not u.startswith((server.url + "/", "data:"))]
    assert not foreign, f"requests to other hosts: {foreign}"


def assert_policy_holds(page: Page, url: str) -> None:
    """The page came with its Content-Security-Policy, nothing it does breaks it, and it is enforced."""
    headers = page.response_headers(url)
    assert "frame-ancestors 'none'" in headers["content-security-policy"], headers
    assert headers["x-content-type-options"] == "nosniff", headers
    assert page.evaluate("window.cspViolations") == [], page.evaluate("window.cspViolations")
    injected = page.evaluate(
        """(() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                    document.body.appendChild(s); return window.injected === undefined; })()"""
    )
    assert injected, "an inline script ran: the policy is not enforced"
    page.wait_for("window.cspViolations.length === 1", what="the refused inline script to be reported")


def save_token(page: Page, token: str) -> None:
    """The token bar, as a user: paste the token, click Save."""
    page.type_into("#relgraph-token", token)
    page.click("#relgraph-token-save")
    page.wait_for("localStorage.getItem('relgraph.token') !== null", what="the token to be saved")


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


# --- the network view ------------------------------------------------------------------------------

NODE_COUNT = "window.relgraphExplore ? window.relgraphExplore.cy.nodes().length : 0"
IDLE = "window.relgraphExplore && window.relgraphExplore.state.loading === 0"


@needs_chromium
def test_explore_page_draws_and_expands(server: Server, admin_token: str, page: Page, tmp_path: Path) -> None:
    page.navigate(f"{server.url}/explore")
    page.wait_for("!!window.relgraphExplore", what="explore.js to start")
    save_token(page, admin_token)

    page.type_into("#explore-search", "Noorderlicht Bouw")
    page.click("#explore-search-button")
    page.wait_for(
        "[...document.querySelectorAll('.explore-result')].some(b => b.textContent.includes('Noorderlicht Bouw'))",
        what="Noorderlicht Bouw in the search results",
    )
    page.evaluate(
        """[...document.querySelectorAll('.explore-result')]
            .find(b => b.textContent.includes('Noorderlicht Bouw')).setAttribute('data-test-pick', '')"""
    )
    page.click(".explore-result[data-test-pick]")

    page.wait_for(f"{IDLE} && window.relgraphExplore.state.loads === 1", what="the neighbourhood to load")
    assert page.evaluate("window.relgraphExplore.state.error") is None, page.diagnostics()
    before = page.evaluate(NODE_COUNT)
    assert before >= 2, page.diagnostics()
    kinds = page.evaluate("[...new Set(window.relgraphExplore.cy.nodes().map(n => n.data('kind')))].sort()")
    assert kinds == ["ORGANISATION", "PERSON"], kinds
    assert page.evaluate("window.relgraphExplore.cy.edges().length") >= 1
    assert page.evaluate("window.relgraphExplore.cy.edges().every(e => e.data('label'))"), (
        "edges without labels"
    )
    status = page.evaluate("document.getElementById('explore-status').textContent")
    assert f"{before} parties" in status and "truncated: no" in status, status

    # Expand: click, with the mouse, the unexpanded node with the most connections left to find
    # (an organisation: the group's parent or a sister company).
    target = page.evaluate(
        """(() => {
            const cy = window.relgraphExplore.cy;
            const node = cy.nodes('[!expanded][kind = "ORGANISATION"]')[0] || cy.nodes('[!expanded]')[0];
            const box = document.getElementById('explore-graph').getBoundingClientRect();
            const at = node.renderedPosition();
            return {id: node.id(), x: box.left + at.x, y: box.top + at.y};
        })()"""
    )
    page.click_at(target["x"], target["y"])
    try:
        page.wait_for(f"{IDLE} && window.relgraphExplore.state.loads === 2", timeout=10, what="the expansion")
    except CDPError:
        # Fall back to the same code path as a click, should the mouse have missed the node.
        page.evaluate(f"void window.relgraphExplore.cy.$id({json.dumps(target['id'])}).emit('tap')")
        page.wait_for(f"{IDLE} && window.relgraphExplore.state.loads === 2", what="the expansion")
    assert page.evaluate(f"window.relgraphExplore.cy.$id({json.dumps(target['id'])}).data('expanded')")
    after = page.evaluate(NODE_COUNT)
    assert after > before, page.diagnostics()
    assert page.evaluate("window.relgraphExplore.state.error") is None, page.diagnostics()
    assert page.evaluate("document.getElementById('explore-status').dataset.nodes") == str(after)
    page.pump(0.5)  # let the canvas paint the new layout

    shot = page.screenshot()
    path = tmp_path / "explore.png"
    path.write_bytes(shot)
    image = png_pixels(shot)
    assert image[:2] == VIEWPORT
    everything = colours_in(image)
    assert len(everything) > 50, f"a nearly blank screenshot: {len(everything)} colours ({path})"
    graph = page.evaluate(
        """(() => { const r = document.getElementById('explore-graph').getBoundingClientRect();
                    return [Math.ceil(r.left), Math.ceil(r.top), Math.floor(r.right), Math.floor(r.bottom)]; })()"""
    )
    drawn = colours_in(image, tuple(graph))
    assert near(drawn, (0x2F, 0x6D, 0xB5)) > 100, f"no organisation nodes drawn ({path})"
    assert near(drawn, (0xE0, 0x8A, 0x1E)) > 100, f"no person nodes drawn ({path})"

    assert_offline(page, server)
    assert not page.errors(), page.errors()
    assert_policy_holds(page, f"{server.url}/explore")


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
