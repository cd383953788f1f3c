"""Prometheus metrics of a served relgraph (prometheus-client), and their exposition.

Labels are names and numbers only: an operation's name (or "anonymous"), the HTTP status,
the execution path. Operation names are the clients' choice, so each process keeps at
most MAX_OPERATION_NAMES of them as label values and counts any later one as "other".

With several workers (`relgraph serve --workers N`, or one worker and a metrics port)
`serve` sets PROMETHEUS_MULTIPROC_DIR before a worker starts: every process writes its
values to files there and an exposition sums them over the workers, alive ones for the
pool gauges. Without it (one process, as in tests) the values live in memory.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from relgraph import __version__

__all__ = [
    "BULK_ITEMS_WRITTEN",
    "CONTENT_TYPE",
    "MAX_OPERATION_NAMES",
    "RATE_LIMIT_REFUSALS",
    "exposition",
    "forget_pool",
    "forget_this_process",
    "observe_pool",
    "observe_request",
    "registry",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST
MAX_OPERATION_NAMES = 200

REQUESTS = Counter(
    "relgraph_graphql_requests",
    "GraphQL requests answered, by operation name, HTTP status and execution path.",
    ["operation", "status", "path"],
)
REQUEST_SECONDS = Histogram(
    "relgraph_graphql_request_duration_seconds",
    "Time from the first byte of a GraphQL request to the last byte of its answer.",
    ["operation", "path"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUEST_STATEMENTS = Histogram(
    "relgraph_graphql_request_statements",
    "SQL statements per GraphQL request (transaction control not counted).",
    ["path"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 250),
)
RATE_LIMIT_REFUSALS = Counter(
    "relgraph_rate_limit_refusals", "Requests refused with HTTP 429 for the per-user rate limit."
)
BULK_ITEMS_WRITTEN = Counter(
    "relgraph_bulk_items_written",
    "Items committed by bulk mutations (dry runs and refused calls write none).",
    ["mutation"],
)
POOL_IN_USE = Gauge(
    "relgraph_db_connections_in_use",
    "Database connections checked out of the pool, all workers together.",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "relgraph_db_connections_open",
    "Database connections the pools hold open (in use or idle), all workers together.",
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "relgraph_db_pool_capacity",
    "Connections the pools may open at most (pool size plus overflow), all workers together.",
    multiprocess_mode="livesum",
)
BUILD = Gauge(
    "relgraph_build_info", "The relgraph version serving (value 1).", ["version"], multiprocess_mode="max"
)
BUILD.labels(version=__version__).set(1)

_operations: set[str] = set()
_operations_lock = threading.Lock()


def _operation_label(operation: str) -> str:
    if operation in _operations:
        return operation
    with _operations_lock:
        if len(_operations) >= MAX_OPERATION_NAMES:
            return "other"
        _operations.add(operation)
    return operation


def observe_request(*, operation: str, status: int, path: str, seconds: float, statements: int) -> None:
    """Count one answered GraphQL request."""
    label = _operation_label(operation)
    REQUESTS.labels(operation=label, status=str(status), path=path).inc()
    REQUEST_SECONDS.labels(operation=label, path=path).observe(seconds)
    REQUEST_STATEMENTS.labels(path=path).observe(statements)
    if status == 429:
        RATE_LIMIT_REFUSALS.inc()


def observe_pool(engine: AsyncEngine) -> None:
    """Follow the engine's pool in the pool gauges."""
    pool: Any = engine.sync_engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", 0)
    if callable(size):
        # A negative overflow means "no limit": count the pool's size then.
        POOL_CAPACITY.inc(size() + max(overflow, 0))

    def opened(*_: Any) -> None:
        POOL_OPEN.inc()

    def closed(*_: Any) -> None:
        POOL_OPEN.dec()

    def checked_out(*_: Any) -> None:
        POOL_IN_USE.inc()

    def checked_in(*_: Any) -> None:
        POOL_IN_USE.dec()

    event.listen(pool, "connect", opened)
    event.listen(pool, "close", closed)
    event.listen(pool, "close_detached", closed)
    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)


def forget_pool(engine: AsyncEngine) -> None:
    """Take a disposed engine's capacity out of the gauge."""
    pool: Any = engine.sync_engine.pool
    size = getattr(pool, "size", None)
    if callable(size):
        POOL_CAPACITY.dec(size() + max(getattr(pool, "_max_overflow", 0), 0))


def registry() -> CollectorRegistry:
    """What an exposition reads: every worker's files in multiprocess mode, else this process."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    return combined


def exposition() -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(registry())


def forget_this_process() -> None:
    """At a worker's exit: its live gauges (the pool's) no longer count."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.mark_process_dead(os.getpid())
