"""Indexed substring search on the folded `search_text` of organisations and persons.

Search means "the folded text contains the folded term" (LIKE '%term%'), which no B-tree
index serves. PostgreSQL answers it from a pg_trgm GIN index on the column itself, so the
plain LIKE stays. SQLite gets an FTS5 table with the trigram tokenizer beside each table
(external content: it stores the index only, read through triggers), and the condition
becomes `id IN (SELECT rowid FROM <fts> WHERE search_text LIKE ...)`: FTS5 evaluates LIKE
with the same semantics, using the trigrams of the pattern when it has three characters
or more and scanning its own rows otherwise, so results are identical either way.

Bulk writers (the CSV import) keep the FTS5 index themselves, a chunk of rows per
statement, with the triggers dropped inside their transaction (`search_index_by_batch`).

Migration 0010 creates these objects in real databases; the DDL below also runs after
`metadata.create_all`, so a database built from the models searches the same way.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from sqlalchemy import (
    DDL,
    Boolean,
    ColumnElement,
    Select,
    Table,
    event,
    literal_column,
    or_,
    select,
    table,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from relgraph.db.bulk import chunked

__all__ = [
    "SECOND_TEXTS",
    "SearchIndexBatch",
    "is_search_object",
    "matches",
    "rebuild_search_index",
    "register",
    "search_index_by_batch",
    "sqlite_search_ddl",
    "suspend_search_index",
]

SEARCHED = ("organisations", "persons")
# (table, column): texts that only some viewers search (organisations' invoice cities,
# FINANCE only: issue 18), beside the search text everyone searches. Mostly empty: SQLite
# scans a partial index of the others, PostgreSQL has a trigram index as for search_text.
SECOND_TEXTS = (("organisations", "invoice_search_text"),)


def _second_text_indexes(table_name: str, column: str) -> tuple[str, str]:
    """The names of the indexes of a second text: PostgreSQL's (trigrams), SQLite's (partial)."""
    return f"ix_{table_name}_{column}_trgm", f"ix_{table_name}_{column}"


def fts_name(table_name: str) -> str:
    return f"{table_name}_search"


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether `name` is one of the search index objects, which the models do not describe:
    SQLite's FTS5 tables (and their shadow tables), PostgreSQL's trigram indexes."""
    if name is None:
        return False
    if type_ == "table":
        return any(name == fts_name(t) or name.startswith(f"{fts_name(t)}_") for t in SEARCHED)
    second = {name for t, c in SECOND_TEXTS for name in _second_text_indexes(t, c)}
    return type_ == "index" and name in {f"ix_{t}_search_trgm" for t in SEARCHED} | second


def sqlite_search_ddl(table_name: str) -> list[str]:
    """The FTS5 table of `table_name` and the triggers that keep it in step."""
    fts = fts_name(table_name)
    return [
        (
            f"CREATE VIRTUAL TABLE {fts} USING fts5("
            f"search_text, content='{table_name}', content_rowid='id', tokenize='trigram', detail='none')"
        ),
        (
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table_name} BEGIN "
            f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
        ),
        (
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table_name} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
        ),
        (
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_text ON {table_name} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
        ),
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


async def suspend_search_index(conn: AsyncConnection) -> list[str]:
    """Drop SQLite's search triggers for a bulk load (indexing row by row triples its time);
    return the tables whose index `rebuild_search_index` must rebuild. PostgreSQL's trigram
    indexes are ordinary indexes: a bulk load drops and recreates them with the others."""
    suspended = []
    if conn.dialect.name == "sqlite":
        for name in SEARCHED:
            fts = fts_name(name)
            if await conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = :n"), {"n": fts}):
                for suffix in ("insert", "delete", "update"):
                    await conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
                suspended.append(name)
    return suspended


async def rebuild_search_index(conn: AsyncConnection, tables: Sequence[str]) -> None:
    """Index every row of `tables` at once and put back the triggers `suspend_search_index` dropped."""
    for name in tables:
        _create, *triggers, rebuild = sqlite_search_ddl(name)
        for statement in (rebuild, *triggers):
            await conn.exec_driver_sql(statement)


class SearchIndexBatch:
    """The search index of one table, kept by the writer of a bulk change instead of per row.

    On SQLite the FTS5 triggers index row by row, about 50 µs a row (an import spent more
    time there than on all its inserts), where one INSERT ... SELECT indexes a chunk of
    rows at about 4 µs a row. Inside `search_index_by_batch` the writer calls `unindex`
    before it changes the search text of existing rows (or deletes them) and `index` after
    it wrote them, one statement per chunk of ids. Elsewhere (PostgreSQL, whose GIN index
    PostgreSQL maintains; a database without the search tables) both do nothing.
    """

    def __init__(self, session: AsyncSession, table_name: str, *, active: bool) -> None:
        self._session = session
        self._table = table_name
        self._fts = fts_name(table_name)
        self._active = active

    async def index(self, ids: Iterable[int]) -> None:
        """Add the rows `ids` (new, or changed after `unindex`) with the search text they have now."""
        await self._run(f"INSERT INTO {self._fts}(rowid, search_text) SELECT id, search_text", ids)

    async def unindex(self, ids: Iterable[int]) -> None:
        """Take the rows `ids` out, with the search text they have now (before it changes)."""
        fts = self._fts
        await self._run(f"INSERT INTO {fts}({fts}, rowid, search_text) SELECT 'delete', id, search_text", ids)

    async def _run(self, insert_select: str, ids: Iterable[int]) -> None:
        if not self._active:
            return
        connection = await self._session.connection()
        sql = f"{insert_select} FROM {self._table} WHERE id IN (SELECT value FROM json_each(?))"
        for part in chunked(sorted(set(ids))):
            await connection.exec_driver_sql(sql, (json.dumps(list(part)),))


@asynccontextmanager
async def search_index_by_batch(session: AsyncSession, table_name: str) -> AsyncIterator[SearchIndexBatch]:
    """A bulk write to `table_name` that keeps the table's search index itself (`SearchIndexBatch`).

    SQLite: the table's search triggers are dropped for the block and created again at its
    end, inside a savepoint of the caller's transaction. Schema changes are transactional
    in SQLite, so a block that raises (rolled back to the savepoint), a transaction rolled
    back, or a process that dies before the commit all leave the triggers as they were;
    other connections never see the database without them.
    """
    connection = await session.connection()
    fts = fts_name(table_name)
    active = connection.dialect.name == "sqlite" and bool(
        await connection.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = :n"), {"n": fts})
    )
    batch = SearchIndexBatch(session, table_name, active=active)
    if not active:
        yield batch
        return
    async with session.begin_nested():
        # The savepoint begins when the session hands out its connection in the block.
        connection = await session.connection()
        for suffix in ("insert", "delete", "update"):
            await connection.exec_driver_sql(f"DROP TRIGGER {fts}_{suffix}")
        yield batch
        _create, *triggers, _rebuild = sqlite_search_ddl(table_name)
        for statement in triggers:
            await connection.exec_driver_sql(statement)


class _Match(ColumnElement[bool]):
    """`column` contains one of the LIKE patterns: compiled per dialect (see the module)."""

    type = Boolean()
    inherit_cache = True
    # A predicate in its own right: without this, SQLite gets "(... IN (...)) = 1", which
    # hides the IN from the planner and scans every organisation.
    _is_implicitly_boolean = True
    # SQLAlchemy declares it an instance attribute; it is read from the class.
    _traverse_internals: ClassVar[list[tuple[str, Any]]] = [  # type: ignore[misc]
        ("plain", InternalTraversal.dp_clauseelement),
        ("indexed", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, plain: ColumnElement[bool], indexed: ColumnElement[bool]) -> None:
        self.plain = plain
        self.indexed = indexed


# Grouped: the element stands for one condition among others, and a search term that looks
# like a phone number has several patterns (`a LIKE p1 OR a LIKE p2`), which without the
# parentheses would bind weaker than the AND before them and drop the other conditions.
@compiles(_Match)
def _compile_plain(element: _Match, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.plain.self_group(), **kw))


@compiles(_Match, "sqlite")
def _compile_sqlite(element: _Match, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.indexed.self_group(), **kw))


def _indexable(pattern: str) -> bool:
    """Whether FTS5 can answer `pattern` from its trigrams: at least three characters
    between the wildcards, and no escaped character. SQLite hands LIKE ... ESCAPE to a
    virtual table as a function it cannot use, so such a pattern would scan the index."""
    return "\\" not in pattern and len(pattern.strip("%")) >= 3


def matches(
    search_text: Any, id_column: Any, patterns: Sequence[str], *, also: Any = None
) -> ColumnElement[bool]:
    """SQL: `search_text` (of the row whose key is `id_column`) is LIKE one of `patterns`
    ('%...%', escaped with '\\'), through the search index where the backend has one; or
    so is `also`, a second searched text of the same table (see `SECOND_TEXTS`), when given."""
    texts = [search_text] if also is None else [search_text, also]
    plain = or_(*(column.like(p, escape="\\") for column in texts for p in patterns))
    if not all(_indexable(p) for p in patterns):
        # One or two characters (or LIKE's own wildcards, escaped): the table scan is the
        # better plan, and the only one that exists for fewer characters than a trigram.
        return plain
    fts = table(fts_name(search_text.table.name))
    hits: list[Select[*tuple[Any, ...]]] = [
        # No ESCAPE clause: an indexable pattern holds no backslash, so none is needed.
        select(literal_column("rowid")).select_from(fts).where(literal_column("search_text").like(p))
        for p in patterns
    ]
    if also is not None:
        # Mostly empty: the rows that have one are read from a partial index of them.
        other = search_text.table.alias("searched")
        column = other.c[also.key]
        hits.append(
            select(other.c[id_column.key]).where(column != "", or_(*(column.like(p) for p in patterns)))
        )
    indexed = id_column.in_(hits[0] if len(hits) == 1 else union(*hits))
    return _Match(plain, indexed)


def _create_fts_after(target: Table) -> None:
    for statement in sqlite_search_ddl(target.name):
        event.listen(target, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for name, column in SECOND_TEXTS:
        if name == target.name:
            _, index = _second_text_indexes(name, column)
            statement = f"CREATE INDEX {index} ON {name} ({column}) WHERE {column} <> ''"
            event.listen(target, "after_create", DDL(statement).execute_if(dialect="sqlite"))


def register(tables: Sequence[Table]) -> None:
    """Have `create_all` build the SQLite search tables of `tables` too."""
    for t in tables:
        if t.name in SEARCHED:
            _create_fts_after(t)
