"""Settings read from the environment, once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from relgraph.memory_tuning import KEEP_FREE

__all__ = ["Settings", "get_settings"]

DEFAULT_DATABASE_FILE = "relgraph.db"


def _words(name: str) -> tuple[str, ...]:
    """A comma- or space-separated list."""
    return tuple(part for part in os.environ.get(name, "").replace(",", " ").split() if part)


def _origins(name: str) -> tuple[str, ...]:
    """Browser origins (scheme://host[:port]), checked: a typo must not pass silently."""
    origins = []
    for origin in _words(name):
        parts = urlsplit(origin)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path.strip("/")
            or parts.query
        ):
            raise ValueError(
                f"{name}: {origin!r} is not an origin; write scheme://host[:port], "
                "e.g. https://crm.example.com (no path, no wildcard)"
            )
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(origins)


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name) or default
    if raw not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _at_least(name: str, default: int, least: int) -> int:
    value = _int(name, default)
    if value < least:
        raise ValueError(f"{name} must be at least {least}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """What the service needs to know about its surroundings."""

    database_url: str = field(
        default_factory=lambda: os.environ.get(
            "RELGRAPH_DATABASE_URL",
            f"sqlite+aiosqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}",
        )
    )
    # Unset: documents/ beside the SQLite file, or in the working directory for PostgreSQL.
    documents_dir: Path | None = field(
        default_factory=lambda: Path(p) if (p := os.environ.get("RELGRAPH_DOCUMENTS_DIR")) else None
    )
    max_document_bytes: int = field(
        default_factory=lambda: _int("RELGRAPH_MAX_DOCUMENT_BYTES", 25 * 1024 * 1024)
    )
    max_query_depth: int = field(default_factory=lambda: _int("RELGRAPH_MAX_QUERY_DEPTH", 12))
    max_aliases: int = field(default_factory=lambda: _int("RELGRAPH_MAX_ALIASES", 30))
    max_tokens: int = field(default_factory=lambda: _int("RELGRAPH_MAX_TOKENS", 5000))
    # GitHub's measure: the number of nodes a query could return, known before it runs.
    max_query_cost: int = field(default_factory=lambda: _int("RELGRAPH_MAX_QUERY_COST", 50_000))
    # Cost points a user may spend per minute, shared by all workers; 0 turns the limit off.
    rate_limit_per_minute: int = field(
        default_factory=lambda: _int("RELGRAPH_RATE_LIMIT_PER_MINUTE", 1_000_000)
    )
    # How often each process writes the points it counted to the shared count and reads
    # back everyone's (relgraph.rate_limits); what a user can overspend grows with it.
    rate_limit_flush_ms: int = field(default_factory=lambda: _int("RELGRAPH_RATE_LIMIT_FLUSH_MS", 250))
    # Largest GraphQL request body; multipart uploads have max_document_bytes instead.
    # 4 MB: bulkRelinkMemberships takes 10,000 `items`, and 10,000 items with every field
    # are 1.7 MB of compact JSON (2.3 MB indented).
    max_request_bytes: int = field(
        default_factory=lambda: _int("RELGRAPH_MAX_REQUEST_BYTES", 4 * 1024 * 1024)
    )
    # Allocations between two young-generation garbage collections in a served process;
    # 0 keeps Python's default (700). See relgraph.gc_tuning.
    gc_threshold: int = field(default_factory=lambda: _int("RELGRAPH_GC_THRESHOLD", 1_000_000))
    # Bytes of freed memory glibc's malloc keeps for reuse in a served process instead of
    # giving them back to the operating system at once; 0 keeps glibc's defaults. See
    # relgraph.memory_tuning.
    malloc_keep_free: int = field(default_factory=lambda: _int("RELGRAPH_MALLOC_KEEP_FREE", KEEP_FREE))
    # Prepared statements each PostgreSQL connection keeps (asyncpg's and SQLAlchemy's caches,
    # 100 by default); 0 for a pooler in transaction mode (PgBouncer), which hands each
    # transaction to any server connection: no cache, and statement names that never clash.
    pg_statement_cache: int = field(default_factory=lambda: _int("RELGRAPH_PG_STATEMENT_CACHE", 100))
    # Connections each worker keeps open to PostgreSQL, and how many more it may open at a
    # peak (closed again when returned): size them to the server's max_connections divided
    # among the workers and machines.
    pg_pool_size: int = field(default_factory=lambda: _at_least("RELGRAPH_PG_POOL_SIZE", 10, 1))
    pg_max_overflow: int = field(default_factory=lambda: _at_least("RELGRAPH_PG_MAX_OVERFLOW", 10, 0))
    # Read queries the compiler knows are answered by one SQL statement that builds the JSON
    # (relgraph.graphql.compiled); 0 sends every query to the resolvers.
    compiled_reads: bool = field(default_factory=lambda: _int("RELGRAPH_COMPILED_READS", 1) != 0)
    # Origins (scheme://host[:port]) whose pages may call the API from a browser; empty: none.
    cors_origins: tuple[str, ...] = field(default_factory=lambda: _origins("RELGRAPH_CORS_ORIGINS"))
    # How long a browser may keep the answer to a preflight request, in seconds.
    cors_max_age: int = field(default_factory=lambda: _int("RELGRAPH_CORS_MAX_AGE", 600))
    # A bearer token that GET /metrics needs; unset (and no metrics_port): no /metrics at all.
    metrics_token: str | None = field(
        default_factory=lambda: os.environ.get("RELGRAPH_METRICS_TOKEN") or None
    )
    # A port of its own for the metrics (no token there: keep it off the public network); 0: none.
    metrics_port: int = field(default_factory=lambda: _int("RELGRAPH_METRICS_PORT", 0))
    metrics_host: str = field(default_factory=lambda: os.environ.get("RELGRAPH_METRICS_HOST") or "127.0.0.1")
    # One line per request and per event: `text` for people, `json` for a log collector.
    log_format: str = field(default_factory=lambda: _choice("RELGRAPH_LOG_FORMAT", "text", ("text", "json")))
    # On SIGTERM: seconds of answering 503 (readiness included) before the listening socket
    # closes, so that a load balancer sees the worker go; then how long requests in flight
    # may take to finish before they are cancelled (and their transactions rolled back).
    shutdown_drain_seconds: int = field(default_factory=lambda: _int("RELGRAPH_SHUTDOWN_DRAIN_SECONDS", 0))
    shutdown_timeout: int = field(default_factory=lambda: _int("RELGRAPH_SHUTDOWN_TIMEOUT", 30))

    # Automatic persisted queries (Apollo's protocol): documents this worker keeps by hash.
    persisted_query_cache_size: int = field(
        default_factory=lambda: _int("RELGRAPH_PERSISTED_QUERY_CACHE_SIZE", 1000)
    )
    # Only operations registered with `relgraph operations register` run (by hash, or by a
    # text whose hash is registered); ADMIN may still send free text (GraphiQL) unless
    # trusted_operations_admin_free_text is off.
    trusted_operations_only: bool = field(
        default_factory=lambda: _int("RELGRAPH_TRUSTED_OPERATIONS_ONLY", 0) != 0
    )
    trusted_operations_admin_free_text: bool = field(
        default_factory=lambda: _int("RELGRAPH_TRUSTED_OPERATIONS_ADMIN_FREE_TEXT", 1) != 0
    )
    # Registered operations each worker keeps in memory (looked up in the database on a miss).
    trusted_operations_cache_size: int = field(
        default_factory=lambda: _int("RELGRAPH_TRUSTED_OPERATIONS_CACHE_SIZE", 1000)
    )

    @property
    def metrics_enabled(self) -> bool:
        return self.metrics_token is not None or self.metrics_port > 0

    @property
    def document_root(self) -> Path:
        """Where uploaded files are stored."""
        if self.documents_dir is not None:
            return self.documents_dir
        if self.is_sqlite and ":///" in self.database_url:
            return Path(self.database_url.split(":///", 1)[1]).parent / "documents"
        return Path.cwd() / "documents"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def get_settings() -> Settings:
    """Read the settings from the environment as it is now."""
    return Settings()
