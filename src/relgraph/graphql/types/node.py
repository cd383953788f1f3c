"""The Relay Node interface and the Party interface shared by organisations and persons."""

from __future__ import annotations

import datetime as dt

import strawberry

from relgraph.graphql.context import Info
from relgraph.graphql.types.address import Address
from relgraph.graphql.types.enums import PartyKind
from relgraph.graphql.types.user import User, user_or_none
from relgraph.policy import can_see_financials, can_see_sensitive

__all__ = ["Node", "Party"]


@strawberry.interface(description="An object with a globally unique ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Globally unique, opaque ID. Stable: store it, pass it to `node(id:)`."
    )


@strawberry.interface(
    description=(
        "A relation (relatie) in the CRM: an Organisation or a Person. Everything that can "
        "point at 'a customer' (relations, addresses, documents, notes) points at a Party."
    )
)
class Party(Node):
    pk: strawberry.Private[int]
    kind: PartyKind = strawberry.field(description="ORGANISATION or PERSON.")
    display_name: str = strawberry.field(description="The name to show for this party.")
    version: int = strawberry.field(
        description="Increases with every change; send it as `expectedVersion` to update safely."
    )
    created_at: dt.datetime = strawberry.field(description="When the party was created.")
    updated_at: dt.datetime = strawberry.field(description="When the party was last changed.")
    created_by_id: strawberry.Private[int | None]
    updated_by_id: strawberry.Private[int | None]

    @strawberry.field(description="The staff user who created the party, when known.")
    async def created_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.created_by_id)

    @strawberry.field(description="The staff user who last changed the party, when known.")
    async def updated_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.updated_by_id)

    @strawberry.field(description="The party's addresses, the head office first.")
    async def addresses(self, info: Info) -> list[Address]:
        rows = await info.context.loaders.addresses_by_party.load(self.pk)
        return [Address.from_row(r) for r in rows]

    @strawberry.field(
        description="True when you may see this party's financial values; hide that section otherwise."
    )
    def viewer_can_see_financials(self, info: Info) -> bool:
        return can_see_financials(info.context.viewer)

    @strawberry.field(description="True when you may see this party's sensitive values (the BSN).")
    def viewer_can_see_sensitive(self, info: Info) -> bool:
        return can_see_sensitive(info.context.viewer)
