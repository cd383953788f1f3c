"""A party's history as the API shows it: notes, activities, the audit trail, and the
timeline that merges them; with their connections on a party."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Annotated, Any

import strawberry

from relgraph.db import models
from relgraph.db.pagination import PageRequest
from relgraph.domain.history import activities, audit_reads
from relgraph.domain.organisations.merging.report import parties_to_look_up, recorded_in, sight_from
from relgraph.graphql.core.connections import Connection, connection, loaded_page
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import OrderDirection, described_enum
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.list_bounds import at_most
from relgraph.graphql.core.node import (
    Node,
    owning_party,
    party_kind_by_id,
    register_loaded,
)
from relgraph.graphql.history.loaders import (
    activities_count,
    activities_page,
    activity_by_id,
    audit_events_count,
    audit_events_page,
    note_by_id,
    notes_count,
    notes_page,
    party_sight_by_id,
    timeline_count,
    timeline_page,
)
from relgraph.graphql.users.types import staff_user

__all__ = [
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "AuditChange",
    "AuditEvent",
    "Note",
    "NoteKind",
    "TimelineItem",
    "TimelineKind",
    "TimelineOrder",
    "TimelineOrderField",
    "activities_connection",
    "audit_connection",
    "notes_connection",
    "timeline_connection",
]

# More than any object has fields: a bound for the query cost, never reached.
MAX_CHANGES = 100

NoteKind = models.NoteKind
described_enum(
    NoteKind,
    values={
        "GENERAL": "A general note (algemene notitie): everyone who sees the party reads it.",
        "INTERNAL": "An internal note (interne notitie): read and written by ADMIN and TEAM only.",
        "PRICE_AGREEMENT": "A price agreement (prijsafspraak): financial, read and written only with FINANCE.",
    },
    description=(
        "What a note is: GENERAL (algemene notitie; everyone who sees the party reads it), "
        "INTERNAL (interne notitie; read and written by ADMIN and TEAM only) or "
        "PRICE_AGREEMENT (prijsafspraken; financial: read and written only with FINANCE)."
    ),
)
ActivityKind = models.ActivityKind
described_enum(
    ActivityKind,
    values={
        "TASK": "A task (taak): something to do by its due time.",
        "CALL": "A phone call (telefoongesprek), planned or made.",
        "MEETING": "A meeting (afspraak), planned or held.",
    },
    description="What an activity is: a TASK (taak), a CALL (telefoongesprek) or a MEETING (afspraak).",
)
ActivityStatus = activities.Status
described_enum(
    ActivityStatus,
    values={
        "PLANNED": "Open and not past its due time (or without one): lopend.",
        "OVERDUE": "Open and past its due time.",
        "DONE": "Done: doneAt is set (gereed).",
    },
    name="ActivityStatus",
    description=(
        "Where an activity stands: PLANNED (open, not past its due time; lopend), OVERDUE "
        "(open and past its due time) or DONE (doneAt set; gereed)."
    ),
)


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

    author = staff_user("created_by_id", "Who wrote the note (the same as createdBy), when known.")

    created_by = staff_user("created_by_id", "Who wrote the note, when known.")

    updated_by = staff_user("updated_by_id", "Who last changed the note, when known.")

    party = owning_party("The party the note is about.")


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
    due_at: dt.datetime | None = strawberry.field(
        description="When it is due or planned; null for no deadline."
    )
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

    assignee = staff_user("assignee_id", "The staff user who is to do it, if anyone.")

    created_by = staff_user("created_by_id", "Who recorded the activity, when known.")

    updated_by = staff_user("updated_by_id", "Who last changed the activity, when known.")

    party = owning_party("The party the activity is about.")


async def notes_connection(
    info: Info, party_id: int, kinds: list[Any] | None, page: PageRequest
) -> Connection[Note]:
    """The notes of one party that the viewer may read, through the batching loaders."""
    chosen = None if kinds is None else tuple(sorted({k.value for k in kinds}))
    rows, total = await loaded_page(info, notes_page, notes_count, (party_id, chosen), page)
    return connection(rows, Note.from_row, total)


async def activities_connection(
    info: Info, owner_id: int, by: str, status: Any, page: PageRequest
) -> Connection[Activity]:
    """The activities of one party (by="party") or assignee (by="assignee"), batched."""
    chosen = None if status is None else activities.Status(status.value)
    rows, total = await loaded_page(info, activities_page, activities_count, (owner_id, by, chosen), page)
    return connection(rows, Activity.from_row, total)


@strawberry.type(description="One changed field of an audit event, with its value before and after.")
class AuditChange:
    field: str = strawberry.field(description="The field's name as stored (snake_case), e.g. credit_limit.")
    before: str | None = strawberry.field(
        description="The value before, as JSON (a string is quoted); null when there was none or it is masked."
    )
    after: str | None = strawberry.field(
        description="The value after, as JSON; null when there is none (a deletion) or it is masked."
    )
    masked: bool = strawberry.field(
        description=(
            "True when you may not see these values (R4: financial ones need FINANCE, the BSN "
            "SENSITIVE). The change itself is still shown."
        )
    )


@strawberry.type(
    description=(
        "One change recorded in the audit trail (R6): who did what to which object, when, and "
        "the fields it changed. Bulk work records one event per object it changed."
    )
)
class AuditEvent:
    pk: strawberry.Private[int]
    actor_id: strawberry.Private[int | None]
    row: strawberry.Private[Any]
    at: dt.datetime = strawberry.field(description="When the change was committed.")
    object_type: str = strawberry.field(
        description="The kind of object changed, e.g. Organisation, Membership, Note, SalesRelation."
    )
    action: str = strawberry.field(
        description="What was done: CREATE, UPDATE, DELETE, MERGE, MOVE, COMPLETE, ..."
    )
    reason: str | None = strawberry.field(description="Why, when the change says so (merges, deletions).")

    @classmethod
    def from_row(cls, row: models.AuditEvent) -> AuditEvent:
        return cls(
            pk=row.id,
            actor_id=row.actor_id,
            row=row,
            at=row.at,
            object_type=row.object_type,
            action=row.action,
            reason=row.reason,
        )

    @strawberry.field(
        description=(
            "The changed object's global ID (it may no longer exist, e.g. after a DELETE); a "
            "change to a party as a whole (objectType Party) gives the Organisation or Person ID."
        )
    )
    async def object_id(self, info: Info) -> strawberry.ID:
        type_name = self.row.object_type
        if type_name == "Party":
            kind = await info.context.loaders[party_kind_by_id].load(self.row.object_id)
            type_name = "Person" if kind == "PERSON" else "Organisation"
        return strawberry.ID(encode_id(type_name, self.row.object_id))

    actor = staff_user("actor_id", "The staff user who made the change; null for system work.")

    @strawberry.field(
        description=(
            "The changed fields, by name; financial and sensitive values masked unless you may "
            f"see them. At most {MAX_CHANGES} (no object has as many fields)."
        ),
        metadata=at_most(MAX_CHANGES),
    )
    async def changes(self, info: Info) -> list[AuditChange]:
        viewer = info.context.viewer
        report = recorded_in(self.row.changes)
        sight = None
        if report is not None:
            # A merge's counts are the reader's: batched over the page's events by the loader.
            parties = parties_to_look_up(report, self.row.party_id)
            seen = await info.context.loaders[party_sight_by_id].load_many(parties)
            sight = sight_from(viewer, parties, seen)
        return [
            AuditChange(field=c.field, before=c.before, after=c.after, masked=c.masked)
            for c in audit_reads.shown_changes(self.row, viewer, sight)[:MAX_CHANGES]
        ]


@strawberry.enum(description="The kinds of item a party's timeline merges.")
class TimelineKind(enum.Enum):
    NOTE = strawberry.enum_value("NOTE", description="Notes on the party that you may read.")
    ACTIVITY = strawberry.enum_value(
        "ACTIVITY", description="Activities (tasks, calls, meetings) on the party."
    )
    AUDIT = strawberry.enum_value("AUDIT", description="Audit events of the party that you may see.")


TimelineItem = Annotated[
    Note | Activity | AuditEvent,
    strawberry.union(
        "TimelineItem",
        description="One item of a party's timeline: a Note, an Activity or an AuditEvent.",
    ),
]

_CONVERT: dict[str, Callable[[Any], TimelineItem]] = {
    "NOTE": Note.from_row,
    "ACTIVITY": Activity.from_row,
    "AUDIT": AuditEvent.from_row,
}


async def audit_connection(info: Info, party_id: int, page: PageRequest) -> Connection[AuditEvent]:
    rows, total = await loaded_page(info, audit_events_page, audit_events_count, (party_id,), page)
    return connection(rows, AuditEvent.from_row, total)


@strawberry.enum(description="Fields a timeline can be sorted on.")
class TimelineOrderField(enum.Enum):
    TIME = strawberry.enum_value(
        "TIME",
        description="When the item happened: a note or activity when recorded, an event when committed.",
    )


@strawberry.input(description="Sort order of a timeline.")
class TimelineOrder:
    field: TimelineOrderField = strawberry.field(
        default=TimelineOrderField.TIME, description="What to sort on."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="DESC (newest first, the default) or ASC (oldest first)."
    )


async def timeline_connection(
    info: Info,
    party_id: int,
    kinds: list[TimelineKind] | None,
    order_by: TimelineOrder | None,
    page: PageRequest,
) -> Connection[TimelineItem]:
    chosen = tuple(sorted({k.name for k in kinds})) if kinds is not None else ("ACTIVITY", "AUDIT", "NOTE")
    newest_first = (order_by or TimelineOrder()).direction is OrderDirection.DESC
    key = (party_id, chosen)
    rows, total = await loaded_page(info, timeline_page, timeline_count, key, page, newest_first)
    return connection(rows, lambda item: _CONVERT[item.kind](item.row), total)


# A note is null when its party is hidden or its kind is not for this viewer.
register_loaded(Note, note_by_id)
register_loaded(Activity, activity_by_id)
