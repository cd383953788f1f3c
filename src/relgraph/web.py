"""The Starlette application: /graphql (GraphQL over HTTP and GraphiQL), /explore, downloads, assets.

Around it (outermost first): the request id, log line and metrics (web_requests.py), CORS
(web_cors.py), the guard (web_guard.py), the shutdown drain (web_requests.py). /healthz, /readyz and /metrics
are in web_health.py.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry import Schema
from strawberry.schema.exceptions import (
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)
from strawberry.types.graphql import OperationType

from relgraph import explore, ide, metrics, tracking
from relgraph.config import Settings, get_settings
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.domain import users
from relgraph.gc_tuning import tune_for_serving
from relgraph.graphql.core.context import Context
from relgraph.graphql.core.errors import (
    COMMIT_OUTCOME_UNKNOWN,
    RETRY_AFTER_SECONDS,
    SERVICE_UNAVAILABLE,
    STORAGE_UNAVAILABLE,
    PublicError,
)
from relgraph.graphql.core.extensions import mask_unexpected
from relgraph.graphql.core.limits import RATE_LIMITED
from relgraph.graphql.core.request import JSON, GraphQLRequestError, request_parameters
from relgraph.graphql.schema import build_schema
from relgraph.memory_tuning import keep_freed_memory
from relgraph.rate_limits import RateLimiter
from relgraph.responses import JSONResponse
from relgraph.storage import DocumentStore
from relgraph.web_cors import cors_middleware
from relgraph.web_documents import bearer_token, download_document
from relgraph.web_guard import PAGE_HEADERS, WebGuard
from relgraph.web_health import healthz, metrics_endpoint, readyz
from relgraph.web_operations import OperationRefused, Operations
from relgraph.web_rate_limits import rate_limit_headers
from relgraph.web_requests import Draining, RequestTracking
from relgraph.web_shutdown import Shutdown

__all__ = ["create_app", "examples_dir"]

logger = logging.getLogger("relgraph.web")

GRAPHQL_RESPONSE = "application/graphql-response+json"


def examples_dir() -> Path:
    """Where the example queries are: inside an installed package, or in the source tree."""
    packaged = Path(__file__).parent / "examples" / "queries"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "examples" / "queries"


def _error_response(
    status: int, message: str, media_type: str, code: str, headers: dict[str, str] | None = None
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, media_type=media_type, headers=headers)


# A fault of the service, by its error code: the HTTP status and the headers that go with
# it, the first that applies when there are several.
_FAULTS: dict[str, tuple[int, dict[str, str]]] = {
    # No Retry-After: sending the same write again blindly might store it twice.
    COMMIT_OUTCOME_UNKNOWN: (503, {}),
    STORAGE_UNAVAILABLE: (503, {}),
    SERVICE_UNAVAILABLE: (503, {"Retry-After": str(RETRY_AFTER_SECONDS)}),
}


def _fault_status(*codes: str) -> tuple[int, dict[str, str]] | None:
    return next((answer for code, answer in _FAULTS.items() if code in codes), None)


def _negotiate(request: Request) -> str:
    """Pick the response media type from Accept (GraphQL over HTTP, section 'Accept')."""
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return JSON
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in kinds:
        return GRAPHQL_RESPONSE
    if JSON in kinds or "*/*" in kinds or "application/*" in kinds:
        return JSON
    raise GraphQLRequestError(406, f"Cannot answer in {accept}; accept {GRAPHQL_RESPONSE} or {JSON}.")


def _wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "text/html" in accept and "query" not in request.query_params


@dataclass
class Runtime:
    """What the endpoints share for the life of the application."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    schema: Schema
    store: DocumentStore
    # None when the rate limit is off.
    rate_limiter: RateLimiter | None
    # Persisted and registered documents, per worker.
    operations: Operations

    async def aclose(self) -> None:
        """Write the rate limit's last counts (on shutdown)."""
        if self.rate_limiter is not None:
            await self.rate_limiter.aclose()


class GraphQLEndpoint:
    """GraphQL over HTTP: authentication, parameters, execution and status codes."""

    def __init__(self, runtime: Runtime) -> None:
        self.state = runtime

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        if _wants_ide(request):
            examples = ide.load_examples(examples_dir())
            page = ide.graphiql_html(endpoint="/graphql", static_url="/static", examples=examples)
            return HTMLResponse(page, headers=PAGE_HEADERS)
        request_id = tracking.request_id()
        media_type = JSON
        try:
            if request.method not in ("GET", "POST"):
                raise GraphQLRequestError(405, "Use GET or POST.", {"Allow": "GET, POST"})
            media_type = _negotiate(request)
            # One session (one pooled connection) per request, authentication included.
            context = Context(
                viewer=None,  # type: ignore[arg-type]  # None until authenticated, just below
                sessionmaker=self.state.sessionmaker,
                request_id=request_id,
                store=self.state.store,
                rate_limiter=self.state.rate_limiter,
            )
            try:
                viewer = await self._authenticate(request, context)
                if viewer is None:
                    return _error_response(
                        401,
                        "A valid API token is required: send Authorization: Bearer <token>.",
                        media_type,
                        "UNAUTHENTICATED",
                        {"WWW-Authenticate": 'Bearer realm="relgraph"', "X-Request-Id": request_id},
                    )
                context.viewer = viewer
                try:
                    params = await request_parameters(request, self.state.settings)
                    params["query"] = await self.state.operations.document(params, context)
                    response = await self._execute(request, params, context, media_type, request_id)
                except GraphQLRequestError as error:
                    headers = {**error.headers, "X-Request-Id": request_id}
                    response = _error_response(
                        error.status, error.message, media_type, "BAD_REQUEST", headers
                    )
                except OperationRefused as refused:
                    headers = {**refused.headers, "X-Request-Id": request_id}
                    response = _error_response(
                        refused.status, refused.message, media_type, refused.code, headers
                    )
                # Every answer to a known viewer says where their budget stands, errors and 429s too.
                response.headers.update(await rate_limit_headers(context))
                return response
            finally:
                await context.close()
        except GraphQLRequestError as error:
            headers = {**error.headers, "X-Request-Id": request_id}
            return _error_response(error.status, error.message, media_type, "BAD_REQUEST", headers)
        except PublicError as error:  # the database was lost while authenticating, twice
            code = (error.extensions or {}).get("code", SERVICE_UNAVAILABLE)
            status, headers = _fault_status(code) or (503, {})
            return _error_response(
                status, error.message, media_type, code, {**headers, "X-Request-Id": request_id}
            )
        except Exception:
            # Outside execution (authentication, say): masked like an error in a resolver.
            logger.exception("request %s: unexpected error", request_id)
            return _error_response(
                500,
                f"Internal error (request id {request_id}).",
                media_type,
                "INTERNAL",
                {"X-Request-Id": request_id},
            )

    async def _authenticate(self, request: Request, context: Context) -> Any:
        token = bearer_token(request)
        if token is None:
            return None
        return await context.read(users.authenticate, token=token)

    async def _execute(
        self, request: Request, params: dict[str, Any], context: Context, media_type: str, request_id: str
    ) -> Response:
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            result = await self.state.schema.execute(
                params["query"],
                variable_values=params["variables"],
                context_value=context,
                operation_name=params["operation_name"],
                allowed_operation_types=allowed,
                operation_extensions=params["extensions"],
            )
        except InvalidOperationTypeError:
            raise GraphQLRequestError(405, "Mutations need POST.", {"Allow": "POST"}) from None
        except CannotGetOperationTypeError:
            # An operationName the document does not define (GraphiQL sends a stale one when
            # run right after an edit), or none for a document with several: a request error.
            name = params["operation_name"]
            message = (
                f"Unknown operation named {name!r}."
                if name
                else "Say which operation to run with `operationName`."
            )
            status = 400 if media_type == GRAPHQL_RESPONSE else 200
            return _error_response(status, message, media_type, "BAD_REQUEST", {"X-Request-Id": request_id})
        if result.errors:
            result.errors = mask_unexpected(result.errors, request_id)
        body: dict[str, Any] = {}
        status = 200
        headers = {"X-Request-Id": request_id}
        request_failed = result.data is None and result.errors and all(e.path is None for e in result.errors)
        rate_limited = [e for e in result.errors or () if (e.extensions or {}).get("code") == RATE_LIMITED]
        fault = _fault_status(*((e.extensions or {}).get("code", "") for e in result.errors or ()))
        if fault is not None:
            # The service's fault, not the document's: the data is partial or null.
            status = fault[0]
            headers.update(fault[1])
            body["data"] = result.data
        elif rate_limited:
            # Not about the document: the transport's own 429, whatever the media type.
            status = 429
            headers["Retry-After"] = str((rate_limited[0].extensions or {})["retryAfter"])
        elif request_failed and any(
            (e.extensions or {}).get("code") == "INTERNAL" for e in result.errors or ()
        ):
            # Our failure before execution (in an extension, say), not a bad request.
            status = 500
        elif request_failed:
            # The document did not parse or validate: no execution took place, so no "data"
            # entry (GraphQL spec, Response); the newer media type says so with a 400 too.
            status = 400 if media_type == GRAPHQL_RESPONSE else 200
        else:
            body["data"] = result.data
        if result.errors:
            body["errors"] = [e.formatted for e in result.errors]
        if result.extensions:
            body["extensions"] = result.extensions
        return JSONResponse(body, status_code=status, media_type=media_type, headers=headers)


async def explore_page(request: Request) -> Response:
    """GET /explore: the network view. The page needs no token; its GraphQL calls carry one."""
    return HTMLResponse(explore.explore_html(endpoint="/graphql", static_url="/static"), headers=PAGE_HEADERS)


def create_app(settings: Settings | None = None, *, engine: AsyncEngine | None = None) -> Starlette:
    """Build the application; it owns `engine` unless one is passed in."""
    settings = settings or get_settings()
    owns_engine = engine is None
    engine = engine or create_engine(settings.database_url, statement_cache=settings.pg_statement_cache)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        schema=build_schema(settings),
        store=DocumentStore(settings.document_root, settings.max_document_bytes),
        rate_limiter=RateLimiter(
            engine, limit=settings.rate_limit_per_minute, interval=settings.rate_limit_flush_ms / 1000
        )
        if settings.rate_limit_per_minute > 0
        else None,
        operations=Operations(settings),
    )

    shutdown = Shutdown(settings.shutdown_drain_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tune_for_serving(settings.gc_threshold)
        keep_freed_memory(settings.malloc_keep_free)
        shutdown.install()
        metrics.observe_pool(runtime.engine)
        yield
        shutdown.uninstall()
        await shutdown.until_idle(limit=10)
        await runtime.aclose()
        metrics.forget_pool(runtime.engine)
        if owns_engine:
            await runtime.engine.dispose()
        metrics.forget_this_process()

    routes = [
        Route("/graphql", GraphQLEndpoint(runtime)),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz(runtime.sessionmaker), methods=["GET"]),
        Route("/explore", explore_page, methods=["GET"]),
        Route("/documents/{id}", download_document),
        Mount("/static", app=StaticFiles(directory=ide.STATIC_DIR), name="static"),
    ]
    if settings.metrics_token:
        routes.append(Route("/metrics", metrics_endpoint(settings.metrics_token), methods=["GET"]))
    cors = cors_middleware(settings.cors_origins, settings.cors_max_age)
    app = Starlette(
        middleware=[
            Middleware(RequestTracking, shutdown=shutdown),
            *([cors] if cors else []),
            Middleware(WebGuard),
            Middleware(Draining, shutdown=shutdown),
        ],
        routes=routes,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
