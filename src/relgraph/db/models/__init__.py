"""The relational model: one class per table, no ORM relationships.

Navigation between rows goes through the request's DataLoaders, never through lazy
ORM attributes, so that the statement count of a request depends on its shape only.
"""

from relgraph.db.models.accounts import ApiToken, User
from relgraph.db.models.audit import AuditEvent, LockRow
from relgraph.db.models.base import (
    AddressKind,
    Base,
    Gender,
    OrganisationStatus,
    PartyKind,
    Permission,
    Role,
)
from relgraph.db.models.memberships import Membership, MembershipTag
from relgraph.db.models.parties import Address, Organisation, Party, Person

__all__ = [
    "Address",
    "AddressKind",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Gender",
    "LockRow",
    "Membership",
    "MembershipTag",
    "Organisation",
    "OrganisationStatus",
    "Party",
    "PartyKind",
    "Permission",
    "Person",
    "Role",
    "User",
]
