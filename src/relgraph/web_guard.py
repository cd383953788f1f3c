"""What every HTTP request to relgraph is refused for, before any route sees it.

A token belongs in the Authorization header. One sent in the URL (`?access_token=`, as
some clients do by habit) is refused with a 400 and never read: a URL is written to access
logs, proxy logs and browser history, where a token must not be.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse

__all__ = ["TOKEN_IN_URL", "WebGuard"]

TOKEN_IN_URL = (
    "Send the token in the Authorization header (Authorization: Bearer <token>), never in the URL: "
    "URLs end up in logs and browser history."
)


def _token_in_url(query_string: bytes) -> bool:
    if b"token" not in query_string:  # the common case, without parsing
        return False
    return any(name == "access_token" for name, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))


class WebGuard:
    """ASGI middleware in front of the whole application."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and _token_in_url(scope.get("query_string", b"")):
            refused = JSONResponse(
                {"errors": [{"message": TOKEN_IN_URL, "extensions": {"code": "BAD_REQUEST"}}]}, status_code=400
            )
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)
