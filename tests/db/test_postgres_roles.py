"""PostgreSQL without a superuser, as the README's deployment guide sets it up.

An owner role (LOGIN, no SUPERUSER, CREATEDB or CREATEROLE) owns the database and runs
`relgraph db upgrade` (pg_trgm is a trusted extension: a database owner may create it);
the service runs as an application role that may only read and write rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from helpers import TEST_URL
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from relgraph.config import Settings
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.migrate import upgrade
from relgraph.domain import users
from relgraph.web import create_app

pytestmark = pytest.mark.postgres_only


async def _as_superuser(*statements: str, database: str | None = None) -> None:
    url = make_url(TEST_URL)
    connection = await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host,
        port=url.port or 5432,
        database=database or url.database,
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
async def roles() -> AsyncIterator[dict[str, str]]:
    """A database owned by a non-superuser owner role, and an application role; their URLs."""
    suffix = uuid.uuid4().hex[:8]
    owner, app, database = f"relgraph_owner_{suffix}", f"relgraph_app_{suffix}", f"relgraph_roles_{suffix}"
    await _as_superuser(
        f"CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
        f"CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
        f"CREATE DATABASE {database} OWNER {owner}",
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {database} TO {app}",
    )
    url = make_url(TEST_URL)
    try:
        yield {
            "owner": url.set(username=owner, database=database).render_as_string(hide_password=False),
            "app": url.set(username=app, database=database).render_as_string(hide_password=False),
            "owner_name": owner,
            "app_name": app,
        }
    finally:
        await _as_superuser(
            f"DROP DATABASE IF EXISTS {database} WITH (FORCE)",
            f"DROP ROLE IF EXISTS {app}",
            f"DROP ROLE IF EXISTS {owner}",
        )


async def test_migrations_run_as_a_database_owner_without_superuser_and_the_service_as_a_row_writer(
    roles: dict[str, str], tmp_path: Path
) -> None:
    owner, app = roles["owner_name"], roles["app_name"]
    # The grants of the deployment guide, given by the owner before the first migration.
    engine = create_engine(roles["owner"])
    async with engine.begin() as connection:
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {app}",
            (
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}"
            ),
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        ):
            await connection.exec_driver_sql(statement)
        assert (
            await connection.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar() is False
    await engine.dispose()

    await asyncio.to_thread(upgrade, roles["owner"])

    engine = create_engine(roles["app"])
    try:
        async with make_sessionmaker(engine)() as session:
            await users.create(session, email="app@test.example", name="App", role="ADMIN")
            token = await users.create_token(session, email="app@test.example")
            await session.commit()
        app_ = create_app(
            Settings(database_url=roles["app"], documents_dir=tmp_path / "documents"), engine=engine
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app_), base_url="http://relgraph.test"
        ) as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            created = await client.post(
                "/graphql",
                json={
                    "query": 'mutation { createOrganisation(input: {name: "Rol B.V."}) { organisation { id } userErrors { code } } }'
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            body: dict[str, Any] = created.json()
            assert created.status_code == 200 and body["data"]["createOrganisation"]["userErrors"] == [], body
        # ... and may not change the schema.
        with pytest.raises(DBAPIError, match="must be owner"):
            async with engine.begin() as connection:
                await connection.exec_driver_sql("DROP TABLE organisations CASCADE")
    finally:
        await engine.dispose()
