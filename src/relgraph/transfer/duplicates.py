"""Possible duplicates of imported organisations: the ones createOrganisation lists too.

An organisation in the database with the same KvK number or the same name (ignoring case
and accents) as a row of the file. Reported, not refused, as the API reports them; the
import may skip those rows instead (`--skip-duplicates`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import rows_in
from relgraph.db.models import Organisation
from relgraph.text import fold
from relgraph.transfer.rows import Row

__all__ = ["PossibleDuplicate", "possible_duplicates"]

_orgs = Organisation.__table__
# As many as createOrganisation lists (graphql/core/list_bounds.py, DUPLICATES_SHOWN).
DUPLICATES_SHOWN = 10


@dataclass(frozen=True)
class PossibleDuplicate:
    """An organisation of the database that a row of the file may be again."""

    id: int
    name: str
    same: str  # what they share, in words: 'KvK number 12345678', 'name'


async def possible_duplicates(
    session: AsyncSession, rows: Sequence[Row]
) -> list[tuple[Row, list[PossibleDuplicate]]]:
    """The rows (of organisations) with possible duplicates in the database, each with the first
    DUPLICATES_SHOWN of them by name, as createOrganisation lists them."""
    folded = [fold(r.values.get("name")) for r in rows]
    names = {name for row, name in zip(rows, folded, strict=True) if row.values.get("name")}
    kvk_numbers = {r.values["kvk_number"] for r in rows if r.values.get("kvk_number")}
    columns = select(_orgs.c.id, _orgs.c.name, _orgs.c.name_key, _orgs.c.kvk_number)
    found = {
        r.id: r
        for r in [
            *await rows_in(session, columns, _orgs.c.name_key, names),
            *await rows_in(session, columns, _orgs.c.kvk_number, kvk_numbers),
        ]
    }
    by_name: dict[str, list[int]] = {}
    by_kvk: dict[str, list[int]] = {}
    for org in found.values():
        by_name.setdefault(org.name_key, []).append(org.id)
        if org.kvk_number:
            by_kvk.setdefault(org.kvk_number, []).append(org.id)
    reported = []
    for row, name in zip(rows, folded, strict=True):
        kvk = row.values.get("kvk_number")
        same_kvk = set(by_kvk.get(kvk, ())) if kvk else set()
        same_name = set(by_name.get(name, ()))
        ids = sorted(same_kvk | same_name, key=lambda i: (found[i].name_key, i))[:DUPLICATES_SHOWN]
        if ids:
            duplicates = [
                PossibleDuplicate(i, found[i].name, f"KvK number {kvk}" if i in same_kvk else "name")
                for i in ids
            ]
            reported.append((row, duplicates))
    return reported
