"""Delete a person for good (ADMIN): erase the personal data, keep a "Deleted contact" tombstone."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain import person_deletion
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id
from relgraph.graphql.core.inputs import INPUT
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.types.person import Person
from relgraph.policy import Write

__all__ = ["PersonDeletionMutations"]

logger = logging.getLogger("relgraph.graphql")


@strawberry.input(description="Which person to delete, and the confirmation that it cannot be undone.")
class DeletePersonInput:
    id: strawberry.ID = strawberry.field(description="The person to delete.")
    confirm: bool = strawberry.field(
        description="Must be true: deleting erases the personal data for good (INVALID otherwise)."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you last saw; if someone changed the person since, you get CONFLICT.",
    )


@strawberry.type(description="Result of deletePerson.")
class DeletePersonPayload:
    person: Person | None = strawberry.field(
        default=None,
        description='The tombstone left behind ("Deleted contact"); null when userErrors is not empty.',
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


@strawberry.type
class PersonDeletionMutations:
    @strawberry.mutation(
        description=(
            "Delete a person, irreversibly (ADMIN only; others get FORBIDDEN). Erased: names, "
            "gender, title, initials, birth date, BSN, contact means, bank accounts, addresses, "
            "documents (and their files unless another party's document has the same content), "
            "employee data, party types, customer groups, the business email and phones of its "
            "memberships, the texts of its notes and activities and its relations' notes, and all "
            "these values (and the reasons given) in the audit trail. The memberships end today; "
            "their job title, department, role and tags stay, the organisation's history. "
            'What is left is a tombstone named "Deleted contact", so memberships history, '
            "relations, notes and audit events that refer to it still read sensibly; it is in "
            "no search or list, and changing it is NOT_FOUND. To hide a person reversibly, "
            "set `active: false` with updatePerson instead."
        )
    )
    async def delete_person(
        self, info: Info, input: Annotated[DeletePersonInput, strawberry.argument(description=INPUT)]
    ) -> DeletePersonPayload:
        done: list[person_deletion.Deletion] = []

        async def change(session: AsyncSession) -> dict[str, Any]:
            deletion = await person_deletion.delete_person(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Person", "id"),
                confirm=input.confirm,
                expected_version=input.expected_version,
            )
            done.append(deletion)
            return {"person": Person.from_row(deletion.person)}

        payload = await perform(info, DeletePersonPayload, Write.DELETE_PERSON, change)
        if done and not payload.user_errors:
            # Only once the rows are gone for good: a rolled-back deletion must find its files.
            try:
                await info.context.read(person_deletion.remove_files, info.context.store, done[0])
            except OSError:
                # The rows are gone; `relgraph documents cleanup` removes what is left.
                logger.exception("removing the files of deleted person %s failed", input.id)
        return payload
