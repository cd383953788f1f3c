"""Import organisations, persons or memberships from a CSV file, all or nothing.

Every row passes the same checks as the API (the domain's clean functions), then the
checks between rows and against the database (free ids and customer numbers, parents,
people and organisations that exist, one active membership per person, organisation and
role). Only when no row fails is anything written, set-based and in one transaction;
with `skip_invalid` the valid rows are written and the others come back as rejects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from import_before.cross_checks import check_rows
from import_before.duplicates import PossibleDuplicate, possible_duplicates
from import_before.rows import Row, clean_row, read_rows
from import_before.writing import Progress, write_rows

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
    # Organisations of the file that may be in the database already, each with those it
    # may be; imported, unless the import skipped them (`skipped_duplicates`).
    duplicates: list[tuple[Row, list[PossibleDuplicate]]] = field(default_factory=list)
    skipped_duplicates: bool = False


def _nothing(stage: str, done: int, total: int) -> None:
    return None


async def import_csv(
    session: AsyncSession,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    skip_duplicates: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of `path`; write them all when none fails (or the valid ones with
    `skip_invalid`), but for possible duplicates of organisations with `skip_duplicates`.
    The caller commits."""
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
    duplicates = await possible_duplicates(session, valid) if kind == "organisations" else []
    if skip_duplicates and duplicates:
        # Those rows go; so do the rows that lean on one of them (a subsidiary), by the checks.
        skipped = {id(row) for row, _ in duplicates}
        valid = [r for r in valid if id(r) not in skipped]
        await check_rows(session, kind, valid)
        rejected += [r for r in valid if r.errors]
        valid = [r for r in valid if not r.errors]
        if rejected and not skip_invalid:
            return ImportResult(kind, header, len(rows), 0, rejected, False, duplicates, True)
    if valid:
        await write_rows(session, kind, valid, path.name, report)
    return ImportResult(kind, header, len(rows), len(valid), rejected, True, duplicates, skip_duplicates)
