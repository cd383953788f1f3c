"""Customer groups (klantgroepen) and who is in them: mailing lists, campaigns, key accounts.

"Key accounts" holds Noorderlicht Holding and Noorderlicht Bouw and a handful of large
customers, each with a general email and phone: the example query lists them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import CustomerGroup, PartyKind
from relgraph.db.models.party_types import CUSTOMER
from relgraph.demo.base import REFERENCE_TIME, Ref
from relgraph.demo.organisations import OrgSpec
from relgraph.demo.party_types import TypePlan
from relgraph.demo.persons import PersonSpec
from relgraph.text import fold

__all__ = ["GROUPS", "KEY_ACCOUNTS", "GroupDef", "GroupLink", "ensure_groups", "plan_group_links"]

ORG = PartyKind.ORGANISATION.value
PERSON = PartyKind.PERSON.value
_NORTH = frozenset(
    {"Groningen", "Leeuwarden", "Assen", "Emmen", "Drachten", "Heerenveen", "Sneek", "Hoogeveen"}
)


@dataclass(frozen=True)
class GroupDef:
    name: str
    description: str
    active: bool = True


KEY_ACCOUNTS = "Key accounts"
NEWSLETTER = "Nieuwsbrief"
CHRISTMAS = "Kerstpakket"
NORTH = "Regio Noord"
FAIR = "Beurs Bouw & Techniek 2025"
PANEL = "Klantenpanel"
WIN_BACK = "Heractiveren 2023"
GROUPS = (
    GroupDef(KEY_ACCOUNTS, "Onze grootste klanten, met een eigen accountteam."),
    GroupDef(NEWSLETTER, "Ontvangt de maandelijkse nieuwsbrief."),
    GroupDef(CHRISTMAS, "Krijgt in december een kerstpakket."),
    GroupDef(NORTH, "Klanten in Groningen, Friesland en Drenthe, voor regionale bijeenkomsten."),
    GroupDef(FAIR, "Bezoekers van onze stand op de beurs."),
    GroupDef(PANEL, "Denkt mee over nieuwe diensten (klantenpanel)."),
    GroupDef(WIN_BACK, "Oud-klanten voor de campagne van 2023; afgerond.", active=False),
)


@dataclass(frozen=True)
class GroupLink:
    group: str  # a GroupDef name
    party: Ref


async def ensure_groups(session: AsyncSession) -> dict[str, int]:
    """Add the missing demo groups (found by name); return name -> id."""
    names = [g.name for g in GROUPS]
    found = {
        g.name: g for g in await session.scalars(select(CustomerGroup).where(CustomerGroup.name.in_(names)))
    }
    for index, group in enumerate(GROUPS):
        if group.name not in found:
            found[group.name] = CustomerGroup(
                name=group.name,
                name_key=fold(group.name),
                description=group.description,
                active=group.active,
                # Set, not defaulted to now: the same seed must give the same rows.
                created_at=REFERENCE_TIME - dt.timedelta(days=5 * 365 - 30 * index),
            )
            session.add(found[group.name])
    await session.flush()
    return {name: found[name].id for name in names}


def plan_group_links(
    rng: random.Random, orgs: Sequence[OrgSpec], persons: Sequence[PersonSpec], types: TypePlan
) -> list[GroupLink]:
    """Plan who is in which group, group by group."""
    links: list[GroupLink] = []

    def add(group: str, refs: Sequence[Ref]) -> None:
        links.extend(GroupLink(group, ref) for ref in refs)

    customers = [
        i for i in range(len(orgs)) if types.has(ORG, i, CUSTOMER) and not orgs[i].values.get("archived")
    ]
    reachable = [i for i in customers if orgs[i].email and orgs[i].phone]
    flagship = [i for i in (0, 1) if i < len(orgs) and orgs[i].flagship]
    others = [i for i in reachable if i not in flagship]
    add(KEY_ACCOUNTS, [(ORG, i) for i in flagship + sorted(rng.sample(others, k=min(6, len(others))))])
    add(NEWSLETTER, [(ORG, i) for i in customers if rng.random() < 0.4])
    add(NEWSLETTER, [(PERSON, i) for i, p in enumerate(persons) if p.email and rng.random() < 0.3])
    add(CHRISTMAS, [(ORG, i) for i in customers if rng.random() < 0.2])
    add(NORTH, [(ORG, i) for i, o in enumerate(orgs) if o.addresses and o.addresses[0].city in _NORTH])
    business = [i for i, p in enumerate(persons) if p.memberships]
    add(FAIR, [(PERSON, i) for i in sorted(rng.sample(business, k=min(25, len(business))))])
    add(PANEL, [(PERSON, i) for i in sorted(rng.sample(business, k=min(12, len(business))))])
    # A private person too: R1 hides them from BUSINESS and READONLY users.
    private = [i for i, p in enumerate(persons) if not p.memberships]
    add(PANEL, [(PERSON, i) for i in sorted(rng.sample(private, k=min(3, len(private))))])
    former = [i for i in range(len(orgs)) if i not in customers]
    add(WIN_BACK, [(ORG, i) for i in sorted(rng.sample(former, k=min(10, len(former))))])
    return links
