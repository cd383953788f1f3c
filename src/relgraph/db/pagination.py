"""Keyset pagination for Relay connections, for one list or for many lists at once.

Cursors (db/cursors.py) encode the sort key of a row, so pages stay stable while rows are added. The
batched form pages every parent's list in one statement (ROW_NUMBER over a partition),
which is what keeps a nested connection at one query per level.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import in_values
from relgraph.db.cursors import INT_RANGE, OrderKey, decode_cursor, encode_cursor
from relgraph.errors import InvalidInput

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "INT_RANGE",
    "MAX_PAGE_SIZE",
    "OrderKey",
    "Page",
    "PageRequest",
    "count",
    "count_many",
    "decode_cursor",
    "paginate",
    "paginate_many",
]

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageRequest:
    """The Relay arguments of one connection field."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def __post_init__(self) -> None:
        for name in ("first", "last"):
            size = getattr(self, name)
            if size is not None and not 1 <= size <= MAX_PAGE_SIZE:
                raise InvalidInput.at(name, f"{name} must be between 1 and {MAX_PAGE_SIZE}.")
        if self.first is not None and self.last is not None:
            raise InvalidInput.at("last", "Use either first or last, not both.")

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)

    @property
    def size(self) -> int:
        return (self.last if self.backwards else self.first) or DEFAULT_PAGE_SIZE


@dataclass
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    # Either the cursors themselves, or a function that makes them when first asked: a
    # big card lists a thousand memberships and rarely asks for their cursors.
    cursors_of: Callable[[], list[str]] | list[str] = field(default_factory=list)
    has_next_page: bool = False
    has_previous_page: bool = False
    # The size of the whole list, when the query that fetched the page could tell.
    total: int | None = None

    @property
    def cursors(self) -> list[str]:
        """The cursor of each item, in order."""
        if callable(self.cursors_of):
            self.cursors_of = self.cursors_of()
        return self.cursors_of


def _beyond(order: Sequence[OrderKey], values: Sequence[Any], forward: bool) -> ColumnElement[bool]:
    """The rows strictly after (forward) or before the row whose sort key is `values`."""
    clauses = []
    for i, key in enumerate(order):
        # Forward over an ascending key (or backward over a descending one) means "greater".
        greater = (not key.descending) == forward
        column = key.column
        step = column > values[i] if greater else column < values[i]
        equal = [order[j].column == values[j] for j in range(i)]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def _sort(order: Sequence[OrderKey], backwards: bool) -> list[Any]:
    return [(k.column.desc() if k.descending != backwards else k.column.asc()) for k in order]


def _filtered(
    stmt: Select[*tuple[Any, ...]], order: Sequence[OrderKey], page: PageRequest
) -> Select[*tuple[Any, ...]]:
    if page.after is not None:
        stmt = stmt.where(_beyond(order, decode_cursor(page.after, order, "after"), forward=True))
    if page.before is not None:
        stmt = stmt.where(_beyond(order, decode_cursor(page.before, order, "before"), forward=False))
    return stmt


def _page(rows: list[Any], order: Sequence[OrderKey], page: PageRequest) -> Page[Any]:
    more = len(rows) > page.size
    rows = rows[: page.size]
    if page.backwards:
        rows.reverse()
    # The rows as fetched: a caller may replace the items (tuples by their entities).
    fetched = list(rows)
    return Page(
        items=rows,
        cursors_of=lambda: [encode_cursor([k.value(r) for k in order], order[0].tag) for r in fetched],
        has_next_page=more if not page.backwards else page.before is not None,
        has_previous_page=more if page.backwards else page.after is not None,
    )


async def paginate(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    order: Sequence[OrderKey],
    page: PageRequest,
    *,
    scalars: bool = True,
) -> Page[Any]:
    """Run `stmt` for one page; items are entities, or row tuples when not `scalars`."""
    stmt = _filtered(stmt, order, page).order_by(*_sort(order, page.backwards)).limit(page.size + 1)
    result = await session.execute(stmt)
    rows = list(result.scalars().all() if scalars else (tuple(r) for r in result.all()))
    return _page(rows, order, page)


async def paginate_many(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]] | Callable[[], Select[*tuple[Any, ...]]],
    entity: Any,
    partition: Any,
    keys: Sequence[Hashable],
    order: Sequence[OrderKey],
    page: PageRequest,
    extras: Sequence[str] = (),
    *,
    with_total: bool = False,
    reuse_as: Hashable | None = None,
) -> dict[Hashable, Page[Any]]:
    """Page `stmt` separately for each value of `partition` in `keys`, in one statement.

    `stmt` selects `entity`, plus the labelled columns named in `extras`; with extras,
    each item is a tuple (entity, *extras). With `with_total`, a first page also carries
    the size of its whole list (`Page.total`), so totalCount costs no statement of its own.
    The ranking reads only keys and sort columns and the winners are read again by primary
    key: a big list (10,000 descendants) is sorted without dragging every column along.

    `reuse_as` names everything the statement depends on besides the page (the caller's
    query and its arguments); a first page's statement is then built once and reused with
    the keys as a parameter. Building it is a good part of a small card's time.
    `stmt` may be a function, called only when the statement must be built.
    """
    if not keys:
        return {}
    counted = with_total and page.after is None and page.before is None
    outer, parameters = _statement(
        None if reuse_as is None else (reuse_as, counted),
        page,
        keys,
        lambda where: _paging_statement(
            stmt() if callable(stmt) else stmt, entity, partition, where, order, page, extras, counted
        ),
    )
    return await _pages(session, outer, parameters, keys, order, page, extras, counted)


async def paginate_rows_many(
    session: AsyncSession,
    stmt: Callable[[], Select[*tuple[Any, ...]]],
    partition: Any,
    keys: Sequence[Hashable],
    order: Sequence[OrderKey],
    page: PageRequest,
    *,
    reuse_as: Hashable | None = None,
) -> dict[Hashable, Page[Any]]:
    """Like paginate_many, for a statement of plain columns: the items are its rows.

    Whole rows are ranked (the lists are short) and read once; `stmt()` builds the
    statement, `reuse_as` as in paginate_many.
    """
    if not keys:
        return {}

    def build(where: Any) -> Select[*tuple[Any, ...]]:
        rank = func.row_number().over(partition_by=partition, order_by=_sort(order, page.backwards))
        inner = _filtered(stmt().where(_among(partition, where)), order, page)
        ranked = inner.add_columns(partition.label("_partition"), rank.label("_rank")).subquery()
        return (
            select(ranked)
            .where(ranked.c._rank <= page.size + 1)
            .order_by(ranked.c._partition, ranked.c._rank)
        )

    outer, parameters = _statement(None if reuse_as is None else ("rows", reuse_as), page, keys, build)
    grouped: dict[Hashable, list[Any]] = {key: [] for key in keys}
    for row in (await session.execute(outer, parameters)).all():
        grouped[row._partition].append(row)
    return {key: _page(rows, order, page) for key, rows in grouped.items()}


def _among(partition: Any, keys: Any) -> ColumnElement[bool]:
    """`partition IN keys`: a list (a statement for this call, no cycle left behind, see
    in_values) or the expanding parameter of a statement that is kept."""
    return in_values(partition, keys) if isinstance(keys, list) else partition.in_(keys)


_REUSED: dict[Hashable, Select[*tuple[Any, ...]]] = {}
_MAX_REUSED = 256


def _statement(
    reuse_as: Hashable | None,
    page: PageRequest,
    keys: Sequence[Hashable],
    build: Callable[[Any], Select[*tuple[Any, ...]]],
) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]]:
    """The statement of a page and its parameters; `build(keys)` makes the statement.

    A first page with a `reuse_as` is built once, with the keys as an expanding parameter;
    anything else (a cursor is part of the statement) is built for this call.
    """
    if reuse_as is None or page.after is not None or page.before is not None:
        return build(list(keys)), {}
    key = (reuse_as, page.size, page.backwards)
    stmt = _REUSED.get(key)
    if stmt is None:
        if len(_REUSED) >= _MAX_REUSED:
            _REUSED.clear()
        stmt = _REUSED[key] = build(bindparam("keys", expanding=True))
    return stmt, {"keys": list(keys)}


def _paging_statement(
    stmt: Select[*tuple[Any, ...]],
    entity: Any,
    partition: Any,
    keys: Any,
    order: Sequence[OrderKey],
    page: PageRequest,
    extras: Sequence[str],
    counted: bool,
) -> Select[*tuple[Any, ...]]:
    rank = func.row_number().over(partition_by=partition, order_by=_sort(order, page.backwards))
    inner = _filtered(stmt.where(_among(partition, keys)), order, page)
    # The entity's own table's key (organisations.id, not parties.id): a `stmt` on plain
    # tables then ranks without joining `parties` (10,000 lookups for the big group).
    primary_key = list(entity.__table__.primary_key.columns)
    ranked = inner.with_only_columns(
        *(column.label(f"_pk{i}") for i, column in enumerate(primary_key)),
        *(inner.selected_columns[name] for name in extras),
        partition.label("_partition"),
        rank.label("_rank"),
        *([func.count().over(partition_by=partition).label("_total")] if counted else []),
        maintain_column_froms=True,
    ).subquery()
    outer = (
        select(entity, ranked.c._partition, *(ranked.c[name] for name in extras))
        .join(ranked, and_(*(ranked.c[f"_pk{i}"] == column for i, column in enumerate(primary_key))))
        .where(ranked.c._rank <= page.size + 1)
        .order_by(ranked.c._partition, ranked.c._rank)
    )
    return outer.add_columns(ranked.c._total) if counted else outer


async def _pages(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    parameters: dict[str, Any],
    keys: Sequence[Hashable],
    order: Sequence[OrderKey],
    page: PageRequest,
    extras: Sequence[str],
    counted: bool,
) -> dict[Hashable, Page[Any]]:
    """Split the ranked rows of `stmt` (item, partition, *extras[, total]) into pages."""
    grouped: dict[Hashable, list[Any]] = {key: [] for key in keys}
    totals: dict[Hashable, int] = {}
    for item, key, *values in (await session.execute(stmt, parameters)).all():
        if counted:
            totals[key] = values.pop()
        grouped[key].append((item, *values) if extras else item)
    pages = {key: _page(rows, order, page) for key, rows in grouped.items()}
    if counted:
        for key, result in pages.items():
            result.total = totals.get(key, 0)
    return pages


async def count(session: AsyncSession, stmt: Select[*tuple[Any, ...]]) -> int:
    """Count the rows `stmt` would return."""
    return (await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))) or 0


async def count_many(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]] | Callable[[], Select[*tuple[Any, ...]]],
    partition: Any,
    keys: Sequence[Hashable],
    *,
    reuse_as: Hashable | None = None,
) -> dict[Hashable, int]:
    """Count the rows of `stmt` per value of `partition`, for each of `keys`.

    `reuse_as` as in paginate_many: the statement is built once, the keys a parameter.
    """
    if not keys:
        return {}

    def build(where: Any) -> Select[*tuple[Any, ...]]:
        return (
            (stmt() if callable(stmt) else stmt)
            .where(_among(partition, where))
            .with_only_columns(partition, func.count(), maintain_column_froms=True)
            .group_by(partition)
            .order_by(None)
        )

    parameters: dict[str, Any] = {}
    if reuse_as is None:
        grouped = build(list(keys))
    else:
        kept = _REUSED.get(("count", reuse_as))
        if kept is None:
            if len(_REUSED) >= _MAX_REUSED:
                _REUSED.clear()
            kept = _REUSED[("count", reuse_as)] = build(bindparam("keys", expanding=True))
        grouped, parameters = kept, {"keys": list(keys)}
    counts: dict[Hashable, int] = dict((await session.execute(grouped, parameters)).all())
    return {key: counts.get(key, 0) for key in keys}
