"""Link persons to organisations, change, end, reactivate and delete those links."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.memberships import memberships
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import IdCollector, parse_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.memberships.types import Membership
from relgraph.policy import Write

__all__ = ["MembershipFieldsInput", "MembershipMutations", "membership_data"]

_FIELDS = {
    "department": "department",
    "job_title": "job_title",
    "business_email": "business_email",
    "phone1": "phone1",
    "phone2": "phone2",
    "role": "role",
    "tags": "tags",
    "start_date": "start_date",
    "end_date": "end_date",
}
_D = "Leave out to keep the current value; null clears it."


def membership_data(
    source: Any, ids: IdCollector | None = None, prefix: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The membership fields the client sent, keyed by domain name (IDs decoded).

    With `ids`, a malformed ID is collected there (under `prefix`) instead of raised.
    """
    collector = ids or IdCollector()
    data = provided(source, _FIELDS)
    manager = getattr(source, "account_manager_id", UNSET)
    if manager is not UNSET:
        field = [*prefix, "accountManagerId"]
        data["account_manager_id"] = None if manager is None else collector.parse(manager, "User", field)
    if ids is None:
        collector.raise_if_any()
    return data


@strawberry.input(description="The details of a membership: job, contact details, role, tags, dates.")
class MembershipFieldsInput:
    department: str | None = strawberry.field(default=None, description="Department (afdeling).")
    job_title: str | None = strawberry.field(default=None, description="Job title (functie).")
    business_email: str | None = strawberry.field(default=None, description="Business email address.")
    phone1: str | None = strawberry.field(default=None, description="Business phone number 1.")
    phone2: str | None = strawberry.field(default=None, description="Business phone number 2.")
    role: str | None = strawberry.field(default=None, description="Role (rol), e.g. 'Beslisser'.")
    tags: list[str] | None = strawberry.field(default=None, description="Keywords (kenmerken), at most 20.")
    account_manager_id: strawberry.ID | None = strawberry.field(
        default=None, description="The staff user who manages this contact."
    )
    start_date: dt.date | None = strawberry.field(default=None, description="First day in this position.")
    end_date: dt.date | None = strawberry.field(default=None, description="Last day, if already known.")


@strawberry.input(description="Link an existing person to an existing organisation.")
class AddMembershipInput(MembershipFieldsInput):
    person_id: strawberry.ID = strawberry.field(description="The person (must exist and be visible to you).")
    organisation_id: strawberry.ID = strawberry.field(description="The organisation (must exist).")


@strawberry.input(description="Changes to a membership; only the fields you send change.")
class UpdateMembershipInput:
    id: strawberry.ID = strawberry.field(description="The membership.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last saw; a stale one gives CONFLICT."
    )
    department: str | None = strawberry.field(default=UNSET, description=f"Department. {_D}")
    job_title: str | None = strawberry.field(default=UNSET, description=f"Job title. {_D}")
    business_email: str | None = strawberry.field(default=UNSET, description=f"Business email. {_D}")
    phone1: str | None = strawberry.field(default=UNSET, description=f"Phone 1. {_D}")
    phone2: str | None = strawberry.field(default=UNSET, description=f"Phone 2. {_D}")
    role: str | None = strawberry.field(default=UNSET, description=f"Role. {_D}")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces all tags when sent.")
    account_manager_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description=f"Account manager. {_D}"
    )
    start_date: dt.date | None = strawberry.field(default=UNSET, description=f"Start date. {_D}")
    end_date: dt.date | None = strawberry.field(default=UNSET, description=f"End date. {_D}")


@strawberry.input(description="End a membership (the person left); the history stays.")
class DeactivateMembershipInput:
    id: strawberry.ID = strawberry.field(description="The membership.")
    end_date: dt.date | None = strawberry.field(
        default=None,
        description="Last day; today when left out. A day after today plans the end: active until then.",
    )
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")


@strawberry.input(description="Make an ended membership active again.")
class ReactivateMembershipInput:
    id: strawberry.ID = strawberry.field(description="The membership.")
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")


@strawberry.input(
    description="Delete a membership that was linked by mistake (use deactivate when someone leaves)."
)
class DeleteMembershipInput:
    id: strawberry.ID = strawberry.field(description="The membership.")
    reason: str = strawberry.field(description="Why the link was wrong; kept in the audit trail.")
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")


@strawberry.type(description="Result of a mutation that changes one membership.")
class MembershipPayload:
    membership: Membership | None = strawberry.field(
        default=None, description="The membership after the change; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


@strawberry.type(description="Result of deleteMembership.")
class DeleteMembershipPayload:
    deleted_membership_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the deleted membership; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


def _payload(row: Any) -> dict[str, Any]:
    return {"membership": Membership.from_row(row)}


@strawberry.type
class MembershipMutations:
    @strawberry.mutation(
        description=(
            "Link a person to an organisation. Both must exist; a second membership of the "
            "same person at the same organisation in the same role is a CONFLICT while the "
            "first one is active or yet to begin (one whose end date has passed gives way)."
        )
    )
    async def add_membership(
        self, info: Info, input: Annotated[AddMembershipInput, strawberry.argument(description=INPUT)]
    ) -> MembershipPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await memberships.add(
                session,
                actor=info.context.viewer,
                person_id=parse_id(input.person_id, "Person", "personId"),
                organisation_id=parse_id(input.organisation_id, "Organisation", "organisationId"),
                data=membership_data(input),
            )
            return _payload(row)

        return await perform(info, MembershipPayload, Write.MEMBERSHIP, change)

    @strawberry.mutation(description="Change a membership's details.")
    async def update_membership(
        self, info: Info, input: Annotated[UpdateMembershipInput, strawberry.argument(description=INPUT)]
    ) -> MembershipPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await memberships.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Membership", "id"),
                data=membership_data(input),
                expected_version=input.expected_version,
            )
            return _payload(row)

        return await perform(info, MembershipPayload, Write.MEMBERSHIP, change)

    @strawberry.mutation(
        description=(
            "End a membership (someone left): with an end date of today or earlier it is "
            "inactive at once; with a later one it stays active until that day."
        )
    )
    async def deactivate_membership(
        self, info: Info, input: Annotated[DeactivateMembershipInput, strawberry.argument(description=INPUT)]
    ) -> MembershipPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await memberships.deactivate(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Membership", "id"),
                end_date=input.end_date,
                expected_version=input.expected_version,
            )
            return _payload(row)

        return await perform(info, MembershipPayload, Write.MEMBERSHIP, change)

    @strawberry.mutation(
        description="Make an ended membership (deactivated, or its end date passed) active again: the end date is cleared."
    )
    async def reactivate_membership(
        self, info: Info, input: Annotated[ReactivateMembershipInput, strawberry.argument(description=INPUT)]
    ) -> MembershipPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await memberships.reactivate(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Membership", "id"),
                expected_version=input.expected_version,
            )
            return _payload(row)

        return await perform(info, MembershipPayload, Write.MEMBERSHIP, change)

    @strawberry.mutation(
        description="Delete a wrong link between a person and an organisation; the reason is kept."
    )
    async def delete_membership(
        self, info: Info, input: Annotated[DeleteMembershipInput, strawberry.argument(description=INPUT)]
    ) -> DeleteMembershipPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            await memberships.delete_wrong_link(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Membership", "id"),
                reason=input.reason,
                expected_version=input.expected_version,
            )
            return {"deleted_membership_id": input.id}

        return await perform(info, DeleteMembershipPayload, Write.MEMBERSHIP, change)
