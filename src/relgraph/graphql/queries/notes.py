"""Notes and activities reachable by global ID, and the viewer's own activities."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.graphql.core.connections import After, Connection, First
from relgraph.graphql.core.context import Info
from relgraph.graphql.queries.node import register_node_type
from relgraph.graphql.types.note import (
    Activity,
    ActivityStatus,
    Note,
    activities_connection,
)

__all__ = ["ActivityQueries", "activity_or_none", "note_or_none"]


async def note_or_none(info: Info, pk: int) -> Note | None:
    """Load note `pk`: null when its party is hidden or its kind is not for this viewer."""
    row = await info.context.loaders.note_by_id.load(pk)
    return Note.from_row(row) if row else None


async def activity_or_none(info: Info, pk: int) -> Activity | None:
    row = await info.context.loaders.activity_by_id.load(pk)
    return Activity.from_row(row) if row else None


register_node_type("Note", note_or_none)
register_node_type("Activity", activity_or_none)


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
