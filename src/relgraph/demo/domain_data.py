"""The domain data the demo relies on: relation types, internal categories, party types.

Each row is looked up first (types by name, categories by code or name, party types by
code) and inserted only when missing: a migrated database already has the built-in rows,
one built by `create_all` has none, and a second seed finds the first one's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import (
    InternalRelationCategory,
    PartyKind,
    PartyType,
    RelationType,
)
from relgraph.db.models.party_types import (
    CUSTOMER,
    EMPLOYEE,
    MANUFACTURER,
    SUPPLIER,
    TAX_CLIENT,
)
from relgraph.db.models.relations import ACCOUNT_MANAGER
from relgraph.demo.base import REFERENCE_TIME

__all__ = [
    "ACCOUNT_MANAGER",
    "CATEGORIES",
    "PARTY_TYPES",
    "RELATION_TYPES",
    "SALES_ENGINEER",
    "SUPPORT_CONTACT",
    "TAX_ADVISOR",
    "TypeDef",
    "ensure_categories",
    "ensure_party_types",
    "ensure_relation_types",
]

ORG = PartyKind.ORGANISATION.value
PERSON = PartyKind.PERSON.value


@dataclass(frozen=True)
class TypeDef:
    name: str
    inverse_name: str
    symmetric: bool
    source_kinds: tuple[str, ...]
    target_kinds: tuple[str, ...]
    description: str


def _directed(
    name: str, inverse: str, sources: tuple[str, ...], targets: tuple[str, ...], description: str
) -> TypeDef:
    return TypeDef(name, inverse, False, sources, targets, description)


def _symmetric(name: str, kind: str, description: str) -> TypeDef:
    return TypeDef(name, name, True, (kind,), (kind,), description)


RELATION_TYPES = (
    _directed("supplier of", "customer of", (ORG,), (ORG,), "Supplies goods or services (leverancier)."),
    _directed(
        "manufacturer for",
        "dealer of",
        (ORG,),
        (ORG,),
        "Makes the products the other sells as dealer (fabrikant / dealer).",
    ),
    _symmetric("partner of", ORG, "Works together on projects or in a chain (samenwerkingspartner)."),
    _symmetric("competitor of", ORG, "Active in the same market (concurrent)."),
    _directed(
        "franchisee of",
        "franchisor of",
        (ORG,),
        (ORG,),
        "Runs a branch under the other's formula (franchisenemer).",
    ),
    _directed(
        "accountant of",
        "has accountant",
        (ORG,),
        (ORG, PERSON),
        "Keeps the books or audits the accounts (accountant).",
    ),
    _directed(
        "subcontractor of",
        "main contractor of",
        (ORG,),
        (ORG,),
        "Works under the other's contract (onderaannemer).",
    ),
    _directed(
        "reseller of", "sells through", (ORG,), (ORG,), "Sells the other's products on (wederverkoper)."
    ),
    _directed(
        "shareholder of",
        "owned in part by",
        (ORG, PERSON),
        (ORG,),
        "Holds shares in the other (aandeelhouder).",
    ),
    _directed(
        "advisor of",
        "advised by",
        (PERSON,),
        (ORG,),
        "Advises the organisation, e.g. on its board (adviseur).",
    ),
    _symmetric("spouse of", PERSON, "Married or registered partners (echtgenoot / partner)."),
    _symmetric("colleague of", PERSON, "Work or worked together (collega)."),
)

SUPPORT_CONTACT = "Support contact"
TAX_ADVISOR = "Tax advisor"
SALES_ENGINEER = "Sales engineer"
# (code, name, description); the built-in one is found by its code, the others by name.
CATEGORIES = (
    (ACCOUNT_MANAGER, "Account manager", "The staff member responsible for this customer (accountmanager)."),
    (None, SUPPORT_CONTACT, "First contact for support questions (supportcontact)."),
    (None, TAX_ADVISOR, "Prepares the tax returns (belastingadviseur)."),
    (None, SALES_ENGINEER, "Technical pre-sales support (sales engineer)."),
)

# The built-in party types, as migration 0002 inserts them.
PARTY_TYPES = (
    (CUSTOMER, "Customer", ORG, "Sales relation (verkooprelatie)."),
    (SUPPLIER, "Supplier", ORG, "Purchase relation (inkooprelatie)."),
    (MANUFACTURER, "Manufacturer", ORG, "Manufacturer (fabrikant)."),
    (EMPLOYEE, "Employee", PERSON, "Employee (medewerker)."),
    (TAX_CLIENT, "Tax client", PERSON, "Income tax client (cliënt IB)."),
)


def _fits(row: RelationType, spec: TypeDef) -> bool:
    """Tell whether an existing type of the same name can carry the planned relations."""
    return (
        row.active
        and row.symmetric == spec.symmetric
        and set(spec.source_kinds) <= set(row.source_kinds)
        and set(spec.target_kinds) <= set(row.target_kinds)
    )


async def ensure_relation_types(session: AsyncSession) -> dict[str, int]:
    """Add the missing relation types; return name -> id of those the plan may use."""
    names = [t.name for t in RELATION_TYPES]
    found = {
        r.name: r for r in await session.scalars(select(RelationType).where(RelationType.name.in_(names)))
    }
    missing = [
        RelationType(
            name=t.name,
            inverse_name=t.inverse_name,
            symmetric=t.symmetric,
            source_kinds=list(t.source_kinds),
            target_kinds=list(t.target_kinds),
            description=t.description,
            active=True,
            # Set, not defaulted to now: the same seed must give the same rows.
            created_at=REFERENCE_TIME - dt.timedelta(days=8 * 365),
        )
        for t in RELATION_TYPES
        if t.name not in found
    ]
    session.add_all(missing)
    await session.flush()
    found.update((r.name, r) for r in missing)
    # Someone may have made a type of the same name for something else: leave it alone.
    return {t.name: found[t.name].id for t in RELATION_TYPES if _fits(found[t.name], t)}


async def ensure_categories(session: AsyncSession) -> dict[str, int]:
    """Add the missing internal relation categories; return key -> id.

    The key is the code for the built-in category and the name for the others.
    """
    rows = list(await session.scalars(select(InternalRelationCategory)))
    by_code = {r.code: r for r in rows if r.code}
    by_name = {r.name: r for r in rows}
    result: dict[str, int] = {}
    for code, name, description in CATEGORIES:
        row = by_code.get(code) if code else by_name.get(name)
        if row is None:
            row = InternalRelationCategory(code=code, name=name, description=description, active=True)
            session.add(row)
            await session.flush()
        result[code or name] = row.id
    return result


async def ensure_party_types(session: AsyncSession) -> dict[str, int]:
    """Add the missing built-in party types; return code -> id."""
    codes = [code for code, *_ in PARTY_TYPES]
    found = {t.code: t for t in await session.scalars(select(PartyType).where(PartyType.code.in_(codes)))}
    for code, name, kind, description in PARTY_TYPES:
        if code not in found:
            found[code] = PartyType(
                code=code, name=name, party_kind=kind, description=description, built_in=True, active=True
            )
            session.add(found[code])
    await session.flush()
    return {code: found[code].id for code in codes}
