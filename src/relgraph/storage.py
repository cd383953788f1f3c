"""The document store: files named by their SHA-256, written atomically.

A file is complete on disk (temporary name, fsync, rename, fsync of the folder) before
the row that points at it commits; a failed transaction leaves at worst an unreferenced
file, which `relgraph documents cleanup` removes. Never the reverse.

Removing is two steps, because an upload of the same content may store a file again at
any moment: `withdraw` moves it aside (from then on an upload stores a fresh copy), and
after checking that nothing wants it, `discard` deletes it or `put_back` returns it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["DocumentStore", "StoredFile", "TooLarge"]

CHUNK = 1024 * 1024
# A withdrawn file's name, beside where it was: no upload or reader looks there.
_ASIDE = ".removing-"


class TooLarge(Exception):
    """The upload is over the size limit; nothing was stored."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class DocumentStore:
    """Content-addressed files under `root`: root/ab/abcdef... for sha256 abcdef..."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put(self, chunks: AsyncIterator[bytes]) -> StoredFile:
        """Store the bytes of `chunks`; raise TooLarge (storing nothing) past the limit."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".upload-", dir=self.root)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge(size)
                    digest.update(chunk)
                    await asyncio.to_thread(out.write, chunk)
                await asyncio.to_thread(_sync, out)
            sha = digest.hexdigest()
            await asyncio.to_thread(self._publish, Path(temporary), sha)
        except BaseException:
            # No await here: this also runs on cancellation, and the unlink of one file is quick.
            Path(temporary).unlink(missing_ok=True)  # noqa: ASYNC240
            raise
        return StoredFile(sha, size)

    def _publish(self, temporary: Path, sha: str) -> None:
        target = self.path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Same content already stored: the bytes are identical, keep the existing file, but
        # touch it so that cleanup sees it as fresh while this upload's row commits.
        if target.exists():
            try:
                os.utime(target)
            except FileNotFoundError:
                pass  # withdrawn by a cleanup in between: store this copy instead
            else:
                temporary.unlink()
                return
        os.replace(temporary, target)
        _sync_folder(target.parent)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def _aside(self, sha256: str) -> Path:
        return self.path(sha256).with_name(_ASIDE + sha256)

    def withdraw(self, sha256: str) -> Path | None:
        """Move the file aside, the first step of removing it; its path there, or None
        when there is no such file (withdrawn already by a cleanup that did not finish:
        that path)."""
        aside = self._aside(sha256)
        try:
            os.rename(self.path(sha256), aside)
        except FileNotFoundError:
            return aside if aside.is_file() else None
        return aside

    def put_back(self, sha256: str) -> None:
        """Return a withdrawn file (an upload may have stored the same bytes again meanwhile)."""
        aside, target = self._aside(sha256), self.path(sha256)
        if target.exists():
            aside.unlink(missing_ok=True)
        else:
            with contextlib.suppress(FileNotFoundError):  # put back by a cleanup beside this one
                os.replace(aside, target)

    def discard(self, sha256: str) -> None:
        """Delete a withdrawn file for good."""
        self._aside(sha256).unlink(missing_ok=True)

    def modified(self, sha256: str, *, withdrawn: bool = False) -> float:
        """When the file (or its withdrawn copy) was last written or touched."""
        return (self._aside(sha256) if withdrawn else self.path(sha256)).stat().st_mtime

    def withdrawn(self) -> list[str]:
        """The files a cleanup withdrew and did not finish with (it was killed, say)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name.removeprefix(_ASIDE) for p in self.root.glob(f"??/{_ASIDE}*"))

    def stored(self) -> Iterable[tuple[str, float]]:
        """(sha256, modification time) of every stored file."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if folder.is_dir() and len(folder.name) == 2:
                for file in folder.iterdir():
                    if len(file.name) == 64:
                        yield file.name, file.stat().st_mtime

    def orphans(self, referenced: set[str], older_than_seconds: float) -> list[str]:
        """Stored files no document row refers to, old enough not to be an upload in flight."""
        cutoff = time.time() - older_than_seconds
        return sorted(sha for sha, mtime in self.stored() if sha not in referenced and mtime < cutoff)

    def stale_uploads(self, older_than_seconds: float) -> list[Path]:
        """Temporary files of uploads that died halfway (a crash between write and rename)."""
        if not self.root.is_dir():
            return []
        cutoff = time.time() - older_than_seconds
        return [p for p in self.root.glob(".upload-*") if p.stat().st_mtime < cutoff]


def _sync(file: IO[bytes]) -> None:
    file.flush()
    os.fsync(file.fileno())


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder entry is on disk too.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
