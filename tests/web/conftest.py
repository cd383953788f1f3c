"""What the browser tests share: one `relgraph serve --demo` per module, a Chromium per test,
and the folder their screenshots go to. A module that needs something else defines its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser, Page
from server import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`relgraph serve --demo` in a fresh folder, shared by the browser tests of a module."""
    running = Server(tmp_path_factory.mktemp("serve"))
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    running = Browser(tmp_path / "chromium-profile")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    tab = browser.new_page()
    try:
        yield tab
    finally:
        tab.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # one folder for all workers: <basetemp>/screenshots
    folder = Path(os.environ.get("RELGRAPH_SCREENSHOTS") or base / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
