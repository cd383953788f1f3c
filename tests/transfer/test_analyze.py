"""After a bulk load on PostgreSQL the planner's statistics are refreshed (statistics.analyze): row
counts always, the columns estimates go by, not the long free texts (left to autovacuum);
and a load small against its table is left to autovacuum altogether."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db import statistics
from relgraph.db.models import Person

pytestmark = pytest.mark.postgres_only

_people = Person.__table__


async def _add_persons(session: AsyncSession, first: int, last: int) -> None:
    connection = await session.connection()
    # Autovacuum would refresh the same statistics in its own time (this database is the test's).
    await connection.exec_driver_sql("ALTER TABLE persons SET (autovacuum_enabled = false)")
    await connection.exec_driver_sql(
        "INSERT INTO parties (id, kind, created_at, updated_at, version) "
        "SELECT n, 'PERSON', now(), now(), 1 FROM generate_series($1::bigint, $2) AS n",
        (first, last),
    )
    await connection.exec_driver_sql(
        "INSERT INTO persons (id, gender, last_name, sort_key, search_text) "
        "SELECT n, 'UNKNOWN', 'P' || n, 'p' || n, 'persoon ' || n FROM generate_series($1::bigint, $2) AS n",
        (first, last),
    )


async def _counted_rows(session: AsyncSession) -> float:
    return float(await session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'persons'")))


async def _analyzed_columns(session: AsyncSession) -> set[str]:
    rows = await session.execute(text("SELECT attname FROM pg_stats WHERE tablename = 'persons'"))
    return {r[0] for r in rows}


async def test_a_load_refreshes_the_row_count_and_the_estimated_columns_only(sessionmaker) -> None:
    async with sessionmaker() as session:
        await _add_persons(session, 1, 2000)
        await statistics.analyze(session, [_people], but_free_text=True, grown_by=2000)
        await session.commit()
    async with sessionmaker() as session:
        assert await _counted_rows(session) == 2000
        columns = await _analyzed_columns(session)
    assert {"id", "sort_key", "gender", "active", "deleted_at"} <= columns
    assert not columns & {"search_text", "first_name", "last_name"}


async def test_a_load_small_against_its_table_is_left_to_autovacuum(sessionmaker) -> None:
    async with sessionmaker() as session:
        await _add_persons(session, 1, 2000)
        await statistics.analyze(session, [_people])
        await session.commit()
    async with sessionmaker() as session:
        await _add_persons(session, 2001, 2150)  # grows persons by 7.5 %
        await statistics.analyze(session, [_people], but_free_text=True, grown_by=150)
        await session.commit()
        assert await _counted_rows(session) == 2000
        await _add_persons(session, 2151, 2400)  # 250 more: 12.5 % of the 2,000 counted
        await statistics.analyze(session, [_people], but_free_text=True, grown_by=250)
        await session.commit()
        assert await _counted_rows(session) == 2400


async def test_an_import_samples_fewer_rows_for_that_analyze_only(sessionmaker) -> None:
    """statistics_target: a histogram of 10 buckets (and a sample to match) for the table's
    keys; the setting is the session's own again after it."""
    async with sessionmaker() as session:
        setting = await session.scalar(text("SHOW default_statistics_target"))
        await _add_persons(session, 1, 2000)
        await statistics.analyze(session, [_people], but_free_text=True, grown_by=2000, statistics_target=10)
        assert await session.scalar(text("SHOW default_statistics_target")) == setting
        await session.commit()
    async with sessionmaker() as session:
        assert await _counted_rows(session) == 2000
        bounds = await session.scalar(
            text(
                "SELECT cardinality(histogram_bounds::text::bigint[]) FROM pg_stats "
                "WHERE tablename = 'persons' AND attname = 'id'"
            )
        )
    assert bounds == 11
