"""Loaders of memberships (persoon in organisatie)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from relgraph.db.pagination import Page
from relgraph.domain.memberships import memberships
from relgraph.graphql.core.loaders import Loaders

if TYPE_CHECKING:
    from relgraph.db.models import Membership

__all__ = [
    "is_business_relation",
    "membership_by_id",
    "memberships_count",
    "memberships_page",
    "tags_by_membership",
]


def memberships_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Membership]]:
    """Keys: (organisation or person id, "organisation" | "person", MembershipFilter,
    (order field, descending), PageRequest)."""

    async def fetch(
        session: Any, ids: list[int], by: str, flt: Any, order: tuple[str, bool], page: Any
    ) -> dict[Any, Any]:
        field, descending = order
        return await memberships.list_for(
            session, ids, by=by, flt=flt, page=page, field=field, descending=descending
        )

    return loaders.grouped(fetch)


def memberships_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (organisation or person id, "organisation" | "person", MembershipFilter)."""

    async def fetch(session: Any, ids: list[int], by: str, flt: Any) -> dict[Any, Any]:
        return await memberships.count_for(session, ids, by=by, flt=flt)

    return loaders.grouped(fetch)


def membership_by_id(loaders: Loaders) -> DataLoader[int, Membership | None]:
    return loaders.batch(memberships.get_many)


def tags_by_membership(loaders: Loaders) -> DataLoader[int, list[str]]:
    return loaders.batch(memberships.tags_of)


def is_business_relation(loaders: Loaders) -> DataLoader[int, bool]:
    """Keys: person ids. Values: whether the person has a membership (active or not)."""
    return loaders.batch(memberships.has_memberships)
