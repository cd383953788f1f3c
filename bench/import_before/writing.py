"""Writing checked import rows: set-based inserts, one audit event per new object.

Ids are reserved up front (no RETURNING), and the rows go in a chunk at a time, one
executemany per table (one array per column on PostgreSQL); every imported organisation,
person or membership gets its own CREATE audit event in the same chunk. The search index
is kept per chunk, set-based (`search.search_index_by_batch`).

Turning the next chunk into table rows in a worker thread while the database writes the
current one was measured and gained nothing (the GIL, two cores): it is not done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from import_before.rows import Row
from import_before.tables import (
    Tables,
    membership_tables,
    organisation_tables,
    person_tables,
)
from relgraph.db.bulk import (
    insert_rows,
    one_of,
    reserve_ids,
    rows_in,
    update_rows,
)
from relgraph.db.models import (
    Address,
    ContactMean,
    Membership,
    MembershipTag,
    Organisation,
    Party,
    Person,
)
from relgraph.db.search import SearchIndexBatch, search_index_by_batch
from relgraph.db.statistics import analyze
from relgraph.domain import places
from relgraph.text import search_key

__all__ = ["Progress", "write_rows"]

Progress = Callable[[str, int, int], None]

_parties = Party.__table__
_orgs = Organisation.__table__
_people = Person.__table__
_m = Membership.__table__
_tags = MembershipTag.__table__
_contacts = ContactMean.__table__
_addresses = Address.__table__

# Rows per chunk: big enough that a statement's round trip does not count, small enough
# that one chunk's table rows weigh little and progress moves.
CHUNK = 2000

TablesOf = Callable[[Sequence[Row], str, dt.datetime], Tables]


async def _assign_ids(session: AsyncSession, rows: Sequence[Row], table: Any) -> None:
    given = [r.values["id"] for r in rows if r.values.get("id") is not None]
    missing = [r for r in rows if r.values.get("id") is None]
    for row, new_id in zip(
        missing, await reserve_ids(session, table, len(missing), above=max(given, default=0)), strict=True
    ):
        row.values["id"] = new_id


async def _write_chunks(
    session: AsyncSession,
    rows: Sequence[Row],
    tables_of: TablesOf,
    source: str,
    progress: Progress,
    search_index: SearchIndexBatch | None = None,
) -> None:
    """Insert the tables of `rows` chunk by chunk, in their order; index the new objects'
    search text when given."""
    now = dt.datetime.now(dt.UTC)
    for start in range(0, len(rows), CHUNK):
        tables = tables_of(rows[start : start + CHUNK], source, now)
        for table, table_rows in tables.in_order():
            await insert_rows(session, table, table_rows)
        if search_index is not None:
            await search_index.index(tables.ids)
        progress("writing", start + len(tables.ids), len(rows))


def _depths(rows: Sequence[Row]) -> dict[int, int]:
    """How many parents in the file each row has above it (the checks ruled out cycles)."""
    by_id = {r.values["id"]: r for r in rows}
    depth: dict[int, int] = {}
    for row in rows:
        chain: list[Row] = []
        node: Row | None = row
        while node is not None and node.values["id"] not in depth:
            chain.append(node)
            parent = node.values.get("parent_id")
            node = by_id.get(parent) if parent is not None else None
        level = depth[node.values["id"]] + 1 if node is not None else 0
        for found in reversed(chain):
            depth[found.values["id"]] = level
            level += 1
    return depth


async def _write_organisations(
    session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress
) -> None:
    await _assign_ids(session, rows, _parties)
    # A parent may come later in the file: the rows go in parents first, each with its parent.
    depth = _depths(rows)
    ordered = sorted(rows, key=lambda r: depth[r.values["id"]])
    async with search_index_by_batch(session, _orgs.name) as search_index:
        await _write_chunks(session, ordered, organisation_tables, source, progress, search_index)


async def _write_persons(session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress) -> None:
    await _assign_ids(session, rows, _parties)
    async with search_index_by_batch(session, _people.name) as search_index:
        await _write_chunks(session, rows, person_tables, source, progress, search_index)


async def _write_memberships(
    session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress
) -> None:
    await _assign_ids(session, rows, _m)
    # The people's lapsed memberships give up their places to the new ones (domain/places.py).
    people = sorted({r.values["person_id"] for r in rows})
    await places.free_lapsed(session, Membership, one_of(session, _m.c.person_id, people))
    await _write_chunks(session, rows, membership_tables, source, progress)
    async with search_index_by_batch(session, _people.name) as search_index:
        await _refresh_person_search(session, rows, search_index)


async def _refresh_person_search(
    session: AsyncSession, rows: Sequence[Row], search_index: SearchIndexBatch
) -> None:
    """Search finds people by their business emails: add the new ones to their search text,
    once per person, however many of the file's memberships are theirs.

    Appended, not rebuilt: search matches a part anywhere in the text, so the order does
    not matter, and rebuilding would parse every phone number of these people again. The
    next change of a person rebuilds the text in its usual order.
    """
    emails: dict[int, list[str]] = {}
    for row in rows:
        if email := row.values.get("business_email"):
            emails.setdefault(row.values["person_id"], []).append(email)
    texts = await rows_in(session, select(_people.c.id, _people.c.search_text), _people.c.id, emails)
    updates = []
    for person in texts:
        text = person.search_text or ""
        new = [key for key in dict.fromkeys(search_key(e) for e in emails[person.id]) if key not in text]
        if new:
            updates.append(
                {"id": person.id, "search_text": " | ".join([text, *new]) if text else " | ".join(new)}
            )
    changed = [u["id"] for u in updates]
    await search_index.unindex(changed)
    await update_rows(session, _people, updates)
    await search_index.index(changed)


# The tables each kind writes that queries join, and from how many rows on their statistics
# are refreshed (fewer rows hardly change what the planner should do; autovacuum catches up
# with those, and with audit_events, which is only ever read by party or object).
_WRITTEN = {
    "organisations": (_parties, _orgs, _addresses, _contacts),
    "persons": (_parties, _people, _contacts),
    "memberships": (_m, _tags, _people),
}
_ANALYZE_FROM = 1000

_WRITE: dict[str, Callable[[AsyncSession, Sequence[Row], str, Progress], Awaitable[None]]] = {
    "organisations": _write_organisations,
    "persons": _write_persons,
    "memberships": _write_memberships,
}


async def write_rows(
    session: AsyncSession, kind: str, rows: Sequence[Row], source: str, progress: Progress
) -> None:
    """Insert checked `rows` of `kind` from the file named `source`; the caller commits."""
    await _WRITE[kind](session, rows, source, progress)
    if len(rows) >= _ANALYZE_FROM:
        await analyze(session, _WRITTEN[kind])
