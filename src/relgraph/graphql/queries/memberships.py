"""Memberships reachable by global ID."""

from __future__ import annotations

from relgraph.graphql.core.context import Info
from relgraph.graphql.queries.node import register_node_type
from relgraph.graphql.types.membership import Membership

__all__ = ["membership_or_none"]


async def membership_or_none(info: Info, pk: int) -> Membership | None:
    """Load membership `pk`. Its person is a business relation, so visible to every role."""
    row = await info.context.loaders.membership_by_id.load(pk)
    return Membership.from_row(row) if row else None


register_node_type("Membership", membership_or_none)
