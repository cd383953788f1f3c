"""Root fields of the domain data that parties carry: party types and customer groups."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relgraph.db.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from relgraph.domain.party_data import groups, party_types
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.inputs import IncludeInactiveEntries
from relgraph.graphql.core.list_bounds import (
    MAX_DOMAIN_DATA,
    ListFirst,
    at_most,
    first_of,
    sized_by,
)
from relgraph.graphql.party_data.types.customer_groups import CustomerGroup
from relgraph.graphql.party_data.types.party_types import PartyType

__all__ = ["PartyDataQueries"]


@strawberry.type
class PartyDataQueries:
    @strawberry.field(
        description=(
            f"The party types (koppelingen): CUSTOMER, SUPPLIER, EMPLOYEE, ...; at most {MAX_DOMAIN_DATA}."
        ),
        metadata=at_most(MAX_DOMAIN_DATA),
    )
    async def party_types(
        self, info: Info, include_inactive: IncludeInactiveEntries = False
    ) -> list[PartyType]:
        rows = await info.context.read(party_types.list_types, include_inactive=include_inactive)
        return [PartyType.from_row(r) for r in rows[:MAX_DOMAIN_DATA]]

    @strawberry.field(
        description="The customer groups (klantgroepen), by name; narrow them with `search`.",
        metadata=sized_by("first", MAX_PAGE_SIZE),
    )
    async def customer_groups(
        self,
        info: Info,
        include_inactive: IncludeInactiveEntries = False,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Only groups whose name contains this, ignoring case and accents."
            ),
        ] = None,
        first: Annotated[int, ListFirst] = DEFAULT_PAGE_SIZE,
    ) -> list[CustomerGroup]:
        rows = await info.context.read(groups.list_all, include_inactive=include_inactive, search=search)
        return first_of([CustomerGroup.from_row(r) for r in rows], first)
