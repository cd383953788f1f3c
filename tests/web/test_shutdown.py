"""SIGTERM to a real `relgraph serve` in the middle of a bulk relink.

New requests get a 503 while the worker drains, the relink in flight commits wholly (or,
past RELGRAPH_SHUTDOWN_TIMEOUT, is cancelled and rolls back wholly), and the process
exits with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from server import Server
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from relgraph.db.models import Membership, Organisation, Person
from relgraph.db.sqlite_library import sqlite
from relgraph.domain import users
from relgraph.graphql.core.ids import encode_id

ITEMS = 5000
RELINK = """mutation($input: BulkRelinkMembershipsInput!) {
  bulkRelinkMemberships(input: $input) { applied totals { requested relinked failed } }
}"""


async def _world(sessionmaker: Any) -> dict[str, Any]:
    """ITEMS people with a membership each at one organisation, another organisation, a token."""
    now = dt.datetime.now(dt.UTC)
    async with sessionmaker() as session:
        user = await users.create(session, email="stop@test.example", name="Stop", role="ADMIN")
        token = await users.create_token(session, email="stop@test.example")
        source = Organisation(name="Van B.V.", name_key="van b.v.", search_text="van b.v.")
        target = Organisation(name="Naar B.V.", name_key="naar b.v.", search_text="naar b.v.")
        people = [
            Person(last_name=f"Persoon {i}", sort_key=f"persoon {i}", search_text="") for i in range(ITEMS)
        ]
        session.add_all([source, target, *people])
        await session.flush()
        stamp = {
            "created_at": now,
            "created_by_id": user.id,
            "updated_at": now,
            "updated_by_id": user.id,
            "version": 1,
        }
        await session.execute(
            insert(Membership.__table__),
            [{"person_id": p.id, "organisation_id": source.id, "active": True, **stamp} for p in people],
        )
        ids = (
            await session.scalars(select(Membership.id).where(Membership.organisation_id == source.id))
        ).all()
        await session.commit()
    return {"user_id": user.id, "token": token, "target": target.id, "membership_ids": ids}


async def _memberships_at(sessionmaker: Any, organisation_id: int) -> int:
    async with sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(Membership).where(Membership.organisation_id == organisation_id)
        )


async def _until_writing(database_url: str, sessionmaker: Any, relink: asyncio.Task[Any]) -> None:
    """Wait until the relink is writing: on SQLite it holds the write lock, on PostgreSQL the
    memberships table's row-exclusive lock (the rate limit's charge, written off the request
    path in batches, says nothing about when the relink runs)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not relink.done():
        if await _writing(database_url, sessionmaker):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the relink never started writing")


async def _writing(database_url: str, sessionmaker: Any) -> bool:
    if database_url.startswith("sqlite"):
        with contextlib.closing(sqlite.connect(make_url(database_url).database, timeout=0)) as db:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite.OperationalError:  # database is locked
                return True
            db.rollback()
            return False
    async with sessionmaker() as session:
        held = await session.scalar(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'memberships' AND l.mode = 'RowExclusiveLock'"
                " AND l.pid <> pg_backend_pid()"
            )
        )
        return bool(held)


def _relink(server: Server, world: dict[str, Any]) -> httpx.Response:
    columns = {
        "membershipIds": [encode_id("Membership", i) for i in world["membership_ids"]],
        "organisationIds": [encode_id("Organisation", world["target"])],
    }
    return httpx.post(
        f"{server.url}/graphql",
        json={"query": RELINK, "variables": {"input": {"columns": columns}}},
        headers={"Authorization": f"Bearer {world['token']}"},
        timeout=120,
    )


async def _exit_status(server: Server) -> int:
    try:
        return await asyncio.to_thread(server.process.wait, 60)
    except subprocess.TimeoutExpired:
        server.kill()
        raise AssertionError("the server did not exit:\n" + "".join(server.everything_printed())) from None


def _serve(tmp_path: Path, database_url: str, **settings: str) -> Server:
    server = Server(
        tmp_path,
        args=(),
        env={
            "RELGRAPH_DATABASE_URL": database_url,
            "RELGRAPH_DOCUMENTS_DIR": str(tmp_path / "documents"),
            **settings,
        },
    )
    server.wait_ready()
    return server


async def test_sigterm_lets_the_bulk_relink_in_flight_commit_refuses_new_requests_and_exits_0(
    database_url: str, sessionmaker: Any, tmp_path: Path
) -> None:
    world = await _world(sessionmaker)
    server = _serve(
        tmp_path, database_url, RELGRAPH_SHUTDOWN_DRAIN_SECONDS="2", RELGRAPH_SHUTDOWN_TIMEOUT="120"
    )
    try:
        relink = asyncio.create_task(asyncio.to_thread(_relink, server, world))
        await _until_writing(database_url, sessionmaker, relink)
        server.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        # Draining: a new request, and the readiness probe, get a 503 to retry elsewhere.
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            refused = await http.post(
                "/graphql",
                json={"query": "{ viewer { id } }"},
                headers={"Authorization": f"Bearer {world['token']}"},
            )
            ready = await http.get("/readyz")
        assert not relink.done(), "the relink was over before the test could send its requests"
        answered = await relink
        status = await _exit_status(server)
    finally:
        server.stop()
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "1" and refused.headers["connection"] == "close"
    assert refused.headers["x-content-type-options"] == "nosniff", "the guard's headers, as on every answer"
    assert refused.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert ready.status_code == 503
    assert answered.status_code == 200, answered.text
    result = answered.json()["data"]["bulkRelinkMemberships"]
    assert result == {"applied": True, "totals": {"requested": ITEMS, "relinked": ITEMS, "failed": 0}}
    assert await _memberships_at(sessionmaker, world["target"]) == ITEMS, "committed wholly"
    assert status == 0, "".join(server.everything_printed())


async def test_sigterm_past_the_shutdown_timeout_rolls_the_bulk_relink_back_wholly_and_exits_0(
    database_url: str, sessionmaker: Any, tmp_path: Path
) -> None:
    world = await _world(sessionmaker)
    server = _serve(tmp_path, database_url, RELGRAPH_SHUTDOWN_TIMEOUT="0")
    try:
        relink = asyncio.create_task(asyncio.to_thread(_relink, server, world))
        await _until_writing(database_url, sessionmaker, relink)
        server.process.send_signal(signal.SIGTERM)
        status = await _exit_status(server)
        try:
            answered: httpx.Response | None = await relink
        except httpx.HTTPError:  # the connection closed without an answer
            answered = None
    finally:
        server.stop()
    assert status == 0, "".join(server.everything_printed())
    moved = await _memberships_at(sessionmaker, world["target"])
    if answered is not None and answered.status_code == 200:
        assert moved == ITEMS, "answered, so committed wholly"
    else:
        assert moved == 0, f"cancelled, so rolled back wholly; {moved} of {ITEMS} moved"
    assert any("timeout graceful shutdown exceeded" in line for line in server.everything_printed())


async def test_sigterm_to_serve_with_two_workers_shuts_each_down_and_exits_0(
    database_url: str, tmp_path: Path
) -> None:
    server = Server(
        tmp_path,
        args=("--workers", "2"),
        env={"RELGRAPH_DATABASE_URL": database_url, "RELGRAPH_DOCUMENTS_DIR": str(tmp_path / "documents")},
    )
    try:
        server.wait_ready()
        server.process.send_signal(signal.SIGTERM)
        status = await _exit_status(server)
    finally:
        server.stop()
    printed = server.everything_printed()
    assert status == 0, "".join(printed)
    assert sum("Application shutdown complete" in line for line in printed) == 2, "".join(printed)
    assert sum("Finished server process" in line for line in printed) == 2, "".join(printed)
    # Each worker reads the migration scripts (readiness); alembic's chatter about its plugins
    # is no news for an operator.
    assert not any("setup plugin" in line for line in printed), "".join(printed)
