"""Notes (notities) on parties: general, internal and price agreements (prijsafspraken).

Who reads which kind is policy (`note_kinds_readable`): a note the viewer may not read
is, to that viewer, a note that does not exist.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id
from relgraph.db.models import Note, NoteKind
from relgraph.db.pagination import OrderKey, Page, PageRequest, count_many, paginate_many
from relgraph.domain import parties, versions
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import DomainError, ErrorCode, FieldError, NotFound
from relgraph.policy import Viewer, note_kinds_readable, note_kinds_writable, party_visible

__all__ = [
    "AUDITED_FIELDS",
    "MAX_BODY",
    "ORDER",
    "add",
    "count_for",
    "get_many",
    "list_for",
    "listed",
    "readable",
    "remove",
    "update",
]

AUDITED_FIELDS = ["party_id", "kind", "body"]
# The kind always travels with the event: the audit trail masks a note's values by it.
_NOTES = AuditedRows(Note, AUDITED_FIELDS, "note", names_kind=lambda note: True)
MAX_BODY = 10_000
# Newest first, as a party's card shows them.
ORDER = [OrderKey(Note.created_at, "created_at", descending=True), OrderKey(Note.id, "id", descending=True)]


def readable(viewer: Viewer) -> ColumnElement[bool]:
    """SQL: the notes `viewer` may read (R1 for the party, the kind rule for the note)."""
    return and_(Note.kind.in_(sorted(note_kinds_readable(viewer))), party_visible(viewer, Note.party_id))


def listed(viewer: Viewer, kinds: tuple[str, ...] | None) -> Select[*tuple[Any, ...]]:
    """The notes a party's list shows `viewer` (of `kinds`, None: every kind it may read)."""
    stmt = select(Note).where(readable(viewer))
    return stmt if kinds is None else stmt.where(Note.kind.in_(kinds))


async def list_for(
    session: AsyncSession,
    party_ids: Sequence[int],
    *,
    viewer: Viewer,
    kinds: tuple[str, ...] | None,
    page: PageRequest,
) -> dict[Hashable, Page[Note]]:
    """One page of each party's notes that `viewer` may read, newest first."""
    return await paginate_many(session, listed(viewer, kinds), Note, Note.party_id, party_ids, ORDER, page)


async def count_for(
    session: AsyncSession, party_ids: Sequence[int], *, viewer: Viewer, kinds: tuple[str, ...] | None
) -> dict[Hashable, int]:
    return await count_many(session, listed(viewer, kinds), Note.party_id, party_ids)


async def get_many(session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]) -> list[Note | None]:
    """The notes with `ids` that `viewer` may read, aligned with `ids`."""
    return await by_id(session, Note, ids, readable(viewer))


def _clean(checks: Checks, viewer: Viewer, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if creating or data.get("kind") is not None:
        kind = NoteKind(data.get("kind") or NoteKind.GENERAL).value
        if kind not in note_kinds_writable(viewer):
            checks.errors.append(
                FieldError(
                    (*checks.prefix, "kind"),
                    "You may not write notes of this kind (INTERNAL: ADMIN and TEAM; PRICE_AGREEMENT: FINANCE).",
                    ErrorCode.FORBIDDEN,
                )
            )
        values["kind"] = kind
    if creating or "body" in data:
        body = checks.multiline("body", data.get("body"), max_length=MAX_BODY)
        if body is None:
            checks.fail("body", "This field is required.")
        values["body"] = body
    return values


async def add(
    session: AsyncSession, *, actor: Viewer, party: tuple[str, int], data: Mapping[str, Any]
) -> Note:
    """Write a note on a party `actor` may see, in a kind it may write."""
    checks = Checks()
    values = _clean(checks, actor, data, creating=True)
    checks.raise_if_any()
    target = await parties.get_visible(session, viewer=actor, kind=party[0], id=party[1])
    note = Note(
        party_id=target.id,
        **values,
        **versions.created(actor),
    )
    return await _NOTES.add(session, actor, note)


async def _load(session: AsyncSession, actor: Viewer, id: int, expected_version: int | None) -> Note:
    note = await _NOTES.load_of_visible_party(session, viewer=actor, id=id, expected_version=None)
    # A note of a kind the actor may not read does not exist for it.
    if note.kind not in note_kinds_readable(actor):
        raise NotFound("id", "No note with this id.")
    versions.check_version(note, expected_version, "note")
    return note


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Note:
    """Change a note's body or kind (to a kind the actor may write)."""
    note = await _load(session, actor, id, expected_version)
    checks = Checks()
    values = _clean(checks, actor, data, creating=False)
    if note.kind not in note_kinds_writable(actor):
        raise DomainError(
            [FieldError(("id",), "You may not change notes of this kind.", ErrorCode.FORBIDDEN)]
        )
    checks.raise_if_any()
    before = _NOTES.snapshot(note)
    for name, value in values.items():
        setattr(note, name, value)
    return await _NOTES.save(session, actor, note, before, only_if_changed=True)


async def remove(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> int:
    """Delete a note; the audit trail keeps what it said (masked for who may not read it)."""
    note = await _load(session, actor, id, expected_version)
    if note.kind not in note_kinds_writable(actor):
        raise DomainError(
            [FieldError(("id",), "You may not remove notes of this kind.", ErrorCode.FORBIDDEN)]
        )
    await _NOTES.remove(session, actor, note)
    return id
