"""Internal relation categories (ADMIN domain data) and internal relations (TEAM and ADMIN)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.classified import check_writable
from relgraph.domain.relations import internal_relations
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id, parse_party_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.payloads import DeletePayload, perform
from relgraph.graphql.relations.types.internal_relations import (
    InternalRelation,
    InternalRelationCategory,
)
from relgraph.policy import Write

__all__ = ["InternalRelationMutations"]

_D = "Leave out to keep the current value; null clears it."


@strawberry.input(description="A new internal relation category.")
class CreateInternalRelationCategoryInput:
    name: str = strawberry.field(description="Name, e.g. 'Tax advisor'.")
    description: str | None = strawberry.field(default=None, description="What the category means.")


@strawberry.input(description="Changes to a category; the built-in ACCOUNT_MANAGER cannot be deactivated.")
class UpdateInternalRelationCategoryInput:
    id: strawberry.ID = strawberry.field(description="The category.")
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")
    name: str | None = strawberry.field(default=UNSET, description="New name.")
    description: str | None = strawberry.field(default=UNSET, description=f"Description. {_D}")
    active: bool | None = strawberry.field(
        default=UNSET, description="Deactivate (false) or reactivate (true)."
    )


@strawberry.type(description="Result of a mutation on an internal relation category.")
class InternalRelationCategoryPayload:
    category: InternalRelationCategory | None = strawberry.field(
        default=None, description="The category after the change."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.input(description="Link a staff member to a customer file.")
class AddInternalRelationInput:
    employee_id: strawberry.ID = strawberry.field(description="The staff user (active or not).")
    party_id: strawberry.ID = strawberry.field(description="The organisation or person looked after.")
    category_id: strawberry.ID = strawberry.field(description="The category, e.g. the account manager one.")
    since: dt.date | None = strawberry.field(default=None, description="Since when.")
    until: dt.date | None = strawberry.field(default=None, description="Until when, if known.")
    commission_percent: decimal.Decimal | None = strawberry.field(
        default=None, description="Commission in percent, 0-100 with at most two decimals (needs FINANCE)."
    )


@strawberry.input(description="Changes to an internal relation.")
class UpdateInternalRelationInput:
    id: strawberry.ID = strawberry.field(description="The internal relation.")
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")
    since: dt.date | None = strawberry.field(default=UNSET, description=f"Since. {_D}")
    until: dt.date | None = strawberry.field(default=UNSET, description=f"Until. {_D}")
    commission_percent: decimal.Decimal | None = strawberry.field(
        default=UNSET, description=f"Commission percent (needs FINANCE). {_D}"
    )


@strawberry.input(description="Delete one internal relation.")
class DeleteInternalRelationInput:
    id: strawberry.ID = strawberry.field(description="The internal relation.")
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")


@strawberry.type(description="Result of a mutation on an internal relation.")
class InternalRelationPayload:
    internal_relation: InternalRelation | None = strawberry.field(
        default=None, description="The internal relation after the change."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


def _check_commission(info: Info, data: dict[str, Any]) -> None:
    # Setting a value you may not read would be writing blind (R4).
    check_writable(info.context.viewer, "InternalRelation", data, what="Setting a commission")


@strawberry.type
class InternalRelationMutations:
    @strawberry.mutation(description="Add an internal relation category (ADMIN).")
    async def create_internal_relation_category(
        self,
        info: Info,
        input: Annotated[CreateInternalRelationCategoryInput, strawberry.argument(description=INPUT)],
    ) -> InternalRelationCategoryPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await internal_relations.create_category(
                session, actor=info.context.viewer, name=input.name, description=input.description
            )
            return {"category": InternalRelationCategory.from_row(row)}

        return await perform(info, InternalRelationCategoryPayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(description="Rename, describe or (de)activate a category (ADMIN).")
    async def update_internal_relation_category(
        self,
        info: Info,
        input: Annotated[UpdateInternalRelationCategoryInput, strawberry.argument(description=INPUT)],
    ) -> InternalRelationCategoryPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await internal_relations.update_category(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "InternalRelationCategory", "id"),
                data=provided(input, {"name": "name", "description": "description", "active": "active"}),
                expected_version=input.expected_version,
            )
            return {"category": InternalRelationCategory.from_row(row)}

        return await perform(info, InternalRelationCategoryPayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(description="Link a staff member to a customer file in a category (TEAM, ADMIN).")
    async def add_internal_relation(
        self, info: Info, input: Annotated[AddInternalRelationInput, strawberry.argument(description=INPUT)]
    ) -> InternalRelationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data: dict[str, Any] = {"since": input.since, "until": input.until}
            if input.commission_percent is not None:
                data["commission_percent"] = input.commission_percent
            _check_commission(info, data)
            row = await internal_relations.add(
                session,
                actor=info.context.viewer,
                user_id=parse_id(input.employee_id, "User", "employeeId"),
                party=parse_party_id(input.party_id, "partyId"),
                category_id=parse_id(input.category_id, "InternalRelationCategory", "categoryId"),
                data=data,
            )
            return {"internal_relation": InternalRelation.from_row(row)}

        return await perform(info, InternalRelationPayload, Write.INTERNAL_RELATION, change)

    @strawberry.mutation(
        description="Change since, until or the commission of an internal relation (TEAM, ADMIN)."
    )
    async def update_internal_relation(
        self,
        info: Info,
        input: Annotated[UpdateInternalRelationInput, strawberry.argument(description=INPUT)],
    ) -> InternalRelationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = provided(
                input, {"since": "since", "until": "until", "commission_percent": "commission_percent"}
            )
            _check_commission(info, data)
            row = await internal_relations.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "InternalRelation", "id"),
                data=data,
                expected_version=input.expected_version,
            )
            return {"internal_relation": InternalRelation.from_row(row)}

        return await perform(info, InternalRelationPayload, Write.INTERNAL_RELATION, change)

    @strawberry.mutation(
        description="Delete an internal relation (set until instead to keep history) (TEAM, ADMIN)."
    )
    async def delete_internal_relation(
        self,
        info: Info,
        input: Annotated[DeleteInternalRelationInput, strawberry.argument(description=INPUT)],
    ) -> DeletePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            await internal_relations.delete(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "InternalRelation", "id"),
                expected_version=input.expected_version,
            )
            return {"deleted_id": input.id}

        return await perform(info, DeletePayload, Write.INTERNAL_RELATION, change)
