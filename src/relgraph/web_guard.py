"""What every HTTP request to relgraph is refused for, and what every answer carries.

- A token belongs in the Authorization header. One sent in the URL (`?access_token=`, as
  some clients do by habit) is refused with a 400 and never read: a URL is written to
  access logs, proxy logs and browser history, where a token must not be.
- Every answer says `X-Content-Type-Options: nosniff` (a browser takes the Content-Type at
  its word, so a text file or a JSON answer is never run as HTML or script), may not be
  framed by another site, and sends no referrer.
- The two pages (GraphiQL and the network view) have a Content-Security-Policy that lets
  them load scripts, styles and fonts from relgraph only and talk to relgraph only: the
  offline rule of ide.py, enforced by the browser. Every other answer gets one that allows
  nothing at all.
- Uploaded documents are always downloads, never pages: attachment, a Content-Type that a
  browser cannot render as a document unless it is one of a few passive kinds, and a
  sandbox that would deny an HTML, SVG or XML file its scripts and its origin even if a
  browser rendered it after all.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders

from relgraph.responses import JSONResponse

__all__ = ["DOWNLOAD_HEADERS", "PAGE_HEADERS", "TOKEN_IN_URL", "WebGuard", "download_type"]

TOKEN_IN_URL = (
    "Send the token in the Authorization header (Authorization: Bearer <token>), never in the URL: "
    "URLs end up in logs and browser history."
)

# GraphiQL and React set styles from script (and GraphiQL adds a style element): styles may
# be inline; scripts only from relgraph's own files, never inline or eval'd. Fonts are
# data: URLs inside graphiql.min.css; the favicon is an empty data: URL.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# JSON answers, static files, errors: nothing to load, nothing to run, no framing.
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"
# A sandbox without allowances: no scripts, no forms, no plugins, an origin of its own.
DOWNLOAD_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"

PAGE_HEADERS = {"Content-Security-Policy": PAGE_POLICY}
# A document is shown to whom R2 lets see it, at the moment of asking: no shared cache may
# keep it, and no browser may keep a copy on disk after access is withdrawn.
DOWNLOAD_HEADERS = {"Content-Security-Policy": DOWNLOAD_POLICY, "Cache-Control": "private, no-store"}

# What a download keeps as its Content-Type: kinds a browser shows, if at all, in a viewer
# of its own or as text, never as a document with scripts. HTML, SVG, XML, XHTML, scripts,
# and whatever else an uploader may declare, go out as application/octet-stream.
_PASSIVE_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
    }
)


def download_type(content_type: str) -> str:
    """The Content-Type a stored document is sent with."""
    kind = content_type.split(";")[0].strip().lower()
    return kind if kind in _PASSIVE_TYPES else "application/octet-stream"


def _token_in_url(query_string: bytes) -> bool:
    if b"token" not in query_string:  # the common case, without parsing
        return False
    return any(
        name == "access_token"
        for name, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    )


class WebGuard:
    """ASGI middleware in front of the whole application."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_guarded(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers.setdefault("Content-Security-Policy", NOTHING_POLICY)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        if _token_in_url(scope.get("query_string", b"")):
            refused = JSONResponse(
                {"errors": [{"message": TOKEN_IN_URL, "extensions": {"code": "BAD_REQUEST"}}]},
                status_code=400,
            )
            await refused(scope, receive, send_guarded)
            return
        await self.app(scope, receive, send_guarded)
