"""Merging a duplicate organisation into the one that stays (samenvoegen).

Everything of the source moves to the target in one transaction: memberships,
subsidiaries, relations, internal relations, documents, party types and their data,
addresses, contact means, bank accounts, customer groups, notes and activities (moved
by `links` and `belongings`). Where both have the same thing the target's is kept:
an active membership of the same person in the same role, an active relation of the same
type with the same party, a current internal relation of the same user and category,
type-specific data.
The source is archived with `merged_into_id`, so its ID still resolves and points to the
survivor. Set-based throughout: a merge of an organisation with thousands of people is a
handful of statements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import lock_rows
from relgraph.db.models import Organisation
from relgraph.domain import versions
from relgraph.domain.history import audit_writes
from relgraph.domain.organisations import hierarchy, organisations
from relgraph.domain.organisations.merging.belongings import (
    move_addresses,
    move_contact_details,
    move_documents,
    move_notes_and_activities,
    move_party_types,
    redirect_earlier_merges,
)
from relgraph.domain.organisations.merging.job import MergeJob
from relgraph.domain.organisations.merging.links import (
    move_internal_relations,
    move_memberships,
    move_relations,
)
from relgraph.domain.organisations.merging.report import RECORDED_FIELD, MergeCounts, item, sight_of
from relgraph.domain.party_data import search_text
from relgraph.errors import (
    DomainError,
    ErrorCode,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from relgraph.policy import Viewer, documents_of_party_visible

__all__ = ["MergeCounts", "MergeOutcome", "merge"]

_orgs = Organisation.__table__


@dataclass
class MergeOutcome:
    source: Organisation
    target: Organisation
    subsidiaries: list[Organisation]
    counts: MergeCounts  # as the actor may see them


async def _load_pair(
    session: AsyncSession, source_id: int, target_id: int
) -> tuple[Organisation, Organisation]:
    if source_id == target_id:
        raise InvalidInput.at("targetId", "An organisation cannot be merged into itself.")
    # Lock order, shared by every bulk operation: the hierarchy, organisations, persons, memberships.
    await hierarchy.lock(session)
    await lock_rows(session, _orgs, [source_id, target_id])
    source = await session.get(Organisation, source_id, populate_existing=True)
    if source is None:
        raise NotFound("sourceId", "No organisation with this id.")
    target = await session.get(Organisation, target_id, populate_existing=True)
    if target is None:
        raise NotFound("targetId", "No organisation with this id.")
    if source.merged_into_id is not None:
        raise InvalidInput.at("sourceId", f"{source.name} has been merged into another organisation already.")
    if target.archived:
        hint = "; it was merged into another organisation" if target.merged_into_id else ""
        raise InvalidInput.at(
            "targetId", f"{target.name} is archived{hint}. Merge into an active organisation."
        )
    if await hierarchy.would_cycle(session, organisation_id=source_id, parent_id=target_id):
        message = (
            f"{target.name} lies below {source.name}, so its subsidiaries cannot move under it; "
            f"merge the other way round, or move {target.name} out of the group first."
        )
        raise DomainError([FieldError(("targetId",), message, ErrorCode.CYCLE)])
    return source, target


async def _check_documents_visible(
    session: AsyncSession, actor: Viewer, source: Organisation, target: Organisation
) -> None:
    """R2: only someone who may see the documents of both organisations merges them.

    Whether there are any is not asked: the answer would tell who may not see them whether
    shielded documents exist. Their account managers move to the survivor with them, so
    the survivor's documents are then for the account managers of both: a merge by anyone
    else would show them the other's.
    """
    allowed = await session.scalar(
        select(
            and_(documents_of_party_visible(actor, source.id), documents_of_party_visible(actor, target.id))
        )
    )
    if not allowed:
        raise Forbidden(
            "The documents of one of these organisations are shielded: only its account managers "
            "and ADMIN may merge them."
        )


def _merged(job: MergeJob, org: Organisation, before: dict[str, Any], merge: dict[str, Any]) -> None:
    """The MERGE event of one of the pair: what changed on it, and what the merge adds."""
    changes = audit_writes.changes_between(before, organisations.ORGANISATIONS.snapshot(org))
    job.event("Organisation", org.id, "MERGE", org.id, changes={**changes, **merge})


async def merge(
    session: AsyncSession, *, actor: Viewer, source_id: int, target_id: int, today: dt.date | None = None
) -> MergeOutcome:
    """Merge organisation `source_id` into `target_id`: move everything, archive the source."""
    source, target = await _load_pair(session, source_id, target_id)
    await _check_documents_visible(session, actor, source, target)
    job = MergeJob(session, actor, source, target, today or dt.date.today(), dt.datetime.now(dt.UTC))
    subsidiaries = await hierarchy.move_subsidiaries(
        session, actor=actor, from_id=source.id, to_id=target.id, field="targetId"
    )
    job.report.add("subsidiaries_moved", item("Organisation"), len(subsidiaries))
    await move_memberships(job)
    await move_relations(job)
    await move_internal_relations(job)
    await move_documents(job)
    await move_party_types(job)
    await move_addresses(job)
    await move_contact_details(job)
    await move_notes_and_activities(job)
    await redirect_earlier_merges(job)

    source_before = organisations.ORGANISATIONS.snapshot(source)
    target_before = organisations.ORGANISATIONS.snapshot(target)
    source.archived = True
    source.merged_into_id = target.id
    versions.stamp(source, actor)
    # The addresses' cities moved along, and what search finds with them.
    await search_text.refresh_organisation(session, source)
    await search_text.refresh_organisation(session, target)
    versions.stamp(target, actor)
    await versions.flush(session, "organisation")
    _merged(job, source, source_before, {"merged_into_id": {"before": None, "after": target.id}})
    recorded = job.report.recorded(source.id, source.name)
    _merged(job, target, target_before, {RECORDED_FIELD: {"before": None, "after": recorded}})
    await audit_writes.record_many(session, job.events)
    # Counted as the trail will show it to the actor: after the move, on the survivor.
    sight = await sight_of(session, actor, job.report, target.id)
    return MergeOutcome(source, target, subsidiaries, job.report.counts_for(sight))
