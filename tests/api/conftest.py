"""Fixtures of the compiled-read tests (tests/api/test_compiled*.py): the demo data, a user
of each demo user's role, the same service answering by the resolvers only, and the
operations the compiled path answered."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from helpers import Caller

from relgraph import demo
from relgraph.cli import DEMO_USERS
from relgraph.config import Settings
from relgraph.graphql.compiled import execution
from relgraph.web import create_app


@pytest.fixture
async def demo_data(admin, sessionmaker) -> None:
    async with sessionmaker() as session:
        await demo.seed(session, organisations=40, persons=150, seed=11, created_by_id=admin.user_id)
        await session.commit()


@pytest.fixture
async def resolvers_client(settings: Settings, engine: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The same service with every query answered by the resolvers."""
    plain = dataclasses.replace(settings, compiled_reads=False)
    app = create_app(plain, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test"
    ) as client:
        yield client


@pytest.fixture
def answered(monkeypatch) -> list[str]:
    """The operations compiled reads answered, in order."""
    names: list[str] = []
    run = execution._run

    async def recording(prepared: Any, context: Any, values: Any) -> Any:
        names.append(context.operation_name or "anonymous")
        return await run(prepared, context, values)

    monkeypatch.setattr(execution, "_run", recording)
    return names


@pytest.fixture
async def demo_users(make_caller) -> list[Caller]:
    return [await make_caller(role, tuple(permissions)) for _, _, role, permissions in DEMO_USERS]
