"""Plan bank accounts: Dutch IBANs at the usual banks, their check digits from schwifty.

Most organisations have one account, some a second one or a closed old one; now and
then a group company pays from its holding's account (the same IBAN on two parties,
which the API reports as a possible duplicate): Noorderlicht Techniek always does.
Persons who are tax clients or employees have an account, other persons now and then.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from schwifty import IBAN

from relgraph.db.models import PartyKind
from relgraph.db.models.party_types import EMPLOYEE, TAX_CLIENT
from relgraph.demo.base import Ref
from relgraph.demo.organisations import OrgSpec
from relgraph.demo.party_types import TypePlan
from relgraph.demo.persons import PersonSpec

__all__ = ["BANKS", "BankSpec", "plan_bank_accounts"]

ORG = PartyKind.ORGANISATION.value
PERSON = PartyKind.PERSON.value
# (bank code in the IBAN, BIC, weight): the Dutch banks by rough market share.
BANKS = (
    ("INGB", "INGBNL2A", 35),
    ("RABO", "RABONL2U", 30),
    ("ABNA", "ABNANL2A", 22),
    ("SNSB", "SNSBNL2A", 5),
    ("TRIO", "TRIONL2U", 3),
    ("ASNB", "ASNBNL21", 2),
    ("KNAB", "KNABNL2H", 2),
    ("BUNQ", "BUNQNL2A", 1),
)
_WEIGHTS = [w for *_, w in BANKS]


@dataclass(frozen=True)
class BankSpec:
    party: Ref
    iban: str
    bic: str
    holder_name: str
    primary: bool = True
    active: bool = True


class _Accounts:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def new(self) -> tuple[str, str]:
        """Draw an unused (IBAN, BIC)."""
        while True:
            code, bic, _ = self.rng.choices(BANKS, weights=_WEIGHTS)[0]
            account = f"{self.rng.randint(0, 9_999_999_999):010d}"
            value = IBAN.generate("NL", bank_code=code, account_code=account).compact
            if value not in self.taken:
                self.taken.add(value)
                return value, bic


def plan_bank_accounts(
    rng: random.Random, orgs: Sequence[OrgSpec], persons: Sequence[PersonSpec], types: TypePlan
) -> list[BankSpec]:
    """Plan the bank accounts of organisations and persons, in the order they are written."""
    accounts = _Accounts(rng)
    specs: list[BankSpec] = []
    primary_of: dict[int, BankSpec] = {}
    for index, org in enumerate(orgs):
        holder = str(org.values.get("legal_name") or org.name)
        root = primary_of.get(org.group) if org.parent is not None else None
        shares = root is not None and (org.name == "Noorderlicht Techniek B.V." or rng.random() < 0.1)
        if shares:
            # Pays from the holding's account: same IBAN, in the holding's name.
            assert root is not None
            spec = BankSpec((ORG, index), root.iban, root.bic, root.holder_name)
        elif org.flagship or rng.random() < 0.75:
            spec = BankSpec((ORG, index), *accounts.new(), holder)
        else:
            continue
        specs.append(spec)
        if org.parent is None:
            primary_of[index] = spec
        if rng.random() < 0.12:
            specs.append(BankSpec((ORG, index), *accounts.new(), holder, primary=False))
        if rng.random() < 0.05:
            specs.append(BankSpec((ORG, index), *accounts.new(), holder, primary=False, active=False))
    for index, person in enumerate(persons):
        typed = types.has(PERSON, index, TAX_CLIENT) or types.has(PERSON, index, EMPLOYEE)
        if typed or rng.random() < 0.15:
            # The holder as banks write it: initials, infix, last name ("J.P. van der Berg").
            names = (person.values.get("initials"), person.values.get("infix"), person.values["last_name"])
            specs.append(BankSpec((PERSON, index), *accounts.new(), " ".join(str(n) for n in names if n)))
    return specs
