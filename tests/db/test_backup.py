"""relgraph db backup / restore: a consistent online copy of SQLite and its documents, checked before restoring."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import pytest
from helpers import IS_POSTGRES, create_organisation, upload_ok

from relgraph import backup
from relgraph.config import Settings
from relgraph.db.engine import create_engine
from relgraph.db.migrate import head_revision
from relgraph.db.sqlite_library import sqlite
from relgraph.storage import DocumentStore
from relgraph.web import create_app

RELGRAPH = Path(sys.executable).parent / "relgraph"
sqlite_only = pytest.mark.skipif(IS_POSTGRES, reason="backs up the embedded SQLite database")


def _file(url: str) -> Path:
    return backup.sqlite_path(url)


def _documents(database: Path) -> list[tuple[int, str]]:
    with sqlite.connect(database) as conn:
        return conn.execute("SELECT id, sha256 FROM documents ORDER BY id").fetchall()


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RELGRAPH_")}
    return subprocess.run(
        [str(RELGRAPH), *args], env=clean | env, capture_output=True, text=True, timeout=120, check=False
    )


def _assert_consistent(database: Path, documents: Path) -> list[tuple[int, str]]:
    """Every document row of `database` has its file under `documents`, with the content its hash names."""
    store = DocumentStore(documents, max_bytes=0)
    rows = _documents(database)
    for _id, sha in rows:
        assert hashlib.sha256(store.path(sha).read_bytes()).hexdigest() == sha
    with sqlite.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    return rows


@sqlite_only
async def test_a_backup_taken_while_uploads_commit_restores_a_consistent_copy(
    admin, settings: Settings, tmp_path: Path
) -> None:
    organisation = await create_organisation(admin, "Backup B.V.")
    await upload_ok(admin, organisation, b"before the backup")
    live = _file(settings.database_url)
    stop = asyncio.Event()
    uploaded: list[float] = []
    three_uploaded = asyncio.Event()

    async def keep_uploading() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await upload_ok(admin, organisation, f"upload {n} ".encode() * 2000, f"f{n}.pdf")
            await create_organisation(admin, f"Written meanwhile {n}")
            uploaded.append(time.monotonic())
            if len(uploaded) >= 3:
                three_uploaded.set()

    writer = asyncio.create_task(keep_uploading())
    archives = []

    def overlapped(started: float, ended: float) -> bool:
        return any(started <= t <= ended for t in uploaded)

    try:
        await three_uploaded.wait()
        # Until a write committed while a backup was being taken (a busy machine makes
        # writes slow and backups of this small database quick), at most a minute.
        deadline = time.monotonic() + 60
        while len(archives) < 3 or not any(overlapped(s, e) for _a, s, e, _n in archives):
            assert time.monotonic() < deadline, "no write committed while a backup was taken"
            archive = tmp_path / f"backup-{len(archives)}.tar.gz"
            started, committed = time.monotonic(), len(uploaded)
            await asyncio.to_thread(backup.create, settings.database_url, settings.document_root, archive)
            archives.append((archive, started, time.monotonic(), committed))
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await writer
    # Restored: the first two, and one taken while a write committed.
    archives = archives[:2] + [a for a in archives[2:] if overlapped(a[1], a[2])][:1]
    everything = _documents(live)
    for n, (archive, _started, _ended, committed) in enumerate(archives):
        target = tmp_path / f"restored-{n}"
        url = f"sqlite+aiosqlite:///{target / 'relgraph.db'}"
        backup.restore(archive, url, target / "documents")
        rows = _assert_consistent(target / "relgraph.db", target / "documents")
        # A prefix of what the live database holds: nothing half-written, nothing invented.
        # Every upload committed before the backup began is in it (with the first one's).
        assert 1 + committed <= len(rows) <= len(everything) and rows == everything[: len(rows)]
        files = {p.name for p in (target / "documents").glob("??/*")}
        assert files == {sha for _id, sha in rows}
        # The restored copy serves.
        engine = create_engine(url)
        try:
            app = create_app(Settings(database_url=url, documents_dir=target / "documents"), engine=engine)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test"
            ) as client:
                response = await client.post(
                    "/graphql",
                    json={
                        "query": f'{{ node(id: "{organisation}") {{ ... on Organisation {{ documents {{ totalCount }} }} }} }}'
                    },
                    headers={"Authorization": f"Bearer {admin.token}"},
                )
            assert response.json()["data"]["node"]["documents"]["totalCount"] == len(rows)
        finally:
            await engine.dispose()


@sqlite_only
async def test_the_cli_backs_up_and_restores_refusing_to_overwrite_data_without_force(
    admin, settings: Settings, tmp_path: Path
) -> None:
    organisation = await create_organisation(admin, "Archief B.V.")
    await upload_ok(admin, organisation, b"first file")
    await upload_ok(admin, organisation, b"second file")
    source = {
        "RELGRAPH_DATABASE_URL": settings.database_url,
        "RELGRAPH_DOCUMENTS_DIR": str(settings.document_root),
    }
    archive = tmp_path / "backup.tar.gz"
    made = await asyncio.to_thread(_run, source, "db", "backup", str(archive))
    assert made.returncode == 0 and "2 document file(s)" in made.stderr, made.stderr

    target = tmp_path / "elsewhere"
    env = {"RELGRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{target / 'relgraph.db'}"}
    restored = await asyncio.to_thread(_run, env, "db", "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert len(_assert_consistent(target / "relgraph.db", target / "documents")) == 2

    # The target holds data now: refused, and left as it was.
    before = (target / "relgraph.db").read_bytes()
    refused = await asyncio.to_thread(_run, env, "db", "restore", str(archive))
    assert refused.returncode == 1 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert (target / "relgraph.db").read_bytes() == before

    # --force replaces: a document uploaded after the backup (row and file) is gone again.
    stray = target / "documents" / "ff" / ("f" * 64)
    stray.parent.mkdir()
    stray.write_bytes(b"not in the backup")
    with sqlite.connect(target / "relgraph.db") as conn:
        conn.execute("DELETE FROM documents")
    forced = await asyncio.to_thread(_run, env, "db", "restore", "--force", str(archive))
    assert forced.returncode == 0, forced.stderr
    assert len(_assert_consistent(target / "relgraph.db", target / "documents")) == 2
    assert not stray.exists()
    with sqlite.connect(target / "relgraph.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]


def _rewrite(archive: Path, into: Path, change) -> Path:
    """A copy of `archive` with `change(name, data) -> data | None` applied to each member (None drops it)."""
    with tarfile.open(archive) as source, tarfile.open(into, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            data = change(member.name, data)
            if data is not None:
                member.size = len(data)
                out.addfile(member, io.BytesIO(data))
    return into


@sqlite_only
async def test_restore_refuses_a_damaged_backup_and_changes_nothing(
    admin, settings: Settings, tmp_path: Path
) -> None:
    organisation = await create_organisation(admin, "Archief B.V.")
    document = await upload_ok(admin, organisation, b"precious")
    archive = tmp_path / "good.tar.gz"
    backup.create(settings.database_url, settings.document_root, archive)
    sha = document["sha256"]

    def flip(target: str):
        return lambda name, data: data[:-1] + bytes([data[-1] ^ 1]) if name.endswith(target) else data

    def other_revision(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "revision": "0001"}).encode()

    def unknown_revision(name: str, data: bytes) -> bytes:
        if name != "relgraph.db":
            return data
        patched = tmp_path / "patched.db"
        patched.write_bytes(data)
        conn = sqlite.connect(patched)
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
        conn.close()  # the last connection checkpoints the log into the file
        return patched.read_bytes()

    def broken_pages(name: str, data: bytes) -> bytes:
        if name != "relgraph.db":
            return data
        # A page in the middle overwritten, the checksum in the manifest made to fit.
        return data[:8192] + b"\xff" * 4096 + data[12288:]

    cases = {
        "a document's checksum": (_rewrite(archive, tmp_path / "a.tgz", flip(sha)), "checksum"),
        "the database's checksum": (_rewrite(archive, tmp_path / "b.tgz", flip("relgraph.db")), "checksum"),
        "a missing document": (
            _rewrite(archive, tmp_path / "c.tgz", lambda n, d: None if n.endswith(sha) else d),
            "lacks",
        ),
        "a missing manifest": (
            _rewrite(archive, tmp_path / "d.tgz", lambda n, d: None if n == "manifest.json" else d),
            "no manifest",
        ),
        "a manifest at another migration": (
            _rewrite(archive, tmp_path / "e.tgz", other_revision),
            "migration",
        ),
        "not an archive": (tmp_path / "f.tgz", "cannot read"),
    }
    (tmp_path / "f.tgz").write_bytes(b"just some bytes")
    for name, (damaged, words) in cases.items():
        target = tmp_path / f"target-{name.replace(' ', '-')}"
        url = f"sqlite+aiosqlite:///{target / 'relgraph.db'}"
        with pytest.raises(backup.BackupError, match=words):
            backup.restore(damaged, url, target / "documents")
        assert not (target / "relgraph.db").exists(), name
        assert not list((target / "documents").glob("??/*")) if (target / "documents").exists() else True

    # Checksums made to fit the damage: the integrity check and the migration check still catch it.
    for change, words in ((broken_pages, "integrity|unreadable"), (unknown_revision, "does not know")):
        patched = _rewrite(archive, tmp_path / "p.tgz", change)
        with tarfile.open(patched) as source:
            database = source.extractfile("relgraph.db").read()  # type: ignore[union-attr]

        def fit(name: str, data: bytes, database: bytes = database, change=change) -> bytes:
            if name != "manifest.json":
                return data
            manifest = json.loads(data)
            manifest["database"]["sha256"] = hashlib.sha256(database).hexdigest()
            if change is unknown_revision:
                manifest["revision"] = "9999"
            return json.dumps(manifest).encode()

        fitted = _rewrite(patched, tmp_path / "q.tgz", fit)
        target = tmp_path / "target-fitted"
        with pytest.raises(backup.BackupError, match=words):
            backup.restore(fitted, f"sqlite+aiosqlite:///{target / 'relgraph.db'}", target / "documents")
        assert not (target / "relgraph.db").exists()


def test_on_postgresql_backup_says_to_use_pg_dump(tmp_path: Path) -> None:
    env = {"RELGRAPH_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/test"}
    for args in (("db", "backup", str(tmp_path / "x.tgz")), ("db", "restore", str(tmp_path / "x.tgz"))):
        result = _run(env, *args)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "pg_dump" in result.stderr and "documents" in result.stderr
        assert not (tmp_path / "x.tgz").exists()
