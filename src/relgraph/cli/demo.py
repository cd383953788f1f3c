"""`relgraph demo seed`, and the demo data and users `serve --demo` prepares."""

from __future__ import annotations

import enum
import time
from typing import Annotated, Any

import typer
from rich.progress import Progress

from relgraph.cli.common import (
    clean_errors,
    counted,
    err,
    in_session,
    run,
    sub_app,
    upgrade_database,
)
from relgraph.config import get_settings

demo_app = sub_app("demo", "Demo data.")

DEMO_USERS = [
    ("admin@demo.test", "Ada Admin", "ADMIN", ["FINANCE", "SENSITIVE"]),
    ("team@demo.test", "Tom Team", "TEAM", []),
    ("business@demo.test", "Bea Business", "BUSINESS", []),
    ("readonly@demo.test", "Rob Readonly", "READONLY", []),
]


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
    upgrade_database()
    if scale is DemoScale.LARGE:
        run(_seed_large, seed, scale_factor)
        return
    report_seeded(run(in_session, _seed, organisations, persons, staff, seed))


def report_seeded(summary: Any) -> None:
    err.print(
        f"seeded {counted(summary.organisations, 'organisation')}, {counted(summary.persons, 'person')}, "
        f"{counted(summary.memberships, 'membership')}, {counted(summary.relations, 'relation')}, "
        f"{counted(summary.internal_relations, 'internal relation')}, "
        f"{counted(summary.contact_means, 'contact mean')}, {counted(summary.bank_accounts, 'bank account')}, "
        f"{counted(summary.group_links, 'customer group member')}, {counted(summary.staff, 'staff user')}",
        highlight=False,
    )


async def prepare_demo(session: Any) -> tuple[Any, dict[str, str]] | None:
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
