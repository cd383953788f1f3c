"""The relationship network for analysts: neighbourhoods and shortest paths.

Both walk the graph breadth first, one set-based query per kind of link per hop (never
one per node), and both see only what the viewer may see: a hidden person is never a
node nor a hop (R1), archived organisations and ended links are left out (R3). `today` is
the day the walk is about: the links in force on it, the hierarchy of that day.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from relgraph.db.models import (
    InternalRelation,
    InternalRelationCategory,
    Membership,
    Organisation,
    Party,
    Relation,
    RelationType,
)
from relgraph.db.models.in_force import NotAnIndexKey, holds_on_sql
from relgraph.domain.organisations import parent_periods
from relgraph.domain.relations.relations import ends_visible
from relgraph.policy import Viewer, party_visible

__all__ = [
    "Edge",
    "Link",
    "Neighbourhood",
    "Node",
    "hierarchy_links",
    "internal_links",
    "membership_links",
    "neighbourhood",
    "party_kind",
    "party_node",
    "relation_links",
    "shown_as_node",
    "step",
    "visible_parties",
]

# IN-lists are sent in chunks this size: well under SQLite's and asyncpg's parameter limits.
CHUNK = 5000


class Link(enum.StrEnum):
    """The kinds of link the walk may follow."""

    RELATIONS = "RELATIONS"
    HIERARCHY = "HIERARCHY"
    MEMBERSHIPS = "MEMBERSHIPS"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class Node:
    """A party (kind "party") or a staff user (kind "user") in the network."""

    kind: str
    id: int


@dataclass(frozen=True)
class Edge:
    source: Node
    target: Node
    link: Link
    label: str


@dataclass
class Neighbourhood:
    distances: dict[Node, int] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    truncated: bool = False


def party_node(pk: int) -> Node:
    return Node("party", pk)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# Each kind of link as one statement over "the parties (users) it touches": `touching`
# turns an id column into that condition (an IN-list here, the frontier of a compiled
# read in graphql/compiled/network.py). Columns: source, target, label, and the row's id,
# by which the links of one kind come in a fixed order.
Touching = Callable[[Any], ColumnElement[bool]]


def relation_links(
    viewer: Viewer,
    touching: Touching,
    type_names: Sequence[str] | None,
    today: dt.date,
    *,
    ends_checked_later: bool = False,
) -> Select[*tuple[Any, ...]]:
    """`ends_checked_later`: the caller admits an end as a node only through shown_as_node
    (which holds R1) and keeps only links between nodes, so R1 on the ends here would be
    the same check twice (a compiled walk: two index lookups per link saved)."""
    stmt = (
        select(Relation.source_id, Relation.target_id, RelationType.name, Relation.id)
        .join(RelationType, RelationType.id == Relation.type_id)
        .where(
            Relation.holds_on(today),
            or_(touching(Relation.source_id), touching(Relation.target_id)),
        )
    )
    if not ends_checked_later:
        stmt = stmt.where(ends_visible(viewer))
    if type_names:
        stmt = stmt.where(RelationType.name.in_(list(type_names)))
    return stmt.order_by(Relation.id)


def hierarchy_links(touching: Touching, today: dt.date) -> Select[*tuple[Any, ...]]:
    """Subsidiary (source) of parent (target); neither archived."""
    child = parent_periods.links_on(today)
    parent = aliased(Organisation.__table__)
    return (
        select(child.c.id, child.c.parent_id, literal("subsidiary of"), child.c.id)
        .join(parent, parent.c.id == child.c.parent_id)
        .where(
            or_(touching(child.c.id), touching(child.c.parent_id)),
            child.c.archived.is_(False),
            parent.c.archived.is_(False),
        )
        .order_by(child.c.id)
    )


def membership_links(touching: Touching, today: dt.date) -> Select[*tuple[Any, ...]]:
    """Person (source) at organisation (target), labelled by job title, else role, else "works at"."""
    # A person with a membership is a business relation: visible to every role (R1).
    orgs = Organisation.__table__
    label = func.coalesce(func.nullif(Membership.job_title, ""), func.nullif(Membership.role, ""), "works at")
    return (
        select(Membership.person_id, Membership.organisation_id, label, Membership.id)
        .join(orgs, orgs.c.id == Membership.organisation_id)
        .where(
            # The dates filter the memberships found by person or organisation, never lead
            # SQLite to them (NotAnIndexKey).
            holds_on_sql(
                NotAnIndexKey(Membership.start_date),
                NotAnIndexKey(Membership.end_date),
                Membership.active,
                today,
            ),
            or_(touching(Membership.person_id), touching(Membership.organisation_id)),
            orgs.c.archived.is_(False),
        )
        .order_by(Membership.id)
    )


def internal_links(
    viewer: Viewer, touching_party: Touching, touching_user: Touching, today: dt.date
) -> Select[*tuple[Any, ...]]:
    """Party (source) looked after by staff user (target), labelled by the category in lower case."""
    return (
        select(
            InternalRelation.party_id,
            InternalRelation.user_id,
            func.lower(InternalRelationCategory.name),
            InternalRelation.id,
        )
        .join(InternalRelationCategory, InternalRelationCategory.id == InternalRelation.category_id)
        .where(
            or_(touching_party(InternalRelation.party_id), touching_user(InternalRelation.user_id)),
            InternalRelation.holds_on(today),
            party_visible(viewer, InternalRelation.party_id),
        )
        .order_by(InternalRelation.id)
    )


def _among(ids: list[int]) -> Touching:
    return lambda column: column.in_(ids)


async def _relations(
    session: AsyncSession,
    viewer: Viewer,
    parties: list[int],
    type_names: Sequence[str] | None,
    today: dt.date,
) -> list[Edge]:
    stmt = relation_links(viewer, _among(parties), type_names, today)
    return [
        Edge(party_node(s), party_node(t), Link.RELATIONS, name)
        for s, t, name, _ in await session.execute(stmt)
    ]


async def _hierarchy(session: AsyncSession, parties: list[int], today: dt.date) -> list[Edge]:
    stmt = hierarchy_links(_among(parties), today)
    return [
        Edge(party_node(c), party_node(p), Link.HIERARCHY, label)
        for c, p, label, _ in await session.execute(stmt)
    ]


async def _memberships(session: AsyncSession, parties: list[int], today: dt.date) -> list[Edge]:
    stmt = membership_links(_among(parties), today)
    return [
        Edge(party_node(person), party_node(org), Link.MEMBERSHIPS, label)
        for person, org, label, _ in await session.execute(stmt)
    ]


async def _internal(
    session: AsyncSession, viewer: Viewer, parties: list[int], users: list[int], today: dt.date
) -> list[Edge]:
    stmt = internal_links(viewer, _among(parties), _among(users), today)
    return [
        Edge(party_node(p), Node("user", u), Link.INTERNAL, label)
        for p, u, label, _ in await session.execute(stmt)
    ]


async def step(
    session: AsyncSession,
    viewer: Viewer,
    frontier: set[Node],
    links: frozenset[Link],
    type_names: Sequence[str] | None,
    today: dt.date,
) -> list[Edge]:
    """Every link touching the frontier: one query per kind of link per chunk."""
    parties = [n.id for n in frontier if n.kind == "party"]
    users = [n.id for n in frontier if n.kind == "user"]
    edges: list[Edge] = []
    for chunk in _chunks(parties):
        if Link.RELATIONS in links:
            edges += await _relations(session, viewer, chunk, type_names, today)
        if Link.HIERARCHY in links:
            edges += await _hierarchy(session, chunk, today)
        if Link.MEMBERSHIPS in links:
            edges += await _memberships(session, chunk, today)
    if Link.INTERNAL in links and (parties or users):
        for chunk_parties, chunk_users in _paired_chunks(parties, users):
            edges += await _internal(session, viewer, chunk_parties, chunk_users, today)
    return edges


def _paired_chunks(parties: list[int], users: list[int]) -> Iterable[tuple[list[int], list[int]]]:
    party_chunks = list(_chunks(parties)) or [[]]
    user_chunks = list(_chunks(users)) or [[]]
    for i in range(max(len(party_chunks), len(user_chunks))):
        yield (
            (party_chunks[i] if i < len(party_chunks) else []),
            (user_chunks[i] if i < len(user_chunks) else []),
        )


def party_kind(party_id: Any) -> ColumnElement[Any]:
    """SQL: what party `party_id` is, read once: 1 an organisation, 2 an archived one, NULL a
    person (every party is one or the other)."""
    orgs = Organisation.__table__
    return (
        select(case((orgs.c.archived.is_(True), 2), else_=1)).where(orgs.c.id == party_id).scalar_subquery()
    )


def shown_as_node(viewer: Viewer, party_id: Any, kind: Any) -> ColumnElement[bool]:
    """SQL: party `party_id`, of party_kind `kind`, may be a node for `viewer`: no archived
    organisation, no hidden person (R1: organisations are never hidden, so it is asked of
    persons only). `party_id` is a party's (every link's ends are foreign keys to parties),
    so the rules are asked of it directly, without looking the party up first."""
    return or_(kind == 1, and_(kind.is_(None), party_visible(viewer, party_id)))


async def visible_parties(session: AsyncSession, viewer: Viewer, ids: set[int]) -> set[int]:
    """Which of `ids` the viewer may see as nodes (shown_as_node)."""
    orgs = Organisation.__table__
    found: set[int] = set()
    parties = Party.__table__
    for chunk in _chunks(ids):
        archived = select(orgs.c.id).where(orgs.c.id == parties.c.id, orgs.c.archived.is_(True)).exists()
        rows = await session.scalars(
            select(parties.c.id).where(
                parties.c.id.in_(chunk), party_visible(viewer, parties.c.id), ~archived
            )
        )
        found.update(rows)
    return found


async def neighbourhood(
    session: AsyncSession,
    *,
    viewer: Viewer,
    start: int,
    depth: int,
    links: frozenset[Link],
    type_names: Sequence[str] | None = None,
    max_nodes: int = 200,
    max_edges: int | None = None,
    today: dt.date | None = None,
) -> Neighbourhood:
    """The parties (and staff) within `depth` links of party `start`, with the links between them.

    At most `max_nodes` nodes and `max_edges` links: reaching either ends the walk (`truncated`).
    """
    today = today or dt.date.today()
    origin = party_node(start)
    result = Neighbourhood(distances={origin: 0})
    frontier = {origin}
    seen_edges: set[Edge] = set()
    for distance in range(1, depth + 1):
        if not frontier:
            break
        found = await step(session, viewer, frontier, links, type_names, today)
        new = {n for e in found for n in (e.source, e.target)} - result.distances.keys()
        new_parties = {n.id for n in new if n.kind == "party"}
        # A relation's ends were checked above; hierarchy and membership ends are checked here.
        allowed = await visible_parties(session, viewer, new_parties) if new_parties else set()
        next_frontier: set[Node] = set()
        for node in sorted(new, key=lambda n: (n.kind, n.id)):
            if node.kind == "party" and node.id not in allowed:
                continue
            if len(result.distances) >= max_nodes:
                result.truncated = True
                break
            result.distances[node] = distance
            next_frontier.add(node)
        for edge in found:
            if edge not in seen_edges and edge.source in result.distances and edge.target in result.distances:
                if max_edges is not None and len(result.edges) >= max_edges:
                    result.truncated = True
                    break
                seen_edges.add(edge)
                result.edges.append(edge)
        frontier = next_frontier
        if result.truncated:
            break
    return result
