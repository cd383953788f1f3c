"""Plan party types (koppelingen) and their data: sales, purchase and employee data."""

from __future__ import annotations

import decimal
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from relgraph.db.models import OrganisationStatus, PartyKind
from relgraph.db.models.party_types import (
    CUSTOMER,
    EMPLOYEE,
    MANUFACTURER,
    SUPPLIER,
    TAX_CLIENT,
)
from relgraph.demo.organisations import OrgSpec
from relgraph.demo.persons import PersonSpec

__all__ = ["TypePlan", "plan_party_types"]

ORG = PartyKind.ORGANISATION.value
PERSON = PartyKind.PERSON.value
_CENT = decimal.Decimal("0.01")

# How much likelier an organisation is our customer, by status: a prospect is not one yet.
_CUSTOMER_BONUS = {
    OrganisationStatus.ACTIVE.value: 0.5,
    OrganisationStatus.INACTIVE.value: 0.2,
    OrganisationStatus.PROSPECT.value: -0.5,
}
# Industries that supply and make things; the others supply us now and then.
_SUPPLYING = frozenset(
    {"Groothandel", "Industrie", "Voedingsmiddelen", "ICT", "Energie", "Installatietechniek"}
)
_MAKING = frozenset({"Industrie", "Voedingsmiddelen", "Energie"})


@dataclass
class TypePlan:
    """The party types of each planned party, and the data of those that have data."""

    # Party (kind, index) -> type codes, in the order they were planned.
    codes: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    sales: dict[int, dict[str, object]] = field(default_factory=dict)  # by organisation index
    purchase: dict[int, dict[str, object]] = field(default_factory=dict)  # by organisation index
    employee: dict[int, dict[str, object]] = field(default_factory=dict)  # by person index

    def add(self, kind: str, index: int, code: str) -> None:
        self.codes.setdefault((kind, index), []).append(code)

    def has(self, kind: str, index: int, code: str) -> bool:
        return code in self.codes.get((kind, index), ())

    def orgs_of(self, code: str) -> list[int]:
        return [i for (kind, i), codes in self.codes.items() if kind == ORG and code in codes]

    def persons_of(self, code: str) -> list[int]:
        return [i for (kind, i), codes in self.codes.items() if kind == PERSON and code in codes]


def _money(rng: random.Random, low: int, high: int, step: int) -> decimal.Decimal:
    return decimal.Decimal(rng.randrange(low, high + 1, step)).quantize(_CENT)


def _percent(rng: random.Random, high: int) -> decimal.Decimal:
    # Mostly the round discounts sales people agree on, now and then a negotiated one.
    if rng.random() < 0.6:
        return decimal.Decimal(rng.choice(("2", "2.5", "3", "5", "7.5", "10", "12.5", "15"))).quantize(_CENT)
    return (decimal.Decimal(rng.randint(0, high * 100)) / 100).quantize(_CENT)


def _sales(rng: random.Random) -> dict[str, object]:
    return {
        "vat_liable": rng.random() < 0.93,
        "credit_limit": _money(rng, 5_000, 250_000, 500) if rng.random() < 0.9 else None,
        "currency": "EUR",
        "payment_term_days": rng.choices((14, 30, 60), weights=(25, 60, 15))[0],
        "discount_percent": _percent(rng, 15) if rng.random() < 0.55 else None,
        "order_stop": rng.random() < 0.04,
    }


def _purchase(rng: random.Random) -> dict[str, object]:
    # Our customer number in the supplier's books, in one of the shapes suppliers use.
    shape = rng.random()
    if shape < 0.4:
        number = str(rng.randint(100_000, 999_999))
    elif shape < 0.7:
        number = f"D{rng.randint(10_000, 99_999)}"
    else:
        number = f"KL-{rng.randint(1, 9_999):04d}"
    return {
        "payment_term_days": rng.choices((14, 30, 60), weights=(20, 55, 25))[0],
        "our_account_number": number if rng.random() < 0.85 else None,
    }


def _pick(
    rng: random.Random, candidates: Sequence[int], count: int, bonus: Callable[[int], float]
) -> set[int]:
    """Pick `count` of `candidates`, those with a `bonus` more likely.

    An exact count rather than a draw per party: every seed and size gets the same mix.
    """
    ranked = sorted(candidates, key=lambda i: rng.random() + bonus(i), reverse=True)
    return set(ranked[:count])


def plan_party_types(
    rng: random.Random,
    orgs: Sequence[OrgSpec],
    persons: Sequence[PersonSpec],
    *,
    taken_employee_numbers: set[str],
) -> TypePlan:
    """Plan which parties are customers, suppliers, manufacturers, employees and tax clients."""
    plan = TypePlan()
    every, n = range(len(orgs)), len(orgs)

    def customer_bonus(i: int) -> float:
        # The flagship pair is a customer on purpose: its cards show the sales data.
        return 9.0 if orgs[i].flagship and i < 2 else _CUSTOMER_BONUS[str(orgs[i].values["status"])]

    customers = _pick(rng, every, round(0.6 * n), customer_bonus)
    suppliers = _pick(rng, every, round(0.2 * n), lambda i: 0.6 if orgs[i].industry in _SUPPLYING else 0.0)
    makers = _pick(rng, every, round(0.05 * n), lambda i: 0.8 if orgs[i].industry in _MAKING else 0.0)
    for index, org in enumerate(orgs):
        for code, chosen in ((CUSTOMER, customers), (SUPPLIER, suppliers), (MANUFACTURER, makers)):
            if index in chosen:
                plan.add(ORG, index, code)
        if index in customers and (org.flagship or rng.random() < 0.85):
            plan.sales[index] = _sales(rng)
        if index in suppliers and rng.random() < 0.8:
            plan.purchase[index] = _purchase(rng)

    # Tax clients are mostly private persons (IB-cliënten); employees anyone else.
    people, share = range(len(persons)), round(0.05 * len(persons))
    tax_clients = _pick(rng, people, share, lambda i: 0.0 if persons[i].memberships else 0.7)
    employees = _pick(rng, [i for i in people if i not in tax_clients], share, lambda i: 0.0)
    number = 1000
    for index in people:
        if index in tax_clients:
            plan.add(PERSON, index, TAX_CLIENT)
        elif index in employees:
            plan.add(PERSON, index, EMPLOYEE)
            if rng.random() < 0.9:
                number += rng.randint(1, 7)
                while f"E{number:05d}" in taken_employee_numbers:
                    number += 1
                taken_employee_numbers.add(f"E{number:05d}")
                plan.employee[index] = {
                    "employee_number": f"E{number:05d}",
                    # A gross monthly salary (bruto maandsalaris), as Dutch payslips state it.
                    "salary": _money(rng, 2_600, 7_400, 25),
                    "currency": "EUR",
                }
    return plan
