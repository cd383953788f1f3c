"""Root fields of a party's history: the viewer's own activities."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.graphql.core.connections import After, Before, Connection, First, Last, page_request
from relgraph.graphql.core.context import Info
from relgraph.graphql.history.types import Activity, ActivityStatus, activities_connection

__all__ = ["ActivityQueries"]


@strawberry.type
class ActivityQueries:
    @strawberry.field(
        description=(
            "The activities assigned to you, on every party you may see. With status PLANNED "
            "or OVERDUE the soonest due come first: your to-do list."
        )
    )
    async def my_activities(
        self,
        info: Info,
        status: Annotated[
            ActivityStatus | None, strawberry.argument(description="Only PLANNED, OVERDUE or DONE ones.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Activity]:
        page = page_request(first, after, last, before)
        return await activities_connection(info, info.context.viewer.id, "assignee", status, page)
