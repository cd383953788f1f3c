"""GraphQL enums, backed by the model's Python enums so values never drift."""

from __future__ import annotations

import enum

import strawberry

from relgraph.db import models

__all__ = [
    "AddressKind",
    "ContactKind",
    "Gender",
    "OrderDirection",
    "OrganisationStatus",
    "PartyKind",
    "Permission",
    "Role",
]

Role = strawberry.enum(
    models.Role,
    description=(
        "A staff user's role: ADMIN (CRM Super, beheerder) may do everything; TEAM (CRM Team) "
        "sees every person and manages internal relations and documents; BUSINESS (zakelijke "
        "gebruikersgroep) sees only business relations; READONLY reads like BUSINESS and writes nothing."
    ),
)
Permission = strawberry.enum(
    models.Permission,
    description="Extra rights on top of a role: FINANCE shows financial values, SENSITIVE shows the BSN.",
)
PartyKind = strawberry.enum(models.PartyKind, description="Whether a party is an organisation or a person.")
OrganisationStatus = strawberry.enum(
    models.OrganisationStatus,
    description="Where an organisation stands with us: PROSPECT, ACTIVE or INACTIVE.",
)
Gender = strawberry.enum(models.Gender, description="A person's gender (geslacht), as recorded.")
AddressKind = strawberry.enum(
    models.AddressKind,
    description="VISIT (bezoekadres), POSTAL (postadres) or INVOICE (factuuradres).",
)
ContactKind = strawberry.enum(
    models.ContactKind,
    description=(
        "What a contact mean is: EMAIL, PHONE (a landline), MOBILE, FAX, WEBSITE, or SOCIAL "
        "(a social media profile)."
    ),
)


@strawberry.enum(description="Sort direction.")
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"
