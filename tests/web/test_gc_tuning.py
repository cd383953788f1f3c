"""A served process freezes what startup built and collects the young generation less often."""

from __future__ import annotations

import gc
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import EXAMPLE_QUERIES

from relgraph.config import Settings
from relgraph.db.engine import make_sessionmaker
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


def _garbage_of(collected: list[object]) -> str:
    """The kinds of the objects in cycles, most common first: where to look for the cycle."""
    kinds = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in collected)
    return ", ".join(f"{n} {kind}" for kind, n in kinds.most_common(25))


async def _post(app: Any, token: str, query: str) -> tuple[int, dict[str, Any]]:
    """POST /graphql straight through ASGI: no HTTP client whose own objects would count."""
    body = json.dumps({"query": query}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"relgraph.test"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("relgraph.test", 80),
    }
    sent = [{"type": "http.request", "body": body, "more_body": False}]
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return sent.pop() if sent else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], json.loads(answer["body"])


@pytest.mark.parametrize(
    ("compiled", "example"),
    [(True, "search-organisations"), (False, "organisation-card")],
    ids=["compiled", "resolvers"],
)
async def test_a_finished_card_request_leaves_no_reference_cycles(
    restored_gc, compiled: bool, example: str, make_caller, engine, database_url: str, tmp_path
) -> None:
    """Cycles live until the (rare, see gc_tuning) collection: each card would leave its
    objects behind until then (issue 23 measured ~160 kB a card). With the collector off,
    nothing of a card may need it: not the request's context, loaders and rows, nor
    SQLAlchemy's statements (built once where they hold subqueries, IN without in_())."""
    from relgraph import demo

    # The rate limit's counts written only when the app closes (as tests/conftest.py's
    # settings do): a background flush of an earlier case's app, after its database was
    # removed, failed inside this one's collection window and left its traceback's cycles.
    settings = Settings(
        database_url=database_url,
        documents_dir=tmp_path,
        compiled_reads=compiled,
        rate_limit_flush_ms=3_600_000,
    )
    app = create_app(settings, engine=engine)
    caller = await make_caller("BUSINESS", ("FINANCE",))
    async with make_sessionmaker(engine)() as session:
        await demo.seed(session, organisations=30, persons=100, seed=5)
        await session.commit()
    card = (EXAMPLE_QUERIES / f"{example}.graphql").read_text()
    for _ in range(3):  # warm-up: caches, compiled statements, the plan
        status, body = await _post(app, caller.token, card)
        assert status == 200 and "errors" not in body, body
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        status, body = await _post(app, caller.token, card)
        found = gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert body["data"]["organisations"]
    assert found == 0, _garbage_of(garbage)
