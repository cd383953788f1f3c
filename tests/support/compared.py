"""One request through the compiled path and through the resolvers alone, compared: the
same status, `data` byte for byte, the same errors in the same order."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from helpers import Caller

__all__ = ["both", "card_id", "comparable"]


def comparable(body: dict[str, Any]) -> tuple[bytes, list[Any]]:
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("rateLimit"), dict):
        # The rate limit's points left and the end of its minute differ from one request to
        # the next (each of the pair spends some); the rest of RateLimit is compared.
        data = {**data, "rateLimit": {**data["rateLimit"], "remaining": 0, "used": 0, "resetAt": 0}}
    return orjson.dumps(data), body.get("errors", [])


async def both(
    caller: Caller, resolvers_client: httpx.AsyncClient, query: str, variables: dict[str, Any]
) -> Any:
    compiled = await caller.post(query, variables)
    resolved = await Caller(resolvers_client, caller.token, caller.user_id, caller.email).post(
        query, variables
    )
    assert compiled.status_code == resolved.status_code
    mine, theirs = comparable(compiled.json()), comparable(resolved.json())
    assert mine[0] == theirs[0]
    assert mine[1] == theirs[1]
    return compiled.json()


async def card_id(caller: Caller) -> str:
    data = await caller.gql(
        '{ organisations(filter: { search: "Noorderlicht Bouw" }, first: 1) { nodes { id } } }'
    )
    return data["organisations"]["nodes"][0]["id"]
