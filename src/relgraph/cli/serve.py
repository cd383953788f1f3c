"""`relgraph serve`: the service, on one or more worker processes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Annotated

import typer

from relgraph.cli.common import (
    app,
    clean_errors,
    err,
    in_session,
    run,
    upgrade_database,
)
from relgraph.cli.demo import prepare_demo, report_seeded
from relgraph.config import get_settings


@contextlib.contextmanager
def _metrics_files(enabled: bool) -> Iterator[None]:
    """With metrics on, a fresh folder where every worker writes its values (prometheus-client's
    multiprocess mode); set before anything imports prometheus_client, which reads it then."""
    if not enabled:
        yield
        return
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="relgraph-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@app.command("serve")
@clean_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Seed demo data and users into an empty database.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers",
            help="Behind a reverse proxy: take the client's address and scheme from X-Forwarded-For "
            "and X-Forwarded-Proto, when the connection comes from --forwarded-allow-ips.",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="With --proxy-headers: the proxies trusted, comma-separated addresses or networks "
            "('*' trusts any: only when nothing else can reach the port)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Run the service (migrating the embedded SQLite database first)."""
    settings = get_settings()
    if settings.is_sqlite or demo:
        upgrade_database()
    if demo:
        # A demo is for exploring: no rate limit, unless one is set explicitly. Through the
        # environment, since each uvicorn worker builds its app from it.
        os.environ.setdefault("RELGRAPH_RATE_LIMIT_PER_MINUTE", "0")
        prepared = run(in_session, prepare_demo)
        if prepared is None:
            err.print(
                "database already has data: not seeding again (create tokens with `relgraph tokens create`)"
            )
        else:
            summary, tokens = prepared
            report_seeded(summary)
            err.print("demo users and their API tokens (shown once):")
            for email, token in tokens.items():
                err.print(f"  {email:<22} {token}", highlight=False)
    base = f"http://{host}:{port}"
    err.print(
        f"GraphiQL: {base}/graphql   network view: {base}/explore   "
        f"health: {base}/healthz   readiness: {base}/readyz"
    )
    with _metrics_files(settings.metrics_enabled):
        from relgraph import serving

        serving.run(
            settings,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=proxy_headers,
            forwarded_allow_ips=forwarded_allow_ips,
        )
