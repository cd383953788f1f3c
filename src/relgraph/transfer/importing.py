"""Import organisations, persons or memberships from a CSV file, all or nothing.

Every row passes the same checks as the API (the domain's clean functions), then the
checks between rows and against the database (free ids and customer numbers, parents,
people and organisations that exist, one active membership per person, organisation and
role). Only when no row fails is anything written, set-based and in one transaction;
with `skip_invalid` the valid rows are written and the others come back as rejects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.transfer.cross_checks import check_rows
from relgraph.transfer.rows import Row, clean_row, read_rows
from relgraph.transfer.writing import Progress, write_rows

__all__ = ["ImportResult", "Progress", "Row", "import_csv", "read_rows"]


@dataclass
class ImportResult:
    kind: str
    header: list[str]
    rows: int
    imported: int
    rejected: list[Row]
    # False when invalid rows stopped the import: nothing was written.
    applied: bool


def _nothing(stage: str, done: int, total: int) -> None:
    return None


async def import_csv(
    session: AsyncSession,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of `path`; write them all when none fails (or the valid ones with
    `skip_invalid`). The caller commits."""
    report = progress or _nothing
    header, rows = read_rows(kind, path)
    for done, row in enumerate(rows, 1):
        clean_row(kind, row)
        if done % 1000 == 0 or done == len(rows):
            report("checking", done, len(rows))
    candidates = [r for r in rows if not r.errors]
    while candidates:
        await check_rows(session, kind, candidates)
        remaining = [r for r in candidates if not r.errors]
        if not skip_invalid or len(remaining) == len(candidates):
            break
        # Check the rest again: they may have leant on a row just rejected (its parent, say).
        candidates = remaining
    rejected = [r for r in rows if r.errors]
    valid = [r for r in rows if not r.errors]
    if rejected and not skip_invalid:
        return ImportResult(kind, header, len(rows), 0, rejected, applied=False)
    if valid:
        await write_rows(session, kind, valid, path.name, report)
    return ImportResult(kind, header, len(rows), len(valid), rejected, applied=True)
