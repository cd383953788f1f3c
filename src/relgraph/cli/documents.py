"""`relgraph documents cleanup`: stored files no document refers to."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from relgraph.cli.common import (
    clean_errors,
    counted,
    err,
    in_session,
    run,
    sub_app,
)
from relgraph.config import get_settings

documents_app = sub_app("documents", "Stored document files.")


async def _cleanup(session: Any, older_than_minutes: int, dry_run: bool) -> tuple[int, int]:
    from relgraph.domain import documents
    from relgraph.storage import DocumentStore

    settings = get_settings()
    store = DocumentStore(settings.document_root, settings.max_document_bytes)
    seconds = older_than_minutes * 60
    referenced = await documents.referenced_hashes(session)
    orphans = store.orphans(referenced, older_than_seconds=seconds)
    # What an earlier cleanup withdrew and did not finish with (it was killed): removed or
    # put back now, by the same checks.
    leftovers = store.withdrawn()
    stale = store.stale_uploads(older_than_seconds=seconds)
    if dry_run:
        return len(orphans) + sum(sha not in referenced for sha in leftovers), len(stale)
    removed = await documents.remove_unreferenced(
        session, store, [*orphans, *leftovers], untouched_since=time.time() - seconds
    )
    for path in stale:
        path.unlink(missing_ok=True)
    return removed, len(stale)


@documents_app.command("cleanup")
@clean_errors
def documents_cleanup(
    older_than_minutes: Annotated[
        int, typer.Option(min=1, help="Leave files younger than this alone: they may be uploads in flight.")
    ] = 60,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be removed.")] = False,
) -> None:
    """Remove stored files no document refers to (deleted documents, refused uploads)."""
    orphans, stale = run(in_session, _cleanup, older_than_minutes, dry_run)
    verb = "would remove" if dry_run else "removed"
    err.print(
        f"{verb} {counted(orphans, 'unreferenced file')} and {counted(stale, 'unfinished upload')}",
        highlight=False,
    )
