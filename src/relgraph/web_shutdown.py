"""A worker's graceful shutdown on SIGTERM (or SIGINT).

uvicorn on its own stops accepting connections at once, lets the requests in flight finish
(for at most `timeout_graceful_shutdown`, RELGRAPH_SHUTDOWN_TIMEOUT, after which it cancels
them: a cancelled unit of work rolls back, see Context.write) and then runs the
application's shutdown. This module goes in front of it: from the signal on, the worker
answers every new request with a 503 (readiness included), and for
RELGRAPH_SHUTDOWN_DRAIN_SECONDS it keeps doing so before handing the signal to uvicorn,
so that a load balancer or a proxy that probes /readyz takes it out of rotation before
its socket closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from types import FrameType
from typing import Any

__all__ = ["Shutdown"]

logger = logging.getLogger("relgraph.shutdown")

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Shutdown:
    """One application's draining state, and the signal handlers that set it."""

    def __init__(self, drain_seconds: float) -> None:
        self.drain_seconds = drain_seconds
        self.draining = threading.Event()
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._previous: dict[int, Any] = {}

    def request_started(self) -> None:
        self.in_flight += 1
        self._idle.clear()

    def request_ended(self) -> None:
        self.in_flight -= 1
        if not self.in_flight:
            self._idle.set()

    async def until_idle(self, limit: float) -> None:
        """Wait for the requests still running to end, cancelled ones included.

        uvicorn starts the application's shutdown right after cancelling the requests that
        outlived its timeout; their rollback and the return of their connection must come
        before the engine is disposed (an aiosqlite connection left half-closed keeps its
        thread, and the process, alive).
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), limit)

    def install(self) -> None:
        """Put the drain in front of the signal handlers in place (uvicorn's), in the main thread only."""
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in _SIGNALS:
            previous = signal.getsignal(sig)
            if callable(previous):
                self._previous[sig] = previous
                signal.signal(sig, self._on_signal)

    def uninstall(self) -> None:
        for sig, previous in self._previous.items():
            if signal.getsignal(sig) == self._on_signal:
                signal.signal(sig, previous)
        self._previous.clear()

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        previous = self._previous[sig]
        # A second signal, or Ctrl+C at a terminal, goes straight on.
        if self.draining.is_set() or sig == signal.SIGINT or self.drain_seconds <= 0:
            self.draining.set()
            previous(sig, frame)
            return
        self.draining.set()
        logger.info("draining for %s s before shutting down", self.drain_seconds)
        timer = threading.Timer(self.drain_seconds, previous, args=(sig, None))
        timer.daemon = True
        timer.start()
