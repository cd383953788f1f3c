"""Plan internal relations (interne relaties): which staff member looks after which party.

About 40% of the organisations have no current account manager, 40% one and 20% several;
the holding has exactly one and Noorderlicht Bouw two. Hand-overs leave ended relations
behind, and one file still names a colleague who has left.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
from collections.abc import Sequence
from dataclasses import dataclass

from relgraph.db.models import PartyKind
from relgraph.db.models.party_types import CUSTOMER, EMPLOYEE, TAX_CLIENT
from relgraph.demo.base import REFERENCE_DATE, Ref
from relgraph.demo.domain_data import (
    ACCOUNT_MANAGER,
    SALES_ENGINEER,
    SUPPORT_CONTACT,
    TAX_ADVISOR,
)
from relgraph.demo.organisations import BOUW_NAME, OrgSpec
from relgraph.demo.party_types import TypePlan
from relgraph.demo.persons import PersonSpec
from relgraph.demo.staff import StaffSpec

__all__ = ["InternalSpec", "plan_internal_relations"]

ORG = PartyKind.ORGANISATION.value
PERSON = PartyKind.PERSON.value
_CENT = decimal.Decimal("0.01")
# Industries where a sales engineer joins the account team.
_TECHNICAL = frozenset({"Industrie", "Installatietechniek", "ICT", "Energie", "Bouw", "Automotive"})


@dataclass(frozen=True)
class InternalSpec:
    staff: int  # index into the planned staff
    party: Ref
    category: str  # a key of domain_data.CATEGORIES: the code, else the name
    since: dt.date | None
    until: dt.date | None
    commission_percent: decimal.Decimal | None


class _Planner:
    def __init__(self, rng: random.Random, staff: Sequence[StaffSpec]) -> None:
        self.rng = rng
        self.specs: list[InternalSpec] = []
        writers = [i for i, s in enumerate(staff) if s.manages_accounts] or list(range(len(staff)))
        self.active = [i for i in writers if staff[i].active] or writers
        self.gone = [i for i in writers if not staff[i].active]
        # Some colleagues carry a big portfolio, others a small one.
        self.weights = [rng.uniform(1, 4) for _ in self.active]
        # Specialists: a category other than account manager is the work of one or two people.
        self.specialists = {
            name: rng.sample(self.active, k=min(2, len(self.active)))
            for name in (SUPPORT_CONTACT, TAX_ADVISOR, SALES_ENGINEER)
        }

    def since(self) -> dt.date:
        return REFERENCE_DATE - dt.timedelta(days=self.rng.randint(30, 9 * 365))

    def managers(self, count: int) -> list[int]:
        """Draw `count` different active account managers, weighted by portfolio."""
        chosen: list[int] = []
        for _ in range(count * 10):
            if len(chosen) >= min(count, len(self.active)):
                break
            user = self.rng.choices(self.active, weights=self.weights)[0]
            if user not in chosen:
                chosen.append(user)
        return chosen

    def commission(self) -> decimal.Decimal | None:
        if self.rng.random() >= 0.3:
            return None
        return (decimal.Decimal(self.rng.randint(50, 2000)) / 100).quantize(_CENT)

    def add(
        self, user: int, party: Ref, category: str, since: dt.date | None, until: dt.date | None = None
    ) -> None:
        commission = self.commission() if category == ACCOUNT_MANAGER else None
        self.specs.append(InternalSpec(user, party, category, since, until, commission))

    def account(self, org: int, users: list[int]) -> None:
        """Make `users` the current account managers of `org`, some after a hand-over."""
        for user in users:
            since = self.since()
            if self.rng.random() < 0.15:
                # The file was handed over: the predecessor's relation ended the day before.
                before = [u for u in self.gone + self.active if u not in users]
                if before:
                    self.add(
                        self.rng.choice(before),
                        (ORG, org),
                        ACCOUNT_MANAGER,
                        since - dt.timedelta(days=self.rng.randint(365, 5 * 365)),
                        since - dt.timedelta(days=1),
                    )
            self.add(user, (ORG, org), ACCOUNT_MANAGER, since)

    def ended(self, party: Ref, category: str, pool: list[int]) -> None:
        until = REFERENCE_DATE - dt.timedelta(days=self.rng.randint(30, 3 * 365))
        since = until - dt.timedelta(days=self.rng.randint(180, 6 * 365))
        self.add(self.rng.choice(pool), party, category, since, until)


def plan_internal_relations(
    rng: random.Random,
    staff: Sequence[StaffSpec],
    orgs: Sequence[OrgSpec],
    persons: Sequence[PersonSpec],
    types: TypePlan,
) -> list[InternalSpec]:
    """Plan the internal relations, and set the account manager of about 20% of memberships."""
    if not staff:
        return []
    plan = _Planner(rng, staff)
    fixed = {0: 1, 1: 2} if len(orgs) > 1 and orgs[1].name == BOUW_NAME else {}
    others = [i for i in range(len(orgs)) if i not in fixed]
    # Customers are the likelier ones to have an account manager.
    ranked = sorted(others, key=lambda i: rng.random() + (0.6 if types.has(ORG, i, CUSTOMER) else 0.0))
    none_count, several_count = round(0.4 * len(others)), round(0.2 * len(others))
    without, rest = ranked[:none_count], ranked[none_count:]
    rng.shuffle(rest)
    wanted = dict(fixed)
    wanted.update({i: rng.choice((2, 2, 3)) for i in rest[:several_count]})
    wanted.update(dict.fromkeys(rest[several_count:], 1))

    # A file that still names a colleague who has left: nobody reassigned it yet.
    left_behind = rest[several_count] if plan.gone and len(rest) > several_count else None
    for org in range(len(orgs)):
        if org == left_behind:
            plan.add(rng.choice(plan.gone), (ORG, org), ACCOUNT_MANAGER, plan.since())
        elif wanted.get(org):
            plan.account(org, plan.managers(wanted[org]))
    for org in without:
        if rng.random() < 0.1:  # a former customer's last account manager
            plan.ended((ORG, org), ACCOUNT_MANAGER, plan.gone or plan.active)

    for org, spec in enumerate(orgs):
        for category, chance in (
            (SUPPORT_CONTACT, 0.15 if types.has(ORG, org, CUSTOMER) else 0.03),
            (SALES_ENGINEER, 0.2 if spec.industry in _TECHNICAL else 0.03),
            (TAX_ADVISOR, 0.04),
        ):
            if rng.random() < chance:
                plan.add(rng.choice(plan.specialists[category]), (ORG, org), category, plan.since())
    for index in range(len(persons)):
        if types.has(PERSON, index, TAX_CLIENT) and rng.random() < 0.9:
            if rng.random() < 0.1:
                plan.ended((PERSON, index), TAX_ADVISOR, plan.specialists[TAX_ADVISOR])
            plan.add(rng.choice(plan.specialists[TAX_ADVISOR]), (PERSON, index), TAX_ADVISOR, plan.since())
        elif types.has(PERSON, index, EMPLOYEE) and rng.random() < 0.3:
            plan.add(
                rng.choice(plan.specialists[SUPPORT_CONTACT]), (PERSON, index), SUPPORT_CONTACT, plan.since()
            )

    _membership_managers(rng, plan, persons)
    return plan.specs


def _membership_managers(rng: random.Random, plan: _Planner, persons: Sequence[PersonSpec]) -> None:
    """Set the account manager of about 20% of memberships, mostly the organisation's own."""
    current: dict[int, list[int]] = {}
    for spec in plan.specs:
        if spec.category == ACCOUNT_MANAGER and spec.until is None and spec.party[0] == ORG:
            current.setdefault(spec.party[1], []).append(spec.staff)
    for person in persons:
        for membership in person.memberships:
            if rng.random() < 0.2:
                own = current.get(membership.org)
                pool = own if own and rng.random() < 0.8 else plan.active
                membership.account_manager = rng.choice(pool)
