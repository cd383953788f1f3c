"""Cross-origin calls from browsers (CORS), for a frontend served from another origin.

Only the origins in RELGRAPH_CORS_ORIGINS may read answers; there is no wildcard. Clients
authenticate with a bearer token, never a cookie, so credentials mode stays off: a page
on an allowed origin sends the token itself, and a browser never attaches relgraph
credentials on its own to a request from any other page. Preflights are answered by
Starlette's middleware and cached by the browser for RELGRAPH_CORS_MAX_AGE seconds.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

__all__ = ["EXPOSED_HEADERS", "cors_middleware"]

# What a script on an allowed origin may read besides the simple response headers: the id
# to quote in a bug report, when to retry after a 429 or a 503, the rate-limit state, a download's file name.
EXPOSED_HEADERS = (
    "X-Request-Id",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Used",
    "X-RateLimit-Reset",
    "Content-Disposition",
)


def cors_middleware(origins: tuple[str, ...], max_age: int) -> Middleware | None:
    """Starlette's CORS middleware for `origins`; None when no origin is allowed."""
    if not origins:
        return None
    return Middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        allow_credentials=False,
        expose_headers=list(EXPOSED_HEADERS),
        max_age=max_age,
    )
