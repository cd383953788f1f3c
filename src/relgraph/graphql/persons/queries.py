"""Root fields to find persons, and the export of everything stored about one (ADMIN)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from relgraph.domain.persons import persons
from relgraph.domain.persons.export import export_person
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
from relgraph.graphql.core.errors import PublicError
from relgraph.graphql.core.ids import decode_id, encode_id
from relgraph.graphql.core.inputs import CREATED_SINCE, UPDATED_SINCE, since
from relgraph.graphql.party_data.types.customer_groups import GroupIds, group_ids
from relgraph.graphql.persons.types import Person, person_or_none
from relgraph.policy import can_export_person_data

__all__ = ["PersonQueries"]


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
    updated_since: dt.datetime | None = strawberry.field(default=None, description=UPDATED_SINCE)
    created_since: dt.datetime | None = strawberry.field(default=None, description=CREATED_SINCE)


@strawberry.enum(description="Fields persons can be sorted on.")
class PersonOrderField(enum.Enum):
    NAME = strawberry.enum_value(
        "NAME", description="The Dutch sort name: last name, then first names; the infix (van der) ignored."
    )
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When the person was created.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="When the person last changed.")


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
            created_since=since(flt.created_since, "filter.createdSince"),
            updated_since=since(flt.updated_since, "filter.updatedSince"),
        )
        order = order_by or PersonOrder()
        keys = persons.order_keys(order.field.name, order.direction is OrderDirection.DESC)
        rows = await info.context.read(
            persons.list_page, viewer=viewer, flt=domain_filter, order=keys, page=page
        )

        async def total() -> int:
            return await info.context.read(persons.count_all, viewer=viewer, flt=domain_filter)

        return connection(rows, Person.from_row, total)

    @strawberry.field(
        description=(
            "Everything stored about one person as one JSON document, for a data subject access "
            "request (inzageverzoek): the person's fields, contact means, addresses, bank "
            "accounts, memberships (with organisation names), relations, internal relations, "
            "party types and employee data, customer groups, document metadata, notes, "
            "activities and the audit events about them. ADMIN only (others: null with a "
            "FORBIDDEN error). Financial values need FINANCE and the BSN needs SENSITIVE, as "
            "everywhere; `withheld` lists what was left out for that reason. Null for an "
            "unknown ID. Keys are camelCase column names; IDs inside are database ids, "
            "`person.globalId` is the person's API ID."
        )
    )
    async def person_data_export(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The person's global ID.")],
    ) -> JSON | None:
        if not can_export_person_data(info.context.viewer):
            raise PublicError("Only ADMIN may export everything stored about a person.", "FORBIDDEN")
        decoded = decode_id(id)
        if decoded is None or decoded[0] != "Person":
            return None
        document = await info.context.read(export_person, viewer=info.context.viewer, id=decoded[1])
        if document is None:
            return None
        document["person"]["globalId"] = encode_id("Person", decoded[1])
        return JSON(document)
