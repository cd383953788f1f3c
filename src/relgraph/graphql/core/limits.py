"""The query cost limit and the per-user rate limit on cost points, as a schema extension."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from relgraph import rate_limits
from relgraph.graphql.core.cost import operation_of, query_cost

__all__ = ["RATE_LIMITED", "QueryCostLimiter"]

logger = logging.getLogger("relgraph.limits")

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
RATE_LIMITED = "RATE_LIMITED"


class QueryCostLimiter(SchemaExtension):
    """Refuse a query that costs too much, or more than its user has left this minute.

    Runs once the document has parsed and validated (through the caches) and before any
    resolver: a refused request reads nothing. The cost is reported in
    `extensions.cost` of every response to a valid document.
    """

    def __init__(self, *, max_cost: int, rate_limit: int) -> None:
        self.max_cost = max_cost
        self.rate_limit = rate_limit
        self.cost: int | None = None
        self.charge: rate_limits.Charge | None = None

    def _refuse(self, message: str, extensions: dict[str, Any]) -> None:
        # A result set before execution replaces it (Strawberry's documented short cut).
        self.execution_context.result = GraphQLExecutionResult(
            data=None, errors=[GraphQLError(message, extensions=extensions)]
        )

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = operation_of(document, context.operation_name) if document is not None else None
        if document is not None and operation is not None and context.result is None:
            self.cost = query_cost(context.schema._schema, document, operation, context.variables)
        if self.cost is not None:
            await self._limit(self.cost)
        yield

    async def _limit(self, cost: int) -> None:
        # A cost above the per-minute budget could never run: say so as a cost error.
        ceiling = min(self.max_cost, self.rate_limit) if self.rate_limit > 0 else self.max_cost
        if cost > ceiling:
            self._refuse(
                f"This query could return {cost:,} nodes, more than the limit of {ceiling:,}. "
                "Ask for smaller pages (`first`) or nest fewer lists.",
                {"code": QUERY_TOO_COSTLY, "cost": cost, "limit": ceiling},
            )
            return
        context = self.execution_context.context
        viewer = getattr(context, "viewer", None)
        if self.rate_limit <= 0 or viewer is None:
            return
        try:
            await context.release_connection()
            self.charge = await rate_limits.charge(
                context.sessionmaker, user_id=viewer.id, points=cost, limit=self.rate_limit
            )
        except Exception:
            # The counter is protection, not data: a database hiccup here lets the request
            # through rather than failing it. (A long write on SQLite is no hiccup: the
            # process counts on its own meanwhile, see rate_limits.)
            logger.exception("request %s: rate limit not checked", getattr(context, "request_id", "-"))
            return
        if not self.charge.allowed:
            self._refuse(
                f"Rate limit exceeded: this query costs {cost:,} points and {self.charge.remaining:,} of your "
                f"{self.rate_limit:,} points per minute are left. Retry after {self.charge.retry_after} seconds.",
                {"code": RATE_LIMITED, "cost": cost, "retryAfter": self.charge.retry_after},
            )

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        cost: dict[str, Any] = {"requestedQueryCost": self.cost, "maximumQueryCost": self.max_cost}
        if self.charge is not None:
            cost["rateLimit"] = {
                "limit": self.charge.limit,
                "remaining": self.charge.remaining,
                "resetAt": self.charge.reset_at.isoformat().replace("+00:00", "Z"),
            }
        return {"cost": cost}
