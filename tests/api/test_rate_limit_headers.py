"""X-RateLimit-* headers, `rateLimit(dryRun:)` and `extensions.cost.rateLimit` (issue 20, item 7)."""

from __future__ import annotations

import dataclasses
import time
import types
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from relgraph import rate_limits
from relgraph.config import Settings
from relgraph.db.models import RateLimitWindow
from relgraph.domain import users
from relgraph.web import create_app

TWENTY = "{ organisations { nodes { id } } }"  # 20 points
RATE_LIMIT = "rateLimit { cost enforced limit remaining used resetAt dryRun }"


@dataclasses.dataclass
class App:
    client: httpx.AsyncClient
    token: str
    limiter: Any

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}"},
        )


@pytest.fixture
async def make_app(settings: Settings, engine, sessionmaker) -> AsyncIterator[Callable[..., Any]]:
    async with sessionmaker() as session:
        await users.create(session, email="limited@headers.test", name="Limited", role="BUSINESS")
        token = await users.create_token(session, email="limited@headers.test")
        await session.commit()
    made: list[tuple[httpx.AsyncClient, Any]] = []

    async def make(limit: int = 100) -> App:
        app = create_app(dataclasses.replace(settings, rate_limit_per_minute=limit), engine=engine)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test")
        made.append((client, app))
        return App(client, token, app.state.runtime.rate_limiter)

    yield make
    for client, app in made:
        await client.aclose()
        await app.state.runtime.aclose()


def limits(response: httpx.Response) -> tuple[int, int, int, int]:
    h = response.headers
    return (
        int(h["x-ratelimit-limit"]),
        int(h["x-ratelimit-remaining"]),
        int(h["x-ratelimit-used"]),
        int(h["x-ratelimit-reset"]),
    )


async def test_the_headers_decrease_show_on_errors_and_429_and_reset(make_app, monkeypatch) -> None:
    app = await make_app()
    answers = [await app.post(TWENTY) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    seen = [limits(a) for a in answers]
    assert [s[1] for s in seen] == [80, 60, 40, 20, 0]
    assert [s[2] for s in seen] == [20, 40, 60, 80, 100]
    assert {s[0] for s in seen} == {100}
    [reset] = {s[3] for s in seen}
    assert reset % 60 == 0 and 0 < reset - time.time() <= 60
    assert answers[0].json()["extensions"]["cost"]["rateLimit"]["remaining"] == 80

    refused = await app.post(TWENTY)
    assert refused.status_code == 429
    assert limits(refused) == (100, 0, 100, reset)
    # A document that does not validate is charged nothing and still says where the budget stands.
    invalid = await app.post("{ noSuchField }")
    assert invalid.status_code == 200 and "errors" in invalid.json()
    assert limits(invalid) == (100, 0, 100, reset)
    bad_request = await app.client.post(
        "/graphql", json={"variables": {}}, headers={"Authorization": f"Bearer {app.token}"}
    )
    assert bad_request.status_code == 400 and limits(bad_request)[1] == 0

    # The next minute: the budget is whole again, and the reset a minute later.
    real = time.time
    monkeypatch.setattr(rate_limits, "time", types.SimpleNamespace(time=lambda: real() + 60))
    fresh = await app.post(TWENTY)
    assert fresh.status_code == 200
    assert limits(fresh) == (100, 80, 20, reset + 60)


async def test_a_dry_run_prices_runs_nothing_and_charges_nothing(make_app, sessionmaker) -> None:
    app = await make_app(limit=1000)
    query = f"query Priced($n: Int) {{ organisations(first: $n) {{ nodes {{ id }} }} {RATE_LIMIT} }}"
    dry = await app.post(query.replace("rateLimit", "rateLimit(dryRun: true)"), {"n": 30})
    body = dry.json()
    assert dry.status_code == 200, body
    assert body["data"] == {
        "rateLimit": {
            "cost": 30,
            "enforced": True,
            "limit": 1000,
            "remaining": 1000,
            "used": 0,
            "resetAt": body["data"]["rateLimit"]["resetAt"],
            "dryRun": True,
        }
    }, "only rateLimit is answered"
    assert limits(dry)[1] == 1000
    await app.limiter.flush()
    async with sessionmaker() as session:
        assert await session.scalar(select(RateLimitWindow.points)) is None, "nothing charged"

    # Through a variable too; then the real run is charged what the dry run said.
    dry_var = await app.post(
        query.replace("query Priced($n: Int)", "query Priced($n: Int, $dry: Boolean!)").replace(
            "rateLimit", "rateLimit(dryRun: $dry)"
        ),
        {"n": 30, "dry": True},
    )
    assert dry_var.json()["data"]["rateLimit"]["cost"] == 30 and limits(dry_var)[1] == 1000
    real = await app.post(query, {"n": 30})
    data = real.json()["data"]
    assert len(data["organisations"]["nodes"]) == 0
    assert data["rateLimit"] | {"resetAt": None} == {
        "cost": 30,
        "enforced": True,
        "limit": 1000,
        "remaining": 970,
        "used": 30,
        "resetAt": None,
        "dryRun": False,
    }
    assert limits(real)[1] == 970
    assert real.json()["extensions"]["cost"]["requestedQueryCost"] == 30

    # A query too costly to run can still be priced.
    costly = await app.post(
        "{ organisations(first: 100) { nodes { memberships(first: 100) { nodes { id } } } } "
        "rateLimit(dryRun: true) { cost remaining } }"
    )
    assert costly.json() == {
        "data": {"rateLimit": {"cost": 10_100, "remaining": 970}},
        "extensions": costly.json()["extensions"],
    }


async def test_with_the_limit_off_the_cost_and_the_field_say_so(make_app) -> None:
    app = await make_app(limit=0)
    response = await app.post(f"{{ organisations {{ nodes {{ id }} }} {RATE_LIMIT} }}")
    body = response.json()
    assert body["extensions"]["cost"]["rateLimit"] == {
        "enforced": False,
        "limit": None,
        "remaining": None,
        "resetAt": None,
    }
    assert body["data"]["rateLimit"] == {
        "cost": 20,
        "enforced": False,
        "limit": None,
        "remaining": None,
        "used": None,
        "resetAt": None,
        "dryRun": False,
    }
    assert not any(name.startswith("x-ratelimit") for name in response.headers)
    dry = await app.post("{ organisations { nodes { id } } rateLimit(dryRun: true) { cost enforced } }")
    assert dry.json()["data"] == {"rateLimit": {"cost": 20, "enforced": False}}


async def test_an_unauthenticated_answer_has_no_budget_to_tell(make_app) -> None:
    app = await make_app()
    response = await app.client.post("/graphql", json={"query": TWENTY})
    assert response.status_code == 401
    assert not any(name.startswith("x-ratelimit") for name in response.headers)
