"""Places in the unique indexes of memberships and relations, and the lapsed links that give
them up.

"One active membership per person, organisation and role" and "one active relation of a
type per pair" are partial unique indexes over the rows whose `active` flag is set (not
ended by hand). An index cannot read today's date, so a link whose end date has passed
keeps its flag and its place until a write wants the place: the write clears the flag of
the lapsed links first. That changes no answer (db/models/in_force.py), so it is not an
audit event; the version moves on, so that a change based on the old state meets a
CONFLICT instead of silently working on a row that has given up its place.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Membership
from relgraph.errors import Conflict

__all__ = ["free_lapsed", "membership_place", "take_membership_place", "take_place"]


def membership_place(person_id: int, organisation_id: int, role: str | None) -> tuple[int, int, str]:
    """The place of an active membership: one per person, organisation and role, where no
    role counts as one role (the unique index compares coalesce(role, ''))."""
    return (person_id, organisation_id, role or "")


async def free_lapsed(session: AsyncSession, model: Any, *where: ColumnElement[bool]) -> int:
    """Clear the flag of the lapsed rows of `model` (Membership or Relation) that match
    `where`; return how many. Core, not ORM: no object in the session is one of them, or
    the caller excluded it."""
    table = model.__table__
    result = await session.execute(
        update(table).where(model.lapsed(), *where).values(active=False, version=table.c.version + 1)
    )
    # An UPDATE's result is a CursorResult; Session.execute is typed for any statement.
    return int(cast("CursorResult[Any]", result).rowcount or 0)


async def take_place(
    session: AsyncSession, model: Any, place: list[ColumnElement[bool]], taken: Conflict
) -> None:
    """Before a row of `model` holds `place` (conditions that name it, the row itself
    excluded) with its flag set: a lapsed holder gives the place up; any other holder is
    `taken`.

    One statement when the place is free. Two writers racing for a lapsed holder's place:
    the second one's update finds it freed already (PostgreSQL re-reads the row it waited
    for; SQLite runs one writer at a time) and reports `taken`; two for a free place meet
    in the unique index, which the caller's flush reports.
    """
    holder = await session.scalar(select(model.id).where(*place, model.active.is_(True)))
    if holder is not None and not await free_lapsed(session, model, model.id == holder):
        raise taken


async def take_membership_place(session: AsyncSession, membership: Membership) -> None:
    """`take_place` for `membership` at its person, organisation and role: a current or
    future holder is a CONFLICT at `role`."""
    role = f" as {membership.role}" if membership.role else ""
    await take_place(
        session,
        Membership,
        [
            Membership.person_id == membership.person_id,
            Membership.organisation_id == membership.organisation_id,
            func.coalesce(Membership.role, "") == (membership.role or ""),
            Membership.id != (membership.id or 0),
        ],
        Conflict("role", f"This person already has an active membership here{role}."),
    )
