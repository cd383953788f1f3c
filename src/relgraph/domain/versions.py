"""Optimistic concurrency: a change names the version it was based on, or loses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from relgraph.errors import Conflict, NotFound
from relgraph.policy import Viewer, party_visible

__all__ = [
    "check_version",
    "flush",
    "load_of_visible_party",
    "lost_race",
    "stamp",
    "stamped",
    "stamped_since",
]

# PostgreSQL gave the transaction up for another's sake (a deadlock victim, a serialization
# failure), or SQLite's write lock stayed taken past the busy timeout: the caller lost a race
# and may simply try again.
_LOST_RACE = frozenset({"40P01", "40001", "SQLITE_BUSY", "SQLITE_LOCKED"})


def check_version(row: Any, expected: int | None, noun: str) -> None:
    """CONFLICT when the caller based its change on another version than the current one."""
    if expected is not None and row.version != expected:
        raise Conflict(
            "expectedVersion", f"This {noun} is at version {row.version}, not {expected}; reload it."
        )


def created(actor: Viewer | None) -> dict[str, Any]:
    """The audit columns of a new row made by `actor` (None: by the system): created and
    last changed now, by it."""
    now = dt.datetime.now(dt.UTC)
    by = actor.id if actor else None
    return {"created_at": now, "updated_at": now, "created_by_id": by, "updated_by_id": by}


def stamp(row: Any, actor: Viewer) -> None:
    """Record who changed `row`, and when."""
    row.updated_at = dt.datetime.now(dt.UTC)
    row.updated_by_id = actor.id


def stamped(table: Any, actor: Viewer, now: dt.datetime) -> dict[str, Any]:
    """What a set-based change sets on each row it changes: the next version (the ORM counts
    it for one row), and who changed it when (`stamp`)."""
    return {"version": table.c.version + 1, "updated_at": now, "updated_by_id": actor.id}


def stamped_since(
    model: Any, *, created_since: dt.datetime | None, updated_since: dt.datetime | None
) -> list[Any]:
    """SQL: rows of `model` (a Stamped one) created, or last changed, at or after these times."""
    conditions = []
    if created_since is not None:
        conditions.append(model.created_at >= created_since)
    if updated_since is not None:
        conditions.append(model.updated_at >= updated_since)
    return conditions


async def flush(session: AsyncSession, noun: str, *, unique: tuple[str, str] | None = None) -> None:
    """Flush the unit of work, turning lost races into CONFLICT.

    A concurrent update of the same row shows as a stale version (the ORM's version
    check); a concurrent insert of the same key as an IntegrityError, reported at
    `unique` = (field, message) when the caller expects one.
    """
    try:
        await session.flush()
    except StaleDataError:
        raise Conflict("expectedVersion", f"Someone else changed this {noun}; reload it.") from None
    except IntegrityError:
        if unique is None:
            raise
        raise Conflict(*unique) from None


def lost_race(error: DBAPIError) -> str | None:
    """The database's code for `error` when it says the transaction lost a race (nothing
    was changed; trying again may work), else None."""
    orig = getattr(error, "orig", None)
    code = (
        getattr(orig, "sqlstate", None)
        or getattr(orig, "pgcode", None)
        or getattr(orig, "sqlite_errorname", None)
    )
    return code if code in _LOST_RACE else None


async def load_of_visible_party(
    session: AsyncSession, model: Any, *, viewer: Viewer, id: int, expected_version: int | None, noun: str
) -> Any:
    """Fetch row `id` of `model` (which has a party_id) to change it.

    NOT_FOUND when its party is hidden from `viewer` (R1); CONFLICT when the caller saw
    another version.
    """
    row = await session.scalar(
        select(model)
        .where(model.id == id, party_visible(viewer, model.party_id))
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("id", f"No {noun} with this id.")
    check_version(row, expected_version, noun)
    return row
