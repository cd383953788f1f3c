"""The README's first command: `relgraph serve --demo` on a fresh folder, for real."""

from __future__ import annotations

from pathlib import Path

import httpx
from server import Server


def _query(server: Server, token: str, query: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_serve_demo_starts_with_demo_users_and_data(tmp_path: Path) -> None:
    server = Server(tmp_path)
    try:
        server.wait_ready()
        tokens = server.tokens()
        # What it seeded, counted, before the tokens.
        assert any(
            line.startswith("seeded 150 organisations, 500 persons, ") and "8 staff users" in line
            for line in server.output
        ), server.output
        assert set(tokens) == {
            "admin@demo.test",
            "team@demo.test",
            "business@demo.test",
            "readonly@demo.test",
        }
        found = _query(
            server,
            tokens["admin@demo.test"],
            '{ organisations(filter: {search: "noorderlicht"}) { totalCount } viewer { role permissions } }',
        )
        body = found.json()
        assert found.status_code == 200, body
        assert body["data"]["organisations"]["totalCount"] >= 10
        assert body["data"]["viewer"] == {"role": "ADMIN", "permissions": ["FINANCE", "SENSITIVE"]}
        assert body["extensions"]["cost"]["requestedQueryCost"] == 20
        assert body["extensions"]["cost"]["rateLimit"] == {
            "enforced": False,
            "limit": None,
            "remaining": None,
            "resetAt": None,
        }, "no rate limit in demo mode, and it says so"
        assert not any(name.startswith("x-ratelimit") for name in found.headers)
        assert _query(server, "rg_not-a-token", "{ viewer { id } }").status_code == 401
        page = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"}, timeout=10)
        assert page.status_code == 200 and "graphiql" in page.text.lower()
    finally:
        server.stop()
    assert (tmp_path / "relgraph.db").exists(), "the embedded default is relgraph.db in the working directory"

    again = Server(tmp_path)
    try:
        again.wait_ready()
        assert again.tokens() == {}, "a database with data is not seeded again"
        assert any("not seeding again" in line for line in again.output)
        still = _query(again, tokens["business@demo.test"], "{ viewer { email } }")
        assert still.json()["data"]["viewer"]["email"] == "business@demo.test"
    finally:
        again.stop()
