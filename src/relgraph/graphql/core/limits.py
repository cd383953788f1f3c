"""The query cost limit and the per-user rate limit on cost points, as a schema extension;
and the dry run of `rateLimit(dryRun: true)`, which prices an operation without running it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import is_awaitable
from strawberry.extensions import SchemaExtension

from relgraph import rate_limits
from relgraph.graphql.core.cost import operation_of, query_cost

__all__ = ["RATE_LIMITED", "RATE_LIMIT_FIELD", "QueryCostLimiter"]

logger = logging.getLogger("relgraph.limits")

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
RATE_LIMITED = "RATE_LIMITED"
RATE_LIMIT_FIELD = "rateLimit"


def _dry_run_fields(schema: Any, operation: OperationDefinitionNode, variables: Any) -> list[FieldNode]:
    """The root `rateLimit` fields of a query, if one of them asks for a dry run; else none."""
    if operation.operation != OperationType.QUERY:
        return []
    field = schema.query_type.fields.get(RATE_LIMIT_FIELD) if schema.query_type else None
    nodes = [
        s
        for s in operation.selection_set.selections
        if isinstance(s, FieldNode) and s.name.value == RATE_LIMIT_FIELD
    ]
    if field is None or not nodes:
        return []
    coerced = get_variable_values(schema, operation.variable_definitions or (), dict(variables or {}))
    if isinstance(coerced, list):
        return []  # execution refuses the variables, in its own words
    try:
        dry = any(get_argument_values(field, node, coerced).get("dryRun") for node in nodes)
    except GraphQLError:
        return []
    return nodes if dry else []


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
        request = context.context
        if hasattr(request, "query_cost"):
            request.query_cost = self.cost
        if self.cost is not None and document is not None and operation is not None:
            dry_run = _dry_run_fields(context.schema._schema, operation, context.variables)
            if dry_run:
                await self._dry_run(document, operation, dry_run)
            else:
                await self._limit(self.cost)
        yield

    async def _dry_run(
        self, document: DocumentNode, operation: OperationDefinitionNode, fields: list[FieldNode]
    ) -> None:
        """Price the operation and run only its `rateLimit` fields: nothing else runs, nothing
        is charged, and no cost limit refuses it (pricing a query too costly is the point)."""
        context = self.execution_context.context
        viewer = getattr(context, "viewer", None)
        limiter: rate_limits.RateLimiter | None = getattr(context, "rate_limiter", None)
        if viewer is not None and limiter is not None:
            try:
                if not limiter.knows(viewer.id):
                    await context.release_connection()
                self.charge = context.rate_limit = await limiter.peek(viewer.id)
            except Exception:
                logger.exception("request %s: rate limit not read", getattr(context, "request_id", "-"))
        only = operation.__class__(
            name=operation.name,
            operation=operation.operation,
            variable_definitions=operation.variable_definitions,
            directives=operation.directives,
            selection_set=SelectionSetNode(selections=tuple(fields)),
        )
        result = execute(
            self.execution_context.schema._schema,
            DocumentNode(
                definitions=(
                    only,
                    *(d for d in document.definitions if isinstance(d, FragmentDefinitionNode)),
                )
            ),
            context_value=context,
            variable_values=self.execution_context.variables,
        )
        done: GraphQLExecutionResult = await result if is_awaitable(result) else result  # type: ignore[assignment]
        self.execution_context.result = done

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
        limiter: rate_limits.RateLimiter | None = getattr(context, "rate_limiter", None)
        if self.rate_limit <= 0 or viewer is None or limiter is None:
            return
        try:
            if not limiter.knows(viewer.id):
                # The first charge of a user reads their count on a connection of its own.
                await context.release_connection()
            self.charge = context.rate_limit = await limiter.charge(viewer.id, cost)
        except Exception:
            # The counter is protection, not data: a database hiccup here lets the request
            # through rather than failing it.
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
                "enforced": True,
                "limit": self.charge.limit,
                "remaining": self.charge.remaining,
                "resetAt": self.charge.reset_at.isoformat().replace("+00:00", "Z"),
            }
        elif self.rate_limit <= 0:
            # The limit is off (a demo): said so, rather than left to guess from a missing key.
            cost["rateLimit"] = {"enforced": False, "limit": None, "remaining": None, "resetAt": None}
        return {"cost": cost}
