"""Notes and activities reachable by global ID, and the viewer's own activities."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.graphql.core.connections import After, Connection, First
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.node import register_loaded
from relgraph.graphql.history.loaders import activity_by_id, note_by_id
from relgraph.graphql.types.note import (
    Activity,
    ActivityStatus,
    Note,
    activities_connection,
)

__all__ = ["ActivityQueries"]


# A note is null when its party is hidden or its kind is not for this viewer.
register_loaded(Note, note_by_id)
register_loaded(Activity, activity_by_id)


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
    ) -> Connection[Activity]:
        return await activities_connection(info, info.context.viewer.id, "assignee", status, first, after)
