"""`relgraph import` and `relgraph export`: organisations, persons and memberships as CSV."""

from __future__ import annotations

import contextlib
import enum
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from relgraph.cli.common import (
    app,
    clean_errors,
    counted,
    err,
    fail,
    run,
)
from relgraph.config import get_settings


class TransferKind(enum.StrEnum):
    organisations = "organisations"
    persons = "persons"
    memberships = "memberships"


_NOUNS = {
    TransferKind.organisations: ("organisation",),
    TransferKind.persons: ("person",),
    TransferKind.memberships: ("membership",),
}


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("reading", total=None)

        def report(stage: str, done: int, total: int) -> None:
            progress.update(task, description=stage, completed=done, total=total)

        yield report


@app.command("import")
@clean_errors
def import_rows(
    kind: Annotated[TransferKind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="A CSV file in the format `relgraph export` writes.")],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows; the others go to the rejects file.")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Where --skip-invalid puts the rejected rows [default: FILE.rejects.csv]."),
    ] = None,
    skip_duplicates: Annotated[
        bool,
        typer.Option(
            "--skip-duplicates",
            help="Leave out organisations with the KvK number or the name of one in the database.",
        ),
    ] = False,
) -> None:
    """Import organisations, persons or memberships from CSV: every row, or none when one is invalid.

    Comma- or semicolon-separated (as Excel writes in a Dutch locale), UTF-8.
    """
    from relgraph import transfer

    with _progress_bar() as report:
        result = run(
            transfer.import_file,
            get_settings().database_url,
            kind.value,
            file,
            skip_invalid=skip_invalid,
            skip_duplicates=skip_duplicates,
            progress=report,
        )
    for row, duplicates in result.duplicates:
        named = "; ".join(f"organisation {d.id} {d.name!r} (same {d.same})" for d in duplicates)
        verb = "skipped, possible" if result.skipped_duplicates else "possible"
        err.print(f"{file}, line {row.line}: {verb} duplicate of {named}", highlight=False, markup=False)
    for row in result.rejected:
        for column, message in row.errors:
            err.print(f"{file}, line {row.line}, column {column}: {message}", highlight=False, markup=False)
    if not result.applied:
        fail(
            f"{counted(len(result.rejected), 'invalid row')}; nothing was imported "
            "(--skip-invalid imports the others)"
        )
    if result.rejected:
        target = rejects or file.with_suffix(".rejects.csv")
        transfer.write_rejects(result, target)
        err.print(
            f"skipped {counted(len(result.rejected), 'invalid row')}, written to {target}", highlight=False
        )
    noun = _NOUNS[kind]
    message = f"imported {counted(result.imported, *noun)} from {file}"
    if result.duplicates:
        what = counted(len(result.duplicates), "possible duplicate")
        message += (
            f"; skipped {what}"
            if result.skipped_duplicates
            else f", {what} among them (--skip-duplicates leaves them out)"
        )
    err.print(message, highlight=False)


@app.command("export")
@clean_errors
def export_rows(
    kind: Annotated[TransferKind, typer.Argument(help="What to export.")],
    file: Annotated[
        Path | None, typer.Argument(help="The CSV file to write; standard output when left out.")
    ] = None,
) -> None:
    """Export organisations, persons or memberships as CSV, in the format `relgraph import` reads."""
    from relgraph import transfer

    target = file.open("w", newline="", encoding="utf-8") if file else contextlib.nullcontext(sys.stdout)
    try:
        with _progress_bar() as report, target as out:
            count = run(transfer.export_to, get_settings().database_url, kind.value, out, progress=report)
            out.flush()
    except BrokenPipeError:
        # The reader stopped early (`relgraph export ... | head`): what it read is what it
        # wanted, which is no failure. Standard output goes to /dev/null, so that Python's
        # last flush at exit does not fail on the closed pipe too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    err.print(f"exported {counted(count, *_NOUNS[kind])}" + (f" to {file}" if file else ""), highlight=False)
