"""A page on one loopback origin calls relgraph on another, in Chromium: allowed and refused.

relgraph runs for real (`relgraph serve`, RELGRAPH_CORS_ORIGINS naming one origin); two
small HTTP servers serve a blank page each, one on the allowed origin and one on another;
headless Chromium (tests/support/browser.py) runs `fetch` in those pages.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Browser, Page, needs_chromium
from server import Server

from relgraph.domain import users

pytestmark = needs_chromium


class _BlankPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>frontend</title><p>frontend"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def frontend() -> Iterator[Any]:
    """A blank page on an origin of its own (http://127.0.0.1:<port>), as a frontend's server would serve."""
    started: list[http.server.ThreadingHTTPServer] = []

    def start() -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BlankPage)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    browser = Browser(tmp_path / "chromium-profile")
    try:
        tab = browser.new_page()
        try:
            yield tab
        finally:
            tab.close()
    finally:
        browser.stop()


def _fetch(
    page: Page, url: str, token: str | None = None, *, credentials: str = "same-origin"
) -> dict[str, Any]:
    """fetch() in the page: the answer's status, body and readable headers, or the error."""
    options: dict[str, Any] = {"credentials": credentials}
    if token is not None:
        options |= {
            "method": "POST",
            "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            "body": json.dumps({"query": "query CorsCheck { viewer { email } }"}),
        }
    return page.evaluate(
        f"""fetch({json.dumps(url)}, {json.dumps(options)}).then(
            async r => ({{ok: true, status: r.status, body: await r.text(),
                          requestId: r.headers.get('X-Request-Id'), retryAfter: r.headers.get('Retry-After')}}),
            e => ({{ok: false, error: String(e)}}))"""
    )


def _printed(server: Server) -> list[str]:
    while not server.lines.empty():
        server.output.append(server.lines.get())
    return server.output


def _lines(server: Server, start: str, *, at_least: int = 0) -> list[str]:
    """The server's request log lines that start so; with `at_least`, waiting (up to 10 s) for
    that many: a request's line is written after its answer has gone out."""
    deadline = time.monotonic() + 10
    while True:
        found = [line for line in _printed(server) if f"relgraph.requests {start}" in line]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


async def test_a_page_on_an_allowed_origin_calls_the_api_and_one_on_another_cannot(
    database_url: str, sessionmaker: Any, tmp_path: Path, frontend: Any, page: Page
) -> None:
    async with sessionmaker() as session:
        await users.create(session, email="spa@test.example", name="SPA", role="ADMIN")
        token = await users.create_token(session, email="spa@test.example")
        await session.commit()
    allowed, other = frontend(), frontend()
    server = Server(
        tmp_path,
        args=(),
        env={
            "RELGRAPH_DATABASE_URL": database_url,
            "RELGRAPH_DOCUMENTS_DIR": str(tmp_path / "documents"),
            "RELGRAPH_CORS_ORIGINS": allowed,
            "RELGRAPH_RATE_LIMIT_PER_MINUTE": "5",
        },
    )
    api = f"{server.url}/graphql"
    try:
        server.wait_ready()
        page.navigate(f"{allowed}/")
        first = _fetch(page, api, token)
        assert first["ok"] and first["status"] == 200, first
        assert json.loads(first["body"])["data"]["viewer"]["email"] == "spa@test.example"
        assert first["requestId"], "X-Request-Id is exposed to the page"
        second = _fetch(page, api, token)
        assert second["ok"] and second["status"] == 200, second
        # One preflight for both: the browser cached the answer (Access-Control-Max-Age).
        assert len(_lines(server, "POST /graphql 200", at_least=2)) == 2
        assert len(_lines(server, "OPTIONS /graphql 200")) == 1, _printed(server)

        # Bearer tokens only: a request in credentials mode is refused by the browser itself.
        with_cookies = _fetch(page, api, token, credentials="include")
        assert not with_cookies["ok"], with_cookies
        # A refusal the page can act on: the 429's Retry-After is exposed.
        for _ in range(8):
            limited = _fetch(page, api, token)
            if limited["status"] == 429:
                break
        assert limited["status"] == 429 and limited["retryAfter"], limited

        page.navigate(f"{other}/")
        posts_before = len(_lines(server, "POST /graphql"))
        refused = _fetch(page, api, token)
        assert not refused["ok"] and "Failed to fetch" in refused["error"], refused
        simple = _fetch(page, f"{server.url}/healthz")  # no preflight, but no reading the answer
        assert not simple["ok"], simple
        assert len(_lines(server, "OPTIONS /graphql 400", at_least=1)) == 1, "the preflight was refused"
        assert len(_lines(server, "POST /graphql")) == posts_before, "the request itself was never sent"
    finally:
        server.stop()
