"""Staff administration (ADMIN): accounts, their roles and permissions, their API tokens.

The same domain functions as `relgraph users` and `relgraph tokens`, with the same rules;
every change is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain import users
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.users.types import Permission, Role, User
from relgraph.policy import Write

__all__ = ["UserMutations"]

_LAST_ADMIN = "The last active ADMIN cannot be demoted or deactivated (CONFLICT)."


@strawberry.input(description="A new staff account.")
class CreateUserInput:
    email: str = strawberry.field(description="Login email address; unique, compared case-insensitively.")
    name: str = strawberry.field(description="Full name of the staff member.")
    role: Role = strawberry.field(description="What the user may see and change.")
    permissions: list[Permission] = strawberry.field(
        default_factory=list, description="Extra rights: FINANCE, SENSITIVE; none by default."
    )


@strawberry.input(description=f"Changes to a staff account. {_LAST_ADMIN}")
class UpdateUserInput:
    id: strawberry.ID = strawberry.field(description="The user.")
    name: str | None = strawberry.field(default=UNSET, description="New full name. Leave out to keep it.")
    role: Role | None = strawberry.field(default=UNSET, description="New role. Leave out to keep it.")
    permissions: list[Permission] | None = strawberry.field(
        default=UNSET,
        description="The permissions the user has from now on (replacing the current ones). Leave out to keep them.",
    )
    active: bool | None = strawberry.field(
        default=UNSET,
        description=(
            "false deactivates the account (as deactivateUser: its tokens are revoked), true "
            "reactivates it (it needs a new token). Leave out to keep it."
        ),
    )


@strawberry.input(description=f"Deactivate one staff account. {_LAST_ADMIN}")
class DeactivateUserInput:
    id: strawberry.ID = strawberry.field(description="The user.")


@strawberry.input(description="Create an API token for a staff account.")
class CreateTokenInput:
    user_id: strawberry.ID = strawberry.field(description="The user the token signs in as; must be active.")


@strawberry.input(description="Revoke the API tokens of a staff account.")
class RevokeTokensInput:
    user_id: strawberry.ID = strawberry.field(description="The user whose tokens stop working.")


@strawberry.type(description="Result of a mutation on a staff account.")
class UserPayload:
    user: User | None = strawberry.field(default=None, description="The account after the change.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="Result of createToken: the token, shown here once and never again.")
class CreateTokenPayload:
    token: str | None = strawberry.field(
        default=None,
        description=(
            "The new bearer token (Authorization: Bearer <token>). Only its SHA-256 is stored: "
            "keep it now, it cannot be shown again."
        ),
    )
    user: User | None = strawberry.field(default=None, description="The account the token signs in as.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="Result of revokeTokens.")
class RevokeTokensPayload:
    revoked_count: int | None = strawberry.field(
        default=None, description="How many live tokens were revoked (0 when there were none)."
    )
    user: User | None = strawberry.field(default=None, description="The account whose tokens were revoked.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


def _names(values: list[Any] | None) -> list[str] | None:
    return None if values is None else [v.value for v in values]


@strawberry.type
class UserMutations:
    @strawberry.mutation(
        description="Create a staff account (ADMIN); it signs in once createToken gives it a token."
    )
    async def create_user(
        self, info: Info, input: Annotated[CreateUserInput, strawberry.argument(description=INPUT)]
    ) -> UserPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await users.create(
                session,
                actor=info.context.viewer,
                email=input.email,
                name=input.name,
                role=input.role.value,
                permissions=_names(input.permissions) or [],
            )
            return {"user": User.from_row(row)}

        return await perform(info, UserPayload, Write.USER, change)

    @strawberry.mutation(
        description=f"Change a staff account's name, role, permissions or active state (ADMIN). {_LAST_ADMIN}"
    )
    async def update_user(
        self, info: Info, input: Annotated[UpdateUserInput, strawberry.argument(description=INPUT)]
    ) -> UserPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = provided(
                input, {"name": "name", "role": "role", "permissions": "permissions", "active": "active"}
            )
            if data.get("role") is not None:
                data["role"] = data["role"].value
            if "permissions" in data:
                data["permissions"] = _names(data["permissions"])
            row = await users.update(
                session, actor=info.context.viewer, id=parse_id(input.id, "User", "id"), data=data
            )
            return {"user": User.from_row(row)}

        return await perform(info, UserPayload, Write.USER, change)

    @strawberry.mutation(
        description=(
            "Deactivate a staff account (ADMIN): it can no longer sign in and its tokens are "
            "revoked; it stays account manager where it is one. " + _LAST_ADMIN
        )
    )
    async def deactivate_user(
        self, info: Info, input: Annotated[DeactivateUserInput, strawberry.argument(description=INPUT)]
    ) -> UserPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await users.deactivate(
                session, actor=info.context.viewer, id=parse_id(input.id, "User", "id")
            )
            return {"user": User.from_row(row)}

        return await perform(info, UserPayload, Write.USER, change)

    @strawberry.mutation(
        description=(
            "Create an API token for an active staff account (ADMIN). The payload shows the "
            "token once; only its hash is stored."
        )
    )
    async def create_token(
        self, info: Info, input: Annotated[CreateTokenInput, strawberry.argument(description=INPUT)]
    ) -> CreateTokenPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            pk = parse_id(input.user_id, "User", "userId")
            token = await users.create_token(session, actor=info.context.viewer, id=pk)
            return {"token": token, "user": User.from_row(await users.get(session, id=pk))}

        return await perform(info, CreateTokenPayload, Write.USER, change)

    @strawberry.mutation(
        description=(
            "Revoke every token of a staff account at once (ADMIN); its requests get 401 from now "
            "on. Your own tokens included, if you name yourself."
        )
    )
    async def revoke_tokens(
        self, info: Info, input: Annotated[RevokeTokensInput, strawberry.argument(description=INPUT)]
    ) -> RevokeTokensPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            pk = parse_id(input.user_id, "User", "userId")
            count = await users.revoke_tokens(session, actor=info.context.viewer, id=pk)
            return {"revoked_count": count, "user": User.from_row(await users.get(session, id=pk))}

        return await perform(info, RevokeTokensPayload, Write.USER, change)
