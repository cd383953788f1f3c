"""The audit trail and the timeline of a party as the API shows them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

import strawberry

from relgraph.db import models
from relgraph.domain import audit_trail, merge_report
from relgraph.graphql.core.connections import Connection, connection, page_request
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.list_bounds import at_most
from relgraph.graphql.core.node import party_kind_by_id
from relgraph.graphql.history.loaders import (
    audit_events_count,
    audit_events_page,
    party_sight_by_id,
    timeline_count,
    timeline_page,
)
from relgraph.graphql.types.note import Activity, Note
from relgraph.graphql.types.user import User, user_or_none

__all__ = ["AuditChange", "AuditEvent", "TimelineItem", "TimelineKind", "audit_connection", "timeline_connection"]

# More than any object has fields: a bound for the query cost, never reached.
MAX_CHANGES = 100


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
    action: str = strawberry.field(description="What was done: CREATE, UPDATE, DELETE, MERGE, MOVE, COMPLETE, ...")
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

    @strawberry.field(description="The staff user who made the change; null for system work.")
    async def actor(self, info: Info) -> User | None:
        return await user_or_none(info, self.actor_id)

    @strawberry.field(
        description=(
            "The changed fields, by name; financial and sensitive values masked unless you may "
            f"see them. At most {MAX_CHANGES} (no object has as many fields)."
        ),
        metadata=at_most(MAX_CHANGES),
    )
    async def changes(self, info: Info) -> list[AuditChange]:
        viewer = info.context.viewer
        report = merge_report.recorded_in(self.row.changes)
        sight = None
        if report is not None:
            # A merge's counts are the reader's: batched over the page's events by the loader.
            parties = merge_report.parties_to_look_up(report, self.row.party_id)
            seen = await info.context.loaders[party_sight_by_id].load_many(parties)
            sight = merge_report.sight_from(viewer, parties, seen)
        return [
            AuditChange(field=c.field, before=c.before, after=c.after, masked=c.masked)
            for c in audit_trail.shown_changes(self.row, viewer, sight)[:MAX_CHANGES]
        ]


@strawberry.enum(description="The kinds of item a party's timeline merges.")
class TimelineKind(enum.Enum):
    NOTE = "NOTE"
    ACTIVITY = "ACTIVITY"
    AUDIT = "AUDIT"


TimelineItem = Annotated[
    Note | Activity | AuditEvent,
    strawberry.union(
        "TimelineItem",
        description="One item of a party's timeline: a Note, an Activity or an AuditEvent.",
    ),
]

_CONVERT = {"NOTE": Note.from_row, "ACTIVITY": Activity.from_row, "AUDIT": AuditEvent.from_row}


async def audit_connection(info: Info, party_id: int, first: int | None, after: str | None) -> Connection[AuditEvent]:
    page = page_request(first, after)
    loaders = info.context.loaders
    rows = await loaders[audit_events_page].load((party_id, page))

    async def total() -> int:
        return await loaders[audit_events_count].load((party_id,))

    return connection(rows, AuditEvent.from_row, total)


async def timeline_connection(
    info: Info, party_id: int, kinds: list[TimelineKind] | None, first: int | None, after: str | None
) -> Connection[TimelineItem]:
    page = page_request(first, after)
    chosen = tuple(sorted({k.value for k in kinds})) if kinds is not None else ("ACTIVITY", "AUDIT", "NOTE")
    loaders = info.context.loaders
    rows = await loaders[timeline_page].load((party_id, chosen, page))

    async def total() -> int:
        return await loaders[timeline_count].load((party_id, chosen))

    return connection(rows, lambda item: _CONVERT[item.kind](item.row), total)
