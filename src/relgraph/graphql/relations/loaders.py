"""Loaders of relation types, relations and internal relations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from relgraph.db.pagination import Page
from relgraph.domain.relations import internal_relations, relation_types, relations
from relgraph.graphql.core.loaders import Loaders

if TYPE_CHECKING:
    from relgraph.db.models import User

__all__ = [
    "account_managers_by_party",
    "category_by_id",
    "internal_relation_by_id",
    "internal_relations_count",
    "internal_relations_page",
    "relation_by_id",
    "relation_type_by_id",
    "relations_count",
    "relations_page",
]


def relation_type_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    return loaders.batch(relation_types.get_many)


def relation_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    async def fetch(session: Any, keys: list[int]) -> list[Any]:
        return await relations.get_many(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)


def relations_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Any]]:
    """Keys: (party id, RelationFilter, (order field, descending), PageRequest)."""

    async def fetch(
        session: Any, ids: list[int], flt: Any, order: tuple[str, bool], page: Any
    ) -> dict[Any, Any]:
        field, descending = order
        return await relations.list_for(
            session, ids, viewer=loaders.viewer, flt=flt, page=page, field=field, descending=descending
        )

    return loaders.grouped(fetch)


def relations_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (party id, RelationFilter)."""

    async def fetch(session: Any, ids: list[int], flt: Any) -> dict[Any, Any]:
        return await relations.count_for(session, ids, viewer=loaders.viewer, flt=flt)

    return loaders.grouped(fetch)


def category_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    return loaders.batch(internal_relations.get_categories)


def internal_relation_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    async def fetch(session: Any, keys: list[int]) -> list[Any]:
        return await internal_relations.get_many(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)


def internal_relations_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Any]]:
    """Keys: (party or user id, "party" | "user", InternalRelationFilter, PageRequest)."""

    async def fetch(session: Any, ids: list[int], by: str, flt: Any, page: Any) -> dict[Any, Any]:
        return await internal_relations.list_for(
            session, ids, by=by, viewer=loaders.viewer, flt=flt, page=page
        )

    return loaders.grouped(fetch)


def internal_relations_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (party or user id, "party" | "user", InternalRelationFilter)."""

    async def fetch(session: Any, ids: list[int], by: str, flt: Any) -> dict[Any, Any]:
        return await internal_relations.count_for(session, ids, by=by, viewer=loaders.viewer, flt=flt)

    return loaders.grouped(fetch)


def account_managers_by_party(loaders: Loaders) -> DataLoader[tuple[int, Any], list[User]]:
    """Keys: (party id, day or None for today)."""

    async def fetch(session: Any, ids: list[int], day: Any) -> dict[Any, Any]:
        return dict(zip(ids, await internal_relations.account_managers_of(session, ids, day), strict=True))

    return loaders.grouped(fetch)
