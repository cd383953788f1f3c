"""What a batch lookup answers: one result per key, aligned with the keys (None or [] for a
miss), so that a loader can hand each key its own result."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["by_id", "grouped"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


async def by_id(
    session: AsyncSession, model: Any, ids: Sequence[int], *where: ColumnElement[bool]
) -> list[Any]:
    """The rows of `model` with `ids` that meet `where`, aligned with `ids`."""
    found = {row.id: row for row in await session.scalars(select(model).where(model.id.in_(ids), *where))}
    return [found.get(i) for i in ids]


def grouped(pairs: Iterable[tuple[K, V]], keys: Sequence[K]) -> list[list[V]]:
    """The values of (key, value) `pairs` per key, in the order they come, aligned with `keys`."""
    found: dict[K, list[V]] = {key: [] for key in keys}
    for key, value in pairs:
        found[key].append(value)
    return [found[key] for key in keys]
