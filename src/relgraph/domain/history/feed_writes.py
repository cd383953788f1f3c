"""Writing the changes feed: a change per audit event of an organisation, person,
membership or relation, numbered in commit order when its transaction commits.

Why not number changes as they are written: a sequence is not in commit order on
PostgreSQL. A transaction that took number 10 may commit after one that took 11, and a
reader that has seen 11 would skip 10 for ever. So a change is written with no number,
and just before its transaction commits (SQLAlchemy's before_commit), the transaction
takes the next number from the `change_feed` lock row and gives it to all its changes.
Updating that row holds its row lock until the commit, so the next transaction to number
its changes waits until this one has committed: numbers are handed out in commit order,
and a reader that sees number n has seen every number below it. The wait is only the
commit itself (the unit of work is flushed before the lock is taken), and the holder
waits for nothing else, so it cannot deadlock. SQLite has one writer: this changes
nothing there. The feed reads changes in (commit_no, id) order (feed_reads.py).

The changes hold no values, only what changed how and the parties it names, so erasing
a person leaves nothing personal in the feed. Every change of an existing object also
makes its `updated_at` the commit's time, whichever path wrote it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import event, exists, insert, literal, null, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from relgraph.db.batches import in_values
from relgraph.db.bulk import chunked, insert_rows
from relgraph.db.models import Change, LockRow, Membership, Organisation, Party, Person, Relation

__all__ = ["FEED_TYPES", "backfill", "changes_of", "kind_of", "note", "write"]

# The objects the feed follows, by their audit object type.
FEED_TYPES = frozenset({"Organisation", "Person", "Membership", "Relation"})
_LOCK = "change_feed"
_PENDING = "relgraph.changes_pending"
_BEGAN = "relgraph.transaction_began"
_LAST_NOTED = "relgraph.last_noted_change"
# The table whose `updated_at` a change of each object type stamps.
_STAMPED = {
    "Organisation": Party.__table__,
    "Person": Party.__table__,
    "Membership": Membership.__table__,
    "Relation": Relation.__table__,
}


def kind_of(object_type: str, action: str, changes: Mapping[str, Any]) -> tuple[str, int | None]:
    """(kind, survivor id) of the change an audit event records."""
    if action == "CREATE":
        return "CREATED", None
    if action == "DELETE":
        # A person is never deleted, only erased: its tombstone stays.
        return ("ERASED" if object_type == "Person" else "DELETED"), None
    merged = changes.get("merged_into_id")
    if object_type == "Organisation" and isinstance(merged, Mapping) and merged.get("after") is not None:
        return "MERGED", int(merged["after"])
    return "UPDATED", None


def changes_of(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The feed's rows for audit events (as audit_writes.event makes them): one per change
    of a followed object, the second event of a relation (on the other end's trail) left out."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, int, str, int | None]] = set()
    for e in events:
        if e["object_type"] not in FEED_TYPES:
            continue
        kind, survivor = kind_of(e["object_type"], e["action"], e.get("changes") or {})
        key = (e["object_type"], e["object_id"], kind, survivor)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "commit_no": None,
                "at": e.get("at") or dt.datetime.now(dt.UTC),
                "object_type": e["object_type"],
                "object_id": e["object_id"],
                "kind": kind,
                "survivor_id": survivor,
                "party_id": e.get("party_id"),
                "other_party_id": e.get("other_party_id"),
            }
        )
    return rows


def note(session: AsyncSession, audit_event: Mapping[str, Any]) -> None:
    """Add the change of one audit event to the unit of work (numbered when it commits)."""
    for row in changes_of([audit_event]):
        # A relation's second event (on its other end's trail) is the same change.
        key = (row["object_type"], row["object_id"], row["kind"])
        if session.info.get(_LAST_NOTED) == key:
            return
        session.info[_LAST_NOTED] = key
        session.add(Change(**row))
        session.info[_PENDING] = True


async def write(session: AsyncSession, events: Iterable[Mapping[str, Any]]) -> None:
    """Insert the changes of many `events` at once (bulk work)."""
    rows = changes_of(events)
    if rows:
        await insert_rows(session, Change.__table__, rows)
        session.info[_PENDING] = True


async def backfill(session: AsyncSession) -> None:
    """Record as CREATED every followed object that has no change yet: data written around
    the audit trail (the demo's seed) is in the feed too."""
    sources = [
        ("Organisation", Organisation.id, Organisation.created_at, Organisation.id, null()),
        ("Person", Person.id, Person.created_at, Person.id, null()),
        ("Membership", Membership.id, Membership.created_at, Membership.organisation_id, Membership.person_id),
        ("Relation", Relation.id, Relation.created_at, Relation.source_id, Relation.target_id),
    ]  # fmt: skip
    columns = ["kind", "object_type", "object_id", "at", "party_id", "other_party_id"]
    for object_type, object_id, created_at, party_id, other_party_id in sources:
        known = exists().where(Change.object_type == object_type, Change.object_id == object_id)
        rows = select(
            literal("CREATED"), literal(object_type), object_id, created_at, party_id, other_party_id
        ).where(~known)
        await session.execute(insert(Change).from_select(columns, rows))
    session.info[_PENDING] = True


# The kinds of change of an object that is there before and after (not created, not gone).
_STAMPING = ("UPDATED", "MERGED", "ERASED")


def _stamp(connection: Connection, pending: list[Any], began: dt.datetime | None, now: dt.datetime) -> None:
    """Make `updated_at` of every object changed (not created or gone) now, unless this
    transaction stamped it already."""
    ids: dict[Any, set[int]] = {}
    for object_type, object_id in pending:
        ids.setdefault(_STAMPED[object_type], set()).add(object_id)
    for table, object_ids in ids.items():
        for chunk in chunked(sorted(object_ids)):
            stmt = update(table).where(in_values(table.c.id, list(chunk))).values(updated_at=now)
            if began is not None:
                stmt = stmt.where(table.c.updated_at < began)
            connection.execute(stmt)


@event.listens_for(Session, "after_begin")
def _began(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    session.info.setdefault(_BEGAN, dt.datetime.now(dt.UTC))


@event.listens_for(Session, "before_commit")
def _number(session: Session) -> None:
    """Number this transaction's changes in commit order (see the module's docstring)."""
    if session.in_nested_transaction() or not session.info.pop(_PENDING, False):
        return
    # Everything the transaction writes, its stamps too, is written before the lock is
    # taken: holding it, the transaction waits for no other.
    session.flush()
    connection = session.connection()
    unnumbered = Change.commit_no.is_(None)
    pending = connection.execute(
        select(Change.object_type, Change.object_id).where(unnumbered, Change.kind.in_(_STAMPING))
    ).all()
    _stamp(connection, list(pending), session.info.get(_BEGAN), dt.datetime.now(dt.UTC))
    number = connection.execute(
        update(LockRow)
        .where(LockRow.name == _LOCK)
        .values(counter=LockRow.counter + 1)
        .returning(LockRow.counter)
    ).scalar()
    if number is None:
        # A database built from the models (create_all), not by the migrations, starts without it.
        number = 1
        connection.execute(insert(LockRow).values(name=_LOCK, counter=number))
    connection.execute(update(Change).where(unnumbered).values(commit_no=number))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_BEGAN, None)
        session.info.pop(_LAST_NOTED, None)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested and not session.in_transaction():
        for key in (_PENDING, _BEGAN, _LAST_NOTED):
            session.info.pop(key, None)
