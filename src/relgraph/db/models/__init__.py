"""The relational model: one class per table, no ORM relationships.

Navigation between rows goes through the request's DataLoaders, never through lazy
ORM attributes, so that the statement count of a request depends on its shape only.
"""

from relgraph.db.models.accounts import ApiToken, User
from relgraph.db.models.audit import AuditEvent, LockRow
from relgraph.db.models.bank_accounts import BankAccount
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
from relgraph.db.models.changes import Change
from relgraph.db.models.contact_means import ContactMean
from relgraph.db.models.documents import Document
from relgraph.db.models.groups import CustomerGroup, PartyGroup
from relgraph.db.models.hierarchy import ParentPeriod
from relgraph.db.models.memberships import Membership, MembershipTag
from relgraph.db.models.notes import Activity, ActivityKind, Note, NoteKind
from relgraph.db.models.operations import TrustedOperation
from relgraph.db.models.parties import Address, Organisation, Party, Person
from relgraph.db.models.party_types import (
    EmployeeData,
    PartyType,
    PartyTypeLink,
    PurchaseRelation,
    SalesRelation,
)
from relgraph.db.models.rate_limits import RateLimitWindow
from relgraph.db.models.relations import (
    InternalRelation,
    InternalRelationCategory,
    Relation,
    RelationType,
)
from relgraph.db.search import register as _register_search

# SQLite's search tables come with the searched tables when a database is built from the models.
_register_search([Organisation.__table__, Person.__table__])

__all__ = [
    "Activity",
    "ActivityKind",
    "Address",
    "AddressKind",
    "ApiToken",
    "AuditEvent",
    "BankAccount",
    "Base",
    "Change",
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
    "Note",
    "NoteKind",
    "Organisation",
    "OrganisationStatus",
    "ParentPeriod",
    "Party",
    "PartyGroup",
    "PartyKind",
    "PartyType",
    "PartyTypeLink",
    "Permission",
    "Person",
    "PurchaseRelation",
    "RateLimitWindow",
    "Relation",
    "RelationType",
    "Role",
    "SalesRelation",
    "TrustedOperation",
    "User",
]
