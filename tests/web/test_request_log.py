"""One line per request: id (also X-Request-Id), operation, viewer, status, duration, statements.

In process for the fields and what they leave out; a real `relgraph serve` for the JSON
format on its output and for whose address the line names behind a proxy.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import Caller, create_organisation
from server import Server
from sqlalchemy import text

from relgraph.db.engine import StatementCounter
from relgraph.logs import REQUEST_LOGGER, JsonFormatter


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == REQUEST_LOGGER]


async def test_one_line_per_request_with_its_facts_and_nothing_secret(
    admin: Caller, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    markers = {what: f"zq{uuid.uuid4().hex[:10]}{what}" for what in ("VAR", "TEXT", "TOKEN", "NAME")}
    name = "LogCheck"
    query = (
        f"query {name}($s: String) {{ a: organisations(filter: {{search: $s}}) {{ totalCount }} "
        f'b: organisations(filter: {{search: "{markers["TEXT"]}"}}) {{ totalCount }} }}'
    )
    with StatementCounter() as counter:
        answered = await admin.post(query, {"s": markers["VAR"]})
    assert answered.status_code == 200, answered.text
    refused = await client.post(
        "/graphql",
        json={"query": "{ viewer { id } }"},
        headers={"Authorization": f"Bearer {markers['TOKEN']}"},
    )
    assert refused.status_code == 401
    fetched = await client.get(
        "/graphql",
        params={
            "query": f"query {name} {{ viewer {{ id }} }}",
            "variables": json.dumps({"x": markers["NAME"]}),
        },
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert fetched.status_code == 200, fetched.text

    records = _request_records(caplog)
    assert len(records) == 3, [r.getMessage() for r in records]
    first, second, third = (r.fields for r in records)  # type: ignore[attr-defined]
    assert first["request_id"] == answered.headers["x-request-id"]
    assert second["request_id"] == refused.headers["x-request-id"]
    assert first | {"duration_ms": 0} == {
        "request_id": answered.headers["x-request-id"],
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "duration_ms": 0,
        "operation": name,
        "viewer_id": admin.user_id,
        # A search filter in variables: the resolvers answer (README, Two execution paths).
        "execution_path": "resolvers",
        "statements": counter.count,
        "client": "127.0.0.1",
    }
    assert first["duration_ms"] > 0 and counter.count > 0
    assert second["status"] == 401 and second["viewer_id"] is None and second["operation"] == "anonymous"
    assert third["path"] == "/graphql" and third["method"] == "GET" and third["operation"] == name

    json_lines = [JsonFormatter().format(r) for r in records]
    text_lines = [logging.Formatter("%(message)s").format(r) for r in records]
    assert [json.loads(line)["request_id"] for line in json_lines] == [
        f["request_id"] for f in (first, second, third)
    ]
    for line in json_lines + text_lines:
        for secret in (*markers.values(), admin.token, "organisations", "search"):
            assert secret not in line, (secret, line)


async def test_an_internal_error_is_logged_under_the_id_of_its_request_line(
    admin: Caller, sessionmaker: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    organisation = await create_organisation(admin, "Kapot B.V.")
    async with sessionmaker() as session:  # a real failure inside the resolver
        await session.execute(text("ALTER TABLE activities RENAME TO activities_gone"))
        await session.commit()
    response = await admin.post(
        'mutation($p: ID!) { addActivity(input: {partyId: $p, subject: "Bellen"}) { activity { id } } }',
        {"p": organisation},
    )
    [error] = response.json()["errors"]
    request_id = response.headers["x-request-id"]
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    line = _request_records(caplog)[-1]
    assert line.fields["request_id"] == request_id  # type: ignore[attr-defined]
    assert line.fields["operation"] == "anonymous" and line.fields["execution_path"] == "resolvers"  # type: ignore[attr-defined]
    assert any(
        request_id in r.getMessage() and r.exc_info for r in caplog.records if r.name != REQUEST_LOGGER
    )


# --- a real server: its output and the client's address ------------------------------------------


def _request_lines(server: Server) -> list[dict[str, Any]]:
    return [json.loads(line) for line in server.everything_printed() if '"relgraph.requests"' in line]


@pytest.mark.parametrize(
    ("args", "client"),
    [
        ((), "127.0.0.1"),  # X-Forwarded-For is anybody's to send: ignored unless told otherwise
        (("--proxy-headers",), "203.0.113.9"),  # the proxy on 127.0.0.1 is trusted by default
        (("--proxy-headers", "--forwarded-allow-ips", "10.9.8.7"), "127.0.0.1"),  # another proxy is
    ],
)
def test_the_client_address_comes_from_x_forwarded_for_only_from_a_trusted_proxy(
    database_url: str, tmp_path: Path, args: tuple[str, ...], client: str
) -> None:
    server = Server(
        tmp_path,
        args=args,
        env={
            "RELGRAPH_DATABASE_URL": database_url,
            "RELGRAPH_DOCUMENTS_DIR": str(tmp_path / "documents"),
            "RELGRAPH_LOG_FORMAT": "json",
        },
    )
    try:
        server.wait_ready()
        response = httpx.post(
            f"{server.url}/graphql",
            json={"query": "{ viewer { id } }"},
            headers={"X-Forwarded-For": "203.0.113.9"},
            timeout=30,
        )
        assert response.status_code == 401
    finally:
        server.stop()
    [line] = [line for line in _request_lines(server) if line["path"] == "/graphql"]
    assert line["client"] == client
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["level"] == "info" and line["message"] == "POST /graphql 401"
