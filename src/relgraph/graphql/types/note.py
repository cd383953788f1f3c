"""Notes and activities as the API shows them, and their connections on a party."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from relgraph.db import models
from relgraph.domain import activities
from relgraph.graphql.core.connections import Connection, connection, page_request
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import Node
from relgraph.graphql.history.loaders import activities_count, activities_page, notes_count, notes_page
from relgraph.graphql.types.user import User, user_or_none

if TYPE_CHECKING:
    from relgraph.graphql.types.party import Party

__all__ = [
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "Note",
    "NoteKind",
    "activities_connection",
    "notes_connection",
]

NoteKind = strawberry.enum(
    models.NoteKind,
    description=(
        "What a note is: GENERAL (algemene notitie; everyone who sees the party reads it), "
        "INTERNAL (interne notitie; read and written by ADMIN and TEAM only) or "
        "PRICE_AGREEMENT (prijsafspraken; financial: read and written only with FINANCE)."
    ),
)
ActivityKind = strawberry.enum(
    models.ActivityKind, description="What an activity is: a TASK (taak), a CALL (telefoongesprek) or a MEETING (afspraak)."
)
ActivityStatus = strawberry.enum(
    activities.Status,
    name="ActivityStatus",
    description=(
        "Where an activity stands: PLANNED (open, not past its due time; lopend), OVERDUE "
        "(open and past its due time) or DONE (doneAt set; gereed)."
    ),
)

LazyParty = Annotated["Party", strawberry.lazy("relgraph.graphql.types.party")]


async def _party(info: Info, party_id: int) -> Any:
    from relgraph.graphql.types.relation import party_by_id

    return await party_by_id(info, party_id)


@strawberry.type(
    description=(
        "A note (notitie) on a party. Who reads it depends on its kind (see NoteKind); a "
        "note you may not read is, to you, a note that does not exist."
    )
)
class Note(Node):
    pk: strawberry.Private[int]
    party_id: strawberry.Private[int]
    created_by_id: strawberry.Private[int | None]
    updated_by_id: strawberry.Private[int | None]
    kind: NoteKind = strawberry.field(description="GENERAL, INTERNAL or PRICE_AGREEMENT.")
    body: str = strawberry.field(description="The text of the note; newlines are kept.")
    created_at: dt.datetime = strawberry.field(description="When the note was written.")
    updated_at: dt.datetime = strawberry.field(description="When it was last changed.")
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")

    @classmethod
    def from_row(cls, row: models.Note) -> Note:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("Note", row.id)),
            party_id=row.party_id,
            created_by_id=row.created_by_id,
            updated_by_id=row.updated_by_id,
            kind=NoteKind(row.kind),
            body=row.body,
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
        )

    @strawberry.field(description="Who wrote the note (the same as createdBy), when known.")
    async def author(self, info: Info) -> User | None:
        return await user_or_none(info, self.created_by_id)

    @strawberry.field(description="Who wrote the note, when known.")
    async def created_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.created_by_id)

    @strawberry.field(description="Who last changed the note, when known.")
    async def updated_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.updated_by_id)

    @strawberry.field(description="The party the note is about.")
    async def party(self, info: Info) -> LazyParty | None:
        return await _party(info, self.party_id)


@strawberry.type(
    description=(
        "An activity (activiteit) about a party: a task, call or meeting, planned until it is "
        "done. Everyone who sees the party sees its activities."
    )
)
class Activity(Node):
    pk: strawberry.Private[int]
    party_id: strawberry.Private[int]
    assignee_id: strawberry.Private[int | None]
    created_by_id: strawberry.Private[int | None]
    updated_by_id: strawberry.Private[int | None]
    kind: ActivityKind = strawberry.field(description="TASK, CALL or MEETING.")
    subject: str = strawberry.field(description="What it is about, in one line.")
    body: str | None = strawberry.field(description="Details, minutes or an agenda; newlines are kept.")
    due_at: dt.datetime | None = strawberry.field(description="When it is due or planned; null for no deadline.")
    done_at: dt.datetime | None = strawberry.field(description="When it was done; null while it is open.")
    status: ActivityStatus = strawberry.field(description="PLANNED, OVERDUE or DONE, as of now.")
    created_at: dt.datetime = strawberry.field(description="When the activity was recorded.")
    updated_at: dt.datetime = strawberry.field(description="When it was last changed.")
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")

    @classmethod
    def from_row(cls, row: models.Activity) -> Activity:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("Activity", row.id)),
            party_id=row.party_id,
            assignee_id=row.assignee_id,
            created_by_id=row.created_by_id,
            updated_by_id=row.updated_by_id,
            kind=ActivityKind(row.kind),
            subject=row.subject,
            body=row.body,
            due_at=row.due_at,
            done_at=row.done_at,
            status=activities.status_of(row, dt.datetime.now(dt.UTC)),
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
        )

    @strawberry.field(description="The staff user who is to do it, if anyone.")
    async def assignee(self, info: Info) -> User | None:
        return await user_or_none(info, self.assignee_id)

    @strawberry.field(description="Who recorded the activity, when known.")
    async def created_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.created_by_id)

    @strawberry.field(description="Who last changed the activity, when known.")
    async def updated_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.updated_by_id)

    @strawberry.field(description="The party the activity is about.")
    async def party(self, info: Info) -> LazyParty | None:
        return await _party(info, self.party_id)


async def notes_connection(
    info: Info, party_id: int, kinds: list[Any] | None, first: int | None, after: str | None
) -> Connection[Note]:
    """The notes of one party that the viewer may read, through the batching loaders."""
    page = page_request(first, after)
    chosen = None if kinds is None else tuple(sorted({k.value for k in kinds}))
    loaders = info.context.loaders
    rows = await loaders[notes_page].load((party_id, chosen, page))

    async def total() -> int:
        return await loaders[notes_count].load((party_id, chosen))

    return connection(rows, Note.from_row, total)


async def activities_connection(
    info: Info, owner_id: int, by: str, status: Any, first: int | None, after: str | None
) -> Connection[Activity]:
    """The activities of one party (by="party") or assignee (by="assignee"), batched."""
    page = page_request(first, after)
    chosen = None if status is None else activities.Status(status.value)
    loaders = info.context.loaders
    rows = await loaders[activities_page].load((owner_id, by, chosen, page))

    async def total() -> int:
        return await loaders[activities_count].load((owner_id, by, chosen))

    return connection(rows, Activity.from_row, total)
