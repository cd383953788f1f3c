"""Loaders of documents; each applies R2 (need-to-know) for the viewer."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from relgraph.db.pagination import Page
from relgraph.domain import documents
from relgraph.graphql.core.loaders import Loaders

__all__ = ["document_by_id", "documents_count", "documents_page"]


def documents_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Any]]:
    """Keys: (party id, PageRequest)."""

    async def fetch(session: Any, ids: list[int], page: Any) -> dict[Any, Any]:
        return await documents.list_for(session, ids, viewer=loaders.viewer, page=page)

    return loaders.grouped(fetch)


def documents_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (party id,)."""

    async def fetch(session: Any, ids: list[int]) -> dict[Any, Any]:
        return await documents.count_for(session, ids, viewer=loaders.viewer)

    return loaders.grouped(fetch)


def document_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    async def fetch(session: Any, keys: list[int]) -> list[Any]:
        return await documents.get_visible(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)
