"""Customer groups (ADMIN domain data) and which parties belong to them."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.party_data import groups
from relgraph.errors import DomainError, FieldError
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id, parse_party_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.party_data.types.customer_groups import CustomerGroup
from relgraph.policy import Write

__all__ = ["CustomerGroupMutations"]


@strawberry.input(description="A new customer group (ADMIN).")
class CreateCustomerGroupInput:
    name: str = strawberry.field(description='Name of the group, unique, e.g. "Nieuwsbrief".')
    description: str | None = strawberry.field(default=None, description="What the group is for.")


@strawberry.input(description="Changes to a customer group (ADMIN); only the fields you send change.")
class UpdateCustomerGroupInput:
    id: strawberry.ID = strawberry.field(description="The customer group.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last saw; if someone changed it since, you get CONFLICT."
    )
    name: str | None = strawberry.field(default=UNSET, description="New name; cannot be cleared.")
    description: str | None = strawberry.field(default=UNSET, description="New description; null clears it.")
    active: bool | None = strawberry.field(
        default=UNSET, description="Deactivate (false) or reactivate (true)."
    )


@strawberry.input(description="Identifies one customer group.")
class CustomerGroupIdInput:
    id: strawberry.ID = strawberry.field(description="The customer group.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last saw (optimistic concurrency)."
    )


@strawberry.input(description="Parties to put in, or take out of, one customer group.")
class GroupPartiesInput:
    group_id: strawberry.ID = strawberry.field(description="The customer group.")
    party_ids: list[strawberry.ID] = strawberry.field(
        description=f"Organisations and persons, at most {groups.MAX_PARTIES}."
    )


@strawberry.type(description="Result of a mutation on a customer group.")
class CustomerGroupPayload:
    customer_group: CustomerGroup | None = strawberry.field(
        default=None, description="The group after the change; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


@strawberry.type(description="Result of addPartiesToGroup or removePartiesFromGroup.")
class GroupPartiesPayload:
    customer_group: CustomerGroup | None = strawberry.field(
        default=None, description="The group; null when userErrors is not empty."
    )
    changed_count: int = strawberry.field(
        default=0,
        description="How many parties were added (or removed); those already in (or not in) the group are skipped.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description='What was wrong, e.g. NOT_FOUND at ["partyIds", "3"]; nothing changed when not empty.',
    )


def _party_refs(ids: list[strawberry.ID]) -> list[tuple[str, int]]:
    """Decode every party ID, reporting each bad one at its index."""
    refs: list[tuple[str, int]] = []
    errors: list[FieldError] = []
    for index, global_id in enumerate(ids):
        try:
            refs.append(parse_party_id(global_id, ["partyIds", str(index)]))
        except DomainError as error:
            errors.extend(error.errors)
    if errors:
        raise DomainError(errors)
    return refs


def _group_payload(row: Any) -> dict[str, Any]:
    return {"customer_group": CustomerGroup.from_row(row)}


_FIELDS = {"name": "name", "description": "description", "active": "active"}


@strawberry.type
class CustomerGroupMutations:
    @strawberry.mutation(description="Add a customer group (ADMIN).")
    async def create_customer_group(
        self, info: Info, input: Annotated[CreateCustomerGroupInput, strawberry.argument(description=INPUT)]
    ) -> CustomerGroupPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = {"name": input.name, "description": input.description}
            return _group_payload(await groups.create(session, actor=info.context.viewer, data=data))

        return await perform(info, CustomerGroupPayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(description="Rename, describe or (de)activate a customer group (ADMIN).")
    async def update_customer_group(
        self, info: Info, input: Annotated[UpdateCustomerGroupInput, strawberry.argument(description=INPUT)]
    ) -> CustomerGroupPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await groups.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "CustomerGroup", "id"),
                data=provided(input, _FIELDS),
                expected_version=input.expected_version,
            )
            return _group_payload(row)

        return await perform(info, CustomerGroupPayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(
        description="Stop using a customer group (ADMIN): it keeps its members but takes no new ones."
    )
    async def deactivate_customer_group(
        self, info: Info, input: Annotated[CustomerGroupIdInput, strawberry.argument(description=INPUT)]
    ) -> CustomerGroupPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await groups.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "CustomerGroup", "id"),
                data={"active": False},
                expected_version=input.expected_version,
            )
            return _group_payload(row)

        return await perform(info, CustomerGroupPayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(
        description=(
            "Put organisations and persons in an active customer group; those already in it are "
            "skipped. A party you may not see is NOT_FOUND at its index."
        )
    )
    async def add_parties_to_group(
        self, info: Info, input: Annotated[GroupPartiesInput, strawberry.argument(description=INPUT)]
    ) -> GroupPartiesPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            group, added = await groups.add_parties(
                session,
                actor=info.context.viewer,
                group_id=parse_id(input.group_id, "CustomerGroup", "groupId"),
                party_refs=_party_refs(input.party_ids),
            )
            return {**_group_payload(group), "changed_count": added}

        return await perform(info, GroupPartiesPayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description="Take organisations and persons out of a customer group; those not in it are skipped."
    )
    async def remove_parties_from_group(
        self, info: Info, input: Annotated[GroupPartiesInput, strawberry.argument(description=INPUT)]
    ) -> GroupPartiesPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            group, removed = await groups.remove_parties(
                session,
                actor=info.context.viewer,
                group_id=parse_id(input.group_id, "CustomerGroup", "groupId"),
                party_refs=_party_refs(input.party_ids),
            )
            return {**_group_payload(group), "changed_count": removed}

        return await perform(info, GroupPartiesPayload, Write.ORGANISATION, change)
