"""Merging a duplicate organisation into the one that stays (samenvoegen).

Everything of the source moves to the target in one transaction: memberships,
subsidiaries, relations, internal relations, documents, party types and their data,
addresses, contact means, bank accounts and customer groups. Where both have the same thing the target's is kept: an active membership
of the same person in the same role, an active relation of the same type with the same
party, a current internal relation of the same user and category, type-specific data.
The source is archived with `merged_into_id`, so its ID still resolves and points to the
survivor. Set-based throughout: a merge of an organisation with thousands of people is a
handful of statements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import lock_rows, rows_in
from relgraph.db.models import (
    Address,
    BankAccount,
    ContactMean,
    Document,
    InternalRelation,
    Membership,
    MembershipTag,
    Organisation,
    PartyGroup,
    PartyTypeLink,
    Person,
    PurchaseRelation,
    Relation,
    RelationType,
    SalesRelation,
)
from relgraph.domain import audit, hierarchy, memberships, organisations, versions
from relgraph.domain import relations as relations_domain
from relgraph.domain.relinking import MembershipState
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

_m = Membership.__table__
_tags = MembershipTag.__table__
_orgs = Organisation.__table__
_people = Person.__table__
_rel = Relation.__table__
_ir = InternalRelation.__table__
_docs = Document.__table__
_addr = Address.__table__
_links = PartyTypeLink.__table__
_groups = PartyGroup.__table__
_STATE_COLUMNS = [_m.c[f.name] for f in fields(MembershipState)]
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


@dataclass
class MergeCounts:
    """What a merge moved, merged (the target's kept) or dropped, per kind."""

    memberships_moved: int = 0
    memberships_merged: int = 0
    subsidiaries_moved: int = 0
    relations_moved: int = 0
    relations_merged: int = 0
    relations_dropped: int = 0
    internal_relations_moved: int = 0
    internal_relations_merged: int = 0
    documents_moved: int = 0
    party_types_added: int = 0
    typed_data_moved: int = 0
    typed_data_merged: int = 0
    addresses_moved: int = 0
    contact_means_moved: int = 0
    contact_means_merged: int = 0
    bank_accounts_moved: int = 0
    bank_accounts_merged: int = 0
    customer_groups_added: int = 0
    earlier_merges_redirected: int = 0


@dataclass
class MergeOutcome:
    source: Organisation
    target: Organisation
    subsidiaries: list[Organisation]
    counts: MergeCounts = field(default_factory=MergeCounts)


@dataclass
class _Merge:
    session: AsyncSession
    actor: Viewer
    source: Organisation
    target: Organisation
    today: dt.date
    now: dt.datetime
    counts: MergeCounts
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return f"Merged {self.source.name} (organisation {self.source.id}) into {self.target.name}."

    def event(self, object_type: str, object_id: int, action: str, party_id: int, **kwargs: Any) -> None:
        self.events.append(
            audit.event(
                actor=self.actor,
                object_type=object_type,
                object_id=object_id,
                party_id=party_id,
                action=action,
                at=self.now,
                reason=kwargs.pop("reason", self.reason),
                **kwargs,
            )
        )


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
    """R2: shielded documents move only in the hands of someone who may see them on both sides."""
    has_documents = await session.scalar(select(_docs.c.id).where(_docs.c.party_id == source.id).limit(1))
    if has_documents is None:
        return
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


async def _memberships(job: _Merge) -> None:
    """Move the memberships; an active one the target has already (person, role) is merged."""
    session, source, target = job.session, job.source, job.target
    person_ids = set(await session.scalars(select(_m.c.person_id).where(_m.c.organisation_id == source.id)))
    if not person_ids:
        return
    await lock_rows(session, _people, person_ids)
    rows = (
        await session.execute(
            select(*_STATE_COLUMNS)
            .where(_m.c.organisation_id == source.id)
            .order_by(_m.c.id)
            .with_for_update(key_share=True)
        )
    ).all()
    theirs = await rows_in(
        session,
        select(*_STATE_COLUMNS).where(_m.c.organisation_id == target.id, _m.c.active.is_(True)),
        _m.c.person_id,
        person_ids,
        lock=True,
    )
    kept = {(r.person_id, r.role or ""): MembershipState(*r) for r in theirs}
    moves: list[MembershipState] = []
    duplicates: list[tuple[MembershipState, MembershipState]] = []
    for row in rows:
        mine = MembershipState(*row)
        other = kept.get((mine.person_id, mine.role or "")) if mine.active else None
        if other is None:
            moves.append(mine)
        else:
            duplicates.append((mine, other))
    stamp = {"b_at": job.now, "b_by": job.actor.id}
    if moves:
        await session.execute(
            update(_m)
            .where(_m.c.id == bindparam("b_id"))
            .values(
                organisation_id=target.id,
                version=_m.c.version + 1,
                updated_at=bindparam("b_at"),
                updated_by_id=bindparam("b_by"),
            ),
            [{"b_id": m.id, **stamp} for m in moves],
        )
        for m in moves:
            job.event(
                "Membership",
                m.id,
                "RELINK",
                target.id,
                changes={"organisation_id": {"before": source.id, "after": target.id}},
            )
    if duplicates:
        await _merge_duplicates(job, duplicates)
    job.counts.memberships_moved = len(moves)
    job.counts.memberships_merged = len(duplicates)


async def _merge_duplicates(job: _Merge, pairs: list[tuple[MembershipState, MembershipState]]) -> None:
    """Keep the target's membership, fill its gaps from the source's, end the source's there."""
    session, stamp = job.session, {"updated_at": job.now, "updated_by_id": job.actor.id}
    tag_rows = await rows_in(
        session,
        select(_tags.c.membership_id, _tags.c.tag),
        _tags.c.membership_id,
        [m.id for pair in pairs for m in pair],
    )
    tags: dict[int, list[str]] = {}
    for row in tag_rows:
        tags.setdefault(row.membership_id, []).append(row.tag)
    ends, fills, new_tags = [], [], []
    for mine, kept in pairs:
        end = max(job.today, mine.start_date) if mine.start_date else job.today
        ends.append({"b_id": mine.id, "b_end": end, "b_at": job.now, "b_by": job.actor.id})
        ended = replace(mine, active=False, end_date=end)
        job.event(
            "Membership",
            mine.id,
            "DEACTIVATE",
            job.source.id,
            changes=audit.changes_between(
                audit.snapshot(mine, memberships.AUDITED_FIELDS),
                audit.snapshot(ended, memberships.AUDITED_FIELDS),
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
            filled = replace(kept, **gaps, **stamp)
            fills.append(
                {
                    "b_id": kept.id,
                    **{f"b_{k}": getattr(filled, k) for k in _FILLABLE},
                    "b_at": job.now,
                    "b_by": job.actor.id,
                }
            )
            changes = audit.changes_between(
                audit.snapshot(kept, memberships.AUDITED_FIELDS),
                audit.snapshot(filled, memberships.AUDITED_FIELDS),
            )
            if extra:
                changes["tags"] = {"before": sorted(have), "after": sorted(have | set(extra))}
            job.event(
                "Membership",
                kept.id,
                "UPDATE",
                job.target.id,
                changes=changes,
                reason=f"{job.reason} Took over what membership {mine.id} knew and this one did not.",
            )
    await session.execute(
        update(_m)
        .where(_m.c.id == bindparam("b_id"))
        .values(
            active=False,
            end_date=bindparam("b_end"),
            version=_m.c.version + 1,
            updated_at=bindparam("b_at"),
            updated_by_id=bindparam("b_by"),
        ),
        ends,
    )
    if fills:
        await session.execute(
            update(_m)
            .where(_m.c.id == bindparam("b_id"))
            .values(
                **{k: bindparam(f"b_{k}") for k in _FILLABLE},
                version=_m.c.version + 1,
                updated_at=bindparam("b_at"),
                updated_by_id=bindparam("b_by"),
            ),
            fills,
        )
    if new_tags:
        await session.execute(insert(_tags), new_tags)


async def _relations(job: _Merge) -> None:
    """Re-point relations to the target; drop those between the two and active duplicates."""
    session, source, target = job.session, job.source, job.target
    involving = or_(_rel.c.source_id == source.id, _rel.c.target_id == source.id)
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
        ends = (
            target.id if r.source_id == source.id else r.source_id,
            target.id if r.target_id == source.id else r.target_id,
        )
        if ends[0] == ends[1]:
            dropped.append((r, "DELETE", f"{job.reason} It related the two, so it was dropped."))
            job.counts.relations_dropped += 1
            continue
        if symmetric.get(r.type_id) and ends[0] > ends[1]:
            ends = (ends[1], ends[0])  # one stored direction per pair
        key = (r.type_id, *ends)
        if r.active:
            same = held.setdefault(key, r.id)
            if same != r.id:
                dropped.append((r, "DELETE", f"{job.reason} Duplicate of relation {same}, which stays."))
                job.counts.relations_merged += 1
                continue
        moves.append(
            {"b_id": r.id, "b_source": ends[0], "b_target": ends[1], "b_at": job.now, "b_by": job.actor.id}
        )
        job.event(
            "Relation",
            r.id,
            "UPDATE",
            target.id,
            changes=audit.changes_between(
                {"source_id": r.source_id, "target_id": r.target_id},
                {"source_id": ends[0], "target_id": ends[1]},
            ),
        )
    job.counts.relations_moved = len(moves)
    if dropped:
        for r, action, reason in dropped:
            before = audit.snapshot(r, relations_domain.AUDITED_FIELDS)
            changes = {k: {"before": v, "after": None} for k, v in before.items()}
            job.event("Relation", r.id, action, source.id, changes=changes, reason=reason)
        await session.execute(delete(_rel).where(_rel.c.id.in_([r.id for r, _, _ in dropped])))
    if moves:
        await session.execute(
            update(_rel)
            .where(_rel.c.id == bindparam("b_id"))
            .values(
                source_id=bindparam("b_source"),
                target_id=bindparam("b_target"),
                version=_rel.c.version + 1,
                updated_at=bindparam("b_at"),
                updated_by_id=bindparam("b_by"),
            ),
            moves,
        )


async def _internal_relations(job: _Merge) -> None:
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
        holds = (r.since is None or r.since <= job.today) and (r.until is None or r.until >= job.today)
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
            before = audit.snapshot(
                r, ["user_id", "party_id", "category_id", "since", "until", "commission_percent"]
            )
            job.event(
                "InternalRelation",
                r.id,
                "DELETE",
                source.id,
                changes={k: {"before": v, "after": None} for k, v in before.items()},
                reason=f"{job.reason} Duplicate of internal relation {same}, which stays.",
            )
    if dropped:
        await session.execute(delete(_ir).where(_ir.c.id.in_(dropped)))
    if moved:
        await session.execute(
            update(_ir)
            .where(_ir.c.id.in_(moved))
            .values(
                party_id=target.id, version=_ir.c.version + 1, updated_at=job.now, updated_by_id=job.actor.id
            )
        )
    job.counts.internal_relations_moved = len(moved)
    job.counts.internal_relations_merged = len(dropped)


async def _documents(job: _Merge) -> None:
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
    job.counts.documents_moved = len(ids)


async def _party_types(job: _Merge) -> None:
    """The target gets the source's types; type-specific data moves unless the target has its own."""
    session, source, target = job.session, job.source, job.target
    links = (
        await session.execute(
            select(_links.c.party_id, _links.c.party_type_id).where(
                _links.c.party_id.in_([source.id, target.id])
            )
        )
    ).all()
    theirs = {t for p, t in links if p == target.id}
    added = sorted({t for p, t in links if p == source.id} - theirs)
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
    job.counts.party_types_added = len(added)
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
            before = audit.snapshot(mine, [c.name for c in table.columns if c.name != "party_id"])
            await session.execute(delete(table).where(table.c.party_id == source.id))
            job.event(
                model.__name__,
                source.id,
                "CLEAR",
                source.id,
                changes={k: {"before": v, "after": None} for k, v in before.items()},
                reason=f"{job.reason} {target.name} has its own, which stays.",
            )
            job.counts.typed_data_merged += 1
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
            job.counts.typed_data_moved += 1


async def _addresses(job: _Merge) -> None:
    """The source's addresses join the target's; the target's head office stays the head office."""
    session, source, target = job.session, job.source, job.target
    ids = list(
        await session.scalars(select(_addr.c.id).where(_addr.c.party_id == source.id).order_by(_addr.c.id))
    )
    if ids:
        await session.execute(
            update(_addr)
            .where(_addr.c.party_id == source.id)
            .values(party_id=target.id, is_head_office=False)
        )
        for address_id in ids:
            job.event(
                "Address",
                address_id,
                "MOVE",
                target.id,
                changes={"party_id": {"before": source.id, "after": target.id}},
            )
    job.counts.addresses_moved = len(ids)


async def _owned(
    job: _Merge, model: Any, key: tuple[str, ...], primary_per: tuple[str, ...]
) -> tuple[int, int]:
    """Move the rows of `model` the source owns; one the target has too (same `key`) is
    dropped. A moved primary one stays primary only where the target has none of its own
    (per `primary_per`). Returns (moved, merged)."""
    session, source, target = job.session, job.source, job.target
    table = model.__table__
    rows = (
        await session.execute(
            select(table)
            .where(table.c.party_id.in_([source.id, target.id]))
            .order_by(table.c.id)
            .with_for_update(key_share=True)
        )
    ).all()
    theirs = {tuple(getattr(r, k) for k in key): r.id for r in rows if r.party_id == target.id}
    primary = {
        tuple(getattr(r, k) for k in primary_per) for r in rows if r.party_id == target.id and r.is_primary
    }
    dropped, moved = [], []
    for r in rows:
        if r.party_id != source.id:
            continue
        same = theirs.get(tuple(getattr(r, k) for k in key))
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
        keeps = r.is_primary and tuple(getattr(r, k) for k in primary_per) not in primary
        moved.append({"b_id": r.id, "b_primary": keeps})
        changes: dict[str, Any] = {"party_id": {"before": source.id, "after": target.id}}
        if r.is_primary and not keeps:
            changes["is_primary"] = {"before": True, "after": False}
        job.event(model.__name__, r.id, "MOVE", target.id, changes=changes)
    if dropped:
        await session.execute(delete(table).where(table.c.id.in_(dropped)))
    if moved:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                party_id=target.id,
                is_primary=bindparam("b_primary"),
                version=table.c.version + 1,
                updated_at=job.now,
                updated_by_id=job.actor.id,
            ),
            moved,
        )
    return len(moved), len(dropped)


async def _contact_details(job: _Merge) -> None:
    """Contact means and bank accounts move (the same value twice is kept once); groups join."""
    counts = job.counts
    counts.contact_means_moved, counts.contact_means_merged = await _owned(
        job, ContactMean, ("kind", "value"), ("kind",)
    )
    counts.bank_accounts_moved, counts.bank_accounts_merged = await _owned(job, BankAccount, ("iban",), ())
    session, source, target = job.session, job.source, job.target
    links = (
        await session.execute(
            select(_groups.c.party_id, _groups.c.group_id).where(
                _groups.c.party_id.in_([source.id, target.id])
            )
        )
    ).all()
    theirs = {g for p, g in links if p == target.id}
    added = sorted({g for p, g in links if p == source.id} - theirs)
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
    counts.customer_groups_added = len(added)


async def _earlier_merges(job: _Merge) -> None:
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
    job.counts.earlier_merges_redirected = len(ids)


async def merge(
    session: AsyncSession, *, actor: Viewer, source_id: int, target_id: int, today: dt.date | None = None
) -> MergeOutcome:
    """Merge organisation `source_id` into `target_id`: move everything, archive the source."""
    source, target = await _load_pair(session, source_id, target_id)
    await _check_documents_visible(session, actor, source, target)
    job = _Merge(
        session, actor, source, target, today or dt.date.today(), dt.datetime.now(dt.UTC), MergeCounts()
    )
    subsidiaries = await hierarchy.move_subsidiaries(
        session, actor=actor, from_id=source.id, to_id=target.id, field="targetId"
    )
    job.counts.subsidiaries_moved = len(subsidiaries)
    await _memberships(job)
    await _relations(job)
    await _internal_relations(job)
    await _documents(job)
    await _party_types(job)
    await _addresses(job)
    await _contact_details(job)
    await _earlier_merges(job)

    source_before = audit.snapshot(source, organisations.AUDITED_FIELDS)
    target_before = audit.snapshot(target, organisations.AUDITED_FIELDS)
    source.archived = True
    source.merged_into_id = target.id
    versions.stamp(source, actor)
    # The addresses' cities moved along, and what search finds with them.
    await organisations.refresh_search(session, source)
    await organisations.refresh_search(session, target)
    versions.stamp(target, actor)
    await versions.flush(session, "organisation")
    counts = {k: v for k, v in asdict(job.counts).items() if v}
    job.event(
        "Organisation",
        source.id,
        "MERGE",
        source.id,
        changes={
            **audit.changes_between(source_before, audit.snapshot(source, organisations.AUDITED_FIELDS)),
            "merged_into_id": {"before": None, "after": target.id},
        },
    )
    job.event(
        "Organisation",
        target.id,
        "MERGE",
        target.id,
        changes={
            **audit.changes_between(target_before, audit.snapshot(target, organisations.AUDITED_FIELDS)),
            "merged_from": {"before": None, "after": {"id": source.id, "name": source.name, **counts}},
        },
    )
    await audit.record_many(session, job.events)
    return MergeOutcome(source, target, subsidiaries, job.counts)
