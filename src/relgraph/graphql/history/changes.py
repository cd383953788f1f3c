"""The changes feed (`changes`): what changed, in commit order, for scripts that sync."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry

from relgraph.db import models
from relgraph.domain.history import feed_reads
from relgraph.graphql.core.connections import After, Before, Connection, First, Last, connection, page_request
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import Node, find

__all__ = ["Change", "ChangeKind", "ChangeQueries", "ChangedObjectType"]


@strawberry.enum(description="How an object changed.")
class ChangeKind(enum.Enum):
    CREATED = strawberry.enum_value("CREATED", description="The object was created.")
    UPDATED = strawberry.enum_value(
        "UPDATED",
        description=(
            "The object changed: its fields, its place (a membership relinked, a subsidiary "
            "moved), or what was merged into it."
        ),
    )
    MERGED = strawberry.enum_value(
        "MERGED",
        description=(
            "An organisation was merged into another, `survivorId`; it stays, archived, and "
            "what it had is on the survivor now."
        ),
    )
    DELETED = strawberry.enum_value(
        "DELETED", description="A membership or relation was deleted; its ID will not come back."
    )
    ERASED = strawberry.enum_value(
        "ERASED",
        description=(
            "A person's personal data was erased (AVG/GDPR); what is left is a tombstone that "
            'reads "Deleted contact". Drop every personal value you copied.'
        ),
    )


@strawberry.enum(description="The kinds of object the changes feed follows.")
class ChangedObjectType(enum.Enum):
    ORGANISATION = strawberry.enum_value("ORGANISATION", description="An Organisation.")
    PERSON = strawberry.enum_value("PERSON", description="A Person.")
    MEMBERSHIP = strawberry.enum_value("MEMBERSHIP", description="A Membership.")
    RELATION = strawberry.enum_value("RELATION", description="A Relation between two parties.")


@strawberry.type(
    description=(
        "One change in the feed: which object, how, when. It holds no values: read the "
        "object itself (`node`) for what it is now."
    )
)
class Change:
    row: strawberry.Private[Any]
    kind: ChangeKind = strawberry.field(description="How the object changed.")
    object_type: ChangedObjectType = strawberry.field(description="The kind of object that changed.")
    at: dt.datetime = strawberry.field(description="When the change was made (its transaction's clock).")

    @classmethod
    def from_row(cls, row: models.Change) -> Change:
        return cls(
            row=row,
            kind=ChangeKind[row.kind],
            object_type=ChangedObjectType[row.object_type.upper()],
            at=row.at,
        )

    @strawberry.field(description="The changed object's global ID, also when it no longer exists.")
    def object_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id(self.row.object_type, self.row.object_id))

    @strawberry.field(description="For MERGED: the global ID of the organisation it was merged into.")
    def survivor_id(self) -> strawberry.ID | None:
        if self.row.survivor_id is None:
            return None
        return strawberry.ID(encode_id("Organisation", self.row.survivor_id))

    @strawberry.field(
        description=(
            "The object as it is now; null when it no longer exists (deleted) or you may not "
            "see it now (a person who is no business relation any more, for most roles)."
        )
    )
    async def node(self, info: Info) -> Node | None:
        found: Node | None = await find(info, self.row.object_type, self.row.object_id)
        return found


@strawberry.type
class ChangeQueries:
    @strawberry.field(
        description=(
            "The changes feed: every creation, change, merge, deletion and erasure of the "
            "organisations, persons, memberships and relations you may see, oldest first, in "
            "the order their transactions committed. Keep the last cursor and ask again with "
            "`after:` it to get what changed since: a change never shows up behind a cursor "
            "handed out before it. A change on something you may not see (now) is left out, "
            "from the pages and the count alike. `last: 1` gives the cursor of the newest "
            "change, to start following from now."
        )
    )
    async def changes(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Change]:
        page = page_request(first, after, last, before)
        viewer = info.context.viewer
        rows = await info.context.read(feed_reads.list_page, viewer=viewer, page=page)

        async def total() -> int:
            return await info.context.read(feed_reads.count_all, viewer=viewer)

        return connection(rows, Change.from_row, total)
