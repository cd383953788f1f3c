"""Load the large demo dataset in bulk: executemany on SQLite, COPY on PostgreSQL.

    from relgraph.demo.bulk_load import seed_large
    summary = await seed_large(engine, seed=42, factor=1.0, progress=report)

The rows bypass the ORM (no identity map, no per-row events): ids are assigned by the
planner, above every id the tables ever gave, and the sequences are moved past them
afterwards on PostgreSQL. The database must hold no parties yet.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnDefault, Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from relgraph.db.engine import make_sessionmaker
from relgraph.db.ids import highest_id_ever, sequence_past_rows
from relgraph.db.models import (
    Address,
    InternalRelation,
    Membership,
    MembershipTag,
    Organisation,
    Party,
    Person,
    Relation,
)
from relgraph.db.search import rebuild_search_index, suspend_search_index
from relgraph.demo.base import stream
from relgraph.demo.bulk_indexes import drop_indexes, recreate_indexes
from relgraph.demo.domain_data import (
    ensure_categories,
    ensure_party_types,
    ensure_relation_types,
)
from relgraph.demo.large import (
    Counts,
    organisation_rows,
    plan_organisations,
    plan_persons,
)
from relgraph.demo.large_links import internal_relation_rows, relation_rows
from relgraph.demo.seeding import is_empty
from relgraph.demo.staff import ensure_staff, plan_staff
from relgraph.domain.organisations import parent_periods
from relgraph.errors import Conflict

__all__ = ["LargeSummary", "seed_large"]

Progress = Callable[[str, int], None]
T = TypeVar("T")
BATCH = 20_000

# Column order of the planners' tuples, per table.
COLUMNS: dict[Table, tuple[str, ...]] = {
    Party.__table__: ("id", "kind", "created_at", "updated_at", "version"),
    Organisation.__table__: (
        "id",
        "name",
        "name_key",
        "code",
        "kvk_number",
        "industry",
        "website",
        "status",
        "checked",
        "creditworthy",
        "archived",
        "parent_id",
        "search_text",
    ),
    Address.__table__: (
        "id",
        "party_id",
        "kind",
        "street",
        "house_number",
        "postcode",
        "city",
        "city_key",
        "country",
        "is_head_office",
        "created_at",
    ),
    Person.__table__: (
        "id",
        "gender",
        "title",
        "initials",
        "first_name",
        "infix",
        "last_name",
        "birth_date",
        "sort_key",
        "search_text",
    ),
    Membership.__table__: (
        "id",
        "person_id",
        "organisation_id",
        "department",
        "job_title",
        "business_email",
        "role",
        "account_manager_id",
        "active",
        "start_date",
        "end_date",
        "created_at",
        "updated_at",
        "version",
    ),
    MembershipTag.__table__: ("membership_id", "tag"),
    Relation.__table__: (
        "id",
        "type_id",
        "source_id",
        "target_id",
        "start_date",
        "end_date",
        "note",
        "active",
        "created_at",
        "updated_at",
        "version",
    ),
    InternalRelation.__table__: (
        "id",
        "user_id",
        "party_id",
        "category_id",
        "since",
        "until",
        "created_at",
        "updated_at",
        "version",
    ),
}


_LOADING = (
    "journal_mode=DELETE",
    "synchronous=OFF",
    "foreign_keys=OFF",
    "cache_size=-262144",
    "temp_store=MEMORY",
)
# What relgraph's connection set-up uses (db/engine.py), restored for the pooled connection.
_SERVING = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    "cache_size=-2000",
    "temp_store=DEFAULT",
)


@dataclass
class LargeSummary:
    organisations: int
    persons: int
    memberships: int
    addresses: int
    relations: int
    internal_relations: int
    tags: int

    @property
    def rows(self) -> int:
        # Organisations and persons are two rows each (the party and its own table).
        return (
            2 * self.organisations
            + 2 * self.persons
            + self.memberships
            + self.addresses
            + self.relations
            + self.internal_relations
            + self.tags
        )


class _Writer:
    """Writes tuples into one table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, conn: AsyncConnection, progress: Progress) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.progress = progress

    async def write(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        columns = COLUMNS[table]
        # Columns this loader does not fill but the table needs get their Python default:
        # a constant, or the row's creation time for a timestamp (deterministic, and true).
        extra = [
            (c.name, c.default)
            for c in table.columns
            if c.name not in columns and isinstance(c.default, ColumnDefault) and c.server_default is None
        ]
        if extra:
            created = columns.index("created_at") if "created_at" in columns else None
            fixed = [default.arg if default.is_scalar else None for _, default in extra]
            # A timestamp named "..._at" (updated_at, say) takes the row's creation time.
            dated = [name.endswith("_at") and not default.is_scalar for name, default in extra]
            columns = (*columns, *(name for name, _ in extra))
            rows = [
                row
                + tuple(
                    row[created] if created is not None and d else f
                    for d, f in zip(dated, fixed, strict=True)
                )
                for row in rows
            ]
        if self.sqlite:
            # Through the columns' own bind processors: the values SQLAlchemy would store.
            dialect = self.conn.dialect
            procs = [table.c[name].type.bind_processor(dialect) for name in columns]
            converting = [(i, p) for i, p in enumerate(procs) if p is not None]
            if converting:
                rows = [_converted(row, converting) for row in rows]
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
            await self.conn.exec_driver_sql(sql, rows)
        else:
            raw = await self.conn.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(table.name, records=rows, columns=list(columns))  # type: ignore[union-attr]  # open, so not None
        self.progress(table.name, len(rows))


def _converted(row: tuple[Any, ...], converting: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for index, process in converting:
        if values[index] is not None:
            values[index] = process(values[index])
    return tuple(values)


def _batches(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


async def _ahead(batches: Iterator[T]) -> AsyncIterator[T]:
    """Yield `batches`, drawing the next one in a thread while the caller writes this one:
    the database works (without the GIL) while Python plans."""
    pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
    try:
        while (batch := await pending) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
            yield batch
    finally:
        if not pending.done():
            await asyncio.wait([pending])  # a thread cannot be cancelled: let it finish


async def _next_id(conn: AsyncConnection, table: Table) -> int:
    return await highest_id_ever(conn, table) + 1


async def _prepare(
    engine: AsyncEngine, seed: int, counts: Counts
) -> tuple[list[int], dict[str, int], dict[str, int]]:
    """The staff and the domain data the rows refer to, through the ORM (a few rows)."""
    async with make_sessionmaker(engine)() as session:
        if not await is_empty(session):
            raise Conflict(
                (),
                "The large dataset loads into an empty database only (it assigns the ids).",
            )
        staff_ids, _ = await ensure_staff(session, plan_staff(stream(seed, "staff"), counts.staff))
        await ensure_party_types(session)
        type_ids = await ensure_relation_types(session)
        category_ids = await ensure_categories(session)
        await session.commit()
    return staff_ids, type_ids, category_ids


async def seed_large(
    engine: AsyncEngine,
    *,
    seed: int = 42,
    factor: float = 1.0,
    progress: Progress | None = None,
) -> LargeSummary:
    """Load the large dataset (scaled by `factor`) into the empty database behind `engine`."""
    report = progress or (lambda _table, _rows: None)
    counts = Counts.at(factor)
    staff_ids, type_ids, category_ids = await _prepare(engine, seed, counts)
    orgs = plan_organisations(seed, counts)
    summary = LargeSummary(
        len(orgs),
        counts.persons,
        0,
        len(orgs),
        counts.relations,
        counts.internal_relations,
        0,
    )
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # Safe for a fresh load: a crash leaves a database to delete, not one to keep.
            # Outside any transaction: SQLite refuses these pragmas inside one. The rollback
            # journal of an empty database is small, where WAL would write every page twice;
            # the planner's ids and parents are consistent by construction, and the test
            # checks them with foreign_key_check.
            raw = (await conn.get_raw_connection()).driver_connection
            for pragma in _LOADING:
                await raw.execute(f"PRAGMA {pragma}")  # type: ignore[union-attr]  # open, so not None
        async with conn.begin():
            if conn.dialect.name == "postgresql":
                # No per-row foreign key triggers during the load (they cost more than the COPY
                # itself): the planner's ids and parents are consistent by construction, and
                # the test checks every reference on SQLite with foreign_key_check.
                await conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            suspended = await suspend_search_index(conn)
            indexes = await drop_indexes(conn, [t.name for t in COLUMNS])
            writer = _Writer(conn, report)
            first_org = await _next_id(conn, Party.__table__)
            async for batch in _ahead(_batches(organisation_rows(seed, orgs, first_org))):
                await writer.write(Party.__table__, [b[0] for b in batch])
                await writer.write(Organisation.__table__, [b[1] for b in batch])
                await writer.write(Address.__table__, [b[2] for b in batch])
            first_person = first_org + len(orgs)
            ids = (first_org, first_person, await _next_id(conn, Membership.__table__))
            async for people in _ahead(plan_persons(seed, counts, orgs, ids, staff_ids, BATCH)):
                await writer.write(Party.__table__, people.parties)
                await writer.write(Person.__table__, people.persons)
                await writer.write(Membership.__table__, people.memberships)
                await writer.write(MembershipTag.__table__, people.tags)
                summary.memberships += len(people.memberships)
                summary.tags += len(people.tags)
            relation_ids = (
                first_org,
                first_person,
                await _next_id(conn, Relation.__table__),
            )
            async for batch in _ahead(_batches(relation_rows(seed, counts, orgs, relation_ids, type_ids))):
                await writer.write(Relation.__table__, batch)
            internal_ids = (
                first_org,
                first_person,
                await _next_id(conn, InternalRelation.__table__),
            )
            rows = internal_relation_rows(seed, counts, orgs, internal_ids, staff_ids, category_ids)
            async for batch in _ahead(_batches(rows)):
                await writer.write(InternalRelation.__table__, batch)
            await parent_periods.open_missing(conn)
            report("indexes", 0)
            await recreate_indexes(conn, indexes)
            await rebuild_search_index(conn, suspended)
            for table in (Party, Address, Membership, Relation, InternalRelation):
                await sequence_past_rows(conn, table.__table__)
        if conn.dialect.name == "postgresql":
            # Fresh statistics: without them PostgreSQL ignores the trigram and hierarchy
            # indexes. And a visibility map: until (auto)vacuum has passed, every
            # index-only scan reads the table too (99,658 heap fetches for one search count).
            await conn.commit()
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM (ANALYZE)")
        # Not on SQLite, where relgraph never runs ANALYZE: with statistics, SQLite 3.40 builds
        # a Bloom filter over all organisations in each step of the ancestors query (10 ms
        # instead of 0.03 ms), and the load should give the database a deployment would have.
        if conn.dialect.name == "sqlite":
            for pragma in _SERVING:
                await raw.execute(f"PRAGMA {pragma}")  # type: ignore[union-attr]  # open, so not None
    return summary
