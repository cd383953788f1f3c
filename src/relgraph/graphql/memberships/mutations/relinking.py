"""Relink many memberships at once, all or nothing (scripts after a reorganisation)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain.memberships.relinking.relink import (
    MAX_ITEMS,
    RelinkItem,
    RelinkResult,
    check_item_count,
    relink,
)
from relgraph.errors import DomainError, FieldError, InvalidInput
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError, user_errors
from relgraph.graphql.core.ids import IdCollector
from relgraph.graphql.core.inputs import INPUT
from relgraph.graphql.core.list_bounds import per_item_above
from relgraph.graphql.core.node import LazyOrganisation, find
from relgraph.graphql.core.payloads import Undo, perform
from relgraph.graphql.memberships.loaders import tags_by_membership
from relgraph.graphql.memberships.types import Membership
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


@strawberry.input(
    description=(
        "The relinks as parallel lists, the lean form for big calls: item i is the i-th entry "
        "of every list. Where a list has one entry, it counts for every item. Ten thousand "
        "items parse several times faster this way than as `items` objects."
    )
)
class RelinkMembershipColumnsInput:
    membership_ids: list[strawberry.ID] = strawberry.field(
        description="The memberships to relink, one per item; results carry the position here as index."
    )
    organisation_ids: list[strawberry.ID] = strawberry.field(
        description="Where each membership goes: one per item, or one for all."
    )
    keep_history: list[bool] | None = strawberry.field(
        default=None,
        description="As keepHistory of an item: one per item, or one for all; true when left out.",
    )
    start_dates: list[dt.date | None] | None = strawberry.field(
        default=None,
        description="As startDate of an item: one per item, or one for all; today when left out.",
    )
    expected_versions: list[int | None] | None = strawberry.field(
        default=None,
        description="As expectedVersion of an item, one per item (null: not checked).",
    )


@strawberry.input(description="Relink up to 10,000 memberships in one transaction.")
class BulkRelinkMembershipsInput:
    items: list[RelinkMembershipItemInput] | None = strawberry.field(
        default=None,
        description=(
            f"The relinks, at most {MAX_ITEMS:,}. Results carry each item's index. "
            "Give either items or columns."
        ),
    )
    columns: RelinkMembershipColumnsInput | None = strawberry.field(
        default=None,
        description=(
            "The same relinks as parallel lists (faster for thousands). Give either items or columns."
        ),
    )
    dry_run: bool = strawberry.field(
        default=False,
        description="Validate and report exactly what would change, and change nothing.",
    )


_ITEM_FIELDS = {"membershipId", "organisationId", "keepHistory", "startDate", "expectedVersion"}
# An item's field -> the list of `columns` that holds it.
_COLUMN_OF = {
    "membershipId": "membershipIds",
    "organisationId": "organisationIds",
    "keepHistory": "keepHistory",
    "startDate": "startDates",
    "expectedVersion": "expectedVersions",
}


@dataclasses.dataclass(frozen=True)
class _Shape:
    """Puts an item's error where the input holds that item: under items, or in the columns."""

    # For columns: the lists of length one, which count for every item.
    shared: frozenset[str] | None

    def place(self, index: int, error: FieldError) -> FieldError:
        if self.shared is None:
            return error.under("items", str(index))
        name = error.field[0] if error.field and error.field[0] in _ITEM_FIELDS else "membershipId"
        column = _COLUMN_OF[name]
        position = "0" if column in self.shared else str(index)
        return FieldError(("columns", column, position, *error.field[1:]), error.message, error.code)


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
        description=(
            'What is wrong with this item; field paths start at the input, e.g. ["items", "3", '
            '"organisationId"], or ["columns", "organisationIds", "3"] (index 0 for a list of one).'
        )
    )

    @strawberry.field(description="Where the membership was before this call; null when it does not exist.")
    async def from_organisation(self, info: Info) -> LazyOrganisation | None:
        if self.from_organisation_id is None:
            return None
        return await find(info, "Organisation", self.from_organisation_id)


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
    _results: strawberry.Private[list[RelinkResult]] = dataclasses.field(default_factory=list)
    # The tags of the memberships in the results, as this call leaves them (or would).
    _tags: strawberry.Private[dict[int, list[str]]] = dataclasses.field(default_factory=dict)
    # Where an item's error points in the input: the shape the items came in.
    _shape: strawberry.Private[_Shape | None] = None

    @strawberry.field(
        description=f"One result per item, in input order (at most {MAX_ITEMS:,}, as many as items).",
        metadata=per_item_above(MAX_ITEMS),
    )
    def results(
        self,
        info: Info,
        failed_only: Annotated[
            bool, strawberry.argument(description="Only the items with userErrors (keeps big answers small).")
        ] = False,
    ) -> list[BulkRelinkResult]:
        chosen = [r for r in self._results if r.errors or not failed_only]
        # No query for the tags, and right in a dry run, whose new memberships were rolled back.
        tags = info.context.loaders[tags_by_membership]
        for result in chosen:
            for state in (result.old, result.new):
                if state is not None and state.id in self._tags:
                    tags.prime(state.id, self._tags[state.id])
        shape = self._shape or _Shape(None)
        return [_result(r, shape) for r in chosen]


def _from_items(given: list[RelinkMembershipItemInput]) -> list[RelinkItem]:
    items = []
    for item in given:
        ids = IdCollector()
        membership_id = ids.parse(item.membership_id, "Membership", ["membershipId"])
        organisation_id = ids.parse(item.organisation_id, "Organisation", ["organisationId"])
        items.append(
            RelinkItem(
                membership_id=membership_id,
                organisation_id=organisation_id,
                keep_history=item.keep_history,
                start_date=item.start_date,
                expected_version=item.expected_version,
                errors=tuple(ids.errors),
            )
        )
    return items


def _spread(columns: RelinkMembershipColumnsInput, count: int) -> tuple[dict[str, list[Any]], frozenset[str]]:
    """Each column as one entry per item; a column of one entry is repeated. Wrong lengths raise."""
    given = {
        "organisationIds": columns.organisation_ids,
        "keepHistory": columns.keep_history,
        "startDates": columns.start_dates,
        "expectedVersions": columns.expected_versions,
    }
    defaults = {"keepHistory": True, "startDates": None, "expectedVersions": None}
    spread: dict[str, list[Any]] = {}
    shared = set()
    problems = []
    for name, values in given.items():
        if values is None:
            spread[name] = [defaults[name]] * count
        elif len(values) == count:
            spread[name] = list(values)
        elif len(values) == 1 and name != "expectedVersions":
            spread[name] = list(values) * count
            shared.add(name)
        else:
            one = "" if name == "expectedVersions" else ", or one for all"
            problems.append(
                FieldError(
                    ("columns", name),
                    f"It has {len(values)} entries; give one per membership ID ({count}){one}.",
                )
            )
    if problems:
        raise DomainError(problems)
    return spread, frozenset(shared)


def _from_columns(columns: RelinkMembershipColumnsInput) -> tuple[list[RelinkItem], _Shape]:
    count = len(columns.membership_ids)
    # Before the lists are spread: a call too big is refused before it costs anything.
    check_item_count(count, ["columns", "membershipIds"])
    spread, shared = _spread(columns, count)
    targets: dict[str, tuple[int | None, tuple[FieldError, ...]]] = {}
    items = []
    for membership_gid, organisation_gid, keep, start, version in zip(
        columns.membership_ids,
        spread["organisationIds"],
        spread["keepHistory"],
        spread["startDates"],
        spread["expectedVersions"],
        strict=True,
    ):
        ids = IdCollector()
        membership_id = ids.parse(membership_gid, "Membership", ["membershipId"])
        # Thousands of items usually go to a handful of organisations: decode each ID once.
        if organisation_gid not in targets:
            target = IdCollector()
            targets[organisation_gid] = (
                target.parse(organisation_gid, "Organisation", ["organisationId"]),
                tuple(target.errors),
            )
        organisation_id, target_errors = targets[organisation_gid]
        items.append(
            RelinkItem(
                membership_id=membership_id,
                organisation_id=organisation_id,
                keep_history=keep,
                start_date=start,
                expected_version=version,
                errors=(*ids.errors, *target_errors),
            )
        )
    return items, _Shape(shared)


def _requested(input: BulkRelinkMembershipsInput) -> tuple[list[RelinkItem], _Shape]:
    if (input.items is None) == (input.columns is None):
        raise InvalidInput.at("items", "Give the relinks either as items or as columns (one of the two).")
    if input.items is not None:
        return _from_items(input.items), _Shape(None)
    assert input.columns is not None
    return _from_columns(input.columns)


def _result(result: RelinkResult, shape: _Shape) -> BulkRelinkResult:
    return BulkRelinkResult(
        index=result.index,
        from_organisation_id=result.from_organisation_id,
        old_membership=Membership.from_row(result.old) if result.old else None,
        new_membership=Membership.from_row(result.new) if result.new else None,
        user_errors=user_errors([shape.place(result.index, e) for e in result.errors]),
    )


@strawberry.type
class RelinkingMutations:
    @strawberry.mutation(
        description=(
            "Relink many memberships to other organisations in one transaction, all or "
            "nothing: when any item fails, nothing changes and each failing item's result "
            "says why (every item is checked). A person may hold one active membership per "
            "organisation and role, also across the items of one call. With dryRun the "
            "answer is the same as for the real run, and nothing changes. Give the relinks "
            "as `items` or, leaner for thousands, as `columns`."
        )
    )
    async def bulk_relink_memberships(
        self, info: Info, input: Annotated[BulkRelinkMembershipsInput, strawberry.argument(description=INPUT)]
    ) -> BulkRelinkMembershipsPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            items, shape = _requested(input)
            outcome = await relink(session, actor=info.context.viewer, items=items)
            fields = {
                "_results": outcome.results,
                "_tags": outcome.tags,
                "_shape": shape,
                "totals": BulkRelinkTotals(
                    requested=len(outcome.results), relinked=outcome.relinked, failed=outcome.failed
                ),
                "dry_run": input.dry_run,
                "applied": not outcome.failed and not input.dry_run,
            }
            if not fields["applied"]:
                raise Undo(fields)
            return fields

        return await perform(info, BulkRelinkMembershipsPayload, Write.MEMBERSHIP, change)
