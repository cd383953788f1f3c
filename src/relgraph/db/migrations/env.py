"""Alembic environment: runs migrations over the async engine relgraph itself uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from relgraph.db.engine import create_engine
from relgraph.db.models import Base
from relgraph.db.search import is_search_object

config = context.config
target_metadata = Base.metadata


def _foreign_keys(connection: Connection, on: bool) -> None:
    # On the driver's cursor: SQLAlchemy would open a transaction first, inside which
    # SQLite ignores this pragma.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(
            f"The migration left rows that refer to nothing (table, rowid, parent): {broken[:10]}"
        )


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table by copying it and dropping the original; with foreign
        # keys enforced, that DROP deletes the rows referring to it (ON DELETE CASCADE).
        # Every reference is checked once, before the migrations commit.
        _foreign_keys(connection, on=False)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The search index objects are made by migration 0010 and not modelled as tables.
        include_name=lambda name, type_, _parent: not is_search_object(name, type_),
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            _check_foreign_keys(connection)
    if sqlite:
        _foreign_keys(connection, on=True)


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("No database URL: set the database_url attribute or sqlalchemy.url.")
if context.is_offline_mode():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async(url))
