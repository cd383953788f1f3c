"""Field errors come in the response's order (fields in document order, list items in
turn), whichever path answers and whichever loads finish first."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from helpers import Caller

from relgraph import demo
from relgraph.web import create_app

# Invoice data is FORBIDDEN without FINANCE: errors at several fields of several items, the
# invoice address loaded separately (the resolvers finish it last).
QUERY = """{
  organisations(first: 12) {
    nodes {
      invoiceAddress { lines }
      name
      invoiceEmail
      subsidiaries(first: 3) { nodes { invoiceCompanyName invoiceAddress { kind } } }
      invoiceCompanyName
    }
  }
}"""


def _expected(data: dict[str, Any]) -> list[list[Any]]:
    paths: list[list[Any]] = []
    for i, node in enumerate(data["organisations"]["nodes"]):
        at = ["organisations", "nodes", i]
        paths += [[*at, "invoiceAddress"], [*at, "invoiceEmail"]]
        for j, _ in enumerate(node["subsidiaries"]["nodes"]):
            sub = [*at, "subsidiaries", "nodes", j]
            paths += [[*sub, "invoiceCompanyName"], [*sub, "invoiceAddress"]]
        paths.append([*at, "invoiceCompanyName"])
    return paths


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
async def test_field_errors_come_in_the_order_of_the_response(
    compiled, settings, engine, sessionmaker, make_caller, admin
) -> None:
    async with sessionmaker() as session:
        await demo.seed(session, organisations=30, persons=60, seed=5, created_by_id=admin.user_id)
        await session.commit()
    business = await make_caller("BUSINESS")
    app = create_app(dataclasses.replace(settings, compiled_reads=compiled), engine=engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        caller = Caller(client, business.token, business.user_id, business.email)
        for _ in range(3):
            body = (await caller.post(QUERY)).json()
            paths = [error["path"] for error in body["errors"]]
            assert len(paths) > 12
            assert paths == _expected(body["data"])
