"""Staff administration through the API (ADMIN): the CLI's rules, audited, userErrors with field and code."""

from __future__ import annotations

import asyncio

import pytest
from helpers import IS_POSTGRES, errors, mutate, ok, only_error, pk
from sqlalchemy import select

from relgraph.db.models import ApiToken, AuditEvent
from relgraph.domain import users
from relgraph.graphql.core.ids import encode_id

USER = "user { id email name role permissions active }"
NOT_ADMIN = ["TEAM", "BUSINESS", "READONLY"]


def user_id(caller) -> str:
    return encode_id("User", caller.user_id)


async def events_of(sessionmaker, pk: int) -> list[tuple[str, int | None, dict]]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "User", AuditEvent.object_id == pk)
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.actor_id, e.changes) for e in rows]


async def test_an_admin_creates_a_user_gives_it_a_token_and_it_signs_in(admin, client, sessionmaker) -> None:
    created = await ok(
        admin,
        "createUser",
        USER,
        email=" Nieuw@Example.NL ",
        name="Nina Nieuw",
        role="TEAM",
        permissions=["FINANCE"],
    )
    user = created["user"]
    assert {k: user[k] for k in ("email", "name", "role", "permissions", "active")} == {
        "email": "nieuw@example.nl",
        "name": "Nina Nieuw",
        "role": "TEAM",
        "permissions": ["FINANCE"],
        "active": True,
    }

    issued = await ok(admin, "createToken", "token user { email }", userId=user["id"])
    token = issued["token"]
    assert token.startswith("rg_") and issued["user"]["email"] == "nieuw@example.nl"
    async with sessionmaker() as session:
        # Stored hashed, as the CLI stores it: the token itself is nowhere in the database.
        stored = list(
            await session.scalars(select(ApiToken.token_hash).where(ApiToken.user_id == pk(user["id"])))
        )
    assert stored == [users.hash_token(token)]
    viewer = await client.post(
        "/graphql", json={"query": "{ viewer { email role } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert viewer.json()["data"]["viewer"] == {"email": "nieuw@example.nl", "role": "TEAM"}

    assert [(action, actor) for action, actor, _ in await events_of(sessionmaker, pk(user["id"]))] == [
        ("CREATE", admin.user_id),
        ("CREATE_TOKEN", admin.user_id),
    ]
    # The trail says a token was made, never the token or its hash.
    assert token not in str(await events_of(sessionmaker, pk(user["id"])))
    assert users.hash_token(token) not in str(await events_of(sessionmaker, pk(user["id"])))


async def test_create_user_refuses_what_the_cli_refuses(admin) -> None:
    taken = await mutate(admin, "createUser", USER, email=admin.email.upper(), name="Twee", role="TEAM")
    assert only_error(taken) == (["email"], "CONFLICT") and taken["user"] is None
    bad = await mutate(admin, "createUser", USER, email="geen-adres", name="  ", role="TEAM")
    assert errors(bad) == [(["email"], "INVALID"), (["name"], "INVALID")]


async def test_update_user_changes_role_permissions_and_name_and_audits_before_and_after(
    admin, make_caller, sessionmaker
) -> None:
    team = await make_caller("TEAM")
    changed = await ok(
        admin,
        "updateUser",
        USER,
        id=user_id(team),
        role="BUSINESS",
        permissions=["SENSITIVE"],
        name="Tom Anders",
    )
    assert {k: changed["user"][k] for k in ("role", "permissions", "name")} == {
        "role": "BUSINESS",
        "permissions": ["SENSITIVE"],
        "name": "Tom Anders",
    }
    # The new role applies to the user's next request: BUSINESS writes no internal relations.
    assert (await team.gql("{ viewer { role permissions } }"))["viewer"] == {
        "role": "BUSINESS",
        "permissions": ["SENSITIVE"],
    }
    [*_, (action, actor, changes)] = await events_of(sessionmaker, team.user_id)
    assert (action, actor) == ("UPDATE", admin.user_id)
    assert changes["role"] == {"before": "TEAM", "after": "BUSINESS"}
    assert changes["permissions"] == {"before": [], "after": ["SENSITIVE"]}


async def test_deactivating_a_user_locks_it_out_at_once_and_reactivating_needs_a_new_token(
    admin, make_caller, sessionmaker
) -> None:
    business = await make_caller("BUSINESS")
    gone = await ok(admin, "deactivateUser", USER, id=user_id(business))
    assert gone["user"]["active"] is False
    assert (await business.post("{ viewer { email } }")).status_code == 401

    back = await ok(admin, "updateUser", USER, id=user_id(business), active=True)
    assert back["user"]["active"] is True
    # Its old tokens were revoked with the deactivation: it signs in again with a new one only.
    assert (await business.post("{ viewer { email } }")).status_code == 401
    token = (await ok(admin, "createToken", "token", userId=user_id(business)))["token"]
    business.token = token
    assert (await business.gql("{ viewer { active } }"))["viewer"]["active"] is True
    actions = [action for action, _, _ in await events_of(sessionmaker, business.user_id)]
    assert actions[-4:] == ["UPDATE", "REVOKE_TOKENS", "UPDATE", "CREATE_TOKEN"]


async def test_a_token_is_only_for_an_active_user(admin, make_caller) -> None:
    team = await make_caller("TEAM")
    await ok(admin, "deactivateUser", USER, id=user_id(team))
    refused = await mutate(admin, "createToken", "token", userId=user_id(team))
    assert only_error(refused) == (["userId"], "INVALID") and refused["token"] is None


async def test_revoke_tokens_revokes_every_live_token_at_once(admin, make_caller, sessionmaker) -> None:
    readonly = await make_caller("READONLY")
    second = (await ok(admin, "createToken", "token", userId=user_id(readonly)))["token"]
    revoked = await ok(admin, "revokeTokens", "revokedCount user { email active }", userId=user_id(readonly))
    assert revoked["revokedCount"] == 2 and revoked["user"] == {"email": readonly.email, "active": True}
    for token in (readonly.token, second):
        readonly.token = token
        assert (await readonly.post("{ viewer { email } }")).status_code == 401
    again = await ok(admin, "revokeTokens", "revokedCount", userId=user_id(readonly))
    assert again["revokedCount"] == 0
    assert [a for a, _, _ in await events_of(sessionmaker, readonly.user_id)][-1] == "REVOKE_TOKENS"


async def test_unknown_and_malformed_user_ids_are_user_errors(admin) -> None:
    missing = encode_id("User", 10**9)
    assert only_error(await mutate(admin, "updateUser", USER, id=missing, role="TEAM")) == (
        ["id"],
        "NOT_FOUND",
    )
    assert only_error(await mutate(admin, "deactivateUser", USER, id=missing)) == (["id"], "NOT_FOUND")
    assert only_error(await mutate(admin, "createToken", "token", userId=missing)) == (
        ["userId"],
        "NOT_FOUND",
    )
    assert only_error(await mutate(admin, "revokeTokens", "revokedCount", userId=missing)) == (
        ["userId"],
        "NOT_FOUND",
    )
    not_a_user = encode_id("Organisation", 1)
    assert only_error(await mutate(admin, "createToken", "token", userId=not_a_user)) == (
        ["userId"],
        "INVALID",
    )
    assert only_error(await mutate(admin, "updateUser", USER, id="x", active=None)) == (
        ["id"],
        "INVALID",
    )


async def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(
    admin, make_caller, sessionmaker
) -> None:
    me = user_id(admin)
    trail = await events_of(sessionmaker, admin.user_id)
    for name, fields, field in [
        ("deactivateUser", {}, "active"),
        ("updateUser", {"active": False}, "active"),
        ("updateUser", {"role": "TEAM"}, "role"),
    ]:
        payload = await mutate(admin, name, USER, id=me, **fields)
        assert only_error(payload) == ([field], "CONFLICT"), (name, payload)
    assert (await admin.gql("{ viewer { role active } }"))["viewer"] == {"role": "ADMIN", "active": True}
    assert await events_of(sessionmaker, admin.user_id) == trail

    # With a second active ADMIN, either may step down, but not both.
    other = await make_caller("ADMIN")
    await ok(admin, "updateUser", USER, id=me, role="TEAM")
    assert only_error(await mutate(other, "deactivateUser", USER, id=user_id(other))) == (
        ["active"],
        "CONFLICT",
    )
    # An inactive ADMIN does not count: reactivating the demoted one as ADMIN frees the other.
    await ok(other, "updateUser", USER, id=me, role="ADMIN")
    await ok(other, "deactivateUser", USER, id=user_id(other))


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite serialises writers; the race needs PostgreSQL")
async def test_two_admins_demoting_each_other_at_once_leave_one_admin(admin, make_caller) -> None:
    other = await make_caller("ADMIN")
    results = await asyncio.gather(
        mutate(admin, "updateUser", USER, id=user_id(other), role="TEAM"),
        mutate(other, "updateUser", USER, id=user_id(admin), role="TEAM"),
    )
    assert sorted(bool(r["userErrors"]) for r in results) == [False, True], results
    roles = (await admin.gql("{ users(first: 100) { nodes { email role } } }"))["users"]["nodes"]
    assert [u["role"] for u in roles if u["email"] in (admin.email, other.email)].count("ADMIN") == 1


@pytest.mark.parametrize("role", NOT_ADMIN)
async def test_only_admin_administers_staff(make_caller, sessionmaker, role) -> None:
    caller = await make_caller(role, ("FINANCE", "SENSITIVE"))
    victim = await make_caller("READONLY")
    trail = await events_of(sessionmaker, victim.user_id)
    attempts = [
        ("createUser", USER, {"email": f"x-{role}@example.nl", "name": "X", "role": "ADMIN"}),
        ("updateUser", USER, {"id": user_id(caller), "role": "ADMIN"}),
        ("deactivateUser", USER, {"id": user_id(victim)}),
        ("createToken", "token", {"userId": user_id(victim)}),
        ("revokeTokens", "revokedCount", {"userId": user_id(victim)}),
    ]
    for name, selection, fields in attempts:
        payload = await mutate(caller, name, selection, **fields)
        assert only_error(payload) == ([], "FORBIDDEN"), (name, payload)
    assert (await caller.gql("{ viewer { role } }"))["viewer"]["role"] == role
    assert (await victim.post("{ viewer { email } }")).status_code == 200
    assert await events_of(sessionmaker, victim.user_id) == trail
