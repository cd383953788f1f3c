"""Contact means of parties: emails, phone numbers, websites, social media profiles."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import strawberry

from relgraph.db import models
from relgraph.domain.party_data.contact_means import formatted
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import Node, owning_party, register_loaded
from relgraph.graphql.party_data.loaders import contact_mean_by_id, contact_means_by_party

__all__ = ["ContactKind", "ContactMean", "contact_means_of", "primary_value"]

ContactKind: TypeAlias = models.ContactKind
strawberry.enum(
    ContactKind,
    description=(
        "What a contact mean is: EMAIL, PHONE (a landline), MOBILE, FAX, WEBSITE, or SOCIAL "
        "(a social media profile)."
    ),
)


@strawberry.type(
    description=(
        "One way to reach a party (contactgegeven): an email address, a phone number, a "
        "website or a social media profile, with a label. At most one per kind is primary; "
        "the primary EMAIL and PHONE are the party's `email` and `phone`."
    )
)
class ContactMean(Node):
    pk: strawberry.Private[int]
    party_id: strawberry.Private[int]
    kind: ContactKind = strawberry.field(description="EMAIL, PHONE, MOBILE, FAX, WEBSITE or SOCIAL.")
    value: str = strawberry.field(
        description=(
            "The value, normalised: email addresses in lower case, phone numbers in E.164 "
            '("+31201234567"), URLs as entered.'
        )
    )
    formatted: str = strawberry.field(
        description='The value for people to read: phone numbers as "+31 20 123 4567", the rest as `value`.'
    )
    label: str | None = strawberry.field(description='What it is for, e.g. "support desk" or "after hours".')
    primary: bool = strawberry.field(
        description="True for the party's main one of this kind (at most one per kind; always active)."
    )
    active: bool = strawberry.field(
        description="Inactive ones are kept for history; they are not listed unless asked and not searched."
    )
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")
    created_at: dt.datetime = strawberry.field(description="When it was recorded.")
    updated_at: dt.datetime = strawberry.field(description="When it was last changed.")

    @classmethod
    def from_row(cls, row: models.ContactMean) -> ContactMean:
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("ContactMean", row.id)),
            party_id=row.party_id,
            kind=ContactKind(row.kind),
            value=row.value,
            formatted=formatted(row.kind, row.value),
            label=row.label,
            primary=row.is_primary,
            active=row.active,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    party = owning_party("The organisation or person this contact mean belongs to.")


async def contact_means_of(
    info: Info, party_id: int, kinds: list[ContactKind] | None, include_inactive: bool
) -> list[ContactMean]:
    """A party's contact means through the batching loader, filtered here (one query for all)."""
    rows = await info.context.loaders[contact_means_by_party].load(party_id)
    wanted = None if kinds is None else {k.value for k in kinds}
    return [
        ContactMean.from_row(r)
        for r in rows
        if (include_inactive or r.active) and (wanted is None or r.kind in wanted)
    ]


async def primary_value(info: Info, party_id: int, kind: ContactKind) -> str | None:
    """The value of the party's primary contact mean of `kind`, if it has one."""
    rows = await info.context.loaders[contact_means_by_party].load(party_id)
    return next((r.value for r in rows if r.is_primary and r.kind == kind.value), None)


register_loaded(ContactMean, contact_mean_by_id)
