"""`rateLimit`: what an operation costs and what is left of the viewer's budget (GitHub's field).

With `dryRun: true` the operation is priced and not run (graphql/core/limits.py answers it).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from relgraph.graphql.core.context import Info

__all__ = ["RateLimit", "RateLimitQueries"]


@strawberry.type(
    description=(
        "The rate limit on query cost points: what this operation costs and what is left of "
        "your budget for the current minute. Limit, remaining, used and resetAt are null when "
        "the limit is not enforced (a demo server)."
    )
)
class RateLimit:
    cost: int = strawberry.field(
        description=(
            "What this operation costs, in points: the nodes it could return (at least 1). "
            "A dry run reports what the real run would be charged."
        )
    )
    enforced: bool = strawberry.field(
        description="Whether the server enforces a rate limit at all (false on a demo server)."
    )
    limit: int | None = strawberry.field(description="Points you may spend per minute.")
    remaining: int | None = strawberry.field(
        description="Points left in this minute: after this operation's charge, or before it in a dry run."
    )
    used: int | None = strawberry.field(description="Points spent in this minute, this operation's included.")
    reset_at: dt.datetime | None = strawberry.field(
        description="When the current minute ends and the budget is whole again (UTC)."
    )
    dry_run: bool = strawberry.field(
        description="Whether this was a dry run: priced, nothing else in the operation ran, nothing charged."
    )


@strawberry.type
class RateLimitQueries:
    @strawberry.field(
        name="rateLimit",
        description=(
            "The rate limit: this operation's cost and your budget. With `dryRun: true` the "
            "operation is priced but not run and nothing is charged: only its `rateLimit` "
            "fields are answered (the others are left out of `data`)."
        ),
    )
    def rate_limit(
        self,
        info: Info,
        dry_run: Annotated[
            bool,
            strawberry.argument(description="Price the operation without running it or charging for it."),
        ] = False,
    ) -> RateLimit:
        context = info.context
        charge = context.rate_limit
        return RateLimit(
            cost=context.query_cost or 1,
            enforced=context.rate_limiter is not None,
            limit=charge.limit if charge else None,
            remaining=charge.remaining if charge else None,
            used=charge.limit - charge.remaining if charge else None,
            reset_at=charge.reset_at if charge else None,
            dry_run=dry_run,
        )
