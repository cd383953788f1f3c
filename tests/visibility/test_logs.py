"""What `relgraph serve` writes to its log: never a token, a BSN, query text or variables.

A real server (server.Server) on this test's database gets GETs and POSTs that carry
marker strings everywhere a client can put something: the query text, the variables, the
URL (`?access_token=`), the Authorization header, a BSN in a mutation, and a request that
fails inside (an Internal error, logged with its traceback). Not one marker may appear in
any line it prints, on standard output (the access log) or standard error.
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

import httpx
from server import Server
from sqlalchemy import text
from stdnum.nl import bsn as nl_bsn
from valid_numbers import eleven_proof

from relgraph.domain import users


def _marker(what: str) -> str:
    return f"zq{uuid.uuid4().hex[:10]}{what}"


def _bsn() -> str:
    """A random BSN that passes the 11-check."""
    return eleven_proof(random.randrange(10**7, 10**8))


async def _gql(http: httpx.AsyncClient, body: dict[str, Any], token: str) -> httpx.Response:
    return await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})


MARKED = (
    "GETQUERY",
    "GETVAR",
    "URLTOKEN",
    "HEADERTOKEN",
    "POSTQUERY",
    "POSTVAR",
    "NAME",
    "SYNTAX",
    "COERCED",
    "DOCTOKEN",
    "INTERNAL",
)
SEARCH = "query($s: String) { organisations(filter: {search: $s}) { totalCount } }"


async def test_no_token_bsn_query_or_variables_in_any_log_line(
    database_url, sessionmaker, tmp_path: Path
) -> None:
    async with sessionmaker() as session:
        await users.create(
            session, email="log@test.example", name="Log", role="ADMIN", permissions=("FINANCE", "SENSITIVE")
        )
        token = await users.create_token(session, email="log@test.example")
        await session.commit()
    bsn = _bsn()
    markers = {name: _marker(name) for name in MARKED}
    server = Server(
        tmp_path,
        args=(),
        env={"RELGRAPH_DATABASE_URL": database_url, "RELGRAPH_DOCUMENTS_DIR": str(tmp_path / "documents")},
    )
    try:
        server.wait_ready()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            request_id = await _send_everything(http, sessionmaker, token, bsn, markers)
    finally:
        server.stop()
    printed = server.everything_printed()
    secrets = {**markers, "token": token, "BSN": bsn, "BSN as shown": nl_bsn.format(bsn)}
    leaks = [(name, line.rstrip()) for line in printed for name, value in secrets.items() if value in line]
    assert not leaks, leaks
    assert any(request_id in line for line in printed), "the Internal error is logged"
    assert any('"GET /graphql HTTP/1.1" 200' in line for line in printed), "requests are logged, by path"


async def _send_everything(
    http: httpx.AsyncClient, sessionmaker: Any, token: str, bsn: str, markers: dict[str, str]
) -> str:
    """Every kind of request, each with its markers; the request id of the Internal error."""
    auth = {"Authorization": f"Bearer {token}"}
    literal = f'{{ organisations(filter: {{search: "{markers["GETQUERY"]}"}}) {{ totalCount }} }}'
    for query, variables in ((literal, {}), (SEARCH, {"s": markers["GETVAR"]})):
        got = await http.get(
            "/graphql", params={"query": query, "variables": json.dumps(variables)}, headers=auth
        )
        assert got.status_code == 200 and "errors" not in got.json(), got.text

    # A token in the URL would be in every log, proxy and browser history on the way.
    for leaked in (markers["URLTOKEN"], token):
        refused = await http.get("/graphql", params={"query": "{ viewer { email } }", "access_token": leaked})
        assert refused.status_code == 400, refused.text
        assert "Authorization" in refused.json()["errors"][0]["message"]
    refused = await http.get(
        "/documents/RG9jdW1lbnQ6MQ", params={"access_token": markers["DOCTOKEN"]}, headers=auth
    )
    assert refused.status_code == 400, refused.text

    search = f'{{ persons(filter: {{search: "{markers["POSTQUERY"]}"}}) {{ totalCount }} }}'
    assert (await _gql(http, {"query": search}, markers["HEADERTOKEN"])).status_code == 401
    found = await _gql(http, {"query": SEARCH, "variables": {"s": markers["POSTVAR"]}}, token)
    assert found.status_code == 200 and "errors" not in found.json(), found.text
    created = await _gql(
        http,
        {
            "query": "mutation($n: String!, $b: String) { createPerson(input: {lastName: $n, bsn: $b}) "
            "{ person { id bsn } userErrors { message } } }",
            "variables": {"n": markers["NAME"], "b": bsn},
        },
        token,
    )
    person = created.json()["data"]["createPerson"]
    assert person["userErrors"] == [] and person["person"]["bsn"] == nl_bsn.format(bsn), created.text
    broken = await _gql(http, {"query": f'{{ persons(filter: {{search: "{markers["SYNTAX"]}" }}'}, token)
    assert broken.json()["errors"], broken.text
    coerced = await _gql(
        http,
        {
            "query": "query($n: Int) { organisations(first: $n) { totalCount } }",
            "variables": {"n": markers["COERCED"]},
        },
        token,
    )
    assert coerced.json()["errors"], coerced.text

    # An Internal error: its traceback goes to the log, under the request id.
    async with sessionmaker() as session:
        await session.execute(text("ALTER TABLE activities RENAME TO activities_gone"))
        await session.commit()
    failed = await _gql(
        http,
        {
            "query": "mutation($p: ID!, $s: String!, $b: String) { addActivity(input: "
            "{partyId: $p, subject: $s, body: $b}) { activity { id } } }",
            "variables": {"p": person["person"]["id"], "s": markers["INTERNAL"], "b": f"BSN {bsn}"},
        },
        token,
    )
    [error] = failed.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL", failed.text
    return error["extensions"]["requestId"]
