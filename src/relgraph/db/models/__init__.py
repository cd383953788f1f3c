"""The relational model: one class per table, no ORM relationships.

Navigation between rows goes through the request's DataLoaders, never through lazy
ORM attributes, so that the statement count of a request depends on its shape only.
"""

from relgraph.db.models.accounts import ApiToken, User
from relgraph.db.models.audit import AuditEvent, LockRow
from relgraph.db.models.base import (
    AddressKind,
    Base,
    ContactKind,
    Gender,
    OrganisationStatus,
    PartyKind,
    Permission,
    Role,
)
from relgraph.db.models.bank_accounts import BankAccount
from relgraph.db.models.contact_means import ContactMean
from relgraph.db.models.documents import Document
from relgraph.db.models.groups import CustomerGroup, PartyGroup
from relgraph.db.models.memberships import Membership, MembershipTag
from relgraph.db.models.parties import Address, Organisation, Party, Person
from relgraph.db.models.party_types import (
    EmployeeData,
    PartyType,
    PartyTypeLink,
    PurchaseRelation,
    SalesRelation,
)
from relgraph.db.models.relations import (
    InternalRelation,
    InternalRelationCategory,
    Relation,
    RelationType,
)

__all__ = [
    "Address",
    "AddressKind",
    "ApiToken",
    "AuditEvent",
    "BankAccount",
    "Base",
    "ContactKind",
    "ContactMean",
    "CustomerGroup",
    "Document",
    "EmployeeData",
    "Gender",
    "InternalRelation",
    "InternalRelationCategory",
    "LockRow",
    "Membership",
    "MembershipTag",
    "Organisation",
    "OrganisationStatus",
    "Party",
    "PartyGroup",
    "PartyKind",
    "PartyType",
    "PartyTypeLink",
    "Permission",
    "Person",
    "PurchaseRelation",
    "Relation",
    "RelationType",
    "Role",
    "SalesRelation",
    "User",
]
