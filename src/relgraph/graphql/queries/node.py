"""`node` and `nodes`: fetch any object by its global ID."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from relgraph.db.pagination import MAX_PAGE_SIZE
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import PublicError
from relgraph.graphql.core.ids import decode_id
from relgraph.graphql.core.list_bounds import sized_by
from relgraph.graphql.core.node import Node

__all__ = ["NodeQueries", "register_node_type"]

# Type name -> coroutine(info, pk) returning the GraphQL object or None.
_RESOLVERS: dict[str, Callable[[Info, int], Awaitable[Any]]] = {}


def register_node_type(name: str, resolve: Callable[[Info, int], Awaitable[Any]]) -> None:
    """Make objects of type `name` reachable through `node(id:)`."""
    _RESOLVERS[name] = resolve


async def resolve_node(info: Info, global_id: str) -> Any:
    decoded = decode_id(global_id)
    if decoded is None or decoded[0] not in _RESOLVERS:
        return None
    type_name, pk = decoded
    return await _RESOLVERS[type_name](info, pk)


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description=(
            "Fetch any object by its global ID. Null when the ID is unknown, malformed, or "
            "points to something you may not see."
        )
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")]
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="Fetch several objects by global ID at once; null in place of each one not found.",
        metadata=sized_by("ids", MAX_PAGE_SIZE),
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description=f"Up to {MAX_PAGE_SIZE} global IDs.")
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_PAGE_SIZE:
            raise PublicError(f"At most {MAX_PAGE_SIZE} IDs per call.", "BAD_USER_INPUT")
        # Gathered, so that the loaders batch the lookups into one query per type.
        return list(await asyncio.gather(*(resolve_node(info, i) for i in ids)))
