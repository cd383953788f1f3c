"""PostgreSQL behind PgBouncer in transaction mode: RELGRAPH_PG_STATEMENT_CACHE=0 makes it work.

The test run starts Debian's pgbouncer on a free port in front of the test server, with a
pool of two server connections (so that the app's transactions take turns on them), and
sends cards, mutations and bulk relinks concurrently through it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import EXAMPLE_QUERIES, TEST_URL, USER_ERRORS, Caller, create_organisation
from server import free_port
from sqlalchemy import select
from sqlalchemy.engine import make_url

from relgraph import demo
from relgraph.config import Settings
from relgraph.db.engine import create_engine
from relgraph.db.models import Membership
from relgraph.graphql.core.ids import encode_id
from relgraph.web import create_app

pytestmark = pytest.mark.postgres_only

PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").is_file() else None
)

CARD = (EXAMPLE_QUERIES / "organisation-card.graphql").read_text()
SEARCH = (EXAMPLE_QUERIES / "search-organisations.graphql").read_text()
CREATE = f"""mutation($input: CreateOrganisationInput!) {{
  createOrganisation(input: $input) {{ organisation {{ id version }} {USER_ERRORS} }} }}"""
UPDATE = f"""mutation($input: UpdateOrganisationInput!) {{
  updateOrganisation(input: $input) {{ organisation {{ id description }} {USER_ERRORS} }} }}"""
RELINK = f"""mutation($input: BulkRelinkMembershipsInput!) {{
  bulkRelinkMemberships(input: $input) {{ totals {{ relinked failed }} applied {USER_ERRORS} }} }}"""


def _pgbouncer_config(folder: Path, port: int, server: Any) -> Path:
    (folder / "users.txt").write_text(f'"{server.username}" ""\n')
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={server.host} port={server.port or 5432}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\n"
        # Two server connections for the app's ten: transactions change connections all the time.
        "default_pool_size = 2\n"
        "max_client_conn = 200\n"
        # What SQLAlchemy advises beside unique statement names: statements left behind on a
        # server connection are dropped when the connection goes back to the pool.
        "server_reset_query = DISCARD ALL\n"
        "server_reset_query_always = 1\n"
    )
    for path in (folder, *folder.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return config


@pytest.fixture(scope="module")
def pgbouncer() -> Iterator[int]:
    """A PgBouncer in transaction mode on a free port in front of the test server; its port."""
    if PGBOUNCER is None:
        pytest.skip("pgbouncer is not installed (apt-get install -y pgbouncer; .ci/run installs it)")

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="relgraph-pgbouncer-"))
    config = _pgbouncer_config(folder, port, make_url(TEST_URL))
    # PgBouncer refuses to run as root; -u drops to the server's own user.
    user = ["-u", "postgres"] if os.geteuid() == 0 else []
    log = (folder / "pgbouncer.log").open("w")
    process = subprocess.Popen([PGBOUNCER, *user, str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not (folder / "pgbouncer.log").read_text().count("process up"):
            assert process.poll() is None, (folder / "pgbouncer.log").read_text()
            assert time.monotonic() < deadline, "pgbouncer did not start"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def world(admin: Caller, sessionmaker: Any) -> dict[str, Any]:
    """Demo data (the card's group among it), an empty organisation and memberships of
    distinct persons to relink to it (no two of one person: no CONFLICT between them)."""
    async with sessionmaker() as session:
        await demo.seed(session, organisations=40, persons=120, seed=7, created_by_id=admin.user_id)
        await session.commit()
        rows = (
            await session.execute(select(Membership.id, Membership.person_id).order_by(Membership.id))
        ).all()
    first_of_person = {person: membership for membership, person in reversed(rows)}
    memberships = sorted(first_of_person.values())
    assert len(memberships) >= 60
    return {
        "memberships": [encode_id("Membership", m) for m in memberships],
        "target": await create_organisation(admin, "Bulk target B.V."),
    }


@asynccontextmanager
async def _through(port: int, database_url: str, statement_cache: int) -> AsyncIterator[httpx.AsyncClient]:
    url = make_url(database_url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    engine = create_engine(url, statement_cache=statement_cache)
    try:
        app = create_app(Settings(database_url=url, rate_limit_per_minute=10_000_000), engine=engine)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test", timeout=60
            ) as client,
        ):
            yield client
    finally:
        await engine.dispose()


def _failure(response: httpx.Response) -> str | None:
    body = response.json()
    if response.status_code != 200 or "errors" in body:
        return f"{response.status_code} {body.get('errors')}"
    for payload in (body.get("data") or {}).values():
        if isinstance(payload, dict) and payload.get("userErrors"):
            return str(payload["userErrors"])
    return None


async def _realistic_load(
    client: httpx.AsyncClient, token: str, world: dict[str, Any], round: int
) -> list[str]:
    """Cards, searches, creates, updates and bulk relinks, twelve at a time; the failures."""
    headers = {"Authorization": f"Bearer {token}"}

    async def post(query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def writer(n: int) -> list[httpx.Response]:
        created = await post(CREATE, {"input": {"name": f"Via PgBouncer {n}"}})
        answers = [created]
        organisation = (created.json().get("data") or {}).get("createOrganisation") or {}
        if organisation.get("organisation"):
            changed = {"id": organisation["organisation"]["id"], "description": f"round {n}"}
            answers.append(await post(UPDATE, {"input": changed}))
        return answers

    async def bulk(n: int) -> list[httpx.Response]:
        items = [
            {"membershipId": m, "organisationId": world["target"], "keepHistory": False}
            for m in world["memberships"][(round * 2 + n) * 10 :][:10]
        ]
        return [await post(RELINK, {"input": {"items": items}})]

    async def reader() -> list[httpx.Response]:
        return [await post(CARD), await post(SEARCH)]

    jobs = [reader() for _ in range(6)] + [writer(n) for n in range(4)] + [bulk(n) for n in range(2)]
    failures = []
    for responses in await asyncio.gather(*jobs):
        failures += [f for r in responses if (f := _failure(r))]
    return failures


async def test_relgraph_works_behind_pgbouncer_with_the_statement_cache_off(
    pgbouncer: int, admin: Caller, world: dict[str, Any], database_url: str
) -> None:
    async with _through(pgbouncer, database_url, statement_cache=0) as client:
        for round in range(3):
            assert await _realistic_load(client, admin.token, world, round) == []


async def test_with_the_cache_on_pgbouncer_breaks_requests(
    pgbouncer: int, admin: Caller, world: dict[str, Any], database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The test above can fail: asyncpg's default cache does not survive transaction pooling."""
    failures: list[str] = []
    async with _through(pgbouncer, database_url, statement_cache=100) as client:
        for round in range(3):
            failures += await _realistic_load(client, admin.token, world, round)
    assert failures and any("Internal error" in f for f in failures), failures
    causes = [str(r.exc_info[1]) for r in caplog.records if r.exc_info]
    assert any("prepared statement" in cause for cause in causes), causes
