"""Faults get errors a client can act on.

The database connection of a request is terminated (pg_terminate_backend, from another
connection) at chosen moments, through SQLAlchemy's events on the app's engine: a read is
run again on a fresh connection (a document download's too); a write loses its connection before the commit
(SERVICE_UNAVAILABLE, 503, Retry-After, nothing written) or during it
(COMMIT_OUTCOME_UNKNOWN). An upload into a read-only documents folder is STORAGE_UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from helpers import (
    IS_POSTGRES,
    Caller,
    add_membership,
    create_organisation,
    create_person,
    upload_ok,
)
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from relgraph.db.models import Organisation
from relgraph.graphql.core.errors import RETRY_AFTER_SECONDS

CARD = """{ organisations(first: 10) { nodes { name
  memberships(first: 10) { nodes { role person { lastName } } } } } }"""
CREATE = """mutation($input: CreateOrganisationInput!) {
  createOrganisation(input: $input) { organisation { id } userErrors { field code } } }"""


def _terminate(database_url: str, pid: int) -> None:
    """pg_terminate_backend(pid) from a connection of its own, waiting until the backend is gone."""

    async def run() -> None:
        url = make_url(database_url)
        conn = await asyncpg.connect(
            user=url.username, host=url.host, port=url.port or 5432, database=url.database
        )
        try:
            await conn.execute("SELECT pg_terminate_backend($1, 5000)", pid)
        finally:
            await conn.close()

    # Called from inside a statement of the event loop's thread: a thread (and loop) of its own.
    done = threading.Thread(target=lambda: asyncio.run(run()))
    done.start()
    done.join()


class Terminator:
    """Terminates the connection that is about to run a statement containing `fragment` (the
    first `times` of them), or the one about to commit after running one (`at_commit`)."""

    def __init__(self, engine: AsyncEngine, database_url: str) -> None:
        self.engine = engine
        self.database_url = database_url
        self.fragment: str | None = None
        self.times = 0
        self.at_commit = False
        self.terminated = 0
        self._armed: set[int] = set()
        event.listen(engine.sync_engine, "before_cursor_execute", self._before_execute)
        event.listen(engine.sync_engine, "commit", self._before_commit)

    def arm(self, fragment: str, *, times: int = 1, at_commit: bool = False) -> None:
        self.fragment, self.times, self.at_commit = fragment, times, at_commit

    def _kill(self, connection: Any) -> None:
        asyncpg_connection = connection.connection.dbapi_connection._connection
        _terminate(self.database_url, asyncpg_connection.get_server_pid())
        self.terminated += 1

    def _before_execute(self, connection: Any, _cursor: Any, statement: str, *args: Any) -> None:
        if self.fragment is None or self.fragment not in statement or self.terminated >= self.times:
            return
        if self.at_commit:
            self._armed.add(id(connection.connection.dbapi_connection))
        else:
            self._kill(connection)

    def _before_commit(self, connection: Any) -> None:
        key = id(connection.connection.dbapi_connection)
        if key in self._armed and self.terminated < self.times:
            self._armed.discard(key)
            self._kill(connection)

    def close(self) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._before_execute)
        event.remove(self.engine.sync_engine, "commit", self._before_commit)


@pytest.fixture
def terminator(engine: AsyncEngine, database_url: str) -> Iterator[Terminator]:
    if not IS_POSTGRES:
        pytest.skip("terminates PostgreSQL connections (set RELGRAPH_TEST_DATABASE_URL)")
    killer = Terminator(engine, database_url)
    yield killer
    killer.close()


@pytest.fixture
async def card_data(admin: Caller) -> dict[str, Any]:
    """Two organisations with people; the card's answer before any fault."""
    for n in range(2):
        organisation = await create_organisation(admin, f"Storing {n} B.V.")
        for m in range(3):
            await add_membership(
                admin, await create_person(admin, f"Jansen{n}{m}"), organisation, role="sales"
            )
    return await admin.gql(CARD)


async def _organisations_named(sessionmaker: Any, name: str) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).where(Organisation.name == name))


async def test_a_read_whose_connection_died_is_read_again(terminator, admin, card_data) -> None:
    terminator.arm("FROM memberships")
    response = await admin.post(CARD)
    assert terminator.terminated == 1
    assert response.status_code == 200, response.text
    assert response.json() == {"data": card_data, "extensions": response.json()["extensions"]}


async def test_a_read_that_loses_its_connection_twice_is_service_unavailable(
    terminator, admin, card_data
) -> None:
    terminator.arm("FROM memberships", times=2)
    response = await admin.post(CARD)
    assert terminator.terminated == 2
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    # The next request is served at once.
    assert (await admin.gql(CARD)) == card_data


async def test_authentication_whose_connection_died_is_read_again(terminator, admin, card_data) -> None:
    terminator.arm("FROM api_tokens")
    response = await admin.post(CARD)
    assert terminator.terminated == 1 and response.status_code == 200, response.text
    assert response.json()["data"] == card_data
    terminator.arm("FROM api_tokens", times=3)
    terminator.terminated = 1
    response = await admin.post(CARD)
    assert response.status_code == 503 and response.headers["Retry-After"], response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


async def test_a_document_download_whose_connection_died_is_read_again(terminator, admin) -> None:
    organisation = await create_organisation(admin, "Archief B.V.")
    document = await upload_ok(admin, organisation, b"%PDF-1.4 offerte")
    headers = {"Authorization": f"Bearer {admin.token}"}
    terminator.arm("FROM api_tokens")
    response = await admin.client.get(f"/documents/{document['id']}", headers=headers)
    assert terminator.terminated == 1 and response.status_code == 200, response.text
    assert response.content == b"%PDF-1.4 offerte"
    terminator.arm("FROM documents", times=3)
    terminator.terminated = 1
    response = await admin.client.get(f"/documents/{document['id']}", headers=headers)
    assert terminator.terminated == 3 and response.status_code == 503, response.text
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


def _terminate_all(database_url: str) -> int:
    """Terminate every other connection to the test's database (the app's pooled ones, idle
    between requests), as a restart of the server does; how many there were."""

    async def run() -> int:
        url = make_url(database_url)
        conn = await asyncpg.connect(
            user=url.username, host=url.host, port=url.port or 5432, database=url.database
        )
        try:
            ended = await conn.fetch(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return len(ended)
        finally:
            await conn.close()

    return asyncio.run(run())


async def test_requests_after_the_pooled_connections_died_are_answered(
    terminator, admin, card_data, engine, sessionmaker
) -> None:
    # The pool does not ping a connection before handing it out: a request that finds its
    # connection dead reads again on a fresh one, and the pool drops the others that died.
    async with engine.connect() as first, engine.connect() as second:
        await first.execute(select(1))
        await second.execute(select(1))  # two connections in the pool, idle
    assert await asyncio.to_thread(_terminate_all, terminator.database_url) >= 2
    ready = await admin.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert await asyncio.to_thread(_terminate_all, terminator.database_url) >= 1
    response = await admin.post(CARD)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == card_data
    # A write, right after: its authentication meets a dead connection, and the write runs
    # on a fresh one, stored once.
    assert await asyncio.to_thread(_terminate_all, terminator.database_url) >= 1
    created = await admin.post(CREATE, {"input": {"name": "Herstart B.V."}})
    assert created.status_code == 200, created.text
    assert created.json()["data"]["createOrganisation"]["userErrors"] == []
    assert await _organisations_named(sessionmaker, "Herstart B.V.") == 1


async def test_a_write_that_loses_its_connection_before_the_commit_wrote_nothing(
    terminator, admin, sessionmaker
) -> None:
    terminator.arm("INSERT INTO organisations")
    response = await admin.post(CREATE, {"input": {"name": "Verloren B.V."}})
    assert terminator.terminated == 1
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert body["errors"][0]["path"] == ["createOrganisation"]
    assert await _organisations_named(sessionmaker, "Verloren B.V.") == 0
    # Sending it again, as the answer says, stores it once.
    again = await admin.post(CREATE, {"input": {"name": "Verloren B.V."}})
    assert again.status_code == 200 and again.json()["data"]["createOrganisation"]["userErrors"] == []
    assert await _organisations_named(sessionmaker, "Verloren B.V.") == 1


async def test_a_write_that_loses_its_connection_during_the_commit_says_the_outcome_is_unknown(
    terminator, admin
) -> None:
    terminator.arm("INSERT INTO organisations", at_commit=True)
    response = await admin.post(CREATE, {"input": {"name": "Onzeker B.V."}})
    assert terminator.terminated == 1
    assert response.status_code == 503, response.text
    assert "Retry-After" not in response.headers
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "COMMIT_OUTCOME_UNKNOWN"
    assert "Read the data again" in error["message"]


@pytest.fixture
def read_only_documents(settings) -> Iterator[Path]:
    """The documents folder, made read-only (immutable for root, who ignores permissions)."""
    folder = settings.document_root
    folder.mkdir(parents=True, exist_ok=True)
    as_root = os.geteuid() == 0
    if as_root:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a folder read-only")
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    yield folder
    if as_root:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o755)


async def test_an_upload_into_a_read_only_documents_folder_is_storage_unavailable(
    read_only_documents, admin, sessionmaker, caplog
) -> None:
    organisation = await create_organisation(admin, "Archief B.V.")
    query = """mutation($input: UploadDocumentInput!) {
      uploadDocument(input: $input) { document { id } userErrors { field code } } }"""
    operations = {"query": query, "variables": {"input": {"partyId": organisation, "file": None}}}
    response = await admin.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": ("offerte.pdf", b"%PDF-1.4 offerte", "application/pdf")},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert response.status_code == 503, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "STORAGE_UNAVAILABLE"
    assert "nothing was saved" in error["message"] and str(read_only_documents) not in error["message"]
    assert any(str(read_only_documents) in r.getMessage() for r in caplog.records)
    assert list(read_only_documents.iterdir()) == []
    count = await admin.gql(
        f'{{ node(id: "{organisation}") {{ ... on Organisation {{ documents {{ totalCount }} }} }} }}'
    )
    assert count["node"]["documents"]["totalCount"] == 0
