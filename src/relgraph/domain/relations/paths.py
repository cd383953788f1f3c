"""The shortest chain of links between two parties (Query.shortestPath): a breadth-first
walk from both ends at once over the links network.py finds, each end and each party
reached admitted by the same rules as a neighbourhood's nodes (R1, no archived organisation).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain.relations.network import Edge, Link, Node, party_node, step, visible_parties
from relgraph.policy import Viewer

__all__ = ["MAX_VISITED", "shortest_path"]

# More parties and staff reached than this (both sides together) and the walk gives up.
MAX_VISITED = 50_000


async def shortest_path(
    session: AsyncSession,
    *,
    viewer: Viewer,
    start: int,
    goal: int,
    max_depth: int,
    links: frozenset[Link],
    max_visited: int = MAX_VISITED,
    today: dt.date | None = None,
) -> list[Edge] | None:
    """The links of a shortest chain from party `start` to party `goal`, or None.

    Walks from both ends at once, always widening the smaller frontier, so the work
    grows with the square root of what a one-sided walk would touch.
    """
    today = today or dt.date.today()
    # Visibility first: even the empty path from a party to itself would betray a hidden one.
    visible = await visible_parties(session, viewer, {start, goal})
    if visible != {start, goal}:
        return None
    if start == goal:
        return []
    # For each side: node -> (edge that reached it, the node it came from).
    came: list[dict[Node, tuple[Edge, Node] | None]] = [{party_node(start): None}, {party_node(goal): None}]
    steps: list[dict[Node, int]] = [{party_node(start): 0}, {party_node(goal): 0}]
    frontiers = [{party_node(start)}, {party_node(goal)}]
    for _hop in range(max_depth):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        if not frontiers[side]:
            return None
        found = await step(session, viewer, frontiers[side], links, None, today)
        candidates: dict[Node, tuple[Edge, Node]] = {}
        for edge in found:
            for here, there in ((edge.source, edge.target), (edge.target, edge.source)):
                if here in frontiers[side] and there not in came[side] and there not in candidates:
                    candidates[there] = (edge, here)
        new_parties = {n.id for n in candidates if n.kind == "party"}
        allowed = await visible_parties(session, viewer, new_parties) if new_parties else set()
        next_frontier: set[Node] = set()
        meetings: list[Node] = []
        for node in sorted(candidates, key=lambda n: (n.kind, n.id)):
            if node.kind == "party" and node.id not in allowed:
                continue
            came[side][node] = candidates[node]
            steps[side][node] = steps[side][candidates[node][1]] + 1
            next_frontier.add(node)
            if node in came[1 - side]:
                meetings.append(node)
        if meetings:
            # The other side reached its nodes at different depths: take the nearest.
            return _join(came, min(meetings, key=lambda n: steps[1 - side][n]))
        frontiers[side] = next_frontier
        if sum(len(c) for c in came) > max_visited:
            return None
    return None


def _join(came: list[dict[Node, tuple[Edge, Node] | None]], meeting: Node) -> list[Edge]:
    """The edges from the start to `meeting`, then from `meeting` to the goal."""
    forward: list[Edge] = []
    node = meeting
    while (step := came[0][node]) is not None:
        forward.append(step[0])
        node = step[1]
    forward.reverse()
    node = meeting
    while (step := came[1][node]) is not None:
        forward.append(step[0])
        node = step[1]
    return forward
