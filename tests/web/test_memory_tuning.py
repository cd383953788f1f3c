"""A served process keeps freed memory for the next request (relgraph/memory_tuning.py)."""

from __future__ import annotations

import platform

import pytest

from relgraph import web
from relgraph.config import Settings
from relgraph.memory_tuning import KEEP_FREE, keep_freed_memory
from relgraph.web import create_app


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_glibc_takes_the_thresholds() -> None:
    assert keep_freed_memory(KEEP_FREE)


def test_zero_keeps_the_allocators_defaults() -> None:
    assert not keep_freed_memory(0)


async def test_the_app_keeps_freed_memory_when_it_starts(monkeypatch, database_url: str) -> None:
    asked: list[int] = []
    monkeypatch.setattr(web, "keep_freed_memory", asked.append)
    app = create_app(Settings(database_url=database_url, malloc_keep_free=12_345))
    assert asked == []  # building the app is not serving it
    async with app.router.lifespan_context(app):
        assert asked == [12_345]
