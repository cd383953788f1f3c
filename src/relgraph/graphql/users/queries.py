"""The staff list: who works in the CRM, and how many customer files each looks after."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from relgraph.domain import users
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
from relgraph.graphql.users.types import User

__all__ = ["UserQueries"]


@strawberry.enum(description="Fields the staff list can be sorted on.")
class UserOrderField(enum.Enum):
    NAME = strawberry.enum_value("NAME", description="The staff member's name.")
    CUSTOMER_FILES = strawberry.enum_value(
        "CUSTOMER_FILES",
        description="How many customer files (current internal relations) the staff member looks after.",
    )


@strawberry.input(description="Sort order of the staff list.")
class UserOrder:
    field: UserOrderField = strawberry.field(default=UserOrderField.NAME, description="What to sort on.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.type
class UserQueries:
    @strawberry.field(
        description=(
            "Staff users. Sort by CUSTOMER_FILES (DESC) to see who looks after the most "
            "customer files (current internal relations)."
        )
    )
    async def users(
        self,
        info: Info,
        order_by: Annotated[
            UserOrder | None, strawberry.argument(description="Sort order; by name by default.")
        ] = None,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Also list inactive users.")
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        page = page_request(first, after, last, before)
        order = order_by or UserOrder()
        viewer = info.context.viewer
        keys = users.order_keys(viewer, order.field.name, order.direction is OrderDirection.DESC)
        rows = await info.context.read(
            users.list_page, viewer=viewer, order=keys, page=page, include_inactive=include_inactive
        )

        async def total() -> int:
            return await info.context.read(users.count_all, include_inactive=include_inactive)

        return connection(rows, lambda row: User.from_row(row[0], customer_files=row[1]), total)
