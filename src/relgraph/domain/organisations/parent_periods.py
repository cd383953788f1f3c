"""The hierarchy's history: each parent link's period, and the links of any day.

`organisations.parent_id` is the hierarchy of today, the one cycle checks and locks guard;
`organisation_parent_periods` keeps every link with the days it held. Every write of a
parent (set_parent, move_subsidiaries and so merges, the CSV import, the demo data) goes
through `record` here, in the same transaction, so that the open periods are always the
links of today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from relgraph.db.bulk import one_of
from relgraph.db.models import Organisation, ParentPeriod
from relgraph.db.models.in_force import in_force_on

__all__ = ["is_today", "links_on", "open_missing", "opened", "record"]

_orgs = Organisation.__table__
_periods = ParentPeriod.__table__


def is_today(day: Any) -> bool:
    """True when `day` asks for the hierarchy of today (None, or today's date; a SQL
    expression of a day, known when the statement runs, is another day)."""
    return day is None or (isinstance(day, dt.date) and day == dt.date.today())


def links_on(day: Any) -> Any:
    """A selectable of the parent links on `day` (None: today; or a SQL expression of a
    day, as in_force_on takes), columns (id, parent_id, archived).

    Today it is the organisations table itself (its parent_id is indexed and is what the
    cycle checks guard); another day, the periods in force on it, with the
    organisation's archived flag beside them.
    """
    if is_today(day):
        return _orgs
    return (
        select(
            _periods.c.organisation_id.label("id"),
            _periods.c.parent_id.label("parent_id"),
            _orgs.c.archived.label("archived"),
        )
        .join(_orgs, _orgs.c.id == _periods.c.organisation_id)
        .where(in_force_on(_periods, day))
        .subquery("links_on")
    )


def opened(moves: Mapping[int, int | None], day: dt.date | None) -> list[dict[str, Any]]:
    """The rows of the periods that `moves` (organisation id -> new parent) open on `day`
    (None: since a day nobody knows)."""
    return [
        {"organisation_id": org, "parent_id": parent, "valid_from": day, "valid_to": None}
        for org, parent in moves.items()
        if parent is not None
    ]


async def record(
    session: AsyncSession, moves: Mapping[int, int | None], today: dt.date | None = None
) -> None:
    """Close the open period of each organisation in `moves` and open one under its new parent.

    A day has one parent, the last one set that day: the old period ends yesterday, and
    one that began today gives way altogether.
    """
    if not moves:
        return
    today = today or dt.date.today()
    ids: Sequence[int] = sorted(moves)
    mine = one_of(session, _periods.c.organisation_id, ids)
    open_ = _periods.c.valid_to.is_(None)
    await session.execute(delete(_periods).where(mine, open_, _periods.c.valid_from >= today))
    await session.execute(update(_periods).where(mine, open_).values(valid_to=today - dt.timedelta(days=1)))
    rows = opened(moves, today)
    if rows:
        await session.execute(insert(_periods), rows)


async def open_missing(session: AsyncSession | AsyncConnection) -> None:
    """Open a period without a start for each parent link of today that has no open period:
    links written in bulk (demo data, the large dataset), since an unknown day."""
    has_open = (
        select(_periods.c.id)
        .where(_periods.c.organisation_id == _orgs.c.id, _periods.c.valid_to.is_(None))
        .exists()
    )
    await session.execute(
        insert(_periods).from_select(
            ["organisation_id", "parent_id"],
            select(_orgs.c.id, _orgs.c.parent_id).where(_orgs.c.parent_id.is_not(None), ~has_open),
        )
    )
