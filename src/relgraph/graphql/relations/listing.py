"""The root list of relations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.domain.relations import listing
from relgraph.graphql.core.connections import After, Before, Connection, First, Last, connection, page_request
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.inputs import LinkListFilter, since
from relgraph.graphql.relations.types.relations import Relation

__all__ = ["RelationQueries"]


@strawberry.type
class RelationQueries:
    @strawberry.field(
        description=(
            "Every relation you may see (both parties visible), oldest first, as from its "
            "source (a party's own are on the party, from its side): with filter.updatedSince, "
            "what a sync script fetches again. Only those in force today unless "
            "filter.includeInactive."
        )
    )
    async def relations(
        self,
        info: Info,
        filter: Annotated[LinkListFilter | None, strawberry.argument(description="Which relations.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Relation]:
        page = page_request(first, after, last, before)
        flt = filter or LinkListFilter()
        domain_filter = listing.ListFilter(
            include_inactive=flt.include_inactive,
            created_since=since(flt.created_since, "filter.createdSince"),
            updated_since=since(flt.updated_since, "filter.updatedSince"),
        )
        viewer = info.context.viewer
        rows = await info.context.read(listing.list_page, viewer=viewer, flt=domain_filter, page=page)

        async def total() -> int:
            return await info.context.read(listing.count_all, viewer=viewer, flt=domain_filter)

        return connection(rows, Relation.from_row, total)
