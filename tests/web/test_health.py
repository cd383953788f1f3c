"""/healthz tells nothing but "alive"; /readyz waits for the database and the migration head."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from relgraph.config import Settings
from relgraph.db.engine import create_engine
from relgraph.db.migrate import alembic_config, script_revisions, upgrade
from relgraph.web import create_app


async def _get(database_url: str, tmp_path: Path, path: str) -> httpx.Response:
    app = create_app(Settings(database_url=database_url, documents_dir=tmp_path / "documents"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test") as client,
    ):
        return await client.get(path)


@pytest.fixture
def at_revision(empty_database_url: str) -> Iterator[tuple[str, str]]:
    """A database migrated to the revision before the head; (its url, the head)."""
    head, _ = script_revisions()
    before = ScriptDirectory.from_config(alembic_config("")).get_revision(head).down_revision
    assert isinstance(before, str)
    upgrade(empty_database_url, before)
    yield empty_database_url, head


async def test_healthz_says_alive_and_nothing_else(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}, "no version, no database kind for anonymous callers"


async def test_readyz_is_ready_on_a_database_at_the_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "ok"}


async def test_readyz_answers_503_one_migration_behind_then_200_once_upgraded(
    at_revision: tuple[str, str], tmp_path: Path
) -> None:
    url, head = at_revision
    behind = await _get(url, tmp_path, "/readyz")
    assert behind.status_code == 503, behind.text
    assert behind.json() == {"status": "not ready", "database": "ok", "migrations": "behind"}
    assert head not in behind.text and "sqlite" not in behind.text and "postgres" not in behind.text

    await asyncio.to_thread(upgrade, url)
    ready = await _get(url, tmp_path, "/readyz")
    assert ready.status_code == 200, ready.text


async def test_readyz_answers_503_before_any_migration(empty_database_url: str, tmp_path: Path) -> None:
    response = await _get(empty_database_url, tmp_path, "/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "behind"


async def test_readyz_answers_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    unreachable = f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'relgraph.db'}"
    response = await _get(unreachable, tmp_path, "/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "database": "unreachable", "migrations": "unknown"}


async def test_readyz_stays_ready_when_a_newer_release_migrated_further(
    database_url: str, tmp_path: Path
) -> None:
    # A rolling upgrade: the new release ran `relgraph db upgrade` while old workers still serve.
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    await engine.dispose()
    response = await _get(database_url, tmp_path, "/readyz")
    assert response.status_code == 200, response.text
