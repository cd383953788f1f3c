"""GET /documents/{id}: a stored document's file, for a viewer who may see the document.

Authentication and the lookup are reads: a read whose database connection died is run once
more on a fresh connection, as the GraphQL endpoint does (graphql/core/context.py); a second
loss is a 503 with Retry-After, never a 500.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from relgraph import tracking
from relgraph.db.faults import connection_lost, read_once_more_if_lost
from relgraph.domain import documents, users
from relgraph.graphql.core.errors import RETRY_AFTER_SECONDS, SERVICE_UNAVAILABLE
from relgraph.graphql.core.ids import decode_id
from relgraph.responses import JSONResponse
from relgraph.web_guard import DOWNLOAD_HEADERS, download_type

if TYPE_CHECKING:
    from relgraph.web import Runtime

__all__ = ["download_document"]

logger = logging.getLogger("relgraph.web")

_UNAUTHENTICATED = object()


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header, if there is one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _find(state: Runtime, token: str | None, document_id: str, sha256: str | None) -> Any:
    """The document to send, None when there is none to see, or _UNAUTHENTICATED."""
    async with state.sessionmaker() as session:
        viewer = await users.authenticate(session, token=token) if token else None
        if viewer is None:
            return _UNAUTHENTICATED
        decoded = decode_id(document_id)
        if decoded is None or decoded[0] != "Document":
            return None
        return await documents.for_download(session, viewer=viewer, id=decoded[1], sha256=sha256)


async def download_document(request: Request) -> Response:
    """The file, for a viewer who may see the document; 404 otherwise (never 403: R2)."""
    state: Runtime = request.app.state.runtime
    arguments = (bearer_token(request), request.path_params["id"], request.query_params.get("sha256"))
    try:
        found = await read_once_more_if_lost(lambda: _find(state, *arguments), "document download")
    except DBAPIError as error:
        if not connection_lost(error):
            raise
        request_id = tracking.request_id()
        logger.warning("request %s: database connection lost twice in a document download", request_id)
        message = (
            f"The database connection was lost (request id {request_id}). "
            f"Send the request again in {RETRY_AFTER_SECONDS} s."
        )
        return JSONResponse(
            {"errors": [{"message": message, "extensions": {"code": SERVICE_UNAVAILABLE}}]},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "X-Request-Id": request_id},
        )
    if found is _UNAUTHENTICATED:
        return JSONResponse(
            {
                "errors": [
                    {"message": "A valid API token is required.", "extensions": {"code": "UNAUTHENTICATED"}}
                ]
            },
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="relgraph"'},
        )
    # The same answer for "no such document" and "not yours to see" (R2): never a 403.
    not_found = JSONResponse(
        {"errors": [{"message": "No such document.", "extensions": {"code": "NOT_FOUND"}}]}, 404
    )
    if found is None:
        return not_found
    path = state.store.path(found.sha256)
    if not path.is_file():
        logger.error("document %s: stored file %s is missing", found.id, found.sha256)
        return not_found
    # Never a page: uploaded HTML or SVG would run in relgraph's origin (web_guard.py).
    return FileResponse(
        path,
        media_type=download_type(found.content_type),
        filename=found.filename,
        content_disposition_type="attachment",
        headers=DOWNLOAD_HEADERS,
    )
