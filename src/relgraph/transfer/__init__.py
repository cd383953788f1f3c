"""CSV import and export of organisations, persons and memberships (`relgraph import|export`).

`formats` defines the columns (the same both ways), `importing` checks and writes a file
all or nothing, `exporting` writes one. The functions here run them on a database URL in
one transaction each.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.transfer.exporting import export_csv
from relgraph.transfer.formats import COLUMNS, KINDS, to_cell, writer
from relgraph.transfer.importing import ImportResult, Progress, Row, import_csv

__all__ = [
    "COLUMNS",
    "KINDS",
    "ImportResult",
    "Progress",
    "Row",
    "export_csv",
    "export_to",
    "import_csv",
    "import_file",
    "write_rejects",
]


async def import_file(
    database_url: str,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    skip_duplicates: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import `path` into the database at `database_url`, in one transaction."""
    engine = create_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            # SQLite: take the write lock up front, as every writer does (ids are numbered under it).
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            result = await import_csv(
                session,
                kind,
                path,
                skip_invalid=skip_invalid,
                skip_duplicates=skip_duplicates,
                progress=progress,
            )
            if result.applied:
                await session.commit()
            return result
    finally:
        await engine.dispose()


async def export_to(database_url: str, kind: str, out: TextIO, *, progress: Progress | None = None) -> int:
    """Export every `kind` of the database at `database_url` to `out`, from one snapshot."""
    engine = create_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await export_csv(session, kind, out, progress=progress)
    finally:
        await engine.dispose()


def write_rejects(result: ImportResult, path: Path) -> None:
    """The rejected rows as they were, with an `errors` column saying why; importable once fixed."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv_out = writer(handle)
        csv_out.writerow([*result.header, "errors"])
        for row in result.rejected:
            reasons = "; ".join(f"line {row.line}, {column}: {message}" for column, message in row.errors)
            csv_out.writerow(
                [*(to_cell(row.record.get(name, "")) for name in result.header), to_cell(reasons)]
            )
