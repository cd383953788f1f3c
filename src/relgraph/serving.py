"""`relgraph serve`: uvicorn with relgraph's logging, proxy trust, shutdown and metrics port.

Import this module only once PROMETHEUS_MULTIPROC_DIR is set (cli.py does): prometheus-client
picks its storage, memory or the multiprocess files, when it is first imported.
"""

from __future__ import annotations

import signal
from types import FrameType

import uvicorn
from prometheus_client import start_http_server

from relgraph import metrics
from relgraph.config import Settings
from relgraph.logs import serve_log_config

__all__ = ["run"]


def _stop_requested(sig: int, frame: FrameType | None) -> None:
    # uvicorn raises the signal that stopped it once more after its graceful shutdown, so
    # that the default action ends the process; a stop on request is a clean exit (status 0).
    pass


def run(
    settings: Settings, *, host: str, port: int, workers: int, proxy_headers: bool, forwarded_allow_ips: str
) -> None:
    """Serve until SIGTERM or SIGINT; the requests in flight finish first (web_shutdown.py)."""
    if settings.metrics_port:
        # In this (the parent) process: it sums every worker's files at each scrape.
        start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=metrics.registry())
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop_requested)
    uvicorn.run(
        "relgraph.web:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=serve_log_config(settings.log_format),
        # relgraph writes one line per request itself (web_requests.py), without query strings.
        access_log=False,
        # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default: only when told to here.
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips if proxy_headers else None,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        server_header=False,
    )
