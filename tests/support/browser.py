"""Headless Chromium over the DevTools protocol (CDP), for tests that need a real browser.

`Browser` starts Debian's chromium with its own profile and a dead proxy (nothing but
127.0.0.1 is reachable); `Page` is one tab, driven with the small client below (the
`websockets` package): open a page, evaluate JavaScript, click with real mouse events,
wait for conditions, take screenshots. `needs_chromium` skips a test without chromium
on PATH; `.ci/run` installs it.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

__all__ = ["CHROMIUM", "VIEWPORT", "Browser", "CDPError", "Page", "needs_chromium"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (.ci/run installs Debian's chromium)"
)

VIEWPORT = (1280, 800)


# --- a tiny DevTools protocol client ---------------------------------------------------------------


class CDPError(AssertionError):
    pass


class Page:
    """One browser tab over CDP: commands are answered in order, events are kept in `events`."""

    def __init__(self, ws_url: str) -> None:
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(connect(ws_url, max_size=64 * 1024 * 1024, open_timeout=20))
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self.stack.close()

    def _receive(self, timeout: float) -> dict[str, Any]:
        message = json.loads(self.ws.recv(timeout=timeout))
        if "method" in message:
            self.events.append(message)
        return message

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(max(0.1, deadline - time.monotonic()))
            if message.get("id") == call_id:
                if "error" in message:
                    raise CDPError(f"{method}: {message['error']}")
                return message.get("result", {})

    def pump(self, seconds: float) -> None:
        """Take in events for a while (page loads, network requests)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._receive(left)
            except TimeoutError:
                return

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression (promises are awaited; no DOM nodes)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True, userGesture=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CDPError(
                f"{expression!r} threw: {details.get('exception', {}).get('description') or details}"
            )
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30, what: str = "") -> Any:
        """Poll until the expression is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except CDPError as error:
                # Asked while the page navigates (a click on a link): the old page's context
                # is gone and the new one not there yet. Ask the new page.
                if "navigated or closed" not in str(error) and "Cannot find context" not in str(error):
                    raise
                value = None
            if value:
                return value
            self.pump(0.1)
        raise CDPError(f"timed out waiting for {what or expression}\n{self.diagnostics()}")

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", what=f"{url} to load")

    def click_at(self, x: float, y: float) -> None:
        """A real left click: mouse moved, pressed and released at (x, y) in CSS pixels."""
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=1, clickCount=1)

    def click(self, selector: str) -> None:
        """Click the middle of the first element matching *selector*, as a user would."""
        box = self.wait_for(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: 'center'}});
                const r = el.getBoundingClientRect();
                return r.width && r.height ? {{x: r.left + r.width / 2, y: r.top + r.height / 2}} : null;
            }})()""",
            what=f"{selector} to be visible",
        )
        self.click_at(box["x"], box["y"])

    def type_into(self, selector: str, text: str) -> None:
        """Focus an input, clear it and type *text* (as one IME commit, like a paste)."""
        self.click(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).select()")
        self.call("Input.insertText", text=text)

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def response_headers(self, url: str) -> dict[str, str]:
        """The headers of the (last) response to `url`, names in lower case."""
        found = [
            e["params"]["response"]["headers"]
            for e in self.events
            if e["method"] == "Network.responseReceived" and e["params"]["response"]["url"] == url
        ]
        assert found, f"no response from {url}"
        return {name.lower(): value for name, value in found[-1].items()}

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"
        ]

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            if event["method"] == "Runtime.exceptionThrown":
                details = event["params"]["exceptionDetails"]
                found.append(details.get("exception", {}).get("description") or details.get("text", "?"))
            elif event["method"] == "Log.entryAdded" and event["params"]["entry"]["level"] == "error":
                entry = event["params"]["entry"]
                if entry.get("source") == "network" and entry.get("url", "").endswith("/graphql"):
                    continue  # an API answer such as 401 before a token is saved: the page shows it
                found.append(f"{entry.get('text')} {entry.get('url', '')}".strip())
        return found

    def diagnostics(self) -> str:
        body = ""
        try:
            body = self.evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''")
        except (CDPError, TimeoutError, OSError, ConnectionClosed) as error:  # the page may be gone
            body = f"(no page text: {error})"
        return f"page errors: {self.errors()}\nrequests: {self.requested_urls()}\npage text:\n{body}"


class Browser:
    """Headless Chromium with its own profile, a dead proxy and a DevTools port it picked itself."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        self.log = profile.parent / "chromium.log"
        with self.log.open("w") as log:
            self.process = self._start(profile, log)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"chromium did not start:\n{self.log.read_text()[-4000:]}")
            time.sleep(0.1)
        self.port = int(port_file.read_text().splitlines()[0])

    @staticmethod
    def _start(profile: Path, log: Any) -> subprocess.Popen[bytes]:
        assert CHROMIUM is not None
        return subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--mute-audio",
                # Anything not on 127.0.0.1 goes to a closed port: no network.
                "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=127.0.0.1",
                f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",  # Chromium writes the port it chose to DevToolsActivePort
                "about:blank",
            ],
            stdout=log,
            stderr=log,  # a file, not a pipe nobody reads: Chromium can be chatty
            start_new_session=True,
        )

    def new_page(self) -> Page:
        target = httpx.put(f"http://127.0.0.1:{self.port}/json/new?about:blank", timeout=20).json()
        page = Page(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Network", "Log"):
            page.call(f"{domain}.enable")
        # Whatever the pages' Content-Security-Policy refuses is recorded, to be checked.
        page.call(
            "Page.addScriptToEvaluateOnNewDocument",
            source="window.cspViolations = []; document.addEventListener('securitypolicyviolation', "
            "e => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));",
        )
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=VIEWPORT[0],
            height=VIEWPORT[1],
            deviceScaleFactor=1,
            mobile=False,
        )
        return page

    def stop(self) -> None:
        if self.process.poll() is None:
            # Chromium forks zygote/renderer processes into its own session: end the group.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
