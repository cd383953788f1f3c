"""Benchmark: `relgraph import` speed in rows per second, beside plain SQL and export.

Writes CSV files of realistic organisations (name, numbers, email, phone, website, visit
address, some in groups), persons and memberships, and per backend (a temporary SQLite
file, and PostgreSQL when reachable; it creates and drops its own databases), in rounds:

  plain SQL  what a one-off script without checks would do: csv.DictReader, then
             SQLAlchemy Core executemany into the same tables (contact means, visit
             address and an audit event per object included), no validation, no search
             text, no phone parsing
  import     relgraph's importer (transfer.import_csv): every row checked with the API's
             rules, checks between rows and against the database, search text, one audit
             event per object, all in one transaction; on PostgreSQL its rows go in with
             COPY (db.bulk.copy_records)
  before     the importer as it was before issue 25 sped it up: a frozen copy of it
             (bench/import_before/, with the identifier checks of then), writing its rows
             with one INSERT ... SELECT FROM unnest(arrays) per table and chunk on
             PostgreSQL (db.bulk.insert_rows), an executemany on SQLite

  database   the import's own statements (and COPYs), recorded at the driver and replayed into a
             database in the same state: what the database and its driver cost for what
             the importer writes (and reads), without any of relgraph's Python work; the
             most any importer of these rows could reach here

and a second organisations file without email and phone shows what the phone numbers
cost. The best round counts; wall and CPU time (this process) are both shown, because the
machine is shared, and the ratio to plain SQL measured in the same run.

    .venv/bin/python bench/import.py [--rows 20000] [--repeat 2] [--backend both|sqlite|postgresql]
                                     [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import io
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from import_before import import_csv as import_before_csv
from import_before import old_identifiers  # bench/, beside this script
from import_files import (  # bench/
    write_files,
    write_plain_organisations,
)
from scratch_databases import (  # bench/
    PG_DEFAULT,
    MakeDatabase,
    on_postgres,
    sqlite_databases,
)
from sqlalchemy import Table, event, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from relgraph.db import bulk
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.migrate import upgrade
from relgraph.db.models import (
    Address,
    AuditEvent,
    ContactMean,
    Membership,
    MembershipTag,
    Organisation,
    Party,
    Person,
)
from relgraph.transfer import export_csv, import_csv, writing

_parties, _orgs, _people = Party.__table__, Organisation.__table__, Person.__table__
_m, _tags, _audit = Membership.__table__, MembershipTag.__table__, AuditEvent.__table__
_contacts, _addresses = ContactMean.__table__, Address.__table__


def _records(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _event(kind: str, object_id: int, party_id: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "at": now,
        "actor_id": None,
        "object_type": kind,
        "object_id": object_id,
        "party_id": party_id,
        "action": "CREATE",
        "changes": {},
        "reason": None,
    }


async def baseline(session: AsyncSession, kind: str, path: Path, first_id: int) -> None:
    """The same rows as a one-off script would write them: csv.DictReader, then SQLAlchemy
    Core executemany into the same tables (contact means, address and an empty audit event
    per object included), without checks, search text or phone parsing."""
    records = _records(path)
    now = dt.datetime.now(dt.UTC)
    ids = [int(r["id"]) if r.get("id") else first_id + n for n, r in enumerate(records)]
    if kind == "memberships":
        await session.execute(
            insert(_m),
            [
                {
                    "id": i,
                    "person_id": int(r["person_id"]),
                    "organisation_id": int(r["organisation_id"]),
                    "department": r["department"],
                    "job_title": r["job_title"],
                    "business_email": r["business_email"],
                    "role": r["role"],
                    "active": r["active"] == "true",
                    "start_date": dt.date.fromisoformat(r["start_date"]),
                }
                for i, r in zip(ids, records, strict=True)
            ],
        )
        await session.execute(
            insert(_tags),
            [
                {"membership_id": i, "tag": t}
                for i, r in zip(ids, records, strict=True)
                for t in r["tags"].split("|")
            ],
        )
        await session.execute(
            insert(_audit),
            [
                _event("Membership", i, int(r["organisation_id"]), now)
                for i, r in zip(ids, records, strict=True)
            ],
        )
        return
    party_kind = "ORGANISATION" if kind == "organisations" else "PERSON"
    await session.execute(insert(_parties), [{"id": i, "kind": party_kind} for i in ids])
    if kind == "organisations":
        await session.execute(
            insert(_orgs),
            [
                {
                    "id": i,
                    "name": r["name"],
                    "code": r["code"],
                    "kvk_number": r["kvk_number"],
                    "vat_number": r.get("vat_number") or None,
                    "industry": r["industry"],
                    "website": r["website"],
                    "status": r.get("status") or "ACTIVE",
                    "checked": r.get("checked") == "true",
                    "parent_id": int(r["parent_id"]) if r.get("parent_id") else None,
                    "name_key": r["name"].lower(),
                    "search_text": r["name"].lower(),
                }
                for i, r in zip(ids, records, strict=True)
            ],
        )
        await session.execute(
            insert(_addresses),
            [
                {
                    "party_id": i,
                    "kind": "VISIT",
                    "street": r["street"],
                    "house_number": r["house_number"],
                    "postcode": r["postcode"],
                    "city": r["city"],
                    "city_key": r["city"].lower(),
                    "country": r.get("country") or "NL",
                    "is_head_office": True,
                }
                for i, r in zip(ids, records, strict=True)
            ],
        )
    else:
        await session.execute(
            insert(_people),
            [
                {
                    "id": i,
                    "gender": r["gender"],
                    "initials": r["initials"],
                    "first_name": r["first_name"],
                    "infix": r["infix"] or None,
                    "last_name": r["last_name"],
                    "birth_date": dt.date.fromisoformat(r["birth_date"]),
                    "sort_key": r["last_name"].lower(),
                    "search_text": r["last_name"].lower(),
                }
                for i, r in zip(ids, records, strict=True)
            ],
        )
    contacts = [
        {"party_id": i, "kind": contact_kind, "value": r[column], "is_primary": True}
        for i, r in zip(ids, records, strict=True)
        for column, contact_kind in (("email", "EMAIL"), ("phone", "PHONE"))
        if r.get(column)
    ]
    if contacts:
        await session.execute(insert(_contacts), contacts)
    object_type = "Organisation" if kind == "organisations" else "Person"
    await session.execute(insert(_audit), [_event(object_type, i, i, now) for i in ids])


async def _timed(engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[Any]]) -> tuple[float, float]:
    async with make_sessionmaker(engine)() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        started, cpu = time.perf_counter(), time.process_time()
        await work(session)
        await session.commit()
        return time.perf_counter() - started, time.process_time() - cpu


async def _imported(session: AsyncSession, kind: str, path: Path) -> None:
    result = await import_csv(session, kind, path)
    assert result.applied and not result.rejected, [(r.line, r.errors) for r in result.rejected[:3]]


async def _imported_before(session: AsyncSession, kind: str, path: Path) -> None:
    with old_identifiers():
        result = await import_before_csv(session, kind, path)
    assert result.applied and not result.rejected, [(r.line, r.errors) for r in result.rejected[:3]]


# A statement as the driver got it, or (None, (table, columns, records)) for a COPY.
Statements = list[tuple[str | None, Any]]
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")
RecordWriter = Callable[..., Awaitable[None]]


@contextlib.contextmanager
def _records_written_by(writer: RecordWriter) -> Iterator[None]:
    """The importer writes its table rows with `writer` for the block."""
    kept = writing.copy_records
    writing.copy_records = writer  # type: ignore[assignment]
    try:
        yield
    finally:
        writing.copy_records = kept  # type: ignore[assignment]


def _recording(engine: AsyncEngine, into: Statements) -> Callable[[], None]:
    """Record every statement `engine` sends from now on as its driver gets it (SQL and
    parameters after conversion), and the importer's COPYs; return what stops the recording."""

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not statement.startswith(_CONTROL):
            into.append((statement, parameters))

    async def copied(
        session: AsyncSession,
        table: Table,
        columns: Sequence[str],
        records: Sequence[tuple[Any, ...]],
        **options: Any,
    ) -> None:
        if session.get_bind().dialect.name == "postgresql":  # (on SQLite the INSERTs are recorded)
            into.append((None, (table, columns, records, options)))
        await bulk.copy_records(session, table, columns, records, **options)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    swap = _records_written_by(copied)
    swap.__enter__()

    def stop() -> None:
        swap.__exit__(None, None, None)
        event.remove(engine.sync_engine, "before_cursor_execute", record)

    return stop


async def _replayed(session: AsyncSession, statements: Statements) -> None:
    connection = await session.connection()
    for statement, parameters in statements:
        if statement is None:
            table, columns, records, options = parameters
            await bulk.copy_records(session, table, columns, records, **options)
        else:
            await connection.exec_driver_sql(statement, parameters)


async def run(label: str, make_db: MakeDatabase, paths: dict[str, Path], rows: int, repeat: int) -> None:
    """Import each file into a fresh database and write the same rows the plain way into
    another, `repeat` rounds; print the best of each with its ratio to the plain way."""
    steps = [("organisations", "organisations"), ("persons", "persons"), ("memberships", "memberships")]
    steps.append(("organisations", "plain"))  # no email or phone: what phone numbers cost
    names = {"plain": "organisations, no email/phone"}
    best: dict[tuple[str, str], list[float]] = {}
    ways = ("baseline", "before", "import", "database")
    exported: dict[str, tuple[float, int]] = {}
    recorded: dict[str, Statements] = {}
    template = await make_db("template")
    await asyncio.to_thread(upgrade, template)
    first_id = 3 * rows + 1  # the plain way's ids: after the ids of the other files
    for attempt in range(repeat):
        for way in ways:
            url = await make_db(f"{way} {attempt}", template)
            engine = create_engine(url)
            try:
                for kind, file in steps:
                    path = paths[file]
                    if way == "baseline":

                        async def work(session: AsyncSession, kind: str = kind, path: Path = path) -> None:
                            await baseline(session, kind, path, first_id)
                    elif way == "import":

                        async def work(session: AsyncSession, kind: str = kind, path: Path = path) -> None:
                            await _imported(session, kind, path)
                    elif way == "before":

                        async def work(session: AsyncSession, kind: str = kind, path: Path = path) -> None:
                            await _imported_before(session, kind, path)
                    else:

                        async def work(session: AsyncSession, file: str = file) -> None:
                            await _replayed(session, recorded[file])

                    statements: Statements = []
                    stop = _recording(engine, statements) if way == "import" else lambda: None
                    try:
                        wall, cpu = await _timed(engine, work)
                    finally:
                        stop()
                    if way == "import":
                        recorded[file] = statements
                    found = best.setdefault((way, file), [float("inf"), float("inf")])
                    found[0], found[1] = min(found[0], wall), min(found[1], cpu)
                if way == "import" and attempt == repeat - 1:
                    for kind in ("organisations", "persons", "memberships"):
                        async with make_sessionmaker(engine)() as session:
                            started = time.perf_counter()
                            count = await export_csv(session, kind, io.StringIO())
                            exported[kind] = (time.perf_counter() - started, count)
            finally:
                await engine.dispose()
    print(
        f"{label}: {rows:,} rows per file, best of {repeat} "
        "(CPU: this process; for PostgreSQL without the server)"
    )
    print(
        f"  {'':<40} {'wall':>7} {'rows/s':>9}   {'CPU':>6} {'rows/s':>9}   "
        f"{'x plain SQL (wall, CPU)':>24}   {'x database (wall)':>17}"
    )
    titles = (
        ("baseline", "plain SQL "),
        ("database", "database  "),
        ("before", "before    "),
        ("import", "import    "),
    )
    for _, file in steps:
        name = names.get(file, file)
        for way, title in titles:
            if (way, file) not in best:
                continue
            wall, cpu = best[(way, file)]
            ratio = ""
            if way != "baseline":
                base_wall, base_cpu = best[("baseline", file)]
                ratio = f"{wall / base_wall:10.2f}x {cpu / base_cpu:8.2f}x"
            if way == "import":
                ratio += f"   {wall / best[('database', file)][0]:15.2f}x"
                if ("before", file) in best:
                    ratio += f"   {best[('before', file)][0] / wall:5.2f}x the before rows/s"
            print(
                f"  {title + ' ' + name:<40} {wall:6.2f}s {rows / wall:9,.0f}   {cpu:5.2f}s {rows / cpu:9,.0f}   {ratio}"
            )
    for kind in ("organisations", "persons", "memberships"):
        elapsed, count = exported[kind]
        print(f"  {'export     ' + kind:<40} {elapsed:6.2f}s {count / elapsed:9,.0f}")


async def run_postgres(url: str, paths: dict[str, Path], rows: int, repeat: int) -> None:
    await on_postgres(url, "relgraph_bench_import", lambda make: run("PostgreSQL", make, paths, rows, repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2, help="rounds; the best of each measurement counts")
    parser.add_argument("--pg", default=PG_DEFAULT)
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(Path(folder), args.rows)
        paths["plain"] = write_plain_organisations(Path(folder), args.rows)
        if args.backend in ("both", "sqlite"):
            asyncio.run(run("SQLite", sqlite_databases(Path(folder)), paths, args.rows, args.repeat))
        if args.backend in ("both", "postgresql"):
            asyncio.run(run_postgres(args.pg, paths, args.rows, args.repeat))


if __name__ == "__main__":
    main()
