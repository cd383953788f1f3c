"""The root list of memberships."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.domain.memberships import listing
from relgraph.graphql.core.connections import After, Before, Connection, First, Last, connection, page_request
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.inputs import LinkListFilter, since
from relgraph.graphql.memberships.types import Membership

__all__ = ["MembershipQueries"]


@strawberry.type
class MembershipQueries:
    @strawberry.field(
        description=(
            "Every membership, oldest first (an organisation's or a person's own are on them): "
            "with filter.updatedSince, what a sync script fetches again. Only those in force "
            "today unless filter.includeInactive."
        )
    )
    async def memberships(
        self,
        info: Info,
        filter: Annotated[
            LinkListFilter | None, strawberry.argument(description="Which memberships.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Membership]:
        page = page_request(first, after, last, before)
        flt = filter or LinkListFilter()
        domain_filter = listing.ListFilter(
            include_inactive=flt.include_inactive,
            created_since=since(flt.created_since, "filter.createdSince"),
            updated_since=since(flt.updated_since, "filter.updatedSince"),
        )
        rows = await info.context.read(listing.list_page, flt=domain_filter, page=page)

        async def total() -> int:
            return await info.context.read(listing.count_all, flt=domain_filter)

        return connection(rows, Membership.from_row, total)
