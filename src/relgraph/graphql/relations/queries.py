"""Root fields of relations: the relation types and internal relation categories to choose
from, and shortestPath (how two parties are connected)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.domain.relations import internal_relations, network, paths, relation_types
from relgraph.errors import DomainError
from relgraph.graphql.core.as_of import AsOf, day_of
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import PublicError
from relgraph.graphql.core.ids import parse_party_id
from relgraph.graphql.core.inputs import IncludeInactiveEntries
from relgraph.graphql.core.list_bounds import MAX_DOMAIN_DATA, at_most
from relgraph.graphql.relations.types.internal_relations import InternalRelationCategory
from relgraph.graphql.relations.types.network import (
    ALL_KINDS,
    MAX_PATH_DEPTH,
    NeighbourhoodKind,
    NetworkPath,
    edge_of,
    kinds_of_nodes,
)
from relgraph.graphql.relations.types.relations import RelationType

__all__ = ["NetworkQueries", "RelationTypeQueries"]


def _party(global_id: str, argument: str) -> int:
    try:
        return parse_party_id(global_id, argument)[1]
    except DomainError as error:
        raise PublicError(error.errors[0].message, "BAD_USER_INPUT") from None


@strawberry.type
class RelationTypeQueries:
    @strawberry.field(
        description=f"The relation types (relatietypes) to choose from, by name; at most {MAX_DOMAIN_DATA}.",
        metadata=at_most(MAX_DOMAIN_DATA),
    )
    async def relation_types(
        self, info: Info, include_inactive: IncludeInactiveEntries = False
    ) -> list[RelationType]:
        rows = await info.context.read(relation_types.list_all, include_inactive=include_inactive)
        return [RelationType.from_row(r) for r in rows[:MAX_DOMAIN_DATA]]

    @strawberry.field(
        description=(
            f"The internal relation categories (account manager, ...), by name; at most {MAX_DOMAIN_DATA}."
        ),
        metadata=at_most(MAX_DOMAIN_DATA),
    )
    async def internal_relation_categories(
        self, info: Info, include_inactive: IncludeInactiveEntries = False
    ) -> list[InternalRelationCategory]:
        rows = await info.context.read(internal_relations.categories, include_inactive=include_inactive)
        return [InternalRelationCategory.from_row(r) for r in rows[:MAX_DOMAIN_DATA]]


@strawberry.type
class NetworkQueries:
    @strawberry.field(
        description=(
            "A shortest chain of links between two parties, or null when there is none within "
            "maxDepth links (or one of them is not visible to you). Hidden persons are never a hop. "
            "Through the links of today, or of asOf (those in force and the hierarchy of that "
            "day; names as today)."
        )
    )
    async def shortest_path(
        self,
        info: Info,
        from_id: Annotated[strawberry.ID, strawberry.argument(description="Where the chain starts.")],
        to_id: Annotated[strawberry.ID, strawberry.argument(description="Where it ends.")],
        max_depth: Annotated[
            int, strawberry.argument(description=f"The longest chain to look for, 1-{MAX_PATH_DEPTH} links.")
        ] = 6,
        include: Annotated[
            list[NeighbourhoodKind] | None,
            strawberry.argument(description="Which kinds of link to follow; all by default."),
        ] = None,
        as_of: AsOf = None,
    ) -> NetworkPath | None:
        day = day_of(as_of, None)
        if not 1 <= max_depth <= MAX_PATH_DEPTH:
            raise PublicError(f"maxDepth must be between 1 and {MAX_PATH_DEPTH}.", "BAD_USER_INPUT")
        start, goal = _party(from_id, "fromId"), _party(to_id, "toId")
        edges = await info.context.read(
            paths.shortest_path,
            viewer=info.context.viewer,
            start=start,
            goal=goal,
            max_depth=max_depth,
            links=frozenset(include or ALL_KINDS),
            today=day,
        )
        if edges is None:
            return None
        chain = [network.Node("party", start)]
        for edge in edges:
            chain.append(edge.target if edge.source == chain[-1] else edge.source)
        kinds = await kinds_of_nodes(info, chain)
        return NetworkPath(
            length=len(edges),
            edges=[edge_of(e, kinds) for e in edges],
            node_ids=chain,
            kinds=kinds,
            as_of=day,
        )
