"""The X-RateLimit-* headers of every answer to an authenticated GraphQL request."""

from __future__ import annotations

import logging

from relgraph.graphql.core.context import Context

__all__ = ["rate_limit_headers"]

logger = logging.getLogger("relgraph.web")


async def rate_limit_headers(context: Context) -> dict[str, str]:
    """X-RateLimit-Limit, -Remaining, -Used and -Reset (Unix seconds) for the viewer, as GitHub
    sends them: after this request's charge, or the budget as it stands when nothing was
    charged (a refused document). None when the limit is off."""
    limiter = context.rate_limiter
    if limiter is None or context.viewer is None:
        return {}
    charge = context.rate_limit
    if charge is None:
        try:
            if not limiter.knows(context.viewer.id):
                await context.release_connection()
            charge = await limiter.peek(context.viewer.id)
        except Exception:  # protection, not data: the answer goes without the headers
            logger.warning(
                "request %s: rate limit not read for the headers", context.request_id, exc_info=True
            )
            return {}
    return {
        "X-RateLimit-Limit": str(charge.limit),
        "X-RateLimit-Remaining": str(charge.remaining),
        "X-RateLimit-Used": str(charge.limit - charge.remaining),
        "X-RateLimit-Reset": str(int(charge.reset_at.timestamp())),
    }
