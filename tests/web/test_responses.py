"""Answers encoded by orjson are the JSON Starlette's json.dumps wrote, byte for byte."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
from typing import Any

import httpx
import pytest
from helpers import Caller, create_organisation, ok, upload_ok

from relgraph.responses import dumps


def standard(value: Any) -> bytes:
    """What Starlette's JSONResponse writes for `value`."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


def assert_standard(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("application/")
    assert response.content == standard(response.json()), response.text


CARD = """
query($id: ID!) {
  node(id: $id) { ... on Organisation {
    id name createdAt version viewerCanSeeFinancials
    salesRelation { creditLimit { amount currency } discountPercent paymentTermDays }
    documents { totalCount nodes { filename size uploadedAt } }
  } }
}
"""


async def test_answers_are_standard_json_with_money_dates_unicode_and_errors(admin, make_caller) -> None:
    organisation = await create_organisation(admin, 'Café "Ĳssel" ☕ \u2028 B.V.')
    await ok(
        admin,
        "setSalesRelation",
        "userErrors { code }",
        partyId=organisation,
        creditLimit="12500.50",
        discountPercent="2.5",
        paymentTermDays=30,
    )
    # A multipart answer (an upload) and a plain one, with and without the financial fields.
    await upload_ok(admin, organisation, b"%PDF-1.4 offerte", "offerte €.pdf")
    answer = await admin.post(CARD, {"id": organisation})
    assert_standard(answer)
    card = answer.json()["data"]["node"]
    assert card["salesRelation"]["creditLimit"] == {"amount": "12500.50", "currency": "EUR"}
    assert card["salesRelation"]["discountPercent"] == "2.50"
    assert card["documents"]["nodes"][0]["filename"] == "offerte €.pdf"
    assert dt.datetime.fromisoformat(card["createdAt"])

    business = await make_caller("BUSINESS")
    forbidden = await business.post(CARD, {"id": organisation})
    assert_standard(forbidden)
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert forbidden.json()["extensions"]["cost"]["rateLimit"]["resetAt"].endswith("Z")


async def test_error_answers_outside_execution_are_standard_json(admin: Caller, client) -> None:
    for response in (
        await client.post("/graphql", json={"query": "{ viewer { email } }"}),  # 401
        await admin.post("{ viewer {"),  # a syntax error
        await admin.post("{ viewer { email } }", headers={"Accept": "text/csv"}),  # 406
        await client.get("/graphql?query={viewer{email}}&access_token=x"),  # 400, WebGuard
        await client.get("/documents/nope", headers={"Authorization": f"Bearer {admin.token}"}),  # 404
        await client.get("/documents/nope"),  # 401
        await client.get("/healthz"),
    ):
        assert response.status_code in (200, 400, 401, 404, 406), response.text
        assert_standard(response)


async def test_a_cost_beyond_64_bits_is_written_as_before(admin: Caller) -> None:
    """orjson cannot write such an integer; the answer must not become a 500."""
    pages = "first: 2147483647"
    query = (
        f"{{ organisations({pages}) {{ nodes {{ subsidiaries({pages}) {{ nodes {{ "
        f"subsidiaries({pages}) {{ nodes {{ id }} }} }} }} }} }} }}"
    )
    response = await admin.post(query)
    assert response.status_code == 200, response.text
    assert_standard(response)
    cost = response.json()["extensions"]["cost"]["requestedQueryCost"]
    assert cost > 2**64


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [dt.date(2026, 12, 7), dt.datetime(2026, 12, 7, tzinfo=dt.UTC), decimal.Decimal("1.5"), Point(1)],
)
def test_what_json_dumps_refuses_is_refused(value: Any) -> None:
    """A value that is no JSON fails loudly (a masked 500), as it did, instead of being
    written in a format of orjson's choosing; the resolvers convert explicitly."""
    with pytest.raises(TypeError):
        standard({"value": value})
    with pytest.raises(TypeError):
        dumps({"value": value})


def test_the_encoding_is_the_standard_one() -> None:
    value = {"a": [1, -2, 2.5, None, True, False, 10**30], "é": '\u2028"\\\n\t☕', 3: {"": []}}
    assert dumps(value) == standard(value)
    # Floats may be spelled differently (1e-7 against 1e-07), never valued differently.
    floats = [1e-7, 0.1, 1 / 3, 1.5e300, -0.0]
    assert json.loads(dumps(floats)) == floats
