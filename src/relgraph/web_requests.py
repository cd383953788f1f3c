"""Middleware: a request id, the one log line and the metrics of every request; the drain.

RequestTracking is the outermost: every answer carries `X-Request-Id`, and the same id
names the request in the log and in an Internal error's message. Draining comes after
CORS and the guard (so that a browser may read its answer, which has the guard's headers
like any other): once the worker is shutting down
(web_shutdown.py), every new request gets a 503 with `Retry-After` and `Connection: close`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.datastructures import MutableHeaders

from relgraph import metrics, tracking
from relgraph.db.engine import StatementCounter, statement_counter
from relgraph.logs import REQUEST_LOGGER
from relgraph.responses import JSONResponse
from relgraph.web_shutdown import Shutdown

__all__ = ["Draining", "RequestTracking"]

logger = logging.getLogger(REQUEST_LOGGER)

# Probes and scrapes come every few seconds from machines: their lines are DEBUG.
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SHUTTING_DOWN = "This server is shutting down; send the request again (another one will answer)."


class RequestTracking:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: Any, *, shutdown: Shutdown, graphql_path: str = "/graphql") -> None:
        self.app = app
        self.shutdown = shutdown
        self.graphql_path = graphql_path

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        facts = tracking.RequestFacts(request_id=tracking.new_request_id())
        status = 500

        async def send_tracked(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).setdefault("X-Request-Id", facts.request_id)
            await send(message)

        facts_token = tracking.current.set(facts)
        # A test counting statements around the whole request keeps its counter: count the difference.
        outer = statement_counter.get()
        counter = outer if outer is not None else StatementCounter()
        counter_token = statement_counter.set(counter)
        counted_before = counter.count
        self.shutdown.request_started()
        try:
            await self.app(scope, receive, send_tracked)
        finally:
            self.shutdown.request_ended()
            statement_counter.reset(counter_token)
            tracking.current.reset(facts_token)
            self._report(scope, facts, status, time.perf_counter() - started, counter.count - counted_before)

    def _report(
        self, scope: Any, facts: tracking.RequestFacts, status: int, seconds: float, statements: int
    ) -> None:
        path = scope.get("path", "")
        client = scope.get("client")
        fields = {
            "request_id": facts.request_id,
            "method": scope.get("method", ""),
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "operation": facts.operation,
            "viewer_id": facts.viewer_id,
            "execution_path": facts.execution_path,
            "statements": statements,
            "client": client[0] if client else None,
        }
        level = logging.DEBUG if path in _QUIET_PATHS else logging.INFO
        if logger.isEnabledFor(level):
            text = " ".join(
                f"{name}={value}" for name, value in fields.items() if name not in ("method", "path")
            )
            summary = f"{fields['method']} {path} {status}"
            logger.log(level, "%s %s", summary, text, extra={"fields": fields, "summary": summary})
        if path == self.graphql_path:
            metrics.observe_request(
                operation=facts.operation,
                status=status,
                path=facts.execution_path,
                seconds=seconds,
                statements=statements,
            )


class Draining:
    """ASGI middleware: a 503 for every request once the worker is shutting down."""

    def __init__(self, app: Any, *, shutdown: Shutdown) -> None:
        self.app = app
        self.shutdown = shutdown

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.shutdown.draining.is_set():
            await self.app(scope, receive, send)
            return
        refused = JSONResponse(
            {"errors": [{"message": SHUTTING_DOWN, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]},
            status_code=503,
            # The client should go elsewhere: this connection ends with the answer.
            headers={"Retry-After": "1", "Connection": "close"},
        )
        await refused(scope, receive, send)
