"""Staff users as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry

from relgraph.db import models
from relgraph.domain.relations.internal_relations import InternalRelationFilter
from relgraph.graphql.core.connections import Connection
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import described_enum
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import Node, register_type
from relgraph.graphql.relations.loaders import internal_relations_count
from relgraph.graphql.relations.types.internal_relations import (
    InternalRelation,
    internal_relations_connection,
)
from relgraph.graphql.users.loaders import user_by_id

__all__ = ["Permission", "Role", "User", "staff_user", "user_or_none"]

Role = models.Role
described_enum(
    Role,
    values={
        "ADMIN": "CRM Super (beheerder): sees and changes everything, staff and domain data included.",
        "TEAM": "CRM Team: sees every person; also manages internal relations and documents.",
        "BUSINESS": "Business user group (zakelijke gebruikersgroep): sees business relations only, "
        "writes organisations, persons, memberships and relations.",
        "READONLY": "Reads what BUSINESS reads and changes nothing.",
    },
    description=(
        "A staff user's role: ADMIN (CRM Super, beheerder) may do everything; TEAM (CRM Team) "
        "sees every person and manages internal relations and documents; BUSINESS (zakelijke "
        "gebruikersgroep) sees only business relations; READONLY reads like BUSINESS and writes nothing."
    ),
)
Permission = models.Permission
described_enum(
    Permission,
    values={
        "FINANCE": "Financial values: sales and purchase data, salaries, commissions, invoice data, bank accounts.",
        "SENSITIVE": "The BSN (citizen service number) of persons.",
    },
    description="Extra rights on top of a role: FINANCE shows financial values, SENSITIVE shows the BSN.",
)


@strawberry.type(
    description=(
        "A staff account (gebruiker): who works in the CRM, not a customer. Every signed-in user "
        "sees every staff account, inactive ones included (they stay account managers)."
    )
)
class User(Node):
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
    known_files: strawberry.Private[int | None] = None

    @classmethod
    def from_row(cls, row: models.User, customer_files: int | None = None) -> User:
        return cls(
            known_files=customer_files,
            pk=row.id,
            id=strawberry.ID(encode_id("User", row.id)),
            name=row.name,
            email=row.email,
            role=Role(row.role),
            permissions=[Permission(p) for p in row.permissions],
            active=row.active,
            created_at=row.created_at,
        )

    @strawberry.field(
        description="The customer files this staff member looks after (internal relations), current ones unless includeEnded."
    )
    async def internal_relations(
        self,
        info: Info,
        categories: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Only these categories, e.g. the account manager one."),
        ] = None,
        include_ended: Annotated[bool, strawberry.argument(description="Also list ended ones.")] = False,
        first: Annotated[
            int | None, strawberry.argument(description="Page size, 1-100 (default 20).")
        ] = None,
        after: Annotated[str | None, strawberry.argument(description="Continue after this cursor.")] = None,
    ) -> Connection[InternalRelation]:
        return await internal_relations_connection(
            info, self.pk, "user", categories, include_ended, first, after
        )

    @strawberry.field(
        description="How many customer files (current internal relations) this staff member looks after."
    )
    async def customer_file_count(self, info: Info) -> int:
        if self.known_files is not None:
            return self.known_files
        return await info.context.loaders[internal_relations_count].load(
            (self.pk, "user", InternalRelationFilter())
        )


async def user_or_none(info: Info, pk: int | None) -> User | None:
    """Load the user `pk` (if any) through the request's loader."""
    if pk is None:
        return None
    row = await info.context.loaders[user_by_id].load(pk)
    return User.from_row(row) if row else None


def staff_user(attribute: str, description: str) -> Any:
    """A field of an object holding a user's id in `attribute` (who created it, say): that
    staff user, or null when none is known."""

    # `self` by name: Strawberry passes the object there, as to a method.
    async def resolve(self: Any, info: Info) -> User | None:
        return await user_or_none(info, getattr(self, attribute))

    return strawberry.field(resolver=resolve, description=description)


# node(id:) finds users through this, and so does an internal relation's employee, which
# points up here.
register_type(User, user_or_none)
