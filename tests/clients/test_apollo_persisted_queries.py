"""Apollo Client 4's persisted-query link against `relgraph serve` (issue 20, item 3).

The client sends the hash alone, gets PERSISTED_QUERY_NOT_FOUND, sends hash and text, and
from then on the hash alone is enough: over POST, and over GET with `useGETForHashedQueries`.
Apollo Client is installed from npm into a cache folder outside the repository; the test is
skipped, saying why, only when node or npm is missing or the npm registry cannot be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from server import Server

from relgraph.domain import users

SCRIPT = Path(__file__).with_name("apollo_persisted.mjs")
PACKAGES = ("@apollo/client@4", "graphql@16", "rxjs@7")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "relgraph-tests" / "apollo-client-4"


@pytest.fixture(scope="module")
def apollo() -> Path:
    """A folder with Apollo Client 4 installed and the script beside it."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run Apollo Client (neither is installed)")
    if not (CACHE / "node_modules" / "@apollo" / "client" / "package.json").is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "package.json").write_text('{"private": true, "type": "module"}\n')
        installed = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", *PACKAGES],
            cwd=CACHE,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if installed.returncode != 0:
            if any(
                word in installed.stderr for word in ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT")
            ):
                pytest.skip(f"the npm registry cannot be reached: {installed.stderr.strip()[-300:]}")
            raise AssertionError(f"npm install failed:\n{installed.stderr}")
    shutil.copyfile(SCRIPT, CACHE / SCRIPT.name)
    return CACHE / SCRIPT.name


@pytest.fixture
async def served(database_url: str, sessionmaker, tmp_path: Path) -> AsyncIterator[tuple[Server, str]]:
    async with sessionmaker() as session:
        await users.create(session, email="frontend@apollo.test", name="Frontend", role="BUSINESS")
        token = await users.create_token(session, email="frontend@apollo.test")
        await session.commit()
    server = Server(
        tmp_path,
        args=(),
        env={"RELGRAPH_DATABASE_URL": database_url, "RELGRAPH_RATE_LIMIT_PER_MINUTE": "1000"},
    )
    try:
        server.wait_ready()
        yield server, token
    finally:
        server.stop()


@pytest.mark.parametrize("mode", ["post", "get"])
def test_apollo_client_persisted_query_link(apollo: Path, served, mode: str) -> None:
    server, token = served
    run = subprocess.run(
        ["node", str(apollo), f"{server.url}/graphql", token, mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    assert (
        outcome["results"]
        == [{"data": {"viewer": {"email": "frontend@apollo.test", "__typename": "User"}}, "error": None}] * 2
    )
    hashed = "GET" if mode == "get" else "POST"
    assert [(s["method"], s["withQuery"], s["withHash"], s["status"]) for s in outcome["sent"]] == [
        (hashed, False, True, 200),  # the hash alone: not found
        ("POST", True, True, 200),  # hash and text
        (hashed, False, True, 200),  # the hash alone is enough now
    ]
    # Every answer says where the budget stands; the not-found cost nothing.
    assert [s["rateLimitRemaining"] for s in outcome["sent"]] == ["1000", "999", "998"]
