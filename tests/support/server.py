"""`relgraph serve` as a child process, for tests that need the real server on a real port."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

__all__ = ["Server", "free_port"]

RELGRAPH = Path(sys.executable).parent / "relgraph"
TOKEN_LINE = re.compile(r"^\s+(\S+@demo\.test)\s+(rg_\S+)\s*$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`relgraph serve` as a child process; `env` adds RELGRAPH_ settings to a clean environment."""

    def __init__(
        self, cwd: Path, args: Sequence[str] = ("--demo",), env: Mapping[str, str] | None = None
    ) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RELGRAPH_")} | dict(env or {})
        self.process = subprocess.Popen(
            [str(RELGRAPH), "serve", *args, "--port", str(self.port)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,  # the access log
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.pumps = [
            threading.Thread(target=self._pump, args=(stream,), daemon=True)
            for stream in (self.process.stdout, self.process.stderr)
        ]
        for pump in self.pumps:
            pump.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line)

    def everything_printed(self) -> list[str]:
        """Every line of standard output and error, once the process has ended."""
        for pump in self.pumps:
            pump.join(timeout=20)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return self.output

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while not self.lines.empty():
                self.output.append(self.lines.get())
            assert self.process.poll() is None, "".join(self.output)
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    time.sleep(0.3)  # let the reader thread catch up with what was printed
                    while not self.lines.empty():
                        self.output.append(self.lines.get())
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("server did not come up:\n" + "".join(self.output))

    def tokens(self) -> dict[str, str]:
        return {m.group(1): m.group(2) for line in self.output if (m := TOKEN_LINE.match(line))}

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback, no flush; as a power cut is for the process."""
        self.process.kill()
        self.process.wait(timeout=20)
