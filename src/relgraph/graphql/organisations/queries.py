"""Root fields to find organisations."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry

from relgraph.domain.organisations import organisations
from relgraph.graphql.core.as_of import AsOf, dated, day_of
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
from relgraph.graphql.core.inputs import CREATED_SINCE, UPDATED_SINCE, since
from relgraph.graphql.organisations.types import Organisation, OrganisationStatus, organisation_or_none
from relgraph.graphql.party_data.types.customer_groups import GroupIds, group_ids

__all__ = ["OrganisationQueries"]


@strawberry.input(description="Which organisations to list; all conditions must hold.")
class OrganisationFilter:
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Matches name, legal name, customer number, KvK number, city and any active "
            "contact value (email, website, phone number in any format) anywhere in the text, "
            'ignoring case and accents ("societe" finds "Société", "020-1234567" finds +31201234567). '
            "The city of an INVOICE address counts only for users with FINANCE (invoice data)."
        ),
    )
    kvk_number: str | None = strawberry.field(default=None, description="Exact KvK number.")
    city: str | None = strawberry.field(
        default=None,
        description=(
            "City of one of the organisation's addresses (case-insensitive); "
            "of an INVOICE address only for users with FINANCE."
        ),
    )
    status: OrganisationStatus | None = strawberry.field(default=None, description="Only this status.")
    include_archived: bool = strawberry.field(default=False, description="Also list archived organisations.")
    group_ids: list[strawberry.ID] | None = strawberry.field(default=None, description=GroupIds)
    updated_since: dt.datetime | None = strawberry.field(default=None, description=UPDATED_SINCE)
    created_since: dt.datetime | None = strawberry.field(default=None, description=CREATED_SINCE)


@strawberry.enum(description="Fields organisations can be sorted on.")
class OrganisationOrderField(enum.Enum):
    NAME = strawberry.enum_value("NAME", description="The organisation's name, case- and accent-insensitive.")
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When the organisation was created.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="When the organisation last changed.")


@strawberry.input(description="Sort order of an organisation list.")
class OrganisationOrder:
    field: OrganisationOrderField = strawberry.field(
        default=OrganisationOrderField.NAME, description="What to sort on."
    )
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.type
class OrganisationQueries:
    @strawberry.field(
        description=(
            "One organisation by ID, archived or not; null when unknown. With asOf, every "
            "time-dependent field below it (hierarchy, memberships, relations, account "
            "managers, internal relations, neighbourhood) answers as of that day unless it "
            "sets its own asOf; names and other values stay as they are today."
        )
    )
    async def organisation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The organisation's global ID.")],
        as_of: AsOf = None,
    ) -> Organisation | None:
        day = day_of(as_of, None)
        decoded = decode_id(id)
        if decoded is None or decoded[0] != "Organisation":
            return None
        return dated(await organisation_or_none(info, decoded[1]), day)

    @strawberry.field(
        description=(
            "Search organisations (search before you add one). Sorted by name unless "
            "`orderBy` says otherwise; archived ones only with `filter.includeArchived`."
        )
    )
    async def organisations(
        self,
        info: Info,
        filter: Annotated[
            OrganisationFilter | None, strawberry.argument(description="Which organisations.")
        ] = None,
        order_by: Annotated[
            OrganisationOrder | None, strawberry.argument(description="Sort order; by name by default.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Organisation]:
        page = page_request(first, after, last, before)
        flt = filter or OrganisationFilter()
        domain_filter = organisations.OrganisationFilter(
            search=flt.search,
            kvk_number=flt.kvk_number,
            city=flt.city,
            status=flt.status,
            include_archived=flt.include_archived,
            group_ids=group_ids(flt.group_ids, "filter.groupIds"),
            created_since=since(flt.created_since, "filter.createdSince"),
            updated_since=since(flt.updated_since, "filter.updatedSince"),
        )
        order = order_by or OrganisationOrder()
        keys = organisations.order_keys(order.field.name, order.direction is OrderDirection.DESC)
        viewer = info.context.viewer
        rows = await info.context.read(
            organisations.list_page, viewer=viewer, flt=domain_filter, order=keys, page=page
        )

        async def total() -> int:
            return await info.context.read(organisations.count_all, viewer=viewer, flt=domain_filter)

        return connection(rows, Organisation.from_row, total)
