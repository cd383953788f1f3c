"""Relink many memberships at once, all or nothing (scripts after a reorganisation)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain import relinking
from relgraph.graphql.context import Info
from relgraph.graphql.errors import UserError, perform_all_or_nothing, user_errors
from relgraph.graphql.ids import IdCollector
from relgraph.graphql.inputs import INPUT
from relgraph.graphql.queries.organisations import organisation_or_none
from relgraph.graphql.types.membership import Membership
from relgraph.graphql.types.organisation import Organisation
from relgraph.policy import Write

__all__ = ["RelinkingMutations"]


@strawberry.input(description="One membership to relink, and where to.")
class RelinkMembershipItemInput:
    membership_id: strawberry.ID = strawberry.field(description="The membership to relink.")
    organisation_id: strawberry.ID = strawberry.field(description="The organisation it goes to.")
    keep_history: bool = strawberry.field(
        default=True,
        description=(
            "True (the default): the membership ends the day before startDate and a new one "
            "starts at the organisation with the same department, job title, role, tags, "
            "contact details and account manager. False: the membership itself moves (for "
            "a wrong link, or an ended membership)."
        ),
    )
    start_date: dt.date | None = strawberry.field(
        default=None,
        description=(
            "First day at the new organisation; today when left out. With keepHistory false, "
            "the moved membership's start date (unchanged when left out)."
        ),
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The membership's version you last saw; a stale one gives CONFLICT."
    )


@strawberry.input(description="Relink up to 10,000 memberships in one transaction.")
class BulkRelinkMembershipsInput:
    items: list[RelinkMembershipItemInput] = strawberry.field(
        description=f"The relinks, at most {relinking.MAX_ITEMS:,}. Results carry each item's index."
    )
    dry_run: bool = strawberry.field(
        default=False,
        description="Validate and report exactly what would change, and change nothing.",
    )


@strawberry.type(description="What happened to one item of a bulk relink.")
class BulkRelinkResult:
    index: int = strawberry.field(description="The item's position in `input.items`, from 0.")
    from_organisation_id: strawberry.Private[int | None]
    old_membership: Membership | None = strawberry.field(
        description=(
            "The membership the item names: ended (keepHistory) or moved. When the call "
            "failed, as it still is; null when it does not exist."
        )
    )
    new_membership: Membership | None = strawberry.field(
        description=(
            "The active membership at the organisation: the new one (keepHistory), or the "
            "moved one. Null when the call failed. In a dry run, as it would be; a new "
            "membership's ID is then provisional and leads nowhere."
        )
    )
    user_errors: list[UserError] = strawberry.field(
        description='What is wrong with this item; field paths start at the input, e.g. ["items", "3", "organisationId"].'
    )

    @strawberry.field(description="Where the membership was before this call; null when it does not exist.")
    async def from_organisation(self, info: Info) -> Organisation | None:
        return await organisation_or_none(info, self.from_organisation_id)


@strawberry.type(description="Counts of a bulk relink.")
class BulkRelinkTotals:
    requested: int = strawberry.field(description="How many items were sent.")
    relinked: int = strawberry.field(
        description="How many were relinked (in a dry run: would be); 0 when any item failed."
    )
    failed: int = strawberry.field(description="How many items have userErrors.")


@strawberry.type(description="Result of bulkRelinkMemberships.")
class BulkRelinkMembershipsPayload:
    totals: BulkRelinkTotals | None = strawberry.field(
        default=None, description="Counts; null when the input as a whole was refused (see userErrors)."
    )
    dry_run: bool = strawberry.field(default=False, description="True when this was a dry run.")
    applied: bool = strawberry.field(
        default=False, description="True when the changes were committed: no item failed and no dry run."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Errors of the input as a whole (too many items, your role); item errors are in results.",
    )
    # The domain's results: turned into GraphQL objects only when `results` is asked for.
    _results: strawberry.Private[list[relinking.RelinkResult]] = dataclasses.field(default_factory=list)

    @strawberry.field(description="One result per item, in input order.")
    def results(
        self,
        failed_only: Annotated[
            bool, strawberry.argument(description="Only the items with userErrors (keeps big answers small).")
        ] = False,
    ) -> list[BulkRelinkResult]:
        return [_result(r) for r in self._results if r.errors or not failed_only]


def _items(input: BulkRelinkMembershipsInput) -> list[relinking.RelinkItem]:
    items = []
    for item in input.items:
        ids = IdCollector()
        membership_id = ids.parse(item.membership_id, "Membership", ["membershipId"])
        organisation_id = ids.parse(item.organisation_id, "Organisation", ["organisationId"])
        items.append(
            relinking.RelinkItem(
                membership_id=membership_id,
                organisation_id=organisation_id,
                keep_history=item.keep_history,
                start_date=item.start_date,
                expected_version=item.expected_version,
                errors=tuple(ids.errors),
            )
        )
    return items


def _result(result: relinking.RelinkResult) -> BulkRelinkResult:
    return BulkRelinkResult(
        index=result.index,
        from_organisation_id=result.from_organisation_id,
        old_membership=Membership.from_row(result.old) if result.old else None,  # type: ignore[arg-type]
        new_membership=Membership.from_row(result.new) if result.new else None,  # type: ignore[arg-type]
        user_errors=user_errors([e.under("items", str(result.index)) for e in result.errors]),
    )


@strawberry.type
class RelinkingMutations:
    @strawberry.mutation(
        description=(
            "Relink many memberships to other organisations in one transaction, all or "
            "nothing: when any item fails, nothing changes and each failing item's result "
            "says why (every item is checked). A person may hold one active membership per "
            "organisation and role, also across the items of one call. With dryRun the "
            "answer is the same as for the real run, and nothing changes."
        )
    )
    async def bulk_relink_memberships(
        self, info: Info, input: Annotated[BulkRelinkMembershipsInput, strawberry.argument(description=INPUT)]
    ) -> BulkRelinkMembershipsPayload:
        outcome: relinking.RelinkOutcome | None = None

        async def change(session: AsyncSession) -> tuple[dict[str, Any], bool]:
            nonlocal outcome
            outcome = await relinking.relink(session, actor=info.context.viewer, items=_items(input))
            fields = {
                "_results": outcome.results,
                "totals": BulkRelinkTotals(
                    requested=len(outcome.results), relinked=outcome.relinked, failed=outcome.failed
                ),
                "dry_run": input.dry_run,
                "applied": not outcome.failed and not input.dry_run,
            }
            return fields, fields["applied"]

        payload = await perform_all_or_nothing(info, BulkRelinkMembershipsPayload, Write.MEMBERSHIP, change)
        if outcome is not None:
            # The tags as this call leaves them (or would): no query, and right in a dry run.
            tags = info.context.loaders.tags_by_membership
            for membership_id, names in outcome.tags.items():
                tags.prime(membership_id, names)
        return payload
