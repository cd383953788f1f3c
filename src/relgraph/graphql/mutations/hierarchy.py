"""Move an organisation within the hierarchy."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain import hierarchy
from relgraph.graphql.context import Info
from relgraph.graphql.errors import perform
from relgraph.graphql.ids import parse_id
from relgraph.graphql.inputs import INPUT
from relgraph.graphql.mutations.organisations import OrganisationPayload
from relgraph.graphql.types.organisation import Organisation
from relgraph.policy import Write

__all__ = ["HierarchyMutations"]


@strawberry.input(description="Put an organisation under a parent, or detach it.")
class SetParentOrganisationInput:
    organisation_id: strawberry.ID = strawberry.field(description="The organisation to move.")
    parent_id: strawberry.ID | None = strawberry.field(
        description="The new parent (hoofdorganisatie); null makes it a root."
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The organisation's version you last saw (optimistic concurrency)."
    )


@strawberry.type
class HierarchyMutations:
    @strawberry.mutation(
        description=(
            "Set or clear an organisation's parent. Refused with CYCLE when the new parent is "
            "the organisation itself or one of its descendants; safe under concurrent changes."
        )
    )
    async def set_parent_organisation(
        self, info: Info, input: Annotated[SetParentOrganisationInput, strawberry.argument(description=INPUT)]
    ) -> OrganisationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            org = await hierarchy.set_parent(
                session,
                actor=info.context.viewer,
                organisation_id=parse_id(input.organisation_id, "Organisation", "organisationId"),
                parent_id=None
                if input.parent_id is None
                else parse_id(input.parent_id, "Organisation", "parentId"),
                expected_version=input.expected_version,
            )
            return {"organisation": Organisation.from_row(org)}

        return await perform(info, OrganisationPayload, Write.ORGANISATION, change)
