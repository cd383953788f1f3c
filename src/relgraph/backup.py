"""Backups of the embedded default: the SQLite database and the document files in one archive.

`create` copies the live database with SQLite's online backup API (one consistent
snapshot, while the service keeps reading and writing), then adds the stored file of every
document that snapshot refers to, and a manifest with the SHA-256 of each member and the
migration the database is at. `restore` checks all of that before it puts anything in
place. PostgreSQL has pg_dump for the database (see the README).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from relgraph import __version__
from relgraph.db.migrate import known_revisions
from relgraph.db.sqlite_library import sqlite
from relgraph.storage import DocumentStore

__all__ = ["BackupError", "BackupSummary", "create", "restore", "sqlite_path"]

FORMAT = "relgraph-backup/1"
MANIFEST = "manifest.json"
DATABASE = "relgraph.db"
DOCUMENTS = "documents"
# A document deleted (and its file removed) between the snapshot and the copying of its file
# makes the snapshot refer to a file that is gone: take a new snapshot, this many times.
SNAPSHOT_ATTEMPTS = 5


class BackupError(Exception):
    """A backup that cannot be made or an archive that cannot be restored; nothing was changed."""


@dataclass(frozen=True)
class BackupSummary:
    revision: str
    documents: int
    database_bytes: int
    created_at: str


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite database URL; BackupError for PostgreSQL (pg_dump) or in-memory databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "relgraph db backup/restore is for the embedded SQLite database; on PostgreSQL use "
            "pg_dump -Fc (and pg_restore), and copy the documents directory beside it (see the README)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _snapshot(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    # Read-only and never created: a typo in the URL must not leave an empty database behind.
    live = sqlite.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite.connect(target)
    try:
        # pages=-1: the whole database in one step, so in one read transaction of the
        # source: a consistent copy whatever writers commit meanwhile (WAL lets them).
        live.backup(copy, pages=-1)
    finally:
        copy.close()
        live.close()


def _revision(database: Path) -> str | None:
    with _connection(database) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite.DatabaseError:
            return None
    return row[0] if row else None


def _referenced_hashes(database: Path) -> list[str]:
    with _connection(database) as conn:
        return [row[0] for row in conn.execute("SELECT DISTINCT sha256 FROM documents ORDER BY sha256")]


@contextmanager
def _connection(database: Path) -> Iterator[sqlite.Connection]:
    conn = sqlite.connect(f"file:{database}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def create(database_url: str, document_root: Path, target: Path) -> BackupSummary:
    """Write a backup of the live database at `database_url` and its documents to `target`."""
    source = sqlite_path(database_url)
    store = DocumentStore(document_root, max_bytes=0)
    target = target.resolve()
    with tempfile.TemporaryDirectory(prefix=".relgraph-backup-", dir=target.parent) as work:
        snapshot = Path(work) / DATABASE
        for _ in range(SNAPSHOT_ATTEMPTS):
            snapshot.unlink(missing_ok=True)
            _snapshot(source, snapshot)
            files = {sha: store.path(sha) for sha in _referenced_hashes(snapshot)}
            # Copied now: files are written once and never changed, but a later delete may
            # remove one; a copy of our own cannot go away while the archive is written.
            copies = Path(work) / DOCUMENTS
            shutil.rmtree(copies, ignore_errors=True)
            copies.mkdir()
            if all(_copy_if_there(path, copies / sha) for sha, path in files.items()):
                break
        else:
            raise BackupError("documents kept disappearing while the backup was taken; try again")
        revision = _revision(snapshot)
        if revision is None:
            raise BackupError(f"{source} is not a relgraph database (no migration recorded)")
        created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        documents = [{"sha256": sha, "size": (copies / sha).stat().st_size} for sha in sorted(files)]
        for entry in documents:
            if _sha256_file(copies / str(entry["sha256"])) != entry["sha256"]:
                raise BackupError(
                    f"stored file {entry['sha256']} does not match its name: the store is damaged"
                )
        manifest = {
            "format": FORMAT,
            "createdAt": created_at,
            "relgraphVersion": __version__,
            "revision": revision,
            "database": {"name": DATABASE, "sha256": _sha256_file(snapshot), "size": snapshot.stat().st_size},
            "documents": documents,
        }
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            archive.add(snapshot, DATABASE)
            for entry in documents:
                sha = str(entry["sha256"])
                archive.add(copies / sha, f"{DOCUMENTS}/{sha[:2]}/{sha}")
        os.replace(partial, target)
    return BackupSummary(revision, len(documents), manifest["database"]["size"], created_at)  # type: ignore[index]


def _copy_if_there(path: Path, copy: Path) -> bool:
    try:
        shutil.copyfile(path, copy)
    except FileNotFoundError:
        return False
    return True


def _read_manifest(archive: tarfile.TarFile) -> dict[str, object]:
    try:
        member = archive.extractfile(MANIFEST)
    except KeyError:
        raise BackupError("not a relgraph backup: the archive has no manifest") from None
    if member is None:
        raise BackupError("not a relgraph backup: the manifest is not a file")
    try:
        manifest = json.loads(member.read())
    except ValueError:
        raise BackupError("the backup's manifest is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"not a relgraph backup in format {FORMAT}")
    return manifest


def _unpack(archive: tarfile.TarFile, manifest: dict[str, object], into: Path) -> list[str]:
    """Extract and check the database and every document; the documents' hashes."""
    database = manifest.get("database")
    documents = manifest.get("documents")
    if not isinstance(database, dict) or not isinstance(documents, list):
        raise BackupError("the backup's manifest lacks the database or the documents")
    expected = {DATABASE: str(database.get("sha256"))}
    for entry in documents:
        sha = str(entry.get("sha256") if isinstance(entry, dict) else entry)
        expected[f"{DOCUMENTS}/{sha[:2]}/{sha}"] = sha
    seen: set[str] = set()
    for member in archive:
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile():
            raise BackupError(f"the archive holds {member.name!r}, which its manifest does not list")
        source = archive.extractfile(member)
        assert source is not None
        target = into / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with target.open("wb") as out:
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected[member.name]:
            raise BackupError(
                f"{member.name} in the archive does not match its checksum: the backup is damaged"
            )
        seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"the archive lacks {len(missing)} file(s) its manifest lists, e.g. {missing[0]}")
    return sorted(expected[name] for name in seen if name != DATABASE)


def _check_database(database: Path, manifest: dict[str, object]) -> str:
    with _connection(database) as conn:
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except sqlite.DatabaseError as error:
            raise BackupError(f"the backed-up database is unreadable: {error}") from None
    if problems != ["ok"]:
        raise BackupError(f"the backed-up database fails its integrity check: {problems[0]}")
    revision = _revision(database)
    if revision is None or revision != manifest.get("revision"):
        raise BackupError("the backed-up database's migration does not match the manifest")
    if revision not in known_revisions():
        raise BackupError(
            f"the backup is at migration {revision}, which this relgraph ({__version__}) does not know: "
            "restore it with the relgraph version that made it, or a later one"
        )
    return revision


def _holds_data(database: Path, store: DocumentStore) -> bool:
    if any(store.stored()):
        return True
    if not database.exists() or database.stat().st_size == 0:
        return False
    with _connection(database) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(
            conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is not None
            for name in tables
            if name != "alembic_version" and not name.startswith("sqlite_")
        )


def restore(
    archive_path: Path, database_url: str, document_root: Path, *, force: bool = False
) -> BackupSummary:
    """Check the backup at `archive_path` and make it the database and documents; the service must be stopped.

    Refuses a target that holds data unless `force`; with `force` the documents folder ends
    up holding exactly the backup's files.
    """
    target = sqlite_path(database_url).resolve()
    store = DocumentStore(document_root, max_bytes=0)
    if not archive_path.is_file():
        raise BackupError(f"no backup at {archive_path}")
    if _holds_data(target, store) and not force:
        raise BackupError(
            f"{target} or {document_root} already holds data; stop the service and add --force to replace it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".relgraph-restore-", dir=target.parent) as work:
        unpacked = Path(work)
        try:
            with tarfile.open(archive_path, "r:*") as archive:
                manifest = _read_manifest(archive)
                hashes = _unpack(archive, manifest, unpacked)
        except (tarfile.TarError, EOFError, OSError) as error:
            raise BackupError(f"cannot read the backup: {error}") from None
        revision = _check_database(unpacked / DATABASE, manifest)
        # Everything checked; from here on the target changes. Files first: a database that
        # is in place never points at a missing file.
        for sha in hashes:
            path = store.path(sha)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(unpacked / DOCUMENTS / sha[:2] / sha, path)
        wanted = set(hashes)
        for sha, _mtime in list(store.stored()):
            if sha not in wanted:
                store.path(sha).unlink()
        # A write-ahead log of the replaced database would be replayed into the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(unpacked / DATABASE, target)
    return BackupSummary(revision, len(hashes), target.stat().st_size, str(manifest.get("createdAt", "")))
