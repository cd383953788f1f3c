"""Notes and activities on parties: write, change, complete, remove."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.history import activities, notes
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id, parse_party_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.payloads import DeletePayload, perform
from relgraph.graphql.history.types import Activity, ActivityKind, Note, NoteKind
from relgraph.policy import Write

__all__ = ["NoteMutations"]

_EXPECTED = "The version you last saw; if someone changed it since, you get CONFLICT."


@strawberry.input(description="A new note on a party.")
class AddNoteInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation or person.")
    kind: NoteKind = strawberry.field(
        default=NoteKind.GENERAL,
        description="GENERAL (default), INTERNAL (ADMIN and TEAM only) or PRICE_AGREEMENT (needs FINANCE).",
    )
    body: str = strawberry.field(
        description=f"The text, at most {notes.MAX_BODY} characters; newlines are kept."
    )


@strawberry.input(description="Changes to a note; only the fields you send change.")
class UpdateNoteInput:
    id: strawberry.ID = strawberry.field(description="The note.")
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED)
    kind: NoteKind | None = strawberry.field(default=UNSET, description="A new kind you may write.")
    body: str | None = strawberry.field(default=UNSET, description="The new text; it cannot be empty.")


@strawberry.input(description="Identifies one note.")
class RemoveNoteInput:
    id: strawberry.ID = strawberry.field(description="The note.")
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED)


@strawberry.type(description="Result of a mutation on a note.")
class NotePayload:
    note: Note | None = strawberry.field(
        default=None, description="The note after the change; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


@strawberry.input(description="A new activity on a party: planned, or logged as done with doneAt.")
class AddActivityInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation or person.")
    kind: ActivityKind = strawberry.field(
        default=ActivityKind.TASK, description="TASK (default), CALL or MEETING."
    )
    subject: str = strawberry.field(description="What it is about, at most 200 characters.")
    body: str | None = strawberry.field(default=None, description="Details, minutes or an agenda.")
    due_at: dt.datetime | None = strawberry.field(
        default=None, description="When it is due or planned, with its UTC offset."
    )
    done_at: dt.datetime | None = strawberry.field(
        default=None, description="When it was done, to log work already done (not in the future)."
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="The (active) staff user who is to do it."
    )


@strawberry.input(description="Changes to an activity; only the fields you send change.")
class UpdateActivityInput:
    id: strawberry.ID = strawberry.field(description="The activity.")
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED)
    kind: ActivityKind | None = strawberry.field(default=UNSET, description="TASK, CALL or MEETING.")
    subject: str | None = strawberry.field(default=UNSET, description="A new subject; it cannot be empty.")
    body: str | None = strawberry.field(default=UNSET, description="New details; null clears them.")
    due_at: dt.datetime | None = strawberry.field(default=UNSET, description="A new due time; null for none.")
    done_at: dt.datetime | None = strawberry.field(
        default=UNSET, description="When it was done; null reopens a done activity."
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Another (active) staff user; null leaves it unassigned."
    )


@strawberry.input(description="The activity to mark done.")
class CompleteActivityInput:
    id: strawberry.ID = strawberry.field(description="The activity.")
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED)


@strawberry.input(description="The activity to delete.")
class RemoveActivityInput:
    id: strawberry.ID = strawberry.field(description="The activity.")
    expected_version: int | None = strawberry.field(default=None, description=_EXPECTED)


@strawberry.type(description="Result of a mutation on an activity.")
class ActivityPayload:
    activity: Activity | None = strawberry.field(
        default=None, description="The activity after the change; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


def _assignee(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("assignee_id") is not None:
        data["assignee_id"] = parse_id(data["assignee_id"], "User", "assigneeId")
    return data


_ACTIVITY_FIELDS = {
    "kind": "kind",
    "subject": "subject",
    "body": "body",
    "due_at": "due_at",
    "done_at": "done_at",
    "assignee_id": "assignee_id",
}


@strawberry.type
class NoteMutations:
    @strawberry.mutation(
        description=(
            "Write a note on a party you can see. Roles that may write (not READONLY) write "
            "GENERAL notes; INTERNAL ones need ADMIN or TEAM, PRICE_AGREEMENT ones FINANCE "
            "(else FORBIDDEN at `kind`). An empty body is INVALID."
        )
    )
    async def add_note(
        self, info: Info, input: Annotated[AddNoteInput, strawberry.argument(description=INPUT)]
    ) -> NotePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await notes.add(
                session,
                actor=info.context.viewer,
                party=parse_party_id(input.party_id, "partyId"),
                data={"kind": input.kind.value, "body": input.body},
            )
            return {"note": Note.from_row(row)}

        return await perform(info, NotePayload, Write.NOTE, change)

    @strawberry.mutation(description="Change a note's text or kind (to a kind you may write).")
    async def update_note(
        self, info: Info, input: Annotated[UpdateNoteInput, strawberry.argument(description=INPUT)]
    ) -> NotePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = provided(input, {"kind": "kind", "body": "body"})
            if data.get("kind") is not None:
                data["kind"] = data["kind"].value
            row = await notes.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Note", "id"),
                data=data,
                expected_version=input.expected_version,
            )
            return {"note": Note.from_row(row)}

        return await perform(info, NotePayload, Write.NOTE, change)

    @strawberry.mutation(description="Delete a note; the audit trail keeps what it said.")
    async def remove_note(
        self, info: Info, input: Annotated[RemoveNoteInput, strawberry.argument(description=INPUT)]
    ) -> DeletePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            await notes.remove(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Note", "id"),
                expected_version=input.expected_version,
            )
            return {"deleted_id": input.id}

        return await perform(info, DeletePayload, Write.NOTE, change)

    @strawberry.mutation(
        description="Plan a task, call or meeting on a party you can see (or log one done, with doneAt)."
    )
    async def add_activity(
        self, info: Info, input: Annotated[AddActivityInput, strawberry.argument(description=INPUT)]
    ) -> ActivityPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = _assignee(
                {
                    "kind": input.kind.value,
                    "subject": input.subject,
                    "body": input.body,
                    "due_at": input.due_at,
                    "done_at": input.done_at,
                    "assignee_id": input.assignee_id,
                }
            )
            row = await activities.add(
                session, actor=info.context.viewer, party=parse_party_id(input.party_id, "partyId"), data=data
            )
            return {"activity": Activity.from_row(row)}

        return await perform(info, ActivityPayload, Write.ACTIVITY, change)

    @strawberry.mutation(description="Change an activity; doneAt null reopens a done one.")
    async def update_activity(
        self, info: Info, input: Annotated[UpdateActivityInput, strawberry.argument(description=INPUT)]
    ) -> ActivityPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = _assignee(provided(input, _ACTIVITY_FIELDS))
            if data.get("kind") is not None:
                data["kind"] = data["kind"].value
            row = await activities.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Activity", "id"),
                data=data,
                expected_version=input.expected_version,
            )
            return {"activity": Activity.from_row(row)}

        return await perform(info, ActivityPayload, Write.ACTIVITY, change)

    @strawberry.mutation(description="Mark an activity done now (doneAt); one done already stays as it was.")
    async def complete_activity(
        self, info: Info, input: Annotated[CompleteActivityInput, strawberry.argument(description=INPUT)]
    ) -> ActivityPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await activities.complete(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Activity", "id"),
                expected_version=input.expected_version,
            )
            return {"activity": Activity.from_row(row)}

        return await perform(info, ActivityPayload, Write.ACTIVITY, change)

    @strawberry.mutation(description="Delete an activity; the audit trail keeps what it was.")
    async def remove_activity(
        self, info: Info, input: Annotated[RemoveActivityInput, strawberry.argument(description=INPUT)]
    ) -> DeletePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            await activities.remove(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Activity", "id"),
                expected_version=input.expected_version,
            )
            return {"deleted_id": input.id}

        return await perform(info, DeletePayload, Write.ACTIVITY, change)
