"""Documents (documenten) on parties, shielded by the need-to-know rule (R2)."""

from __future__ import annotations

import mimetypes
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id
from relgraph.db.bulk import one_of
from relgraph.db.models import AuditEvent, Document
from relgraph.db.pagination import OrderKey, Page, PageRequest, count_many, paginate_many
from relgraph.domain import parties
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Forbidden, NotFound
from relgraph.policy import Viewer, documents_of_party_visible, documents_visible, party_visible
from relgraph.storage import DocumentStore, StoredFile

__all__ = [
    "add",
    "count_for",
    "delete",
    "for_download",
    "get_visible",
    "list_for",
    "referenced_hashes",
    "remove_unreferenced",
]

# An upload's event names the file and its size.
_DOCUMENTS = AuditedRows(Document, ["filename", "size"], "document")
# Newest first: the file uploaded last is the one looked for most.
_ORDER = [OrderKey(Document.id, "id", descending=True)]


def _visible_to(viewer: Viewer) -> tuple[ColumnElement[bool], ...]:
    """SQL: the documents `viewer` may see: R2 for the documents, R1 for a person's party."""
    return (documents_visible(viewer), party_visible(viewer, Document.party_id))


def _visible(viewer: Viewer) -> Select[*tuple[Any, ...]]:
    return select(Document).where(*_visible_to(viewer))


async def list_for(
    session: AsyncSession, party_ids: Sequence[int], *, viewer: Viewer, page: PageRequest
) -> dict[Hashable, Page[Document]]:
    """One page of each party's documents that `viewer` may see, newest first."""
    return await paginate_many(
        session, _visible(viewer), Document, Document.party_id, party_ids, _ORDER, page
    )


async def count_for(
    session: AsyncSession, party_ids: Sequence[int], *, viewer: Viewer
) -> dict[Hashable, int]:
    return await count_many(session, _visible(viewer), Document.party_id, party_ids)


async def get_visible(session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]) -> list[Document | None]:
    """The documents with `ids` that `viewer` may see, aligned with `ids` (None otherwise)."""
    return await by_id(session, Document, ids, *_visible_to(viewer))


async def for_download(
    session: AsyncSession, *, viewer: Viewer, id: int, sha256: str | None
) -> Document | None:
    """The document a download URL names, when `viewer` may see it; None otherwise.

    A URL names the content too (its SHA-256): before ids were never reused, a deleted
    document's id could be given to a new one, and its old URL must not serve the new file.
    A URL without the hash (as handed out before) still works for an id that only ever
    named this document; for one the trail shows uploaded twice it answers as for none.
    One statement either way: a hidden document costs what a missing one does.
    """
    query = _visible(viewer).where(Document.id == id)
    if sha256 is not None:
        return await session.scalar(query.where(Document.sha256 == sha256.lower()))
    uploads = (
        select(func.count())
        .where(
            AuditEvent.object_type == "Document",
            AuditEvent.object_id == Document.id,
            AuditEvent.action == "UPLOAD",
        )
        .scalar_subquery()
    )
    return await session.scalar(query.where(uploads <= 1))


def _clean_filename(checks: Checks, filename: str | None) -> str:
    # Only the last path segment: a browser may send "C:\\fakepath\\x.pdf".
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    clean = checks.text("file", name or "document", max_length=255)
    return clean or "document"


def _content_type(declared: str | None, filename: str) -> str:
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream" and len(declared) <= 255 and "/" in declared:
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


async def add(
    session: AsyncSession,
    *,
    actor: Viewer,
    party: tuple[str, int],
    stored: StoredFile,
    filename: str | None,
    content_type: str | None,
    description: str | None,
) -> Document:
    """Record a stored file as a document of `party`; the party's documents must be visible to `actor`."""
    checks = Checks()
    name = _clean_filename(checks, filename)
    text = checks.multiline("description", description, max_length=2000)
    checks.raise_if_any()
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1])
    if not await session.scalar(select(documents_of_party_visible(actor, target.id))):
        raise Forbidden(
            "The documents of this party are shielded: only its account managers and ADMIN may add them."
        )
    document = Document(
        party_id=target.id,
        filename=name,
        content_type=_content_type(content_type, name),
        size=stored.size,
        sha256=stored.sha256,
        description=text,
        uploaded_by_id=actor.id,
    )
    session.add(document)
    await _DOCUMENTS.flush(session)
    _DOCUMENTS.record_creation(session, actor, document, "UPLOAD")
    return document


async def delete(session: AsyncSession, *, actor: Viewer, id: int) -> Document:
    """Delete a document `actor` may see; its file goes once no other document shares it."""
    document = (await get_visible(session, viewer=actor, ids=[id]))[0]
    if document is None:
        raise NotFound("id", "No document with this id.")
    await _DOCUMENTS.remove(session, actor, document, before={"filename": document.filename})
    return document


async def referenced_hashes(session: AsyncSession) -> set[str]:
    """Every stored file some document refers to."""
    return set(await session.scalars(select(Document.sha256).distinct()))


async def remove_unreferenced(
    session: AsyncSession, store: DocumentStore, candidates: Iterable[str], *, untouched_since: float
) -> int:
    """Remove the stored files `candidates` (SHA-256s) that no document refers to and no
    upload touched since `untouched_since` (a time.time()); return how many went.

    An upload of the same content may store the file again, and its row commit, at any
    moment. So each file is withdrawn first (uploads store a fresh copy from then on), and
    only then checked against the committed rows and its modification time: an upload
    touches the file before its row commits. What is still wanted is put back. The
    session's transaction is ended to see rows committed meanwhile: it must hold no work.
    """
    aside = [sha for sha in dict.fromkeys(candidates) if store.withdraw(sha) is not None]
    if not aside:
        return 0
    await session.rollback()
    wanted = set(
        await session.scalars(select(Document.sha256).where(one_of(session, Document.sha256, aside)))
    )
    removed = 0
    for sha in aside:
        try:
            keep = sha in wanted or store.modified(sha, withdrawn=True) >= untouched_since
        except FileNotFoundError:
            continue  # a cleanup running beside this one got there first
        if keep:
            store.put_back(sha)
        else:
            store.discard(sha)
            removed += not store.exists(sha)  # an upload may have stored it anew meanwhile
    return removed
