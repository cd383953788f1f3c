"""The `relgraph` command: serve, migrate, seed demo data, manage users and tokens."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress

from relgraph.config import get_settings
from relgraph.errors import DomainError

# Each command imports what it needs inside its function (the engine, the schema, the demo
# data, uvicorn): `relgraph --help` and the small commands start without loading the rest.

__all__ = ["app", "main"]

T = TypeVar("T")


def _typer(help: str) -> typer.Typer:
    # Plain help (Click's): Typer's rich help prints `<bool>` beside every flag, --help
    # included, and reads "[default: ...]" in a help text as markup and drops it.
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


app = typer.Typer(
    help="relgraph: a GraphQL service over a CRM's relationship graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = _typer("Database schema.")
demo_app = _typer("Demo data.")
users_app = _typer("Staff accounts.")
tokens_app = _typer("API tokens.")
documents_app = _typer("Stored document files.")
operations_app = _typer("Trusted operations: the GraphQL documents registered by hash.")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(documents_app, name="documents")
app.add_typer(operations_app, name="operations")

# soft_wrap: a message is one line however narrow the terminal (scripts parse them).
err = Console(stderr=True, soft_wrap=True)

DEMO_USERS = [
    ("admin@demo.test", "Ada Admin", "ADMIN", ["FINANCE", "SENSITIVE"]),
    ("team@demo.test", "Tom Team", "TEAM", []),
    ("business@demo.test", "Bea Business", "BUSINESS", []),
    ("readonly@demo.test", "Rob Readonly", "READONLY", []),
]


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """`number` and the noun in the number it needs: "1 organisation", "2 organisations"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def clean_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn every failure of a command into one clear line and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except DomainError as error:
            _fail("; ".join(e.message for e in error.errors))
        except Exception as error:  # the contract: never a traceback on the terminal
            logging.getLogger("relgraph.cli").debug("command failed", exc_info=True)
            _fail(f"{type(error).__name__}: {_first_line(error)}")
        raise AssertionError("unreachable")

    return wrapper


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or repr(error)
    return text.splitlines()[0]


def _run(coro_fn: Callable[..., Coroutine[Any, Any, T]], *args: Any, **kwargs: Any) -> T:
    return asyncio.run(coro_fn(*args, **kwargs))


async def _in_session(fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """Run `fn(session, ...)` in one committed transaction on the configured database."""
    from relgraph.db.engine import create_engine, make_sessionmaker

    engine = create_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await fn(session, *args, **kwargs)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _upgrade() -> None:
    from relgraph.db.migrate import upgrade

    upgrade(get_settings().database_url)


@db_app.command("upgrade")
@clean_errors
def db_upgrade() -> None:
    """Apply all database migrations."""
    _upgrade()
    err.print("database is up to date")


async def _refused_values(session: Any) -> list[Any]:
    from relgraph.domain.stored_values import refused_values

    return [found async for found in refused_values(session)]


@db_app.command("check")
@clean_errors
def db_check() -> None:
    """List the stored identifiers (VAT numbers, BSNs, IBANs, BICs, postcodes, e-mail
    addresses) that today's rules refuse, with a count; exit status 1 when there are any."""
    found = _run(_in_session, _refused_values)
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
        _fail(str(error))
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
        _fail(str(error))
    err.print(
        f"restored the backup of {summary.created_at} (migration {summary.revision}) and "
        f"{summary.documents} document file(s)",
        highlight=False,
    )
    if summary.revision != head_revision():
        err.print("the backup predates this version's migrations: run `relgraph db upgrade` (serve does it)")


async def _seed(session: Any, organisations: int, persons: int, staff: int, seed: int) -> Any:
    from relgraph import demo

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("seeding demo data", total=None)

        def report(label: str, done: int) -> None:
            progress.update(task, description=f"seeding {label}", completed=done)

        return await demo.seed(
            session, organisations=organisations, persons=persons, staff=staff, seed=seed, progress=report
        )


class DemoScale(enum.StrEnum):
    DEMO = "demo"
    LARGE = "large"


async def _seed_large(seed: int, factor: float) -> None:
    """Bulk-load the large dataset into the configured (empty, migrated) database."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from relgraph.db.engine import create_engine
    from relgraph.demo.bulk_load import seed_large
    from relgraph.demo.large import Counts

    c = Counts.at(factor)
    total = 3 * c.organisations + 2 * c.persons + c.memberships + c.relations + c.internal_relations
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    engine = create_engine(get_settings().database_url)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            # Tags are extra rows the total does not know in advance; they count as they come.
            task = progress.add_task("loading", total=total)

            def report(table: str, rows: int) -> None:
                progress.update(
                    task, description=f"loading {table}", advance=rows if table != "membership_tags" else 0
                )

            summary = await seed_large(engine, seed=seed, factor=factor, progress=report)
    finally:
        await engine.dispose()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    err.print(
        f"loaded {summary.organisations} organisations, {summary.persons} persons, {summary.memberships} memberships "
        f"({summary.tags} tags), {summary.relations} relations, {summary.internal_relations} internal relations: "
        f"{summary.rows} rows in {seconds:.1f} s ({summary.rows / seconds:,.0f} rows/s; this process used "
        f"{cpu:.1f} s of CPU)"
    )


@demo_app.command("seed")
@clean_errors
def demo_seed(
    organisations: Annotated[int, typer.Option(min=1, max=1_000_000, help="Organisations to create.")] = 150,
    persons: Annotated[int, typer.Option(min=1, max=5_000_000, help="Persons to create.")] = 500,
    staff: Annotated[
        int, typer.Option(min=0, max=1000, help="Staff users (account managers) to create.")
    ] = 8,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
    scale: Annotated[
        DemoScale,
        typer.Option(help="demo: the options above; large: 100,000 organisations, 500,000 persons, ..."),
    ] = DemoScale.DEMO,
    scale_factor: Annotated[float, typer.Option(hidden=True, min=0.0001, max=10)] = 1.0,
) -> None:
    """Add realistic Dutch demo data (organisations, groups, persons, memberships)."""
    # As serve does: a new database gets its tables first.
    _upgrade()
    if scale is DemoScale.LARGE:
        _run(_seed_large, seed, scale_factor)
        return
    _report_seeded(_run(_in_session, _seed, organisations, persons, staff, seed))


def _report_seeded(summary: Any) -> None:
    err.print(
        f"seeded {counted(summary.organisations, 'organisation')}, {counted(summary.persons, 'person')}, "
        f"{counted(summary.memberships, 'membership')}, {counted(summary.relations, 'relation')}, "
        f"{counted(summary.internal_relations, 'internal relation')}, "
        f"{counted(summary.contact_means, 'contact mean')}, {counted(summary.bank_accounts, 'bank account')}, "
        f"{counted(summary.group_links, 'customer group member')}, {counted(summary.staff, 'staff user')}",
        highlight=False,
    )


@users_app.command("create")
@clean_errors
def users_create(
    email: Annotated[str, typer.Option(help="Login email (unique).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[str, typer.Option(help="ADMIN, TEAM, BUSINESS or READONLY.")],
    permission: Annotated[
        list[str] | None, typer.Option(help="FINANCE or SENSITIVE; repeat for both.")
    ] = None,
) -> None:
    """Create a staff account."""
    from relgraph.domain import users

    user = _run(_in_session, users.create, email=email, name=name, role=role, permissions=permission or [])
    err.print(f"created user {user.email} ({user.role})")


@tokens_app.command("create")
@clean_errors
def tokens_create(email: Annotated[str, typer.Option(help="The user's email.")]) -> None:
    """Create an API token and print it (only here, only once)."""
    from relgraph.domain import users

    token = _run(_in_session, users.create_token, email=email)
    typer.echo(token)


@tokens_app.command("revoke")
@clean_errors
def tokens_revoke(email: Annotated[str, typer.Option(help="The user's email.")]) -> None:
    """Revoke every token of a user, effective at once."""
    from relgraph.domain import users

    count = _run(_in_session, users.revoke_tokens, email=email)
    err.print(f"revoked {counted(count, 'token')} of {email}", highlight=False)


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
    orphans, stale = _run(_in_session, _cleanup, older_than_minutes, dry_run)
    verb = "would remove" if dry_run else "removed"
    err.print(
        f"{verb} {counted(orphans, 'unreferenced file')} and {counted(stale, 'unfinished upload')}",
        highlight=False,
    )


@app.command("export-schema")
@clean_errors
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from relgraph.graphql.schema import schema_sdl

    sys.stdout.write(schema_sdl())


def _checked_documents(files: list[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """{hash: text} and {hash: operation names} of the files; each document must validate."""
    from graphql import GraphQLError, OperationDefinitionNode, parse, validate

    from relgraph.domain import operations
    from relgraph.graphql.schema import build_schema

    found = operations.documents_in(files)
    schema = build_schema()._schema
    names = {}
    for digest, text in found.items():
        try:
            errors = validate(schema, document := parse(text))
        except GraphQLError as error:
            errors = [error]
        if errors:
            raise ValueError(f"the document {digest[:12]}... does not validate: {errors[0].message}")
        names[digest] = " ".join(
            d.name.value if d.name else "(anonymous)"
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        )
    return found, names


@operations_app.command("register")
@clean_errors
def operations_register(
    files: Annotated[
        list[Path],
        typer.Argument(
            help=".graphql files (one document each, hashed as written) or JSON manifests of "
            "persisted documents ({hash: text} as Relay and GraphQL Code Generator write, or "
            "Apollo's persisted query manifest)."
        ),
    ],
) -> None:
    """Register operations by their SHA-256; prints each hash and its operation names."""
    from relgraph.domain import operations

    found, names = _checked_documents(files)
    registered = _run(_in_session, operations.register, documents=found, names=names)
    for digest in sorted(found):
        typer.echo(f"{digest}  {names[digest]}")
    known = f" ({len(registered.known)} already registered)" if registered.known else ""
    err.print(f"registered {counted(len(registered.added), 'operation')}{known}", highlight=False)


@operations_app.command("list")
@clean_errors
def operations_list() -> None:
    """List the registered operations: hash, registration time and operation names."""
    from relgraph.domain import operations

    for row in _run(_in_session, operations.list_all):
        typer.echo(f"{row.sha256}  {row.created_at:%Y-%m-%d %H:%M}  {row.names}")


@operations_app.command("remove")
@clean_errors
def operations_remove(
    hashes: Annotated[list[str], typer.Argument(help="Hashes, or their first 8 or more hex digits.")],
) -> None:
    """Unregister operations (each worker forgets them within a minute)."""
    from relgraph.domain import operations

    removed = _run(_in_session, operations.remove, hashes=hashes)
    err.print(f"removed {counted(removed, 'operation')}", highlight=False)


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
        result = _run(
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
        _fail(
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
            count = _run(transfer.export_to, get_settings().database_url, kind.value, out, progress=report)
            out.flush()
    except BrokenPipeError:
        # The reader stopped early (`relgraph export ... | head`): what it read is what it
        # wanted, which is no failure. Standard output goes to /dev/null, so that Python's
        # last flush at exit does not fail on the closed pipe too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    err.print(f"exported {counted(count, *_NOUNS[kind])}" + (f" to {file}" if file else ""), highlight=False)


async def _prepare_demo(session: Any) -> tuple[Any, dict[str, str]] | None:
    """Seed an empty database and create the demo users; return what was seeded and their tokens."""
    from relgraph import demo
    from relgraph.domain import users

    if not await demo.is_empty(session):
        return None
    for email, name, role, permissions in DEMO_USERS:
        if await users.get_by_email(session, email=email) is None:
            await users.create(session, email=email, name=name, role=role, permissions=permissions)
    summary = await _seed(session, 150, 500, 8, 42)
    return summary, {email: await users.create_token(session, email=email) for email, *_ in DEMO_USERS}


@contextlib.contextmanager
def _metrics_files(enabled: bool) -> Iterator[None]:
    """With metrics on, a fresh folder where every worker writes its values (prometheus-client's
    multiprocess mode); set before anything imports prometheus_client, which reads it then."""
    if not enabled:
        yield
        return
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="relgraph-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@app.command("serve")
@clean_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Seed demo data and users into an empty database.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers",
            help="Behind a reverse proxy: take the client's address and scheme from X-Forwarded-For "
            "and X-Forwarded-Proto, when the connection comes from --forwarded-allow-ips.",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="With --proxy-headers: the proxies trusted, comma-separated addresses or networks "
            "('*' trusts any: only when nothing else can reach the port)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Run the service (migrating the embedded SQLite database first)."""
    settings = get_settings()
    if settings.is_sqlite or demo:
        _upgrade()
    if demo:
        # A demo is for exploring: no rate limit, unless one is set explicitly. Through the
        # environment, since each uvicorn worker builds its app from it.
        os.environ.setdefault("RELGRAPH_RATE_LIMIT_PER_MINUTE", "0")
        prepared = _run(_in_session, _prepare_demo)
        if prepared is None:
            err.print(
                "database already has data: not seeding again (create tokens with `relgraph tokens create`)"
            )
        else:
            summary, tokens = prepared
            _report_seeded(summary)
            err.print("demo users and their API tokens (shown once):")
            for email, token in tokens.items():
                err.print(f"  {email:<22} {token}", highlight=False)
    base = f"http://{host}:{port}"
    err.print(
        f"GraphiQL: {base}/graphql   network view: {base}/explore   "
        f"health: {base}/healthz   readiness: {base}/readyz"
    )
    with _metrics_files(settings.metrics_enabled):
        from relgraph import serving

        serving.run(
            settings,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=proxy_headers,
            forwarded_allow_ips=forwarded_allow_ips,
        )


def main() -> None:
    app()
