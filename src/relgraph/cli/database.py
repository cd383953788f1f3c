"""`relgraph db`: migrate, check stored values, back up and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from relgraph.cli.common import (
    clean_errors,
    err,
    fail,
    in_session,
    run,
    sub_app,
    upgrade_database,
)
from relgraph.config import get_settings

db_app = sub_app("db", "Database schema.")


@db_app.command("upgrade")
@clean_errors
def db_upgrade() -> None:
    """Apply all database migrations."""
    upgrade_database()
    err.print("database is up to date")


async def _refused_values(session: Any) -> list[Any]:
    from relgraph.domain.stored_values import refused_values

    return [found async for found in refused_values(session)]


@db_app.command("check")
@clean_errors
def db_check() -> None:
    """List the stored identifiers (VAT numbers, BSNs, IBANs, BICs, postcodes, e-mail
    addresses) that today's rules refuse, with a count; exit status 1 when there are any."""
    found = run(in_session, _refused_values)
    for value in found:
        typer.echo(f"{value.table} {value.id} {value.field} {value.value!r}: {value.problem}")
    err.print(f"{len(found)} stored value(s) the current rules refuse")
    if found:
        raise typer.Exit(1)


@db_app.command("backup")
@clean_errors
def db_backup(
    file: Annotated[Path, typer.Argument(help="The archive to write (a .tar.gz), replaced if it exists.")],
) -> None:
    """Copy the live SQLite database and its documents into one archive (PostgreSQL: use pg_dump)."""
    from relgraph import backup

    settings = get_settings()
    try:
        summary = backup.create(settings.database_url, settings.document_root, file)
    except backup.BackupError as error:
        fail(str(error))
    err.print(
        f"backed up the database (migration {summary.revision}, {summary.database_bytes:,} bytes) and "
        f"{summary.documents} document file(s) to {file}",
        highlight=False,
    )


@db_app.command("restore")
@clean_errors
def db_restore(
    file: Annotated[Path, typer.Argument(help="An archive written by `relgraph db backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database and documents folder that hold data.")
    ] = False,
) -> None:
    """Check a backup and make it the SQLite database and documents; stop the service first."""
    from relgraph import backup
    from relgraph.db.migrate import head_revision

    settings = get_settings()
    try:
        summary = backup.restore(file, settings.database_url, settings.document_root, force=force)
    except backup.BackupError as error:
        fail(str(error))
    err.print(
        f"restored the backup of {summary.created_at} (migration {summary.revision}) and "
        f"{summary.documents} document file(s)",
        highlight=False,
    )
    if summary.revision != head_revision():
        err.print("the backup predates this version's migrations: run `relgraph db upgrade` (serve does it)")
