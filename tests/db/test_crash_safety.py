"""SIGKILL the server in the middle of a 10,000-item bulk relink and of document uploads.

`relgraph serve` runs as a child process on the test's database (SQLite or PostgreSQL).
The kill comes when the work is seen in flight from outside, not after a guessed sleep:
the relink's transaction holding the SQLite write lock with its pages spilling into the
-wal file, or PostgreSQL showing it writing memberships; an upload's file on disk while
its row waits for a lock the test holds; another upload's body only half sent. After the
restart the relink is all there or not at all, the database checks out, and every
document row has its file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Self

import httpx
import pytest
from helpers import IS_POSTGRES
from server import Server
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from relgraph.db.bulk import insert_rows, reserve_ids
from relgraph.db.models import (
    AuditEvent,
    Document,
    Membership,
    MembershipTag,
    Organisation,
    Party,
    PartyKind,
    Person,
)
from relgraph.db.sqlite_library import sqlite
from relgraph.graphql.core.ids import encode_id

ITEMS = 10_000
RELINK = """
mutation($input: BulkRelinkMembershipsInput!) {
  bulkRelinkMemberships(input: $input) { applied totals { relinked failed } }
}"""
UPLOAD = """
mutation($input: UploadDocumentInput!) {
  uploadDocument(input: $input) { document { id sha256 } userErrors { code } }
}"""
# Statements of the relink's transaction that change rows (PostgreSQL's view of it).
WRITING = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
  AND query ~* '^\\s*(UPDATE|INSERT INTO)\\s+"?(memberships|membership_tags|audit_events)\\M'
"""
# The killed server's sessions still working or in a transaction (idle pool connections,
# the test's own included, do not count).
BUSY_BACKENDS = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND (state <> 'idle' OR backend_xid IS NOT NULL)
"""


async def _seed(sessionmaker: Any) -> tuple[int, int]:
    """ITEMS people with one tagged membership each at organisation "Oud"; and "Nieuw".

    Written set-based with the bulk helpers (executemany, no ORM per row): seconds less.
    """
    now = dt.datetime.now(dt.UTC)
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        old, new = (Organisation(name=n, name_key=n.lower(), search_text=n.lower()) for n in ("Oud", "Nieuw"))
        session.add_all([old, new])
        await session.flush()
        people = await reserve_ids(session, Party.__table__, ITEMS)
        stamp = {"created_at": now, "updated_at": now, "version": 1}
        await insert_rows(
            session, Party.__table__, [{"id": p, "kind": PartyKind.PERSON.value, **stamp} for p in people]
        )
        await insert_rows(
            session,
            Person.__table__,
            [
                {
                    "id": p,
                    "gender": "UNKNOWN",
                    "last_name": f"P{p}",
                    "sort_key": f"p{p:06d}",
                    "search_text": "",
                    "active": True,
                }
                for p in people
            ],
        )
        memberships = await reserve_ids(session, Membership.__table__, ITEMS)
        await insert_rows(
            session,
            Membership.__table__,
            [
                {
                    "id": m,
                    "person_id": p,
                    "organisation_id": old.id,
                    "role": "Contact",
                    "active": True,
                    "start_date": dt.date(2020, 1, 1),
                    **stamp,
                }
                for m, p in zip(memberships, people, strict=True)
            ],
        )
        await insert_rows(
            session, MembershipTag.__table__, [{"membership_id": m, "tag": "klant"} for m in memberships]
        )
        await session.commit()
        return old.id, new.id


class Database:
    """The test's own look at the database the server uses."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self._conn: Any = None

    @property
    def file(self) -> Path:
        return Path(self.url.database or "")

    async def connect(self) -> Any:
        import asyncpg

        url = self.url
        return await asyncpg.connect(
            user=url.username,
            password=url.password,
            host=url.host,
            port=url.port or 5432,
            database=url.database,
        )

    async def pg(self, sql: str) -> Any:
        # One connection for all the polling: connecting anew each time would be the slow part.
        if self._conn is None:
            self._conn = await self.connect()
        return await self._conn.fetchval(sql)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()

    def checkpoint(self) -> int:
        """SQLite: fold the -wal file into the database; return its size afterwards."""
        with sqlite.connect(self.file) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = Path(f"{self.file}-wal")
        return wal.stat().st_size if wal.exists() else 0

    def sqlite_writing(self, wal_before: int) -> bool:
        """A write transaction holds the lock and has spilled pages into the -wal file."""
        wal = Path(f"{self.file}-wal")
        if not wal.exists() or wal.stat().st_size < wal_before + 1024 * 1024:
            return False
        probe = sqlite.connect(self.file, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False  # committed already
        except sqlite.OperationalError:
            return True
        finally:
            probe.close()

    async def writing(self, wal_before: int) -> bool:
        if IS_POSTGRES:
            return bool(await self.pg(WRITING))
        return self.sqlite_writing(wal_before)

    async def settle(self) -> None:
        """PostgreSQL: wait until the killed server's backends have rolled back and gone."""
        if not IS_POSTGRES:
            return
        deadline = time.monotonic() + 30
        while await self.pg(BUSY_BACKENDS):
            assert time.monotonic() < deadline, "the killed server's transactions never ended"
            await asyncio.sleep(0.05)


async def _integrity(session: Any) -> None:
    """The database checks out: engine checks on SQLite, the invariants queried on both."""
    if not IS_POSTGRES:
        assert (await session.execute(text("PRAGMA integrity_check"))).all() == [("ok",)]
        assert (await session.execute(text("PRAGMA foreign_key_check"))).all() == []
    broken = {
        "membership without person": "SELECT count(*) FROM memberships m LEFT JOIN persons p ON p.id = m.person_id WHERE p.id IS NULL",
        "membership without organisation": "SELECT count(*) FROM memberships m LEFT JOIN organisations o ON o.id = m.organisation_id WHERE o.id IS NULL",
        "tag without membership": "SELECT count(*) FROM membership_tags t LEFT JOIN memberships m ON m.id = t.membership_id WHERE m.id IS NULL",
        "person without party": "SELECT count(*) FROM persons p LEFT JOIN parties x ON x.id = p.id WHERE x.id IS NULL",
        "document without party": "SELECT count(*) FROM documents d LEFT JOIN parties x ON x.id = d.party_id WHERE x.id IS NULL",
        "two active in one role": (
            "SELECT count(*) FROM (SELECT 1 FROM memberships WHERE active "
            "GROUP BY person_id, organisation_id, coalesce(role, '') HAVING count(*) > 1) d"
        ),
        "ended before started": "SELECT count(*) FROM memberships WHERE end_date < start_date",
    }
    found = {name: await session.scalar(text(sql)) for name, sql in broken.items()}
    assert set(found.values()) == {0}, found


async def _documents_have_files(session: Any, root: Path) -> set[str]:
    rows = (await session.execute(select(Document.sha256, Document.size))).all()
    for sha, size in rows:
        path = root / sha[:2] / sha
        assert path.is_file(), f"document row points to a missing file {sha}"
        assert path.stat().st_size == size and hashlib.sha256(path.read_bytes()).hexdigest() == sha
    return {sha for sha, _ in rows}


def _kill(server: Server) -> None:
    if server.process.poll() is None:
        server.kill()


def _post(server: Server, token: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", **(headers or {})}
    return httpx.post(f"{server.url}/graphql", headers=headers, timeout=120, **kwargs)


def _in_background(call: Any) -> dict[str, Any]:
    """Run `call` in a thread; the dict gets its response or the error a killed server gives."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["response"] = call()
        except httpx.HTTPError as error:
            outcome["error"] = error

    outcome["thread"] = threading.Thread(target=run, daemon=True)
    outcome["thread"].start()
    return outcome


def _operations(party: str) -> tuple[str, str]:
    operations = {"query": UPLOAD, "variables": {"input": {"partyId": party, "file": None}}}
    return json.dumps(operations), json.dumps({"0": ["variables.input.file"]})


def _half_sent_upload(
    party: str, content: bytes, half_sent: threading.Event, release: threading.Event
) -> tuple[dict[str, str], Iterator[bytes]]:
    """A multipart body that stops after half the file until `release`."""
    boundary = "crashboundary"
    operations, files_map = _operations(party)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{files_map}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="groot.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        yield content[: len(content) // 2]
        half_sent.set()
        release.wait(30)
        yield content[len(content) // 2 :]
        yield f"\r\n--{boundary}--\r\n".encode()

    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body()


class _UploadBlocker:
    """Hold a lock that the upload's row needs, so the file is stored and the row waits."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.conn: Any = None

    async def __aenter__(self) -> Self:
        if IS_POSTGRES:
            self.conn = await self.database.connect()
            await self.conn.execute("BEGIN; LOCK TABLE documents IN SHARE MODE")
        else:
            self.conn = sqlite.connect(self.database.file, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if IS_POSTGRES:
            await self.conn.close()
        else:
            self.conn.execute("ROLLBACK")
            self.conn.close()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    found = Database(database_url)
    yield found
    await found.close()


async def test_sigkill_mid_relink_and_mid_upload_leaves_old_or_new_data_and_no_dangling_document(
    make_caller, sessionmaker, database, database_url, tmp_path
) -> None:
    old, new = await _seed(sessionmaker)
    admin = await make_caller("ADMIN")
    documents = tmp_path / "documents"
    env = {
        "RELGRAPH_DATABASE_URL": database_url,
        "RELGRAPH_DOCUMENTS_DIR": str(documents),
        "RELGRAPH_RATE_LIMIT_PER_MINUTE": "0",
    }
    async with sessionmaker() as session:
        membership_ids = list(await session.scalars(select(Membership.id).order_by(Membership.id)))
    items = [
        {"membershipId": encode_id("Membership", m), "organisationId": encode_id("Organisation", new)}
        for m in membership_ids
    ]
    org_id = encode_id("Organisation", old)

    # --- the bulk relink -------------------------------------------------------------------
    server = Server(tmp_path, args=(), env=env)
    try:
        server.wait_ready()
        kept = b"%PDF-1.4 bewaard " * 1000
        files = {"0": ("bewaard.pdf", kept, "application/pdf")}
        operations, files_map = _operations(org_id)
        stored = _post(server, admin.token, data={"operations": operations, "map": files_map}, files=files)
        assert stored.json()["data"]["uploadDocument"]["userErrors"] == [], stored.json()
        wal_before = 0 if IS_POSTGRES else database.checkpoint()
        relink = _in_background(
            lambda: _post(
                server, admin.token, json={"query": RELINK, "variables": {"input": {"items": items}}}
            )
        )
        deadline = time.monotonic() + 90
        while not await database.writing(wal_before):
            assert "response" not in relink, (
                f"finished before it was seen writing: {relink['response'].text[:300]}"
            )
            assert time.monotonic() < deadline, "the relink was never seen writing"
            await asyncio.sleep(0.002)
        server.kill()
    finally:
        _kill(server)
    relink["thread"].join(30)
    assert "error" in relink, "the killed request got an answer"
    await database.settle()

    async with sessionmaker() as session:
        total = await session.scalar(select(func.count()).select_from(Membership))
        at_new = await session.scalar(select(func.count()).where(Membership.organisation_id == new))
        active_at_old = await session.scalar(
            select(func.count()).where(Membership.organisation_id == old, Membership.active.is_(True))
        )
        tags = await session.scalar(select(func.count()).select_from(MembershipTag))
        events = await session.scalar(select(func.count()).where(AuditEvent.object_type == "Membership"))
        await _integrity(session)
    state = (total, at_new, active_at_old, tags, events)
    # All old (nothing of the relink) or all new (each membership ended, a copy at Nieuw).
    assert state in ((ITEMS, 0, ITEMS, ITEMS, 0), (2 * ITEMS, ITEMS, 0, 2 * ITEMS, 2 * ITEMS)), state

    # --- uploads: one stored but not yet recorded, one half sent --------------------------
    server = Server(tmp_path, args=(), env=env)
    try:
        server.wait_ready()
        # The restarted server serves the data as the database has it.
        count = _post(
            server,
            admin.token,
            json={
                "query": "query($id: ID!) { node(id: $id) { ... on Organisation { memberships { totalCount } } } }",
                "variables": {"id": encode_id("Organisation", new)},
            },
        )
        assert count.json()["data"]["node"]["memberships"]["totalCount"] == at_new, count.text

        waiting = os.urandom(300_000)
        waiting_sha = hashlib.sha256(waiting).hexdigest()
        async with _UploadBlocker(database):
            upload = _in_background(
                lambda: _post(
                    server,
                    admin.token,
                    data={"operations": operations, "map": files_map},
                    files={"0": ("wacht.bin", waiting, "application/octet-stream")},
                )
            )
            half_sent, release = threading.Event(), threading.Event()
            headers, body = _half_sent_upload(org_id, os.urandom(4_000_000), half_sent, release)
            slow = _in_background(lambda: _post(server, admin.token, content=body, headers=headers))
            deadline = time.monotonic() + 30
            while not ((documents / waiting_sha[:2] / waiting_sha).exists() and half_sent.is_set()):
                assert "response" not in upload, upload["response"].text[:300]
                assert time.monotonic() < deadline, "the upload's file never appeared"
                await asyncio.sleep(0.005)
            server.kill()
            release.set()
    finally:
        _kill(server)
    for call in (upload, slow):
        call["thread"].join(30)
        assert "error" in call, "the killed request got an answer"
    await database.settle()

    async with sessionmaker() as session:
        await _integrity(session)
        referenced = await _documents_have_files(session, documents)
    kept_sha = hashlib.sha256(kept).hexdigest()
    assert referenced == {kept_sha}, "an upload killed before its commit left no row"
    on_disk = {p.name for p in documents.rglob("*") if p.is_file()}
    # The stored-but-unrecorded file is an orphan; the half-sent one left nothing behind.
    assert on_disk == {kept_sha, waiting_sha}, on_disk

    # Orphans go with `relgraph documents cleanup` once older than --older-than-minutes
    # (default 60): younger ones may be uploads whose row is about to commit.
    an_hour_ago = time.time() - 3700
    for path in documents.rglob("*"):
        if path.is_file():
            os.utime(path, (an_hour_ago, an_hour_ago))
    cleanup = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).parent / "relgraph"), "documents", "cleanup"],
        check=False,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cleanup.returncode == 0 and "removed 1 unreferenced" in cleanup.stderr, cleanup.stderr
    assert {p.name for p in documents.rglob("*") if p.is_file()} == {kept_sha}
