"""A served process freezes what startup built and collects the young generation less often."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from relgraph.config import Settings
from relgraph.gc_tuning import tune_for_serving
from relgraph.web import create_app


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_tuning_freezes_startup_objects_and_raises_the_threshold(restored_gc) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    tune_for_serving(50_000)
    assert gc.get_threshold() == (50_000, 10, 10)
    assert gc.get_freeze_count() > 0


def test_zero_keeps_pythons_threshold(restored_gc) -> None:
    gc.set_threshold(700, 10, 10)
    tune_for_serving(0)
    assert gc.get_threshold() == (700, 10, 10)


async def test_the_app_tunes_the_collector_when_it_starts(restored_gc, database_url: str) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    app = create_app(Settings(database_url=database_url, gc_threshold=12_345))
    assert gc.get_threshold()[0] == 700  # building the app is not serving it
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] == 12_345
        assert gc.get_freeze_count() > 0


async def test_a_finished_request_leaves_no_cycles_holding_its_rows(admin, sessionmaker) -> None:
    """With the collector run rarely, rows kept alive by reference cycles would pile up."""
    from relgraph import demo
    from relgraph.db.pagination import Page
    from relgraph.domain.memberships.queries import ListedMembership

    async with sessionmaker() as session:
        await demo.seed(session, organisations=10, persons=40, seed=3, created_by_id=admin.user_id)
        await session.commit()
    query = """{ organisations(first: 10) { nodes { name
        memberships(first: 20) { nodes { role person { lastName } } }
        subsidiaries { nodes { name memberships { nodes { role } } } } } } }"""
    assert (await admin.gql(query))["organisations"]["nodes"]  # warm up
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        data = await admin.gql(query)
        gc.collect()
        kinds = {type(o) for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert any(n["memberships"]["nodes"] for n in data["organisations"]["nodes"])
    assert Page not in kinds and ListedMembership not in kinds
