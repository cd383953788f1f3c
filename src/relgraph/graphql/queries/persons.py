"""Root fields to find persons."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from relgraph.domain import persons
from relgraph.graphql.core.connections import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    page_request,
)
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import OrderDirection
from relgraph.graphql.core.ids import decode_id
from relgraph.graphql.core.node import register_type
from relgraph.graphql.persons.loaders import person_by_id
from relgraph.graphql.types.customer_group import GroupIds, group_ids
from relgraph.graphql.types.person import Person

__all__ = ["PersonQueries", "person_or_none"]


async def person_or_none(info: Info, pk: int | None) -> Person | None:
    """Load person `pk` if the viewer may see it (R1), else None."""
    if pk is None:
        return None
    row = await info.context.loaders[person_by_id].load(pk)
    return Person.from_row(row) if row else None


register_type(Person, person_or_none)


@strawberry.input(description="Which persons to list.")
class PersonFilter:
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Matches names (first, infix, last, initials), business email addresses and any "
            "active contact value (email, phone number in any format), ignoring case and accents."
        ),
    )
    group_ids: list[strawberry.ID] | None = strawberry.field(default=None, description=GroupIds)
    include_inactive: bool = strawberry.field(
        default=False,
        description="Also deactivated persons (R3). Deleted persons (tombstones) are never listed.",
    )


@strawberry.enum(description="Fields persons can be sorted on.")
class PersonOrderField(enum.Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@strawberry.input(
    description="Sort order of a person list; NAME sorts the Dutch way (last name, infix ignored)."
)
class PersonOrder:
    field: PersonOrderField = strawberry.field(default=PersonOrderField.NAME, description="What to sort on.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.type
class PersonQueries:
    @strawberry.field(description="One person by ID; null when unknown or not visible to you.")
    async def person(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The person's global ID.")],
    ) -> Person | None:
        decoded = decode_id(id)
        if decoded is None or decoded[0] != "Person":
            return None
        return await person_or_none(info, decoded[1])

    @strawberry.field(
        description=(
            "Search persons. BUSINESS and READONLY users see only business relations "
            "(persons with a membership); the total counts only what you may see. Deactivated "
            "persons only with filter.includeInactive; deleted persons never."
        )
    )
    async def persons(
        self,
        info: Info,
        filter: Annotated[PersonFilter | None, strawberry.argument(description="Which persons.")] = None,
        order_by: Annotated[
            PersonOrder | None,
            strawberry.argument(description="Sort order; by name (the Dutch way) by default."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Person]:
        page = page_request(first, after, last, before)
        viewer = info.context.viewer
        flt = filter or PersonFilter()
        domain_filter = persons.PersonFilter(
            search=flt.search,
            group_ids=group_ids(flt.group_ids, "filter.groupIds"),
            include_inactive=flt.include_inactive,
        )
        order = order_by or PersonOrder()
        keys = persons.order_keys(order.field.value, order.direction is OrderDirection.DESC)
        rows = await info.context.read(
            persons.list_page, viewer=viewer, flt=domain_filter, order=keys, page=page
        )

        async def total() -> int:
            return await info.context.read(persons.count_all, viewer=viewer, flt=domain_filter)

        return connection(rows, Person.from_row, total)
