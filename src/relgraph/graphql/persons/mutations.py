"""Create and update persons; delete one for good (ADMIN): erase the personal data, keep a
"Deleted contact" tombstone."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.persons import persons
from relgraph.domain.persons.deletion import Deletion, delete_person, remove_files
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.persons.types import Gender, Person
from relgraph.policy import Write

__all__ = ["CreatePersonInput", "PersonDeletionMutations", "PersonMutations", "person_data"]

logger = logging.getLogger("relgraph.graphql")

PERSON_FIELDS = {
    "gender": "gender",
    "title": "title",
    "initials": "initials",
    "first_name": "first_name",
    "infix": "infix",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "birth_date": "birth_date",
    "bsn": "bsn",
}

_D = "Leave out to keep the current value; null clears it."


@strawberry.input(description="A new person. Only the last name is required.")
class CreatePersonInput:
    last_name: str = strawberry.field(description="Last name without the infix, e.g. 'Berg'.")
    first_name: str | None = strawberry.field(default=None, description="First name.")
    infix: str | None = strawberry.field(default=None, description="Tussenvoegsel, e.g. 'van der'.")
    initials: str | None = strawberry.field(default=None, description="Initials, e.g. 'J.P.'.")
    title: str | None = strawberry.field(default=None, description="Title, e.g. 'dr.'.")
    gender: Gender = strawberry.field(default=Gender.UNKNOWN, description="Gender.")
    email: str | None = strawberry.field(default=None, description="Private email address.")
    phone: str | None = strawberry.field(default=None, description="Private phone number.")
    birth_date: dt.date | None = strawberry.field(
        default=None, description="Date of birth (not in the future)."
    )
    bsn: str | None = strawberry.field(
        default=None, description="BSN: 9 digits passing the 11-check, with or without dots and spaces."
    )


@strawberry.input(description="Changes to a person; only the fields you send change.")
class UpdatePersonInput:
    id: strawberry.ID = strawberry.field(description="The person to change.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you last saw; if someone changed it since, you get CONFLICT and nothing changes.",
    )
    last_name: str | None = strawberry.field(default=UNSET, description="Last name; cannot be cleared.")
    first_name: str | None = strawberry.field(default=UNSET, description=f"First name. {_D}")
    infix: str | None = strawberry.field(default=UNSET, description=f"Tussenvoegsel. {_D}")
    initials: str | None = strawberry.field(default=UNSET, description=f"Initials. {_D}")
    title: str | None = strawberry.field(default=UNSET, description=f"Title. {_D}")
    gender: Gender | None = strawberry.field(default=UNSET, description="Gender.")
    email: str | None = strawberry.field(default=UNSET, description=f"Private email. {_D}")
    phone: str | None = strawberry.field(default=UNSET, description=f"Private phone. {_D}")
    birth_date: dt.date | None = strawberry.field(default=UNSET, description=f"Date of birth. {_D}")
    bsn: str | None = strawberry.field(default=UNSET, description=f"BSN. {_D}")
    active: bool | None = strawberry.field(
        default=UNSET,
        description=(
            "false deactivates the person (gedeactiveerd): nothing is deleted, but search and "
            "lists leave it out unless asked with includeInactive; true reactivates it."
        ),
    )


@strawberry.type(description="Result of a mutation that changes one person.")
class PersonPayload:
    person: Person | None = strawberry.field(
        default=None, description="The person after the change; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


def person_data(source: Any) -> dict[str, Any]:
    """The person fields the client sent, keyed by domain field name."""
    return provided(source, PERSON_FIELDS)


@strawberry.type
class PersonMutations:
    @strawberry.mutation(description="Add a person (not yet linked to any organisation).")
    async def create_person(
        self, info: Info, input: Annotated[CreatePersonInput, strawberry.argument(description=INPUT)]
    ) -> PersonPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            person = await persons.create(session, actor=info.context.viewer, data=person_data(input))
            return {"person": Person.from_row(person)}

        return await perform(info, PersonPayload, Write.PERSON, change)

    @strawberry.mutation(
        description=(
            "Change a person's fields, or (de)activate it with `active`. A person you may not "
            "see, or one that was deleted, is NOT_FOUND."
        )
    )
    async def update_person(
        self, info: Info, input: Annotated[UpdatePersonInput, strawberry.argument(description=INPUT)]
    ) -> PersonPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            person = await persons.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Person", "id"),
                data=provided(input, {**PERSON_FIELDS, "active": "active"}),
                expected_version=input.expected_version,
            )
            return {"person": Person.from_row(person)}

        return await perform(info, PersonPayload, Write.PERSON, change)


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
        done: list[Deletion] = []

        async def change(session: AsyncSession) -> dict[str, Any]:
            deletion = await delete_person(
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
                await info.context.read(remove_files, info.context.store, done[0])
            except OSError:
                # The rows are gone; `relgraph documents cleanup` removes what is left.
                logger.exception("removing the files of deleted person %s failed", input.id)
        return payload
