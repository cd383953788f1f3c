"""Trusted operations: documents registered by their SHA-256 (`relgraph operations register`).

A document is stored under the hash of its exact text, the hash a client sends in
`extensions.persistedQuery.sha256Hash` (Apollo) or as the key of a persisted-documents
manifest (Relay, GraphQL Code Generator). Reading files and manifests is here too: what
the CLI registers is what these functions make of them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import TrustedOperation
from relgraph.errors import DomainError, FieldError

__all__ = [
    "Registered",
    "documents_in",
    "get",
    "is_sha256",
    "list_all",
    "register",
    "remove",
    "sha256_of",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_of(text: str) -> str:
    """The hash clients compute: SHA-256 of the UTF-8 text, lowercase hexadecimal."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_sha256(value: str) -> bool:
    return _SHA256.fullmatch(value) is not None


def _refused(source: str, message: str) -> DomainError:
    return DomainError([FieldError(("file",), f"{source}: {message}")])


def _manifest(path: Path, text: str) -> dict[str, str]:
    """{hash: text} from a persisted-documents manifest: Relay's and GraphQL Code Generator's
    flat object, or Apollo's persisted query manifest (`operations: [{id, body}]`)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _refused(str(path), f"not valid JSON ({error.msg}, line {error.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("operations"), list):
        pairs = [
            (o.get("id"), o.get("body")) if isinstance(o, dict) else (None, None) for o in data["operations"]
        ]
    elif isinstance(data, dict):
        pairs = list(data.items())
    else:
        pairs = [(None, None)]
    found: dict[str, str] = {}
    for key, body in pairs:
        if not isinstance(key, str) or not isinstance(body, str):
            raise _refused(
                str(path),
                "not a persisted-documents manifest: expected {hash: document} or Apollo's "
                '{"operations": [{"id": hash, "body": document}]}',
            )
        digest = key.removeprefix("sha256:").lower()
        if digest != sha256_of(body):
            raise _refused(
                str(path),
                f"{key!r} is not the SHA-256 of its document (Relay hashes with MD5 and GraphQL "
                "Code Generator with SHA-1 unless told to use SHA-256)",
            )
        found[digest] = body
    return found


def documents_in(paths: Iterable[Path]) -> dict[str, str]:
    """{hash: text} of the documents in .graphql files (one document each, hashed as written)
    and .json manifests (hashes checked against the texts)."""
    found: dict[str, str] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise _refused(str(path), f"cannot be read ({type(error).__name__})") from None
        if path.suffix.lower() == ".json":
            found.update(_manifest(path, text))
        elif not text.strip():
            raise _refused(str(path), "holds no document")
        else:
            found[sha256_of(text)] = text
    return found


@dataclass(frozen=True)
class Registered:
    """What `register` did: hashes newly stored, and hashes that were stored already."""

    added: list[str]
    known: list[str]


async def register(
    session: AsyncSession, *, documents: Mapping[str, str], names: Mapping[str, str] | None = None
) -> Registered:
    """Store documents ({hash: text}, with their operation names); a stored hash stays as it is."""
    hashes = sorted(documents)
    stored = set(
        (await session.scalars(select(TrustedOperation.sha256).where(TrustedOperation.sha256.in_(hashes))))
        if hashes
        else ()
    )
    added = []
    for digest in hashes:
        if digest in stored:
            continue
        text = documents[digest]
        if sha256_of(text) != digest:
            raise _refused(digest, "is not the SHA-256 of its document")
        named = (names or {}).get(digest, "")
        session.add(TrustedOperation(sha256=digest, document=text, names=named[:1000]))
        added.append(digest)
    await session.flush()
    return Registered(added=added, known=sorted(stored))


async def get(session: AsyncSession, *, sha256: str) -> str | None:
    """The registered document with this hash, if any."""
    return await session.scalar(select(TrustedOperation.document).where(TrustedOperation.sha256 == sha256))


async def list_all(session: AsyncSession) -> list[TrustedOperation]:
    """Every registered operation, oldest first."""
    rows = await session.scalars(
        select(TrustedOperation).order_by(TrustedOperation.created_at, TrustedOperation.sha256)
    )
    return list(rows)


async def remove(session: AsyncSession, *, hashes: Sequence[str]) -> int:
    """Unregister operations by hash (or by a unique prefix of at least 8 characters); the count removed."""
    removed = 0
    for given in hashes:
        prefix = given.strip().lower()
        if len(prefix) < 8 or not re.fullmatch(r"[0-9a-f]+", prefix):
            raise DomainError(
                [FieldError(("hash",), f"{given!r}: give a hash, or its first 8 or more hex digits")]
            )
        matches = list(
            await session.scalars(
                select(TrustedOperation.sha256).where(TrustedOperation.sha256.startswith(prefix))
            )
        )
        if len(matches) > 1:
            raise DomainError(
                [FieldError(("hash",), f"{given!r} matches {len(matches)} operations; give more of it")]
            )
        if not matches:
            raise DomainError([FieldError(("hash",), f"no registered operation has the hash {given!r}")])
        await session.execute(delete(TrustedOperation).where(TrustedOperation.sha256 == matches[0]))
        removed += 1
    return removed
