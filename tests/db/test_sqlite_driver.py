"""SQLite through aiosqlite in one trip per statement (relgraph.db.sqlite_driver)."""

from __future__ import annotations

from typing import Any

import aiosqlite
import pytest
from helpers import IS_POSTGRES
from sqlalchemy import exc, text

pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="the SQLite driver")


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """Every hand-off to aiosqlite's thread, by the function it runs there."""
    made: list[str] = []
    execute = aiosqlite.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(getattr(fn, "__name__", repr(fn)))
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return made


async def test_a_statement_is_one_trip_to_the_thread(engine, trips) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the BEGIN goes before it
        trips.clear()
        rows = (await connection.execute(text("SELECT value FROM json_each('[1, 2, 3]')"))).all()
        assert [r.value for r in rows] == [1, 2, 3]
        assert len(trips) == 1, trips  # SQLAlchemy's own adapter: cursor, execute, fetchall, close


async def test_counts_keys_rows_and_errors_read_as_the_stock_driver_gives_them(engine) -> None:
    async with engine.connect() as connection:
        await connection.exec_driver_sql("CREATE TEMP TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        inserted = await connection.exec_driver_sql(
            "INSERT INTO t (name) VALUES (?)", [("a",), ("b",), ("c",)]
        )
        assert inserted.rowcount == 3
        one = await connection.exec_driver_sql("INSERT INTO t (name) VALUES (?)", ("d",))
        assert one.lastrowid == 4
        updated = await connection.exec_driver_sql("UPDATE t SET name = name || '!' WHERE id <= 2")
        assert updated.rowcount == 2
        returned = await connection.exec_driver_sql("DELETE FROM t WHERE id = 3 RETURNING id, name")
        assert [tuple(r) for r in returned] == [(3, "c")]
        listed = await connection.exec_driver_sql("SELECT id, name FROM t ORDER BY id")
        assert list(listed.keys()) == ["id", "name"] and [tuple(r) for r in listed] == [
            (1, "a!"),
            (2, "b!"),
            (4, "d"),
        ]
        with pytest.raises(exc.IntegrityError):
            await connection.exec_driver_sql("INSERT INTO t (name) VALUES (?)", ("d",))
        with pytest.raises(exc.OperationalError):
            await connection.exec_driver_sql("SELECT * FROM no_such_table")
        # After an error the connection goes on.
        assert (await connection.exec_driver_sql("SELECT count(*) FROM t")).scalar() == 3
