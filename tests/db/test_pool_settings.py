"""The PostgreSQL connection pool is sized by RELGRAPH_PG_POOL_SIZE and RELGRAPH_PG_MAX_OVERFLOW."""

from __future__ import annotations

import pytest

from relgraph.db.engine import create_engine

URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def test_the_pool_takes_its_size_and_overflow_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELGRAPH_PG_POOL_SIZE", "3")
    monkeypatch.setenv("RELGRAPH_PG_MAX_OVERFLOW", "0")
    engine = create_engine(URL)  # no connection is made until one is asked for
    try:
        assert engine.pool.size() == 3
        assert engine.sync_engine.pool._max_overflow == 0  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_the_pool_keeps_ten_and_ten_more_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELGRAPH_PG_POOL_SIZE", raising=False)
    monkeypatch.delenv("RELGRAPH_PG_MAX_OVERFLOW", raising=False)
    engine = create_engine(URL)
    try:
        assert engine.pool.size() == 10
        assert engine.sync_engine.pool._max_overflow == 10  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_connections_run_without_jit_unless_behind_a_pooler() -> None:
    """JIT compiling cost a neighbourhood through memberships 2.8 s for 235 ms of work: off on
    relgraph's own connections; behind a pooler (statement cache 0) the database decides, since
    a pooler refuses the startup parameter."""
    from helpers import TEST_URL
    from sqlalchemy import text

    for cache, expected in ((100, "off"), (0, None)):
        engine = create_engine(TEST_URL, statement_cache=cache)
        try:
            async with engine.connect() as conn:
                jit = (await conn.execute(text("SHOW jit"))).scalar()
                server_default = (
                    await conn.execute(text("SELECT reset_val FROM pg_settings WHERE name = 'jit'"))
                ).scalar()
        finally:
            await engine.dispose()
        assert jit == (expected or server_default), cache
