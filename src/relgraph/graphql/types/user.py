"""Staff users as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import strawberry

from relgraph.graphql.context import Info
from relgraph.graphql.ids import encode_id
from relgraph.graphql.types.enums import Permission, Role

if TYPE_CHECKING:
    from relgraph.db import models

__all__ = ["User", "user_or_none"]


@strawberry.type(description="A staff account (gebruiker): who works in the CRM, not a customer.")
class User:
    pk: strawberry.Private[int]
    id: strawberry.ID = strawberry.field(description="Globally unique, opaque ID.")
    name: str = strawberry.field(description="Full name of the staff member.")
    email: str = strawberry.field(description="Login email address (unique).")
    role: Role = strawberry.field(description="What the user may see and change.")
    permissions: list[Permission] = strawberry.field(
        description="Extra rights: FINANCE (financial values), SENSITIVE (BSN)."
    )
    active: bool = strawberry.field(
        description="Inactive users cannot log in but can still be account managers."
    )
    created_at: dt.datetime = strawberry.field(description="When the account was created.")

    @classmethod
    def from_row(cls, row: models.User) -> User:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("User", row.id)),
            name=row.name,
            email=row.email,
            role=Role(row.role),
            permissions=[Permission(p) for p in row.permissions],
            active=row.active,
            created_at=row.created_at,
        )


async def user_or_none(info: Info, pk: int | None) -> User | None:
    """Load the user `pk` (if any) through the request's loader."""
    if pk is None:
        return None
    row = await info.context.loaders.user_by_id.load(pk)
    return User.from_row(row) if row else None
