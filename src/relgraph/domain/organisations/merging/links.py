"""Merging organisations: the links between parties move to the survivor.

Memberships, relations and internal relations, each set-based: a few statements per
kind whatever the number of rows. Where the target has the same link already, its own
stays (an active membership of the same person and role, an active relation of the same
type with the same party, a current internal relation of the same user and category).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update

from relgraph.db.bulk import lock_rows, one_of, rows_in, update_each
from relgraph.db.models import (
    InternalRelation,
    Membership,
    MembershipTag,
    Person,
    Relation,
    RelationType,
)
from relgraph.db.models.in_force import dates_hold
from relgraph.domain import places
from relgraph.domain.history import audit_writes
from relgraph.domain.memberships import memberships
from relgraph.domain.memberships.relinking.plan import STATE_COLUMNS, MembershipState
from relgraph.domain.organisations.merging.job import MergeJob
from relgraph.domain.organisations.merging.report import item
from relgraph.domain.relations import internal_relations, relations
from relgraph.domain.writes import removed

__all__ = ["move_internal_relations", "move_memberships", "move_relations"]

_m = Membership.__table__
_tags = MembershipTag.__table__
_people = Person.__table__
_rel = Relation.__table__
_ir = InternalRelation.__table__
# Filled in on the target's membership when it has no value of its own.
_FILLABLE = (
    "department",
    "job_title",
    "business_email",
    "phone1",
    "phone2",
    "account_manager_id",
    "start_date",
)


async def move_memberships(job: MergeJob) -> None:
    """Move the memberships; an active one the target has already (person, role) is merged."""
    session, source, target = job.session, job.source, job.target
    person_ids = set(await session.scalars(select(_m.c.person_id).where(_m.c.organisation_id == source.id)))
    if not person_ids:
        return
    await lock_rows(session, _people, person_ids)
    # Lapsed ones give up their places first (domain/places.py): the flags compared below
    # then say "not ended", as the unique index does.
    await places.free_lapsed(
        session,
        Membership,
        _m.c.organisation_id.in_((source.id, target.id)),
        one_of(session, _m.c.person_id, list(person_ids)),
    )
    rows = (
        await session.execute(
            select(*STATE_COLUMNS)
            .where(_m.c.organisation_id == source.id)
            .order_by(_m.c.id)
            .with_for_update(key_share=True)
        )
    ).all()
    theirs = await rows_in(
        session,
        select(*STATE_COLUMNS).where(_m.c.organisation_id == target.id, _m.c.active.is_(True)),
        _m.c.person_id,
        person_ids,
        lock=True,
    )
    kept = {places.membership_place(r.person_id, target.id, r.role): MembershipState(*r) for r in theirs}
    moves: list[MembershipState] = []
    duplicates: list[tuple[MembershipState, MembershipState]] = []
    for row in rows:
        mine = MembershipState(*row)
        place = places.membership_place(mine.person_id, target.id, mine.role)
        other = kept.get(place) if mine.active else None
        if other is None:
            moves.append(mine)
        else:
            duplicates.append((mine, other))
    if moves:
        moved = [{"b_id": m.id} for m in moves]
        await update_each(session, _m, moved, organisation_id=target.id, **job.stamped(_m))
        for m in moves:
            job.event(
                "Membership",
                m.id,
                "RELINK",
                target.id,
                other_party_id=m.person_id,
                changes={"organisation_id": {"before": source.id, "after": target.id}},
            )
    if duplicates:
        await _merge_duplicates(job, duplicates)
    for m in moves:
        job.report.add("memberships_moved", item("Membership", party=m.person_id))
    for mine, _ in duplicates:
        job.report.add("memberships_merged", item("Membership", party=mine.person_id))


async def _merge_duplicates(job: MergeJob, pairs: list[tuple[MembershipState, MembershipState]]) -> None:
    """Keep the target's membership, fill its gaps from the source's, end the source's there."""
    session = job.session
    tag_rows = await rows_in(
        session,
        select(_tags.c.membership_id, _tags.c.tag),
        _tags.c.membership_id,
        [m.id for pair in pairs for m in pair],
    )
    tags: dict[int, list[str]] = {}
    for row in tag_rows:
        tags.setdefault(row.membership_id, []).append(row.tag)
    ends: list[dict[str, Any]] = []
    fills: list[dict[str, Any]] = []
    new_tags: list[dict[str, Any]] = []
    for mine, kept in pairs:
        end = max(job.today, mine.start_date) if mine.start_date else job.today
        ends.append({"b_id": mine.id, "b_end": end})
        ended = replace(mine, active=False, end_date=end)
        job.event(
            "Membership",
            mine.id,
            "DEACTIVATE",
            job.source.id,
            other_party_id=mine.person_id,
            changes=audit_writes.changes_between(
                memberships.MEMBERSHIPS.snapshot(mine),
                memberships.MEMBERSHIPS.snapshot(ended),
            ),
            reason=f"{job.reason} Duplicate of membership {kept.id} there, which stays.",
        )
        gaps = {
            n: getattr(mine, n)
            for n in _FILLABLE
            if getattr(kept, n) is None and getattr(mine, n) is not None
        }
        have = set(tags.get(kept.id, []))
        extra = [t for t in sorted(tags.get(mine.id, [])) if t not in have][
            : max(0, memberships.MAX_TAGS - len(have))
        ]
        new_tags.extend({"membership_id": kept.id, "tag": t} for t in extra)
        if gaps or extra:
            filled = replace(kept, **gaps, updated_at=job.now, updated_by_id=job.actor.id)
            fills.append({"b_id": kept.id, **{f"b_{k}": getattr(filled, k) for k in _FILLABLE}})
            changes = audit_writes.changes_between(
                memberships.MEMBERSHIPS.snapshot(kept),
                memberships.MEMBERSHIPS.snapshot(filled),
            )
            if extra:
                changes["tags"] = {"before": sorted(have), "after": sorted(have | set(extra))}
            job.event(
                "Membership",
                kept.id,
                "UPDATE",
                job.target.id,
                other_party_id=kept.person_id,
                changes=changes,
                reason=f"{job.reason} Took over what membership {mine.id} knew and this one did not.",
            )
    await update_each(session, _m, ends, active=False, end_date=bindparam("b_end"), **job.stamped(_m))
    if fills:
        filled_in: dict[str, Any] = {k: bindparam(f"b_{k}") for k in _FILLABLE}
        await update_each(session, _m, fills, **filled_in, **job.stamped(_m))
    if new_tags:
        await session.execute(insert(_tags), new_tags)


def _far_end(relation: Any, party_id: int) -> int:
    """The end of `relation` that is not `party_id`."""
    return relation.target_id if relation.source_id == party_id else relation.source_id


async def move_relations(job: MergeJob) -> None:
    """Re-point relations to the target; drop those between the two and active duplicates."""
    session, source, target = job.session, job.source, job.target
    involving = or_(_rel.c.source_id == source.id, _rel.c.target_id == source.id)
    both = (source.id, target.id)
    await places.free_lapsed(session, Relation, or_(_rel.c.source_id.in_(both), _rel.c.target_id.in_(both)))
    rows = (
        await session.execute(
            select(_rel).where(involving).order_by(_rel.c.id).with_for_update(key_share=True)
        )
    ).all()
    if not rows:
        return
    symmetric = dict(
        (
            await session.execute(
                select(RelationType.id, RelationType.symmetric).where(
                    RelationType.id.in_({r.type_id for r in rows})
                )
            )
        ).all()
    )
    held = {
        (r.type_id, r.source_id, r.target_id): r.id
        for r in (
            await session.execute(
                select(_rel.c.id, _rel.c.type_id, _rel.c.source_id, _rel.c.target_id).where(
                    _rel.c.active.is_(True), or_(_rel.c.source_id == target.id, _rel.c.target_id == target.id)
                )
            )
        ).all()
    }
    dropped: list[tuple[Any, str, str]] = []
    moves: list[dict[str, Any]] = []
    for r in rows:
        # R1: a relation counts for whoever sees the party at its other end.
        other = item("Relation", party=r.target_id if r.source_id == source.id else r.source_id)
        ends = (
            target.id if r.source_id == source.id else r.source_id,
            target.id if r.target_id == source.id else r.target_id,
        )
        if ends[0] == ends[1]:
            dropped.append((r, "DELETE", f"{job.reason} It related the two, so it was dropped."))
            job.report.add("relations_dropped", other)
            continue
        if symmetric.get(r.type_id) and ends[0] > ends[1]:
            ends = (ends[1], ends[0])  # one stored direction per pair
        key = (r.type_id, *ends)
        if r.active:
            same = held.setdefault(key, r.id)
            if same != r.id:
                dropped.append((r, "DELETE", f"{job.reason} Duplicate of relation {same}, which stays."))
                job.report.add("relations_merged", other)
                continue
        moves.append({"b_id": r.id, "b_source": ends[0], "b_target": ends[1]})
        job.report.add("relations_moved", other)
        job.event(
            "Relation",
            r.id,
            "UPDATE",
            target.id,
            other_party_id=_far_end(r, source.id),
            changes=audit_writes.changes_between(
                {"source_id": r.source_id, "target_id": r.target_id},
                {"source_id": ends[0], "target_id": ends[1]},
            ),
        )
    if dropped:
        for r, action, reason in dropped:
            before = audit_writes.snapshot(r, relations.AUDITED_FIELDS)
            changes = removed(before)
            job.event(
                "Relation",
                r.id,
                action,
                source.id,
                other_party_id=_far_end(r, source.id),
                changes=changes,
                reason=reason,
            )
        await session.execute(delete(_rel).where(_rel.c.id.in_([r.id for r, _, _ in dropped])))
    if moves:
        await update_each(
            session,
            _rel,
            moves,
            source_id=bindparam("b_source"),
            target_id=bindparam("b_target"),
            **job.stamped(_rel),
        )


async def move_internal_relations(job: MergeJob) -> None:
    """Move the internal relations; one the target has now (same user and category) is kept."""
    session, source, target = job.session, job.source, job.target
    rows = (
        await session.execute(
            select(_ir).where(_ir.c.party_id == source.id).order_by(_ir.c.id).with_for_update(key_share=True)
        )
    ).all()
    if not rows:
        return
    current = InternalRelation.holds_on(job.today)
    held = {
        (r.user_id, r.category_id): r.id
        for r in (
            await session.execute(
                select(_ir.c.id, _ir.c.user_id, _ir.c.category_id).where(_ir.c.party_id == target.id, current)
            )
        ).all()
    }
    dropped, moved = [], []
    for r in rows:
        holds = dates_hold(r.since, r.until, job.today)
        same = held.get((r.user_id, r.category_id)) if holds else None
        if same is None:
            moved.append(r.id)
            job.event(
                "InternalRelation",
                r.id,
                "UPDATE",
                target.id,
                changes={"party_id": {"before": source.id, "after": target.id}},
            )
        else:
            dropped.append(r.id)
            before = audit_writes.snapshot(r, internal_relations.AUDITED_FIELDS)
            job.event(
                "InternalRelation",
                r.id,
                "DELETE",
                source.id,
                changes=removed(before),
                reason=f"{job.reason} Duplicate of internal relation {same}, which stays.",
            )
    if dropped:
        await session.execute(delete(_ir).where(_ir.c.id.in_(dropped)))
    if moved:
        await session.execute(
            update(_ir).where(_ir.c.id.in_(moved)).values(party_id=target.id, **job.stamped(_ir))
        )
    job.report.add("internal_relations_moved", item("InternalRelation"), len(moved))
    job.report.add("internal_relations_merged", item("InternalRelation"), len(dropped))
