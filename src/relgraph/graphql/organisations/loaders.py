"""Loaders of organisations and their hierarchy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from relgraph.db.pagination import Page
from relgraph.domain.organisations import hierarchy, organisations
from relgraph.graphql.core.loaders import Loaders

if TYPE_CHECKING:
    from relgraph.db.models import Organisation

__all__ = [
    "ancestors_by_organisation",
    "descendants_count",
    "descendants_page",
    "organisation_by_id",
    "subsidiaries_count",
    "subsidiaries_page",
]


def organisation_by_id(loaders: Loaders) -> DataLoader[int, Organisation | None]:
    return loaders.batch(organisations.get_many)


def ancestors_by_organisation(loaders: Loaders) -> DataLoader[tuple[int, Any], list[Organisation]]:
    """Keys: (organisation id, day or None for today)."""

    async def fetch(session: Any, ids: list[int], day: Any) -> dict[Any, Any]:
        return dict(zip(ids, await hierarchy.ancestors_of(session, ids, day), strict=True))

    return loaders.grouped(fetch)


def subsidiaries_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Organisation]]:
    """Keys: (parent id, include_archived, day, (order field, descending), PageRequest)."""

    async def fetch(
        session: Any, ids: list[int], include_archived: bool, day: Any, order: tuple[str, bool], page: Any
    ) -> dict[Any, Any]:
        field, descending = order
        return await hierarchy.subsidiaries_of(
            session,
            ids,
            include_archived=include_archived,
            page=page,
            day=day,
            field=field,
            descending=descending,
        )

    return loaders.grouped(fetch)


def subsidiaries_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (parent id, include_archived, day)."""

    async def fetch(session: Any, ids: list[int], include_archived: bool, day: Any) -> dict[Any, Any]:
        return await hierarchy.count_subsidiaries(session, ids, include_archived=include_archived, day=day)

    return loaders.grouped(fetch)


def descendants_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[tuple[Organisation, int]]]:
    """Keys: (root id, max_depth, include_archived, day, PageRequest)."""

    async def fetch(
        session: Any, ids: list[int], max_depth: int, include_archived: bool, day: Any, page: Any
    ) -> dict[Any, Any]:
        return await hierarchy.descendants_of(
            session, ids, max_depth=max_depth, include_archived=include_archived, page=page, day=day
        )

    return loaders.grouped(fetch)


def descendants_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (root id, max_depth, include_archived, day)."""

    async def fetch(
        session: Any, ids: list[int], max_depth: int, include_archived: bool, day: Any
    ) -> dict[Any, Any]:
        return await hierarchy.count_descendants(
            session, ids, max_depth=max_depth, include_archived=include_archived, day=day
        )

    return loaders.grouped(fetch)
