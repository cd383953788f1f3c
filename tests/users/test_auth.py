"""Authentication: bearer tokens, 401s, the viewer."""

from __future__ import annotations

import httpx

from relgraph.domain import users

VIEWER = "{ viewer { id name email role permissions } }"


async def test_viewer_is_the_token_owner(make_caller) -> None:
    caller = await make_caller("TEAM", ("FINANCE",))
    data = await caller.gql(VIEWER)
    assert data["viewer"]["email"] == caller.email
    assert data["viewer"]["role"] == "TEAM"
    assert data["viewer"]["permissions"] == ["FINANCE"]


async def _post(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/graphql", json={"query": VIEWER}, headers=headers)


async def test_missing_token_is_401_unauthenticated(client) -> None:
    response = await _post(client, {})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_unknown_and_malformed_tokens_are_401(client) -> None:
    for header in ("Bearer rg_notarealtoken", "Bearer ", "Basic abc", "Bearer " + "x" * 5000):
        response = await _post(client, {"Authorization": header})
        assert response.status_code == 401, header


async def test_revoked_token_fails_at_once(make_caller, sessionmaker) -> None:
    caller = await make_caller("BUSINESS")
    assert (await caller.post(VIEWER)).status_code == 200
    async with sessionmaker() as session:
        assert await users.revoke_tokens(session, email=caller.email) == 1
        await session.commit()
    assert (await caller.post(VIEWER)).status_code == 401


async def test_inactive_user_cannot_authenticate(make_caller, sessionmaker) -> None:
    caller = await make_caller("BUSINESS")
    async with sessionmaker() as session:
        user = await users.get_by_email(session, email=caller.email)
        user.active = False
        await session.commit()
    assert (await caller.post(VIEWER)).status_code == 401


async def test_tokens_are_stored_hashed(make_caller, session) -> None:
    from sqlalchemy import select

    from relgraph.db.models import ApiToken

    caller = await make_caller("ADMIN")
    stored = list(await session.scalars(select(ApiToken.token_hash)))
    assert caller.token not in stored
    assert users.hash_token(caller.token) in stored
