"""The relationship network as a graph: neighbourhoods and paths, for analysts."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import strawberry

from relgraph.domain.relations import network
from relgraph.domain.relations.network import Edge, Link, Node
from relgraph.graphql.core.as_of import dated
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import described_enum
from relgraph.graphql.core.errors import PublicError
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.list_bounds import at_most, per_item_above
from relgraph.graphql.core.node import LazyParty, party_kind_by_id, party_or_none
from relgraph.graphql.users.types import User, user_or_none

__all__ = [
    "LINKS_PER_NODE",
    "MAX_NODES",
    "MAX_PATH_DEPTH",
    "Neighbourhood",
    "NeighbourhoodEdge",
    "NeighbourhoodKind",
    "NeighbourhoodNode",
    "NetworkPath",
    "edge_of",
    "kinds_of_nodes",
    "neighbourhood_of",
    "parties_of",
]

NeighbourhoodKind = Link
described_enum(
    NeighbourhoodKind,
    values={
        "RELATIONS": "Typed relations between parties (supplier of, partner of, ...).",
        "HIERARCHY": "Parent and subsidiaries of organisations.",
        "MEMBERSHIPS": "Memberships: people and the organisations they work at.",
        "INTERNAL": "Internal relations: staff members and the customer files they look after.",
    },
    name="NeighbourhoodKind",
    description=(
        "Which links to follow: RELATIONS (typed relations), HIERARCHY (parent and "
        "subsidiaries), MEMBERSHIPS (people and where they work), INTERNAL (staff members "
        "and the customer files they look after)."
    ),
)
ALL_KINDS = list(Link)
# The bounds of the network's lists (README "Limits"): a neighbourhood holds at most maxNodes
# parties and staff (maxNodes at most MAX_NODES) and LINKS_PER_NODE links per node; a path
# at most MAX_PATH_DEPTH links.
MAX_NODES = 1000
LINKS_PER_NODE = 5
MAX_PATH_DEPTH = 8


def _global_id(node: Node, kinds: dict[int, str]) -> str:
    if node.kind == "user":
        return encode_id("User", node.id)
    return encode_id("Organisation" if kinds.get(node.id) == "ORGANISATION" else "Person", node.id)


@strawberry.type(description="A link in the network, from one node's global ID to another's.")
class NeighbourhoodEdge:
    source: strawberry.ID = strawberry.field(description="Global ID of the node the link starts at.")
    target: strawberry.ID = strawberry.field(description="Global ID of the node it points to.")
    kind: NeighbourhoodKind = strawberry.field(description="What kind of link it is.")
    label: str = strawberry.field(
        description='What it says, read from source to target: "supplier of", "subsidiary of", a job title, "account manager".'
    )


def edge_of(edge: Edge, kinds: dict[int, str]) -> NeighbourhoodEdge:
    return NeighbourhoodEdge(
        source=strawberry.ID(_global_id(edge.source, kinds)),
        target=strawberry.ID(_global_id(edge.target, kinds)),
        kind=edge.link,
        label=edge.label,
    )


@strawberry.type(description="A party in a neighbourhood, with its distance from the party asked about.")
class NeighbourhoodNode:
    distance: int = strawberry.field(description="Links between this party and the start (0 for the start).")
    kind_of: strawberry.Private[str]
    pk: strawberry.Private[int]
    as_of: strawberry.Private[dt.date | None] = None

    @strawberry.field(description="The party (as of the neighbourhood's day).")
    async def party(self, info: Info) -> LazyParty:
        return dated(await party_or_none(info, self.kind_of, self.pk), self.as_of)


@strawberry.type(description="A staff member in a neighbourhood (reached through INTERNAL links).")
class NeighbourhoodStaff:
    distance: int = strawberry.field(description="Links between this staff member and the start.")
    pk: strawberry.Private[int]

    @strawberry.field(description="The staff user.")
    async def user(self, info: Info) -> User:
        user = await user_or_none(info, self.pk)
        assert user is not None  # the walk found them through a foreign key
        return user


@strawberry.type(description="The parties around one party, and the links between them.")
class Neighbourhood:
    nodes: list[NeighbourhoodNode] = strawberry.field(
        description="The parties, nearest first; with the staff, at most maxNodes.",
        metadata=per_item_above(MAX_NODES),
    )
    staff: list[NeighbourhoodStaff] = strawberry.field(
        description="Staff members reached through INTERNAL links; with the parties, at most maxNodes.",
        metadata=per_item_above(MAX_NODES),
    )
    edges: list[NeighbourhoodEdge] = strawberry.field(
        description=f"The links between the nodes (and staff), at most {LINKS_PER_NODE} per node (maxNodes).",
        metadata=per_item_above(MAX_NODES * LINKS_PER_NODE, LINKS_PER_NODE),
    )
    truncated: bool = strawberry.field(
        description=(
            f"True when maxNodes (or {LINKS_PER_NODE} links per node) was reached: there is more "
            "beyond what is shown; narrow the query."
        )
    )


@strawberry.type(description="A shortest chain of links between two parties.")
class NetworkPath:
    length: int = strawberry.field(description="How many links the chain has.")
    edges: list[NeighbourhoodEdge] = strawberry.field(
        description=f"The links, in order from the start: at most {MAX_PATH_DEPTH} (maxDepth).",
        metadata=at_most(MAX_PATH_DEPTH),
    )
    node_ids: strawberry.Private[list[Node]]
    kinds: strawberry.Private[dict[int, str]]
    as_of: strawberry.Private[dt.date | None] = None

    @strawberry.field(
        description=(
            "The parties along the chain, from start to goal (staff members in between left "
            f"out): at most {MAX_PATH_DEPTH + 1}, one more than the links."
        ),
        metadata=at_most(MAX_PATH_DEPTH + 1),
    )
    async def parties(self, info: Info) -> list[LazyParty]:
        found = await parties_of(info, [n for n in self.node_ids if n.kind == "party"], self.kinds)
        return [dated(p, self.as_of) for p in found if p is not None]


async def parties_of(info: Info, nodes: list[Node], kinds: dict[int, str]) -> list[Any]:
    """Load the parties of `nodes` through the loaders, in one batch per kind."""
    known = [n for n in nodes if n.id in kinds]
    return list(await asyncio.gather(*(party_or_none(info, kinds[n.id], n.id) for n in known)))


async def kinds_of_nodes(info: Info, nodes: list[Node]) -> dict[int, str]:
    """ORGANISATION / PERSON for each party node, through the batching loader."""
    ids = sorted({n.id for n in nodes if n.kind == "party"})
    kinds = await info.context.loaders[party_kind_by_id].load_many(ids)
    return {pk: kind for pk, kind in zip(ids, kinds, strict=True) if kind}


async def neighbourhood_of(
    info: Info,
    start: int,
    *,
    depth: int,
    relation_types: list[str] | None,
    include: list[Link] | None,
    max_nodes: int,
    day: dt.date | None = None,
) -> Neighbourhood:
    """The network around party `start` (`Party.neighbourhood`) on `day` (None: today)."""
    if not 1 <= depth <= 3:
        raise PublicError("depth must be between 1 and 3.", "BAD_USER_INPUT")
    if not 1 <= max_nodes <= MAX_NODES:
        raise PublicError(f"maxNodes must be between 1 and {MAX_NODES:,}.", "BAD_USER_INPUT")
    found = await info.context.read(
        network.neighbourhood,
        viewer=info.context.viewer,
        start=start,
        depth=depth,
        links=frozenset(include or ALL_KINDS),
        type_names=relation_types,
        max_nodes=max_nodes,
        max_edges=max_nodes * LINKS_PER_NODE,
        today=day,
    )
    ordered = sorted(found.distances.items(), key=lambda item: (item[1], item[0].kind, item[0].id))
    kinds = await kinds_of_nodes(info, [n for n, _ in ordered])
    return Neighbourhood(
        nodes=[
            NeighbourhoodNode(distance=d, kind_of=kinds[n.id], pk=n.id, as_of=day)
            for n, d in ordered
            if n.kind == "party" and n.id in kinds
        ],
        staff=[NeighbourhoodStaff(distance=d, pk=n.id) for n, d in ordered if n.kind == "user"],
        edges=[edge_of(e, kinds) for e in found.edges],
        truncated=found.truncated,
    )
