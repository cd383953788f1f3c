"""Memberships (persoon in organisatie) as the API shows them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from relgraph.db.models.in_force import holds_on
from relgraph.db.pagination import PageRequest
from relgraph.domain.memberships.memberships import MembershipFilter as DomainFilter
from relgraph.domain.memberships.queries import ORDER_FIELDS, ListedMembership
from relgraph.domain.memberships.relinking.plan import MembershipState
from relgraph.graphql.core.as_of import dated
from relgraph.graphql.core.connections import Connection, connection, loaded_page
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import OrderDirection
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import LazyOrganisation, LazyPerson, Node, find, from_row, register_loaded
from relgraph.graphql.memberships.loaders import (
    membership_by_id,
    memberships_count,
    memberships_page,
    tags_by_membership,
)
from relgraph.graphql.users.types import staff_user

if TYPE_CHECKING:
    from relgraph.db import models

__all__ = [
    "IncludeInactive",
    "Membership",
    "MembershipFilter",
    "MembershipFilterArgument",
    "MembershipOrder",
    "MembershipOrderArgument",
    "MembershipOrderField",
    "memberships_connection",
]


@strawberry.type(
    description=(
        "A person's place in an organisation (persoon in organisatie): job, department, "
        "business contact details, role and tags. Ending a job makes it inactive; the "
        "history stays."
    )
)
class Membership(Node):
    pk: strawberry.Private[int]
    person_id: strawberry.Private[int]
    organisation_id: strawberry.Private[int]
    account_manager_id: strawberry.Private[int | None]
    created_by_id: strawberry.Private[int | None]
    updated_by_id: strawberry.Private[int | None]
    # The person's row when the membership was read with it (a ListedPerson of a people
    # list); else None.
    person_row: strawberry.Private[Any]
    id: strawberry.ID = strawberry.field(description="Globally unique, opaque ID.")
    department: str | None = strawberry.field(description="Department (afdeling).")
    job_title: str | None = strawberry.field(description="Job title (functie).")
    business_email: str | None = strawberry.field(
        description="Business email address (zakelijk e-mailadres)."
    )
    phone1: str | None = strawberry.field(description="Business phone number 1.")
    phone2: str | None = strawberry.field(description="Business phone number 2.")
    role: str | None = strawberry.field(
        description="Role of the person for us at this organisation (rol), e.g. 'Beslisser'."
    )
    active: bool = strawberry.field(
        description=(
            "True while in force: today lies between startDate and endDate (either may be "
            "missing) and it was not deactivated. False once the person has left (uit "
            "dienst) or the end date has passed, and before the start date."
        )
    )
    start_date: dt.date | None = strawberry.field(description="First day in this position.")
    end_date: dt.date | None = strawberry.field(
        description="Last day; set when deactivated, or ahead of time for a planned end."
    )
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")
    created_at: dt.datetime = strawberry.field(description="When the membership was recorded.")
    updated_at: dt.datetime = strawberry.field(description="When it was last changed.")
    # The day it was listed as of (graphql/core/as_of.py), handed to its person and
    # organisation; None: today.
    as_of: strawberry.Private[dt.date | None] = None

    @classmethod
    def from_row(
        cls, row: models.Membership | ListedMembership | MembershipState, person_row: Any = None
    ) -> Membership:
        return cls(
            pk=row.id,
            person_id=row.person_id,
            organisation_id=row.organisation_id,
            account_manager_id=row.account_manager_id,
            created_by_id=row.created_by_id,
            updated_by_id=row.updated_by_id,
            person_row=person_row,
            id=strawberry.ID(encode_id("Membership", row.id)),
            department=row.department,
            job_title=row.job_title,
            business_email=row.business_email,
            phone1=row.phone1,
            phone2=row.phone2,
            role=row.role,
            active=holds_on(row),
            start_date=row.start_date,
            end_date=row.end_date,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    def with_person(cls, row: ListedMembership) -> Membership:
        """A membership read together with its person (membership_queries.list_for)."""
        return cls.from_row(row, row.person)

    @strawberry.field(description="The person. Members are business relations, so always visible.")
    def person(self, info: Info) -> LazyPerson | None:
        if self.person_row is not None:
            # Read with the page: no loader round, no await per membership (a big card
            # lists a thousand people).
            return dated(from_row("Person", self.person_row), self.as_of)
        if self.as_of is not None:
            return self._dated_person(info)  # type: ignore[return-value]
        # Not async itself, so that the common case above costs no coroutine: GraphQL
        # awaits what this returns.
        return find(info, "Person", self.person_id)  # type: ignore[return-value]  # an awaitable of it

    async def _dated_person(self, info: Info) -> Any:
        return dated(await find(info, "Person", self.person_id), self.as_of)

    @strawberry.field(description="The organisation.")
    async def organisation(self, info: Info) -> LazyOrganisation:
        org = await find(info, "Organisation", self.organisation_id)
        assert org is not None  # a foreign key guarantees it
        return dated(org, self.as_of)

    @strawberry.field(description="Keywords (kenmerken) for mailing lists and selections, lower case.")
    async def tags(self, info: Info) -> list[str]:
        return await info.context.loaders[tags_by_membership].load(self.pk)

    account_manager = staff_user(
        "account_manager_id", "The staff user who manages this contact (accountmanager), if any."
    )

    created_by = staff_user("created_by_id", "Who recorded the membership, when known.")

    updated_by = staff_user("updated_by_id", "Who last changed the membership, when known.")


@strawberry.input(description="Which memberships to list.")
class MembershipFilter:
    role: str | None = strawberry.field(default=None, description="Only this role (case-insensitive).")
    tag: str | None = strawberry.field(default=None, description="Only memberships with this tag.")
    search: str | None = strawberry.field(
        default=None, description="Matches the person's names and emails, the job title or the department."
    )


@strawberry.enum(description="Fields a list of memberships can be sorted on.")
class MembershipOrderField(enum.Enum):
    NAME = strawberry.enum_value(
        "NAME",
        description=(
            "The other side's name: the person's (last name first) in an organisation's "
            "people, the organisation's in a person's memberships."
        ),
    )
    START_DATE = strawberry.enum_value(
        "START_DATE", description="The first day in the position; those without one come first."
    )
    ROLE = strawberry.enum_value(
        "ROLE", description="The role (rol), case-insensitive; those without one come first."
    )


# The domain sorts on exactly these.
assert [f.name for f in MembershipOrderField] == list(ORDER_FIELDS)


@strawberry.input(
    description="Sort order of a list of memberships; ties are broken by when they were recorded."
)
class MembershipOrder:
    field: MembershipOrderField = strawberry.field(
        default=MembershipOrderField.NAME, description="What to sort on."
    )
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


async def memberships_connection(
    info: Info,
    owner_id: int,
    by: str,
    include_inactive: bool,
    flt: MembershipFilter | None,
    order_by: MembershipOrder | None,
    page: PageRequest,
    day: dt.date | None = None,
) -> Connection[Membership]:
    """The memberships of one organisation or person in force on `day` (None: today), through
    the batching loaders."""
    given = flt or MembershipFilter()
    domain_filter = DomainFilter(
        include_inactive=include_inactive, day=day, role=given.role, tag=given.tag, search=given.search
    )
    order = order_by or MembershipOrder()
    key = (owner_id, by, domain_filter)
    rows, total = await loaded_page(
        info,
        memberships_page,
        memberships_count,
        key,
        page,
        (order.field.name, order.direction is OrderDirection.DESC),
    )
    if day is None:
        return connection(rows, Membership.with_person, total)
    return connection(rows, lambda row: dated(Membership.with_person(row), day), total)


IncludeInactive = Annotated[
    bool,
    strawberry.argument(description="Also list inactive memberships: ended ones, and those not begun yet."),
]
MembershipFilterArgument = Annotated[
    MembershipFilter | None, strawberry.argument(description="Narrow the list by role, tag or text.")
]
MembershipOrderArgument = Annotated[
    MembershipOrder | None,
    strawberry.argument(description="Sort order; by the other side's name (ascending) by default."),
]


# Its person is a business relation, so visible to every role.
register_loaded(Membership, membership_by_id)
