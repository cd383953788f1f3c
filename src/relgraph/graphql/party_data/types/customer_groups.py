"""Customer groups (klantgroepen) and their members."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from relgraph.domain.party_data.groups import MemberFilter
from relgraph.graphql.core.connections import (
    After,
    Before,
    First,
    Last,
    PageInfo,
    page_info_of,
    page_request,
)
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import PartyKind
from relgraph.graphql.core.ids import encode_id, parse_id_filter
from relgraph.graphql.core.node import LazyParty, Node, party_or_none, register_loaded
from relgraph.graphql.party_data.loaders import customer_group_by_id, group_members_count, group_members_page

if TYPE_CHECKING:
    from relgraph.db import models

__all__ = ["CustomerGroup", "CustomerGroupMemberConnection", "GroupIds", "group_ids"]

GroupIds = "Only parties in at least one of these customer groups (CustomerGroup IDs)."


def group_ids(ids: list[strawberry.ID] | None, argument: str = "groupIds") -> tuple[int, ...] | None:
    """Decode a filter's customer group IDs; a malformed one is a client error."""
    return parse_id_filter(ids, "CustomerGroup", argument)


@strawberry.type(description="A party in a customer group.")
class CustomerGroupMemberEdge:
    cursor: str = strawberry.field(description="Opaque position; pass as `after`.")
    node: LazyParty = strawberry.field(description="The organisation or person.")


@strawberry.type(description="A page of a customer group's members, organisations and persons by name.")
class CustomerGroupMemberConnection:
    edges: list[CustomerGroupMemberEdge] = strawberry.field(
        description="The members of this page with their cursors."
    )
    nodes: list[LazyParty] = strawberry.field(description="The members of this page.")
    page_info: PageInfo = strawberry.field(description="Whether there is more.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many members you may see, on all pages together.")
    async def total_count(self) -> int:
        return await self._count()


@strawberry.type(
    description=(
        "A customer group (klantgroep): a named set of organisations and persons, e.g. for a "
        "mailing list or a campaign. Domain data, managed by ADMIN; a party belongs to any "
        "number of groups."
    )
)
class CustomerGroup(Node):
    pk: strawberry.Private[int]
    name: str = strawberry.field(description="Name of the group, unique.")
    description: str | None = strawberry.field(description="What the group is for.")
    active: bool = strawberry.field(
        description="Inactive groups keep their members but take no new ones and are not listed unless asked."
    )
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")
    created_at: dt.datetime = strawberry.field(description="When the group was made.")

    @classmethod
    def from_row(cls, row: models.CustomerGroup) -> CustomerGroup:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("CustomerGroup", row.id)),
            name=row.name,
            description=row.description,
            active=row.active,
            version=row.version,
            created_at=row.created_at,
        )

    @strawberry.field(
        description=(
            "The organisations and persons in the group, by name (persons by last name). "
            "Persons you may not see are left out, also from the total; deactivated persons "
            "only with includeInactive."
        )
    )
    async def members(
        self,
        info: Info,
        kind: Annotated[
            PartyKind | None, strawberry.argument(description="Only organisations, or only persons.")
        ] = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Also list archived organisations.")
        ] = False,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Also list deactivated persons.")
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> CustomerGroupMemberConnection:
        page = page_request(first, after, last, before)
        flt = MemberFilter(
            kind=kind.value if kind else None,
            include_archived=include_archived,
            include_inactive=include_inactive,
        )
        loaders = info.context.loaders
        rows = await loaders[group_members_page].load((self.pk, flt, page))
        # Gathered, so that the loaders fetch each page's organisations and persons at once.
        parties: list[Any] = list(await asyncio.gather(*(party_or_none(info, k, pk) for k, pk in rows.items)))

        async def total() -> int:
            return await loaders[group_members_count].load((self.pk, flt))

        # A member that vanished between the two queries is left out rather than shown as null.
        kept = [(c, p) for c, p in zip(rows.cursors, parties, strict=True) if p is not None]
        return CustomerGroupMemberConnection(
            edges=[CustomerGroupMemberEdge(cursor=c, node=p) for c, p in kept],
            nodes=[p for _, p in kept],
            page_info=page_info_of(rows),
            _count=total,
        )


register_loaded(CustomerGroup, customer_group_by_id)
