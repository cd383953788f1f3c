"""Merging organisations: what the source owns moves to the survivor.

Documents, party types and their data, addresses, contact means, bank accounts,
customer groups, notes and activities; and organisations merged into the source before
now point at the survivor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from relgraph.db.bulk import update_each
from relgraph.db.models import (
    Activity,
    Address,
    AddressKind,
    Document,
    Note,
    Organisation,
    PartyGroup,
    PartyTypeLink,
    PurchaseRelation,
    SalesRelation,
)
from relgraph.domain.history import audit_writes
from relgraph.domain.organisations.merging.job import MergeJob
from relgraph.domain.organisations.merging.report import item
from relgraph.domain.party_data import addresses, bank_accounts, contact_means
from relgraph.domain.party_data.owned import OwnedRecords
from relgraph.domain.writes import removed
from relgraph.policy import kind_is_classified

__all__ = [
    "move_addresses",
    "move_contact_details",
    "move_documents",
    "move_notes_and_activities",
    "move_party_types",
    "redirect_earlier_merges",
]

_orgs = Organisation.__table__
_docs = Document.__table__
_addr = Address.__table__
_links = PartyTypeLink.__table__
_groups = PartyGroup.__table__


async def move_documents(job: MergeJob) -> None:
    session, source, target = job.session, job.source, job.target
    ids = list(
        await session.scalars(select(_docs.c.id).where(_docs.c.party_id == source.id).order_by(_docs.c.id))
    )
    if ids:
        await session.execute(update(_docs).where(_docs.c.party_id == source.id).values(party_id=target.id))
        for document_id in ids:
            job.event(
                "Document",
                document_id,
                "MOVE",
                target.id,
                changes={"party_id": {"before": source.id, "after": target.id}},
            )
    job.report.add("documents_moved", item("Document", documents=True), len(ids))


async def _links_to_add(job: MergeJob, linked: Any) -> tuple[set[int], list[int]]:
    """The target's links in the link table of column `linked` (its party types, its groups),
    and those of the source it lacks, by id."""
    table = linked.table
    pairs = (
        await job.session.execute(
            select(table.c.party_id, linked).where(table.c.party_id.in_([job.source.id, job.target.id]))
        )
    ).all()
    theirs = {value for party_id, value in pairs if party_id == job.target.id}
    return theirs, sorted({value for party_id, value in pairs if party_id == job.source.id} - theirs)


async def move_party_types(job: MergeJob) -> None:
    """The target gets the source's types; type-specific data moves unless the target has its own."""
    session, source, target = job.session, job.source, job.target
    theirs, added = await _links_to_add(job, _links.c.party_type_id)
    if added:
        await session.execute(insert(_links), [{"party_id": target.id, "party_type_id": t} for t in added])
        job.event(
            "Party",
            target.id,
            "SET_TYPES",
            target.id,
            changes={"party_type_ids": {"before": sorted(theirs), "after": sorted(theirs | set(added))}},
        )
    await session.execute(delete(_links).where(_links.c.party_id == source.id))
    job.report.add("party_types_added", item("Party"), len(added))
    for model in (SalesRelation, PurchaseRelation):
        table = model.__table__
        found = {
            r.party_id: r
            for r in (
                await session.execute(select(table).where(table.c.party_id.in_([source.id, target.id])))
            ).all()
        }
        if source.id not in found:
            continue
        if target.id in found:
            mine = found[source.id]
            before = audit_writes.snapshot(mine, [c.name for c in table.columns if c.name != "party_id"])
            await session.execute(delete(table).where(table.c.party_id == source.id))
            job.event(
                model.__name__,
                source.id,
                "CLEAR",
                source.id,
                changes=removed(before),
                reason=f"{job.reason} {target.name} has its own, which stays.",
            )
            job.report.add("typed_data_merged", item(model.__name__))
        else:
            await session.execute(
                update(table).where(table.c.party_id == source.id).values(party_id=target.id)
            )
            job.event(
                model.__name__,
                target.id,
                "MOVE",
                target.id,
                changes={"party_id": {"before": source.id, "after": target.id}},
            )
            job.report.add("typed_data_moved", item(model.__name__))


async def move_addresses(job: MergeJob) -> None:
    """The source's addresses join the target's, which keeps its head office and its POSTAL
    and INVOICE address (one of each per party): the source's postal or invoice address is
    dropped where the target has its own, and its head office stays one only where the
    target has none."""
    session, source, target = job.session, job.source, job.target
    rows = (
        await session.execute(
            select(_addr).where(_addr.c.party_id.in_([source.id, target.id])).order_by(_addr.c.id)
        )
    ).all()
    theirs = {r.kind for r in rows if r.party_id == target.id}
    has_head = any(r.is_head_office for r in rows if r.party_id == target.id)
    moved, dropped = [], []
    for r in rows:
        if r.party_id != source.id:
            continue
        if r.kind != AddressKind.VISIT and r.kind in theirs:
            dropped.append(r.id)
            job.report.add("addresses_merged", item("Address", r.kind))
            job.event(
                "Address",
                r.id,
                "DELETE",
                source.id,
                changes=removed({name: getattr(r, name) for name in ("kind", *addresses.FIELDS)}),
                reason=f"{job.reason} The target has a {r.kind.lower()} address of its own, which stays.",
            )
            continue
        head = r.is_head_office and not has_head
        moved.append({"b_id": r.id, "b_flag": head})
        job.report.add("addresses_moved", item("Address", r.kind))
        changes: dict[str, Any] = {"party_id": {"before": source.id, "after": target.id}}
        if r.is_head_office and not head:
            changes["is_head_office"] = {"before": True, "after": False}
        if kind_is_classified("Address", r.kind):
            # Who may read the event depends on the address's kind (R4), as for its other events.
            changes["kind"] = {"before": r.kind, "after": r.kind}
        job.event("Address", r.id, "MOVE", target.id, changes=changes)
    await _drop_and_move(job, _addr, dropped, moved, "is_head_office")


async def _drop_and_move(
    job: MergeJob, table: Any, dropped: list[int], moved: list[dict[str, Any]], flag: str
) -> None:
    """Delete the `dropped` rows of `table`; the `moved` ones ({"b_id", "b_flag"}) go to the
    target, their `flag` column (primary, head office) as each item says."""
    if dropped:
        await job.session.execute(delete(table).where(table.c.id.in_(dropped)))
    if moved:
        flags: dict[str, Any] = {flag: bindparam("b_flag")}
        await update_each(job.session, table, moved, party_id=job.target.id, **flags, **job.stamped(table))


async def _owned(job: MergeJob, owned: OwnedRecords) -> tuple[int, int]:
    """Move the records the source owns; one the target has too (same key) is dropped. A
    moved primary one stays primary only where the target has none of its own (of that
    scope). Returns (moved, merged)."""
    session, source, target = job.session, job.source, job.target
    model = owned.rows.model
    table = model.__table__
    rows = (
        await session.execute(
            select(table)
            .where(table.c.party_id.in_([source.id, target.id]))
            .order_by(table.c.id)
            .with_for_update(key_share=True)
        )
    ).all()
    theirs = {owned.key_of(r): r.id for r in rows if r.party_id == target.id}
    primary = {owned.scope(r) for r in rows if r.party_id == target.id and r.is_primary}
    dropped, moved = [], []
    for r in rows:
        if r.party_id != source.id:
            continue
        same = theirs.get(owned.key_of(r))
        if same is not None:
            dropped.append(r.id)
            job.event(
                model.__name__,
                r.id,
                "DELETE",
                source.id,
                reason=f"{job.reason} The target has it too ({same}).",
            )
            continue
        keeps = r.is_primary and owned.scope(r) not in primary
        moved.append({"b_id": r.id, "b_flag": keeps})
        changes: dict[str, Any] = {"party_id": {"before": source.id, "after": target.id}}
        if r.is_primary and not keeps:
            changes["is_primary"] = {"before": True, "after": False}
        job.event(model.__name__, r.id, "MOVE", target.id, changes=changes)
    await _drop_and_move(job, table, dropped, moved, owned.flag)
    return len(moved), len(dropped)


async def move_contact_details(job: MergeJob) -> None:
    """Contact means and bank accounts move (the same value twice is kept once); groups join."""
    moved, merged = await _owned(job, contact_means.OWNED)
    job.report.add("contact_means_moved", item("ContactMean"), moved)
    job.report.add("contact_means_merged", item("ContactMean"), merged)
    moved, merged = await _owned(job, bank_accounts.OWNED)
    job.report.add("bank_accounts_moved", item("BankAccount"), moved)
    job.report.add("bank_accounts_merged", item("BankAccount"), merged)
    session, source, target = job.session, job.source, job.target
    _, added = await _links_to_add(job, _groups.c.group_id)
    if added:
        await session.execute(
            insert(_groups),
            [
                {"group_id": g, "party_id": target.id, "added_at": job.now, "added_by_id": job.actor.id}
                for g in added
            ],
        )
        job.event(
            "Party",
            target.id,
            "ADD_TO_GROUPS",
            target.id,
            changes={"group_ids": {"before": None, "after": added}},
        )
    await session.execute(delete(_groups).where(_groups.c.party_id == source.id))
    job.report.add("customer_groups_added", item("Party"), len(added))


async def move_notes_and_activities(job: MergeJob) -> None:
    """Notes and activities move as they are: one event per moved row, no merging of texts."""
    session, source, target = job.session, job.source, job.target
    for model, object_type in ((Note, "Note"), (Activity, "Activity")):
        table = model.__table__
        rows = (
            await session.execute(
                select(table.c.id, table.c.kind).where(table.c.party_id == source.id).order_by(table.c.id)
            )
        ).all()
        if rows:
            await session.execute(
                update(table)
                .where(table.c.party_id == source.id)
                .values(party_id=target.id, **job.stamped(table))
            )
        for row in rows:
            changes: dict[str, Any] = {"party_id": {"before": source.id, "after": target.id}}
            if model is Note:
                # The audit trail masks a note's event by its kind.
                changes["kind"] = {"before": row.kind, "after": row.kind}
            job.event(object_type, row.id, "MOVE", target.id, changes=changes)
            if model is Note:
                job.report.add("notes_moved", item("Note", row.kind))
            else:
                job.report.add("activities_moved", item("Activity"))


async def redirect_earlier_merges(job: MergeJob) -> None:
    """Organisations merged into the source before now point to the survivor directly."""
    session, source, target = job.session, job.source, job.target
    ids = list(
        await session.scalars(
            select(_orgs.c.id).where(_orgs.c.merged_into_id == source.id).order_by(_orgs.c.id)
        )
    )
    if ids:
        await session.execute(
            update(_orgs).where(_orgs.c.merged_into_id == source.id).values(merged_into_id=target.id)
        )
        for org_id in ids:
            job.event(
                "Organisation",
                org_id,
                "UPDATE",
                org_id,
                changes={"merged_into_id": {"before": source.id, "after": target.id}},
            )
    job.report.add("earlier_merges_redirected", item("Organisation"), len(ids))
