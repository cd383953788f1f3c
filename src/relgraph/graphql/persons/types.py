"""Persons as the API shows them."""

from __future__ import annotations

import datetime as dt

import strawberry

from relgraph.db import models
from relgraph.domain import identifiers
from relgraph.domain.persons.names import display_name, sort_name
from relgraph.graphql.core.as_of import AsOf, day_of
from relgraph.graphql.core.connections import After, Before, Connection, First, Last, page_request
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import PartyKind, described_enum
from relgraph.graphql.core.errors import shown_only_if_readable
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import register_type
from relgraph.graphql.memberships.loaders import is_business_relation
from relgraph.graphql.memberships.types import (
    IncludeInactive,
    Membership,
    MembershipFilterArgument,
    MembershipOrderArgument,
    memberships_connection,
)
from relgraph.graphql.party_data.loaders import employee_data_by_party
from relgraph.graphql.party_data.types.contact_means import ContactKind, primary_value
from relgraph.graphql.party_data.types.party import Party
from relgraph.graphql.party_data.types.party_types import EmployeeData
from relgraph.graphql.persons.loaders import person_by_id

__all__ = ["Gender", "Person", "person_or_none"]

Gender = models.Gender
described_enum(
    Gender,
    description="A person's gender (geslacht), as recorded.",
    values={
        "FEMALE": "Female (vrouw).",
        "MALE": "Male (man).",
        "OTHER": "Another gender (anders).",
        "UNKNOWN": "Not known or not recorded (onbekend).",
    },
)


@strawberry.type(
    description=(
        "A natural person (persoon). With at least one membership of an organisation the "
        "person is a business relation (zakelijke relatie)."
    )
)
class Person(Party):
    gender: Gender = strawberry.field(description="Gender (geslacht).")
    title: str | None = strawberry.field(description="Title or salutation, e.g. 'dr.' or 'mr.'.")
    initials: str | None = strawberry.field(description="Initials (voorletters), e.g. 'J.P.'.")
    first_name: str | None = strawberry.field(description="First name (voornaam).")
    infix: str | None = strawberry.field(
        description="Surname prefix (tussenvoegsel), e.g. 'van der'; ignored when sorting."
    )
    last_name: str = strawberry.field(description="Last name (achternaam), without the infix.")
    sort_name: str = strawberry.field(
        description='The name in directory order, the Dutch way: "Berg, Jan van der".'
    )
    birth_date: dt.date | None = strawberry.field(description="Date of birth.")
    active: bool = strawberry.field(
        description=(
            "False when the person was deactivated (gedeactiveerd) or deleted: left out of "
            "search and of organisations' people lists unless asked with includeInactive."
        )
    )
    deleted_at: dt.datetime | None = strawberry.field(
        description=(
            'When the person was deleted. A deleted person is a tombstone: its name reads "Deleted '
            'contact", its personal data is gone, and it only shows where something refers to it.'
        )
    )
    bsn_value: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: models.Person) -> Person:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("Person", row.id)),
            kind=PartyKind.PERSON,
            display_name=display_name(row),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            created_by_id=row.created_by_id,
            updated_by_id=row.updated_by_id,
            gender=Gender(row.gender),
            title=row.title,
            initials=row.initials,
            first_name=row.first_name,
            infix=row.infix,
            last_name=row.last_name,
            sort_name=sort_name(row),
            birth_date=row.birth_date,
            active=row.active,
            deleted_at=row.deleted_at,
            bsn_value=identifiers.bsn_formatted(row.bsn) if row.bsn else None,
        )

    @strawberry.field(description="Private email address: the primary EMAIL contact mean.")
    async def email(self, info: Info) -> str | None:
        return await primary_value(info, self.pk, ContactKind.EMAIL)

    @strawberry.field(
        description='Private phone number (E.164, "+31612345678"): the primary PHONE contact mean.'
    )
    async def phone(self, info: Info) -> str | None:
        return await primary_value(info, self.pk, ContactKind.PHONE)

    @strawberry.field(
        description=(
            'Citizen service number (BSN), as printed: "1112.22.333". Needs the SENSITIVE permission: without it the '
            "value is null with a FORBIDDEN error (check `viewerCanSeeSensitive` first)."
        )
    )
    def bsn(self, info: Info) -> str | None:
        shown_only_if_readable(info.context.viewer, "Person", "bsn", what="a BSN")
        return self.bsn_value

    @strawberry.field(
        description="True when the person has at least one membership (active or not): a business relation."
    )
    async def is_business_relation(self, info: Info) -> bool:
        return await info.context.loaders[is_business_relation].load(self.pk)

    @strawberry.field(
        description=(
            "Where this person works or worked, sorted by organisation name unless orderBy says "
            "otherwise. Inactive ones (ended, or not begun yet: not in force today, or on asOf) "
            "only with includeInactive."
        )
    )
    async def memberships(
        self,
        info: Info,
        include_inactive: IncludeInactive = False,
        filter: MembershipFilterArgument = None,
        order_by: MembershipOrderArgument = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        as_of: AsOf = None,
    ) -> Connection[Membership]:
        day = day_of(as_of, self.as_of)
        page = page_request(first, after, last, before)
        return await memberships_connection(
            info, self.pk, "person", include_inactive, filter, order_by, page, day
        )

    @strawberry.field(description="Employee data when the person is an EMPLOYEE of ours (medewerker).")
    async def employee(self, info: Info) -> EmployeeData | None:
        row = await info.context.loaders[employee_data_by_party].load(self.pk)
        return EmployeeData.from_row(row) if row else None


async def person_or_none(info: Info, pk: int | None) -> Person | None:
    """Load person `pk` if the viewer may see it (R1), else None."""
    if pk is None:
        return None
    row = await info.context.loaders[person_by_id].load(pk)
    return Person.from_row(row) if row else None


register_type(Person, person_or_none)
