"""The hierarchy's history in the demo data: a period for every parent link, and a few
reorganisations of the Noorderlicht group in the past, so that `asOf` has something to show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import ParentPeriod
from relgraph.demo.organisations import OrgSpec
from relgraph.domain.organisations import parent_periods

__all__ = ["REORGANISATIONS", "write_parent_periods"]

# (organisation, its parent before, the first day under the parent it has now), by name.
REORGANISATIONS = [
    # Warehousing belonged to the construction arm until logistics took it over.
    ("Noorderlicht Warehousing B.V.", "Noorderlicht Bouw B.V.", dt.date(2024, 7, 1)),
    # Bought in 2023: no parent before.
    ("Noorderlicht Elektrotechniek B.V.", None, dt.date(2023, 3, 1)),
    ("Noorderlicht Renovatie Drenthe B.V.", "Noorderlicht Utiliteitsbouw B.V.", dt.date(2025, 1, 1)),
]


async def write_parent_periods(session: AsyncSession, specs: Sequence[OrgSpec], ids: Sequence[int]) -> None:
    """The periods of the organisations `ids` (planned as `specs`): the reorganisations
    above, then an open period since an unknown day for every other link."""
    by_name = {spec.name: (index, spec) for index, spec in enumerate(specs)}
    rows = []
    for name, before, moved_on in REORGANISATIONS:
        if name not in by_name or (before is not None and before not in by_name):
            continue  # a demo too small to hold them
        index, spec = by_name[name]
        if spec.parent is None:
            continue
        if before is not None:
            rows.append(
                {
                    "organisation_id": ids[index],
                    "parent_id": ids[by_name[before][0]],
                    "valid_from": None,
                    "valid_to": moved_on - dt.timedelta(days=1),
                }
            )
        rows.append(
            {
                "organisation_id": ids[index],
                "parent_id": ids[spec.parent],
                "valid_from": moved_on,
                "valid_to": None,
            }
        )
    if rows:
        await session.execute(insert(ParentPeriod), rows)
    await parent_periods.open_missing(session)
