"""Memberships reachable by global ID."""

from __future__ import annotations

from relgraph.graphql.core.node import register_loaded
from relgraph.graphql.memberships.loaders import membership_by_id
from relgraph.graphql.types.membership import Membership

__all__: list[str] = []

# Its person is a business relation, so visible to every role.
register_loaded(Membership, membership_by_id)
