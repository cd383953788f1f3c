"""Automatic persisted queries (Apollo's protocol) and trusted operations (issue 20, item 3).

The persisted query round trip on POST and GET, a hash that does not match its text, the
bounded cache; `relgraph operations register/list/remove` and RELGRAPH_TRUSTED_OPERATIONS_ONLY,
with ADMIN's free text allowed or not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from relgraph.config import Settings
from relgraph.domain import users
from relgraph.web import create_app

RELGRAPH = Path(sys.executable).parent / "relgraph"
VIEWER = "query Viewer { viewer { email } }"
ORGANISATIONS = "query Organisations { organisations(first: 2) { totalCount } }"
MUTATION = 'mutation { createOrganisation(input: {name: "Via GET"}) { organisation { id } } }'


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str, *, digest: str | None = None) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest or sha256(text)}}


@dataclasses.dataclass
class App:
    client: httpx.AsyncClient
    tokens: dict[str, str]

    async def post(self, role: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.post(
            "/graphql", json=body, headers={"Authorization": f"Bearer {self.tokens[role]}"}
        )

    async def get(self, role: str, params: dict[str, Any]) -> httpx.Response:
        encoded = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        return await self.client.get(
            "/graphql", params=encoded, headers={"Authorization": f"Bearer {self.tokens[role]}"}
        )


@pytest.fixture
async def make_app(settings: Settings, engine, sessionmaker) -> AsyncIterator[Callable[..., Any]]:
    """An app on the test's database with changed settings; an ADMIN and a BUSINESS user."""
    tokens: dict[str, str] = {}
    async with sessionmaker() as session:
        for role in ("ADMIN", "BUSINESS"):
            email = f"{role.lower()}@persisted.test"
            await users.create(session, email=email, name=role.title(), role=role)
            tokens[role] = await users.create_token(session, email=email)
        await session.commit()
    made: list[tuple[httpx.AsyncClient, Any]] = []

    async def make(**changes: Any) -> App:
        app = create_app(dataclasses.replace(settings, **changes), engine=engine)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test")
        made.append((client, app))
        return App(client, tokens)

    yield make
    for client, app in made:
        await client.aclose()
        await app.state.runtime.aclose()


def code_of(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_post_round_trip_not_found_then_text_then_hash_alone(make_app) -> None:
    app = await make_app()
    first = await app.post("BUSINESS", {"extensions": persisted(VIEWER)})
    assert first.status_code == 200, "Apollo's clients retry with the text only on a 200"
    assert first.json() == {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }
    assert "no-cache" in first.headers["cache-control"]

    with_text = await app.post("BUSINESS", {"query": VIEWER, "extensions": persisted(VIEWER)})
    assert with_text.json()["data"] == {"viewer": {"email": "business@persisted.test"}}

    hash_only = await app.post("ADMIN", {"extensions": persisted(VIEWER), "operationName": "Viewer"})
    assert hash_only.status_code == 200
    assert hash_only.json()["data"] == {"viewer": {"email": "admin@persisted.test"}}


async def test_get_round_trip_and_mutations_still_need_post(make_app) -> None:
    app = await make_app()
    assert code_of(await app.get("BUSINESS", {"extensions": persisted(ORGANISATIONS)})) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    with_text = await app.get("BUSINESS", {"query": ORGANISATIONS, "extensions": persisted(ORGANISATIONS)})
    assert with_text.status_code == 200 and with_text.json()["data"]["organisations"]["totalCount"] == 0
    hash_only = await app.get("BUSINESS", {"extensions": persisted(ORGANISATIONS)})
    assert hash_only.status_code == 200 and hash_only.json()["data"]["organisations"]["totalCount"] == 0

    # A mutation learnt over POST and sent by hash over GET: refused as a mutation over GET is.
    stored = await app.post("ADMIN", {"query": MUTATION, "extensions": persisted(MUTATION)})
    assert stored.json()["data"]["createOrganisation"]["organisation"]["id"]
    refused = await app.get("ADMIN", {"extensions": persisted(MUTATION)})
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    count = await app.post("ADMIN", {"query": ORGANISATIONS})
    assert count.json()["data"]["organisations"]["totalCount"] == 1, "the GET changed nothing"


async def test_a_hash_that_is_not_the_texts_is_refused_and_not_stored(make_app) -> None:
    app = await make_app()
    other = sha256(ORGANISATIONS)
    mismatch = await app.post("BUSINESS", {"query": VIEWER, "extensions": persisted(VIEWER, digest=other)})
    assert mismatch.status_code == 400
    assert code_of(mismatch) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "does not match" in mismatch.json()["errors"][0]["message"]
    # Neither text was stored under that hash.
    assert code_of(await app.post("BUSINESS", {"extensions": persisted(ORGANISATIONS)})) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


@pytest.mark.parametrize(
    ("extensions", "code"),
    [
        ({"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}, "PERSISTED_QUERY_NOT_SUPPORTED"),
        ({"persistedQuery": {"version": 1, "sha256Hash": "not a hash"}}, "BAD_REQUEST"),
        ({"persistedQuery": "yes"}, "PERSISTED_QUERY_NOT_SUPPORTED"),
        ({}, "BAD_REQUEST"),
    ],
)
async def test_a_malformed_persisted_query_is_a_clean_400(make_app, extensions, code) -> None:
    app = await make_app()
    response = await app.post("BUSINESS", {"extensions": extensions})
    assert response.status_code == 400 and code_of(response) == code


async def test_the_cache_keeps_the_most_recently_used(make_app) -> None:
    app = await make_app(persisted_query_cache_size=2)
    texts = [f"query Q{i} {{ viewer {{ email }} }}" for i in range(3)]
    for text in texts[:2]:
        await app.post("BUSINESS", {"query": text, "extensions": persisted(text)})
    # Using Q0 makes Q1 the least recently used: Q2 pushes Q1 out.
    assert "data" in (await app.post("BUSINESS", {"extensions": persisted(texts[0])})).json()
    await app.post("BUSINESS", {"query": texts[2], "extensions": persisted(texts[2])})
    found = ["data" in (await app.post("BUSINESS", {"extensions": persisted(text)})).json() for text in texts]
    assert found == [True, False, True]


# --- trusted operations ------------------------------------------------------------------------


def relgraph(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELGRAPH_")}
    env["RELGRAPH_DATABASE_URL"] = database_url
    return subprocess.run(
        [str(RELGRAPH), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def one_clean_line(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1 and result.stdout == "", result
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert fragment in result.stderr, result.stderr


async def test_trusted_only_runs_registered_operations_by_hash_or_text(
    make_app, database_url, tmp_path
) -> None:
    viewer_file = tmp_path / "viewer.graphql"
    viewer_file.write_text(VIEWER)
    registered = relgraph(database_url, "operations", "register", str(viewer_file))
    assert registered.returncode == 0, registered.stderr
    assert registered.stdout == f"{sha256(VIEWER)}  Viewer\n"
    assert "registered 1 operation" in registered.stderr

    app = await make_app(trusted_operations_only=True)
    by_hash = await app.post("BUSINESS", {"extensions": persisted(VIEWER)})
    assert by_hash.json()["data"] == {"viewer": {"email": "business@persisted.test"}}
    by_text = await app.post("BUSINESS", {"query": VIEWER})
    assert by_text.json()["data"] == {"viewer": {"email": "business@persisted.test"}}

    for body in (
        {"query": ORGANISATIONS},
        {"query": ORGANISATIONS, "extensions": persisted(ORGANISATIONS)},
        {"extensions": persisted(ORGANISATIONS)},
        {"query": VIEWER + " "},  # another text, another hash
    ):
        refused = await app.post("BUSINESS", body)
        assert refused.status_code == 403, body
        assert code_of(refused) == "OPERATION_NOT_TRUSTED"
        assert "data" not in refused.json()
    # An unregistered text sent with its hash was not learnt either.
    refused = await app.post("BUSINESS", {"extensions": persisted(ORGANISATIONS)})
    assert code_of(refused) == "OPERATION_NOT_TRUSTED"

    # ADMIN's free text (GraphiQL) runs, by default; the persisted-query protocol works for it.
    assert "data" in (await app.post("ADMIN", {"query": ORGANISATIONS})).json()
    assert code_of(await app.post("ADMIN", {"extensions": persisted(ORGANISATIONS + " ")})) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    strict = await make_app(trusted_operations_only=True, trusted_operations_admin_free_text=False)
    assert code_of(await strict.post("ADMIN", {"query": ORGANISATIONS})) == "OPERATION_NOT_TRUSTED"
    assert "data" in (await strict.post("ADMIN", {"extensions": persisted(VIEWER)})).json()

    # Without the trusted-only rule, a registered operation still answers its hash.
    free = await make_app()
    assert "data" in (await free.post("BUSINESS", {"extensions": persisted(VIEWER)})).json()


async def test_operations_register_list_and_remove(make_app, database_url, tmp_path) -> None:
    relay = {sha256(VIEWER): VIEWER}
    apollo = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": sha256(ORGANISATIONS), "name": "Organisations", "body": ORGANISATIONS}],
    }
    (tmp_path / "relay.json").write_text(json.dumps(relay))
    (tmp_path / "apollo.json").write_text(json.dumps(apollo))
    registered = relgraph(
        database_url, "operations", "register", str(tmp_path / "relay.json"), str(tmp_path / "apollo.json")
    )
    assert registered.returncode == 0, registered.stderr
    assert "registered 2 operations" in registered.stderr
    again = relgraph(database_url, "operations", "register", str(tmp_path / "relay.json"))
    assert "registered 0 operations (1 already registered)" in again.stderr

    listed = relgraph(database_url, "operations", "list")
    assert sorted(line.split()[0] for line in listed.stdout.splitlines()) == sorted(
        [sha256(VIEWER), sha256(ORGANISATIONS)]
    )
    assert any(line.endswith("Organisations") for line in listed.stdout.splitlines())

    removed = relgraph(database_url, "operations", "remove", sha256(ORGANISATIONS)[:10])
    assert removed.returncode == 0 and "removed 1 operation" in removed.stderr, removed.stderr
    app = await make_app(trusted_operations_only=True)
    assert code_of(await app.post("BUSINESS", {"extensions": persisted(ORGANISATIONS)})) == (
        "OPERATION_NOT_TRUSTED"
    )
    assert "data" in (await app.post("BUSINESS", {"extensions": persisted(VIEWER)})).json()
    one_clean_line(relgraph(database_url, "operations", "remove", "abc"), "first 8 or more hex digits")
    one_clean_line(relgraph(database_url, "operations", "remove", "0" * 64), "no registered operation")


async def test_register_refuses_what_would_never_run(database_url, tmp_path) -> None:
    files = {
        "bad.graphql": ("query { noSuchField }", "does not validate"),
        "broken.graphql": ("query {", "does not validate"),
        "md5.json": (json.dumps({hashlib.md5(VIEWER.encode()).hexdigest(): VIEWER}), "not the SHA-256"),
        "list.json": ("[1, 2]", "manifest"),
    }
    for name, (text, _) in files.items():
        (tmp_path / name).write_text(text)
    for name, (_, fragment) in files.items():
        one_clean_line(relgraph(database_url, "operations", "register", str(tmp_path / name)), fragment)
    listed = relgraph(database_url, "operations", "list")
    assert listed.returncode == 0 and listed.stdout == "", "nothing was registered"
