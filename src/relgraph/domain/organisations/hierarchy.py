"""The organisation hierarchy (hoofdorganisatie / suborganisaties).

Ancestors and descendants are one recursive CTE each, for any number of organisations at
once, over the links of today or of any other day (parent_periods.links_on). Reparenting serialises on the 'hierarchy' lock row and checks for cycles inside the
transaction, so two racing requests can never build A -> B -> A between them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Hashable, Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import grouped
from relgraph.db.models import LockRow, Organisation
from relgraph.db.pagination import OrderKey, Page, PageRequest, count_many, paginate_many
from relgraph.domain import parties, versions
from relgraph.domain.history import audit_writes
from relgraph.domain.organisations import parent_periods
from relgraph.domain.organisations.organisations import ORGANISATIONS, load_for_update
from relgraph.errors import DomainError, ErrorCode, FieldError, InvalidInput, NotFound
from relgraph.policy import Viewer

__all__ = [
    "MAX_DEPTH",
    "ancestors_of",
    "count_descendants",
    "count_subsidiaries",
    "depth_after_move",
    "descendants_of",
    "lock",
    "move_subsidiaries",
    "set_parent",
    "subsidiaries_of",
    "would_cycle",
]

# A guard against corrupt data: no real group is this deep, and recursion must end.
MAX_DEPTH = 64

_orgs = Organisation.__table__


def subsidiary_order(field: str = "NAME", descending: bool = False) -> list[OrderKey]:
    """The sort keys of a list of subsidiaries (by name, the only `field` so far)."""
    assert field == "NAME"
    return [
        OrderKey(Organisation.name_key, "name_key", descending, tag=field),
        OrderKey(Organisation.id, "id", descending),
    ]


def _subsidiaries(include_archived: bool, day: dt.date | None) -> tuple[Select[*tuple[Any, ...]], Any]:
    """The statement of subsidiaries on `day` and the column that holds their parent."""
    stmt = select(Organisation)
    if not include_archived:
        stmt = stmt.where(Organisation.archived.is_(False))
    if parent_periods.is_today(day):
        return stmt, Organisation.parent_id
    links = parent_periods.links_on(day)
    return stmt.join(links, links.c.id == Organisation.id), links.c.parent_id


async def subsidiaries_of(
    session: AsyncSession,
    parent_ids: Sequence[int],
    *,
    include_archived: bool,
    page: PageRequest,
    day: dt.date | None = None,
    field: str = "NAME",
    descending: bool = False,
) -> dict[Hashable, Page[Organisation]]:
    """One page of direct subsidiaries per parent on `day` (None: today), sorted by name
    (descending: Z to A), in one statement."""
    stmt, parent = _subsidiaries(include_archived, day)
    # The statement binds the day: it is kept per day (None stands for whatever today is).
    return await paginate_many(
        session,
        stmt,
        Organisation,
        parent,
        parent_ids,
        subsidiary_order(field, descending),
        page,
        reuse_as=(
            "subsidiaries",
            field,
            descending,
            include_archived,
            None if parent_periods.is_today(day) else day,
        ),
    )


async def count_subsidiaries(
    session: AsyncSession, parent_ids: Sequence[int], *, include_archived: bool, day: dt.date | None = None
) -> dict[Hashable, int]:
    """The number of direct subsidiaries per parent on `day` (None: today)."""
    stmt, parent = _subsidiaries(include_archived, day)
    return await count_many(session, stmt, parent, parent_ids)


def _ancestor_chain(day: dt.date | None) -> Any:
    """CTE (start_id, id, depth): every ancestor on `day` of each of the `ids` parameter,
    depth 1 = the parent."""
    links = parent_periods.links_on(day)
    anchor = select(
        links.c.id.label("start_id"), links.c.parent_id.label("id"), literal(1).label("depth")
    ).where(links.c.id.in_(bindparam("ids", expanding=True)), links.c.parent_id.is_not(None))
    chain = anchor.cte("ancestor_chain", recursive=True)
    step = (
        select(chain.c.start_id, links.c.parent_id, chain.c.depth + 1)
        .join(links, links.c.id == chain.c.id)
        .where(links.c.parent_id.is_not(None), chain.c.depth < MAX_DEPTH)
    )
    return chain.union_all(step)


async def ancestors_of(
    session: AsyncSession, ids: Sequence[int], day: dt.date | None = None
) -> list[list[Organisation]]:
    """The ancestors of each organisation on `day` (None: today), nearest first, aligned with `ids`."""
    stmt = _ancestors_today() if parent_periods.is_today(day) else _ancestors(day)
    rows = (await session.execute(stmt, {"ids": list(ids)})).all()
    return grouped(((start_id, org) for org, start_id in rows), ids)


@functools.cache
def _ancestors_today() -> Select[*tuple[Any, ...]]:
    # Built once, the ids a parameter: a recursive CTE is a web of objects that refer to
    # each other, which built per request would wait for the cyclic garbage collector.
    # Another day's statement is built per request (rarer, and the day is part of it).
    return _ancestors(None)


def _ancestors(day: dt.date | None) -> Select[*tuple[Any, ...]]:
    chain = _ancestor_chain(day)
    return (
        select(Organisation, chain.c.start_id)
        .join(chain, chain.c.id == Organisation.id)
        .order_by(chain.c.start_id, chain.c.depth)
    )


def _descendant_tree(
    root_ids: Sequence[int], max_depth: int, include_archived: bool, day: dt.date | None = None
) -> Any:
    """CTE (root_id, id, depth): the subtree below each root on `day`, depth 1 = its subsidiaries.

    Without archived organisations, an archived one hides its whole branch: its
    subsidiaries would otherwise show up without their parent.
    """
    links = parent_periods.links_on(day)
    anchor = select(
        links.c.parent_id.label("root_id"), links.c.id.label("id"), literal(1).label("depth")
    ).where(links.c.parent_id.in_(root_ids))
    if not include_archived:
        anchor = anchor.where(links.c.archived.is_(False))
    tree = anchor.cte("descendant_tree", recursive=True)
    step = (
        select(tree.c.root_id, links.c.id, tree.c.depth + 1)
        .join(links, links.c.parent_id == tree.c.id)
        .where(tree.c.depth < min(max_depth, MAX_DEPTH))
    )
    if not include_archived:
        step = step.where(links.c.archived.is_(False))
    return tree.union_all(step)


async def descendants_of(
    session: AsyncSession,
    root_ids: Sequence[int],
    *,
    max_depth: int,
    include_archived: bool,
    page: PageRequest,
    day: dt.date | None = None,
) -> dict[Hashable, Page[tuple[Organisation, int]]]:
    """Per root, one page of its descendants on `day` (None: today) breadth first:
    (organisation, depth) items."""
    tree = _descendant_tree(root_ids, max_depth, include_archived, day)
    # On the organisations table: the ranking of all descendants needs no `parties` row.
    stmt = select(_orgs, tree.c.depth.label("depth")).join(tree, tree.c.id == _orgs.c.id)
    order = [
        OrderKey(tree.c.depth, lambda item: item[1]),
        OrderKey(_orgs.c.name_key, lambda item: item[0].name_key),
        OrderKey(_orgs.c.id, lambda item: item[0].id),
    ]
    return await paginate_many(
        session, stmt, Organisation, tree.c.root_id, root_ids, order, page, extras=("depth",), with_total=True
    )


async def count_descendants(
    session: AsyncSession,
    root_ids: Sequence[int],
    *,
    max_depth: int,
    include_archived: bool,
    day: dt.date | None = None,
) -> dict[Hashable, int]:
    tree = _descendant_tree(root_ids, max_depth, include_archived, day)
    stmt = select(_orgs.c.id).join(tree, tree.c.id == _orgs.c.id)
    return await count_many(session, stmt, tree.c.root_id, root_ids)


async def lock(session: AsyncSession) -> None:
    """Take the hierarchy lock for the rest of the transaction (row lock / write lock)."""
    await session.execute(
        update(LockRow).where(LockRow.name == "hierarchy").values(counter=LockRow.counter + 1)
    )


def _lineage(start_id: int) -> Any:
    """CTE (id): `start_id` and all its ancestors, however deep.

    UNION (not UNION ALL) and no depth column: the recursion ends on its own, even if
    the data already held a cycle, so the check below never misses one.
    """
    anchor = select(_orgs.c.id.label("id")).where(_orgs.c.id == start_id)
    lineage = anchor.cte("lineage", recursive=True)
    step = (
        select(_orgs.c.parent_id)
        .join(lineage, _orgs.c.id == lineage.c.id)
        .where(_orgs.c.parent_id.is_not(None))
    )
    return lineage.union(step)


async def would_cycle(session: AsyncSession, *, organisation_id: int, parent_id: int) -> bool:
    """True if `parent_id` is `organisation_id` itself or lies below it."""
    lineage = _lineage(parent_id)
    hit = await session.scalar(select(lineage.c.id).where(lineage.c.id == organisation_id).limit(1))
    return hit is not None


async def depth_after_move(session: AsyncSession, *, organisation_id: int, parent_id: int) -> int:
    """How deep the deepest organisation of the moved subtree would sit under `parent_id`."""
    lineage = _lineage(parent_id)
    parent_depth = (await session.scalar(select(func.count()).select_from(lineage))) or 1
    tree = _descendant_tree([organisation_id], MAX_DEPTH + 1, include_archived=True)
    height = (await session.scalar(select(func.max(tree.c.depth)))) or 0
    # parent_depth counts the parent itself, which sits at depth parent_depth - 1.
    return parent_depth + height


async def set_parent(
    session: AsyncSession,
    *,
    actor: Viewer,
    organisation_id: int,
    parent_id: int | None,
    expected_version: int | None = None,
) -> Organisation:
    """Put an organisation under `parent_id` (None detaches it); refuses cycles with CYCLE."""
    await lock(session)
    org = await load_for_update(
        session, id=organisation_id, expected_version=expected_version, field="organisationId"
    )
    if parent_id is not None:
        parent = await session.get(Organisation, parent_id)
        if parent is None:
            raise NotFound("parentId", "No organisation with this id.")
        parties.refuse_merged(parent, "parentId")
        if await would_cycle(session, organisation_id=organisation_id, parent_id=parent_id):
            message = (
                "An organisation cannot be its own parent."
                if parent_id == organisation_id
                else f"{parent.name} lies below {org.name}; this would make a cycle."
            )
            raise DomainError([FieldError(("parentId",), message, ErrorCode.CYCLE)])
        if await depth_after_move(session, organisation_id=organisation_id, parent_id=parent_id) > MAX_DEPTH:
            raise InvalidInput.at("parentId", f"A group can be at most {MAX_DEPTH} levels deep.")
    before = ORGANISATIONS.snapshot(org)
    if org.parent_id != parent_id:
        await parent_periods.record(session, {organisation_id: parent_id})
    org.parent_id = parent_id
    return await ORGANISATIONS.save(session, actor, org, before, "SET_PARENT")


async def move_subsidiaries(
    session: AsyncSession, *, actor: Viewer, from_id: int, to_id: int, field: str = "toOrganisationId"
) -> list[Organisation]:
    """Put every direct subsidiary of `from_id` under `to_id`; refuses cycles with CYCLE.

    Moving them creates a cycle exactly when `to_id` lies in the subtree of one of them.
    `field` names the input field that holds `to_id`, for the error paths.
    """
    await lock(session)
    source = await session.get(Organisation, from_id)
    if source is None:
        raise NotFound("fromOrganisationId", "No organisation with this id.")
    target = await session.get(Organisation, to_id)
    if target is None:
        raise NotFound(field, "No organisation with this id.")
    if from_id == to_id:
        raise InvalidInput.at(field, "The subsidiaries are under this organisation already.")
    children = list(
        await session.scalars(
            select(Organisation)
            .where(Organisation.parent_id == from_id)
            .order_by(Organisation.id)
            .execution_options(populate_existing=True)
        )
    )
    if not children:
        return []
    by_id = {c.id: c for c in children}
    lineage = _lineage(to_id)
    below = await session.scalar(select(lineage.c.id).where(lineage.c.id.in_(by_id)).limit(1))
    if below is not None:
        where = "is" if below == to_id else f"lies below {by_id[below].name},"
        message = (
            f"{target.name} {where} a subsidiary of {source.name}; moving them under it would make a cycle."
        )
        raise DomainError([FieldError((field,), message, ErrorCode.CYCLE)])
    parent_depth = (await session.scalar(select(func.count()).select_from(lineage))) or 1
    tree = _descendant_tree(list(by_id), MAX_DEPTH + 1, include_archived=True)
    height = (await session.scalar(select(func.max(tree.c.depth)))) or 0
    if parent_depth + height > MAX_DEPTH:
        raise InvalidInput.at(field, f"A group can be at most {MAX_DEPTH} levels deep.")
    befores = [ORGANISATIONS.snapshot(c) for c in children]
    await parent_periods.record(session, dict.fromkeys(by_id, to_id))
    for child in children:
        child.parent_id = to_id
        versions.stamp(child, actor)
    await versions.flush(session, "organisation")
    reason = f"Moved with the other subsidiaries of {source.name} to {target.name}."
    for child, before in zip(children, befores, strict=True):
        changes = audit_writes.changes_between(before, ORGANISATIONS.snapshot(child))
        ORGANISATIONS.record(session, actor, child, "SET_PARENT", changes, reason=reason)
    return children
