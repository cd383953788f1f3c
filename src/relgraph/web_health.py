"""Liveness, readiness and the metrics route: what machines ask a worker.

- /healthz: the process answers. Nothing else, to anybody: no version, no database kind.
- /readyz: the database answers and its schema is at the migration head this code ships
  (or at a later one, which a newer release applied while this one still runs: a rolling
  upgrade keeps the old workers in service). 503 until then; while the worker shuts down,
  web_requests.py answers 503 before the request gets here.
- /metrics: Prometheus' text format, for a caller with RELGRAPH_METRICS_TOKEN.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from relgraph import metrics
from relgraph.db.faults import read_once_more_if_lost
from relgraph.db.migrate import script_revisions
from relgraph.responses import JSONResponse

__all__ = ["healthz", "metrics_endpoint", "readyz"]

logger = logging.getLogger("relgraph.health")


async def healthz(request: Request) -> Response:
    """The process is alive and serving."""
    return JSONResponse({"status": "ok"})


def readyz(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[[Request], Awaitable[Response]]:
    """GET /readyz: may a load balancer send this worker requests?"""

    async def endpoint(request: Request) -> Response:
        checks = {"database": "unreachable", "migrations": "unknown"}
        revision: str | None = None

        async def probe() -> str | None:
            async with sessionmaker() as session:
                await session.execute(text("SELECT 1"))
                checks["database"] = "ok"
                return (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()

        try:
            revision = await read_once_more_if_lost(probe, "readiness")
        except Exception:
            if checks["database"] != "ok":
                logger.warning("readiness: the database does not answer", exc_info=True)
        head, known = script_revisions()
        if checks["database"] == "ok":
            # An unknown revision is a later one (a newer release's): this code still serves.
            checks["migrations"] = (
                "behind" if revision is None or (revision != head and revision in known) else "ok"
            )
        ready = checks == {"database": "ok", "migrations": "ok"}
        body = {"status": "ready" if ready else "not ready", **checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    return endpoint


def metrics_endpoint(token: str) -> Callable[[Request], Awaitable[Response]]:
    """GET /metrics with `Authorization: Bearer <RELGRAPH_METRICS_TOKEN>`."""
    expected = token.encode()

    async def endpoint(request: Request) -> Response:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": "The metrics token is required.",
                            "extensions": {"code": "UNAUTHENTICATED"},
                        }
                    ]
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="relgraph metrics"'},
            )
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    return endpoint
