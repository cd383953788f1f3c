"""Move an organisation within the hierarchy."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph import metrics
from relgraph.domain.organisations import hierarchy, organisations
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id
from relgraph.graphql.core.inputs import INPUT
from relgraph.graphql.core.list_bounds import at_most
from relgraph.graphql.core.payloads import Undo, perform
from relgraph.graphql.organisations.mutations.organisations import OrganisationPayload
from relgraph.graphql.organisations.types import Organisation
from relgraph.policy import Write

__all__ = ["HierarchyMutations"]

# A page's worth of the moved subsidiaries: the payload shows what happened, not the group.
MOVED_SHOWN = 100


@strawberry.input(description="Put an organisation under a parent, or detach it.")
class SetParentOrganisationInput:
    organisation_id: strawberry.ID = strawberry.field(description="The organisation to move.")
    parent_id: strawberry.ID | None = strawberry.field(
        description="The new parent (hoofdorganisatie); null makes it a root."
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The organisation's version you last saw (optimistic concurrency)."
    )


@strawberry.input(description="Move every direct subsidiary of one organisation under another.")
class MoveSubsidiariesInput:
    from_organisation_id: strawberry.ID = strawberry.field(
        description="The organisation whose subsidiaries move."
    )
    to_organisation_id: strawberry.ID = strawberry.field(description="Their new parent.")
    dry_run: bool = strawberry.field(
        default=False, description="Check and report what would move, and change nothing."
    )


@strawberry.type(description="Result of moveSubsidiaries.")
class MoveSubsidiariesPayload:
    moved_organisations: list[Organisation] = strawberry.field(
        default_factory=list,
        description=(
            "The subsidiaries that moved (in a dry run: would move), under their new parent: "
            f"the first {MOVED_SHOWN}, oldest first. `movedCount` says how many in all; the new "
            "parent's `subsidiaries` lists every one."
        ),
        metadata=at_most(MOVED_SHOWN),
    )
    moved_count: int = strawberry.field(
        default=0, description="How many subsidiaries moved (in a dry run: would move)."
    )
    from_organisation: Organisation | None = strawberry.field(
        default=None, description="The organisation they left; null when userErrors is not empty."
    )
    to_organisation: Organisation | None = strawberry.field(
        default=None, description="Their new parent; null when userErrors is not empty."
    )
    dry_run: bool = strawberry.field(default=False, description="True when this was a dry run.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
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

    @strawberry.mutation(
        description=(
            "Move all direct subsidiaries of an organisation under another one, in one "
            "transaction (their own subsidiaries come along). Refused with CYCLE when the new "
            "parent lies below one of them; safe under concurrent changes."
        )
    )
    async def move_subsidiaries(
        self, info: Info, input: Annotated[MoveSubsidiariesInput, strawberry.argument(description=INPUT)]
    ) -> MoveSubsidiariesPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            from_id = parse_id(input.from_organisation_id, "Organisation", "fromOrganisationId")
            to_id = parse_id(input.to_organisation_id, "Organisation", "toOrganisationId")
            moved = await hierarchy.move_subsidiaries(
                session, actor=info.context.viewer, from_id=from_id, to_id=to_id
            )
            ends = await organisations.get_many(session, [from_id, to_id])
            fields = {
                "moved_organisations": [Organisation.from_row(o) for o in moved[:MOVED_SHOWN]],
                "moved_count": len(moved),
                "from_organisation": Organisation.from_row(ends[0]) if ends[0] else None,
                "to_organisation": Organisation.from_row(ends[1]) if ends[1] else None,
                "dry_run": input.dry_run,
            }
            if input.dry_run:
                raise Undo(fields)
            return fields

        payload = await perform(info, MoveSubsidiariesPayload, Write.ORGANISATION, change)
        if not payload.dry_run and not payload.user_errors:
            metrics.BULK_ITEMS_WRITTEN.labels(mutation="moveSubsidiaries").inc(payload.moved_count)
        return payload
