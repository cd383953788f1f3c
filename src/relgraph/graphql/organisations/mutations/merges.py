"""Merge a duplicate organisation into the one that stays."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain.organisations.merging.merge import merge
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import IdCollector
from relgraph.graphql.core.inputs import INPUT
from relgraph.graphql.core.payloads import Undo, perform
from relgraph.graphql.organisations.types import Organisation
from relgraph.policy import Write

__all__ = ["MergeMutations"]

# A merge moves all of these; the viewer must be allowed to change each kind.
MERGE_WRITES = (Write.ORGANISATION, Write.MEMBERSHIP, Write.RELATION, Write.INTERNAL_RELATION, Write.DOCUMENT)


@strawberry.input(
    description="Merge a duplicate organisation (the source) into the one that stays (the target)."
)
class MergeOrganisationsInput:
    source_id: strawberry.ID = strawberry.field(
        description="The duplicate: everything moves away from it, then it is archived."
    )
    target_id: strawberry.ID = strawberry.field(description="The organisation that stays.")
    dry_run: bool = strawberry.field(
        default=False, description="Report the counts the merge would have, and change nothing."
    )


@strawberry.type(
    description=(
        "What a merge moved, merged or dropped, per kind. Only what you may see counts: a "
        "relation or membership of a person hidden from you, shielded documents (R2), notes "
        "of a kind you may not read and financial data without FINANCE count 0, as if "
        "there were none; the audit trail's `merged_from` counts the same way for its reader."
    )
)
class MergeCounts:
    memberships_moved: int = strawberry.field(
        description="Memberships (active or ended) now at the target, of persons you may see."
    )
    memberships_merged: int = strawberry.field(
        description=(
            "Active memberships of a person the target already had in the same role: the "
            "target's stays (gaps filled in, tags added) and the source's ended at the source."
        )
    )
    subsidiaries_moved: int = strawberry.field(description="Direct subsidiaries now under the target.")
    relations_moved: int = strawberry.field(
        description="Relations now of the target, with parties you may see."
    )
    relations_merged: int = strawberry.field(
        description="Active relations the target already had (same type, same other party): removed."
    )
    relations_dropped: int = strawberry.field(
        description="Relations between the source and the target: removed."
    )
    internal_relations_moved: int = strawberry.field(description="Internal relations now on the target.")
    internal_relations_merged: int = strawberry.field(
        description="Current internal relations the target already had (same user and category): removed."
    )
    documents_moved: int = strawberry.field(
        description="Documents now on the target; counted when you may see the target's documents (R2)."
    )
    party_types_added: int = strawberry.field(description="Party types the target did not have yet.")
    typed_data_moved: int = strawberry.field(
        description="Customer or supplier data the target did not have (financial: FINANCE only)."
    )
    typed_data_merged: int = strawberry.field(
        description=(
            "Customer or supplier data both had: the target's stays, the source's was removed "
            "(financial: FINANCE only)."
        )
    )
    addresses_moved: int = strawberry.field(
        description=(
            "Addresses now on the target; the source's head office stays one only where the "
            "target had none. INVOICE addresses count with FINANCE only."
        )
    )
    addresses_merged: int = strawberry.field(
        description=(
            "Postal or invoice addresses the target had already: the target's stays, the source's "
            "was removed. INVOICE addresses count with FINANCE only."
        )
    )
    contact_means_moved: int = strawberry.field(
        description="Contact means now on the target; a moved primary one stays primary where the target had none."
    )
    contact_means_merged: int = strawberry.field(
        description="Contact means the target had already (same kind and value): the source's was removed."
    )
    bank_accounts_moved: int = strawberry.field(description="Bank accounts now on the target (FINANCE only).")
    bank_accounts_merged: int = strawberry.field(
        description="Bank accounts the target had already (same IBAN): the source's was removed (FINANCE only)."
    )
    customer_groups_added: int = strawberry.field(description="Customer groups the target joined.")
    notes_moved: int = strawberry.field(description="Notes now on the target, of the kinds you may read.")
    activities_moved: int = strawberry.field(description="Activities (planned or done) now on the target.")
    earlier_merges_redirected: int = strawberry.field(
        description="Organisations merged into the source before, whose mergedInto now names the target."
    )


@strawberry.type(description="Result of mergeOrganisations.")
class MergeOrganisationsPayload:
    source: Organisation | None = strawberry.field(
        default=None,
        description="The source, archived, with mergedInto set (in a dry run: as it would be).",
    )
    target: Organisation | None = strawberry.field(default=None, description="The organisation that stays.")
    counts: MergeCounts | None = strawberry.field(
        default=None, description="What moved (in a dry run: would move); null when userErrors is not empty."
    )
    dry_run: bool = strawberry.field(default=False, description="True when this was a dry run.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


@strawberry.type
class MergeMutations:
    @strawberry.mutation(
        description=(
            "Merge a duplicate organisation into another, in one transaction: memberships, "
            "subsidiaries, relations, internal relations, documents, party types and their "
            "data, addresses, contact means, bank accounts, customer groups, notes and "
            "activities move to the target; where both have the same, the target's "
            "stays. The source is archived and points to the target (`mergedInto`), so its "
            "ID still resolves. Needs the right to change all of these (TEAM or ADMIN) and "
            "sight of both organisations' documents (R2: their account managers, or ADMIN), "
            "whether they have any or not."
        )
    )
    async def merge_organisations(
        self, info: Info, input: Annotated[MergeOrganisationsInput, strawberry.argument(description=INPUT)]
    ) -> MergeOrganisationsPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            ids = IdCollector()
            source_id = ids.parse(input.source_id, "Organisation", ["sourceId"])
            target_id = ids.parse(input.target_id, "Organisation", ["targetId"])
            ids.raise_if_any()
            assert source_id is not None and target_id is not None
            outcome = await merge(
                session, actor=info.context.viewer, source_id=source_id, target_id=target_id
            )
            fields = {
                "source": Organisation.from_row(outcome.source),
                "target": Organisation.from_row(outcome.target),
                "counts": MergeCounts(**asdict(outcome.counts)),
                "dry_run": input.dry_run,
            }
            if input.dry_run:
                raise Undo(fields)
            return fields

        return await perform(info, MergeOrganisationsPayload, MERGE_WRITES, change)
