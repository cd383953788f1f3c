"""An organisation's descendants as the API pages them: each with its depth below it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import strawberry

from relgraph.graphql.core.as_of import dated
from relgraph.graphql.core.connections import PageInfo, page_info_of
from relgraph.graphql.core.node import LazyOrganisation, from_row

if TYPE_CHECKING:
    from relgraph.db import models
    from relgraph.db.pagination import Page

__all__ = ["OrganisationDescendantConnection", "OrganisationDescendantEdge"]


@strawberry.type(description="An organisation below another one, with how far below it is.")
class OrganisationDescendantEdge:
    cursor: str = strawberry.field(description="Opaque position; pass as `after`.")
    depth: int = strawberry.field(
        description="Levels below the organisation asked about: 1 = direct subsidiary."
    )
    node: LazyOrganisation = strawberry.field(description="The descendant organisation.")


@strawberry.type(description="A page of descendants, breadth first.")
class OrganisationDescendantConnection:
    edges: list[OrganisationDescendantEdge] = strawberry.field(
        description="The descendants with their depth."
    )
    nodes: list[LazyOrganisation] = strawberry.field(
        description="The descendants of this page, without cursors or depth."
    )
    page_info: PageInfo = strawberry.field(description="Whether there is more.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many descendants there are in all (within maxDepth).")
    async def total_count(self) -> int:
        return await self._count()

    @classmethod
    def build(
        cls,
        page: Page[tuple[models.Organisation, int]],
        count: Callable[[], Awaitable[int]],
        day: dt.date | None,
    ) -> OrganisationDescendantConnection:
        edges = [
            OrganisationDescendantEdge(
                cursor=cursor, depth=depth, node=dated(from_row("Organisation", row), day)
            )
            for cursor, (row, depth) in zip(page.cursors, page.items, strict=True)
        ]
        return cls(
            edges=edges,
            nodes=[edge.node for edge in edges],
            page_info=page_info_of(page),
            _count=count,
        )
