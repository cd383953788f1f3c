"""Parties in general: an organisation or a person, found by id with the visibility rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Organisation, Party, PartyKind, Person
from relgraph.errors import InvalidInput, NotFound
from relgraph.policy import Viewer, persons_visible

__all__ = ["changed_since", "get_visible", "kinds_of"]


# Made once: an alias made per query is a reference cycle per request (relgraph/gc_tuning.py).
_STAMPED_PARTY = Party.__table__.alias("stamped_party")


def changed_since(
    party_id: Any, *, created_since: dt.datetime | None, updated_since: dt.datetime | None
) -> list[ColumnElement[bool]]:
    """SQL: the party `party_id` (a column) was created or last changed at or after these
    times (`updatedSince`, `createdSince`); an EXISTS on `parties`, so that a query on an
    organisation's or person's own table keeps to that table."""
    parties = _STAMPED_PARTY
    conditions: list[ColumnElement[bool]] = []
    for column, since in ((parties.c.created_at, created_since), (parties.c.updated_at, updated_since)):
        if since is not None:
            conditions.append(exists(select(parties.c.id).where(parties.c.id == party_id, column >= since)))
    return conditions


def refuse_merged(organisation: Organisation, field: str) -> None:
    """A merged organisation takes no changes: they belong on the one it was merged into.

    Its ID keeps resolving (old links, `mergedInto`), so without this a script holding an
    old ID would quietly add data to an archived shell nobody looks at.
    """
    if organisation.merged_into_id is not None:
        raise InvalidInput.at(
            field, f"{organisation.name} was merged into another organisation; change that one instead."
        )


async def get_visible(
    session: AsyncSession, *, viewer: Viewer, kind: str, id: int, field: str = "partyId"
) -> Organisation | Person:
    """The party `id` of `kind` that `viewer` may see, to change; NOT_FOUND (at `field`) otherwise.

    A deleted person (tombstone) is NOT_FOUND here.
    """
    found: Organisation | Person | None
    if kind == PartyKind.ORGANISATION:
        found = await session.get(Organisation, id)
    else:
        # A tombstone takes no new data: to a change it is gone (reads still show it).
        found = await session.scalar(
            select(Person).where(Person.id == id, persons_visible(viewer), Person.deleted_at.is_(None))
        )
    if found is None:
        raise NotFound(field, f"No {kind.lower()} with this id.")
    if isinstance(found, Organisation):
        refuse_merged(found, field)
    return found


async def kinds_of(session: AsyncSession, ids: Sequence[int]) -> list[str | None]:
    """The kind (ORGANISATION / PERSON) of each party id, aligned with `ids`."""
    rows = await session.execute(
        select(Party.__table__.c.id, Party.__table__.c.kind).where(Party.__table__.c.id.in_(ids))
    )
    found = dict(rows.all())
    return [found.get(i) for i in ids]
