"""What a batch lookup answers: one result per key, aligned with the keys (None or [] for a
miss), so that a loader can hand each key its own result."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

__all__ = ["by_id", "grouped", "in_values"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def in_values(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """SQL: `column IN values`, as `column.in_(values)` but without a reference cycle.

    `in_()` clones its parameter, and a cloned parameter remembers itself among its
    clones: one cycle per lookup, which waits for the (rare, relgraph/gc_tuning.py) cyclic
    collection together with everything it refers to. The loaders' lookups run per request.
    """
    values = list(values)
    parameter = BindParameter(None, values, type_=column.type, unique=True, expanding=True)
    parameter.expand_op = operators.in_op  # type: ignore[assignment]  # what in_() sets
    return BinaryExpression(column, parameter, operators.in_op, negate=operators.not_in_op)


async def by_id(
    session: AsyncSession, model: Any, ids: Sequence[int], *where: ColumnElement[bool]
) -> list[Any]:
    """The rows of `model` with `ids` that meet `where`, aligned with `ids`."""
    found = {
        row.id: row for row in await session.scalars(select(model).where(in_values(model.id, ids), *where))
    }
    return [found.get(i) for i in ids]


def grouped(pairs: Iterable[tuple[K, V]], keys: Sequence[K]) -> list[list[V]]:
    """The values of (key, value) `pairs` per key, in the order they come, aligned with `keys`."""
    found: dict[K, list[V]] = {key: [] for key in keys}
    for key, value in pairs:
        found[key].append(value)
    return [found[key] for key in keys]
