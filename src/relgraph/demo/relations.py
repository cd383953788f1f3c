"""Plan typed relations between parties (relaties tussen klanten).

Parties are picked to suit the type (an accountancy firm is accountant of, a director is
shareholder of their company, colleagues share an organisation), never within one group,
never a party with itself, and at most one relation per pair of parties.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from relgraph.db.models import PartyKind
from relgraph.db.models.party_types import MANUFACTURER, SUPPLIER, TAX_CLIENT
from relgraph.demo.base import REFERENCE_DATE, Ref
from relgraph.demo.domain_data import RELATION_TYPES
from relgraph.demo.organisations import BOUW_NAME, OrgSpec
from relgraph.demo.party_types import TypePlan
from relgraph.demo.persons import PersonSpec

__all__ = ["RelationSpec", "plan_relations"]

ORG = PartyKind.ORGANISATION.value
PERSON = PartyKind.PERSON.value
_SYMMETRIC = frozenset(t.name for t in RELATION_TYPES if t.symmetric)

# How common each type is among the drawn relations; each is used at least _MIN_PER_TYPE times.
_WEIGHTS = {
    "supplier of": 22,
    "manufacturer for": 7,
    "partner of": 10,
    "competitor of": 8,
    "franchisee of": 4,
    "accountant of": 10,
    "subcontractor of": 10,
    "reseller of": 8,
    "shareholder of": 7,
    "advisor of": 6,
    "spouse of": 5,
    "colleague of": 4,
}
_MIN_PER_TYPE = 3
_PER_ORGANISATION = 1.5

_NOTES = {
    "supplier of": (
        "Raamovereenkomst, jaarlijks herzien.",
        "Levert op afroep; levertijd twee werkdagen.",
        "Voorkeursleverancier sinds de laatste aanbesteding.",
    ),
    "manufacturer for": (
        "Officieel dealer voor de regio.",
        "Dealercontract met jaarlijkse targets.",
        "Service en garantie lopen via de fabrikant.",
    ),
    "partner of": (
        "Samen ingeschreven op de gemeentelijke aanbesteding.",
        "Gezamenlijke stand op de beurs.",
        "Strategisch partnerschap met kwartaaloverleg.",
    ),
    "competitor of": (
        "Concurreert vooral op prijs.",
        "Zelfde doelgroep in de regio.",
        "Won de laatste offerteronde.",
    ),
    "franchisee of": ("Franchiseovereenkomst voor vijf jaar.", "Vestiging onder de landelijke formule."),
    "accountant of": (
        "Samenstellingsopdracht voor de jaarrekening.",
        "Controleverklaring op verzoek van de bank.",
        "Verzorgt ook de loonadministratie.",
    ),
    "subcontractor of": (
        "Vaste onderaannemer bij nieuwbouwprojecten.",
        "Werkt op regiebasis.",
        "Onderaannemer voor het installatiewerk.",
    ),
    "reseller of": (
        "Geautoriseerd reseller (Gold-partner).",
        "Verkoopt alleen in de Benelux.",
        "Resellerkorting volgens staffel.",
    ),
    "shareholder of": (
        "Minderheidsbelang.",
        "Meerderheidsbelang sinds de herstructurering.",
        "Aandelen gecertificeerd via een STAK.",
    ),
    "advisor of": (
        "Lid van de raad van advies.",
        "Adviseert over de bedrijfsopvolging.",
        "Interim-adviseur financiën.",
    ),
    "spouse of": ("Getrouwd.", "Geregistreerd partnerschap.", "Samen eigenaar van de woning."),
    "colleague of": (
        "Kennen elkaar van een eerder project.",
        "Zaten samen in het managementteam.",
        "Oud-collega's.",
    ),
}

# Industries that suit one side of a type; an empty pool falls back to every organisation.
_SUPPLYING = ("Groothandel", "Industrie", "Voedingsmiddelen", "ICT", "Energie", "Installatietechniek")
_DEALING = ("Groothandel", "Detailhandel", "Automotive", "Installatietechniek", "Bouw")
_FRANCHISING = ("Detailhandel", "Horeca", "Automotive", "Zorg", "Onderwijs", "Voedingsmiddelen")
_CONTRACTING = ("Bouw", "Installatietechniek", "Transport en logistiek", "Energie")
_VENDING = ("ICT", "Industrie", "Voedingsmiddelen", "Energie")
_RESELLING = ("Groothandel", "Detailhandel", "ICT")


@dataclass(frozen=True)
class RelationSpec:
    type_name: str
    source: Ref
    target: Ref
    active: bool
    start_date: dt.date | None
    end_date: dt.date | None
    note: str | None
    # Entered this long after the later of its two parties, in minutes.
    delay: int


Pair = tuple[Ref, Ref]


class _Planner:
    def __init__(
        self,
        rng: random.Random,
        orgs: Sequence[OrgSpec],
        persons: Sequence[PersonSpec],
        types: TypePlan,
        usable: set[str],
    ) -> None:
        self.rng, self.orgs, self.persons, self.usable = rng, orgs, persons, usable
        self.specs: list[RelationSpec] = []
        self.pairs: set[frozenset[Ref]] = set()
        self.spouses: set[int] = set()
        # Earlier sources or targets per (type, side): a franchisor has many franchisees.
        self.hubs: dict[tuple[str, str], list[Ref]] = {}
        self.pools: dict[tuple[str, ...], list[int]] = {}
        self.members: dict[int, list[int]] = {}
        self.directors: list[tuple[int, int]] = []
        self.works_at: list[set[int]] = []
        for p, person in enumerate(persons):
            self.works_at.append({m.org for m in person.memberships})
            for m in person.memberships:
                self.members.setdefault(m.org, []).append(p)
                if m.active and m.department == "Directie":
                    self.directors.append((p, m.org))
        self.shared = [o for o, people in self.members.items() if len(people) >= 2]
        self.typed = {code: types.orgs_of(code) for code in (SUPPLIER, MANUFACTURER)}
        self.tax_clients = types.persons_of(TAX_CLIENT)
        every = self.industry()
        self.trading = [i for i in every if self.orgs[i].industry != "Holding"] or every
        self.pickers: dict[str, Callable[[], Pair | None]] = {
            "supplier of": lambda: self._orgs("supplier of", self._typed(SUPPLIER, _SUPPLYING), every),
            "manufacturer for": lambda: self._orgs(
                "manufacturer for",
                self._typed(MANUFACTURER, _VENDING),
                self.industry(*_DEALING),
                hub="source",
            ),
            "partner of": lambda: self._orgs("partner of", every, every),
            "competitor of": self._competitors,
            "franchisee of": lambda: self._orgs(
                "franchisee of", self.industry(*_FRANCHISING), self.industry(*_FRANCHISING), hub="target"
            ),
            "accountant of": self._accountant,
            "subcontractor of": lambda: self._orgs(
                "subcontractor of", self.industry(*_CONTRACTING), self.industry("Bouw", "Installatietechniek")
            ),
            "reseller of": lambda: self._orgs(
                "reseller of", self.industry(*_RESELLING), self.industry(*_VENDING), hub="target"
            ),
            "shareholder of": self._shareholder,
            "advisor of": lambda: self._advisor(self.rng.choice(every)),
            "spouse of": self._spouses,
            "colleague of": self._colleagues,
        }

    # -- picking parties ------------------------------------------------------------------

    def industry(self, *industries: str) -> list[int]:
        """Return the organisations in `industries` (all of them when none or none match)."""
        if industries not in self.pools:
            chosen = [i for i, o in enumerate(self.orgs) if not industries or o.industry in industries]
            self.pools[industries] = chosen or list(range(len(self.orgs)))
        return self.pools[industries]

    def _typed(self, code: str, industries: Sequence[str]) -> list[int]:
        """Prefer organisations of party type `code`, else those in `industries`."""
        typed = self.typed[code]
        return typed if typed and self.rng.random() < 0.6 else self.industry(*industries)

    def _orgs(self, name: str, sources: list[int], targets: list[int], *, hub: str | None = None) -> Pair:
        """Pick an organisation pair; the hub side reuses an earlier party half the time."""
        source: Ref = (ORG, self.rng.choice(sources))
        target: Ref = (ORG, self.rng.choice(targets))
        earlier = self.hubs.get((name, hub or ""))
        if earlier and self.rng.random() < 0.5:
            if hub == "source":
                source = self.rng.choice(earlier)
            else:
                target = self.rng.choice(earlier)
        return source, target

    def _competitors(self) -> Pair:
        # Holdings do not compete; their companies do, within one industry.
        first = self.rng.choice(self.trading)
        return (ORG, first), (ORG, self.rng.choice(self.industry(self.orgs[first].industry)))

    def _accountant(self) -> Pair:
        firm: Ref = (ORG, self.rng.choice(self.industry("Accountancy")))
        if self.persons and self.rng.random() < 0.25:
            # Private clients too: mostly the income tax clients (IB-cliënten).
            clients = self.tax_clients
            pool = clients if clients and self.rng.random() < 0.7 else range(len(self.persons))
            return firm, (PERSON, self.rng.choice(pool))
        return firm, (ORG, self.rng.randrange(len(self.orgs)))

    def _shareholder(self) -> Pair:
        # A director holding shares in their own company: the Dutch DGA.
        if self.directors and self.rng.random() < 0.45:
            person, org = self.rng.choice(self.directors)
            return (PERSON, person), (ORG, org)
        investors = self.industry("Holding") if self.rng.random() < 0.6 else self.industry()
        return (ORG, self.rng.choice(investors)), (ORG, self.rng.randrange(len(self.orgs)))

    def _advisor(self, org: int) -> Pair | None:
        if not self.persons:
            return None
        return (PERSON, self.rng.randrange(len(self.persons))), (ORG, org)

    def _spouses(self) -> Pair | None:
        if len(self.persons) < 2:
            return None
        a, b = self.rng.sample(range(len(self.persons)), 2)
        return (PERSON, a), (PERSON, b)

    def _colleagues(self) -> Pair | None:
        if not self.shared:
            return None
        a, b = self.rng.sample(self.members[self.rng.choice(self.shared)], 2)
        return (PERSON, a), (PERSON, b)

    # -- checking and adding --------------------------------------------------------------

    def _fits(self, name: str, source: Ref, target: Ref) -> bool:
        if source == target:
            return False
        if source[0] == target[0] == ORG and self.orgs[source[1]].group == self.orgs[target[1]].group:
            return False  # sister companies are related by the hierarchy already
        if name == "advisor of" and target[1] in self.works_at[source[1]]:
            return False  # an advisor comes from outside
        if name == "spouse of" and (source[1] in self.spouses or target[1] in self.spouses):
            return False
        # One relation per pair of parties, whatever its direction: this rules out duplicates
        # and reverse duplicates, and "partner of" next to "competitor of" reads as a mistake.
        return frozenset((source, target)) not in self.pairs

    def _add(self, name: str, source: Ref, target: Ref, *, pinned: bool = False) -> None:
        rng = self.rng
        active = pinned or rng.random() >= 0.1
        if active:
            start = (
                REFERENCE_DATE - dt.timedelta(days=rng.randint(60, 15 * 365)) if rng.random() < 0.7 else None
            )
            end = None
        else:
            end = REFERENCE_DATE - dt.timedelta(days=rng.randint(30, 4 * 365))
            start = end - dt.timedelta(days=rng.randint(180, 8 * 365))
        note = rng.choice(_NOTES[name]) if rng.random() < 0.25 else None
        self.specs.append(
            RelationSpec(name, source, target, active, start, end, note, rng.randint(60, 60 * 24 * 60))
        )
        self.pairs.add(frozenset((source, target)))
        self.hubs.setdefault((name, "source"), []).append(source)
        self.hubs.setdefault((name, "target"), []).append(target)
        if name == "spouse of":
            self.spouses.update((source[1], target[1]))

    def draw(self, name: str) -> bool:
        """Add one relation of type `name`; give up after a bounded number of tries."""
        for _ in range(30):
            pair = self.pickers[name]()
            if pair is None:
                return False
            if self._fits(name, *pair):
                self._add(name, *pair)
                return True
        return False

    def pin(self, name: str, org: int, *, outgoing: bool, pool: Sequence[Ref]) -> None:
        """Relate organisation `org` to a party from `pool`, in the given direction."""
        if name not in self.usable or not pool:
            return
        for _ in range(30):
            other = self.rng.choice(pool)
            source, target = ((ORG, org), other) if outgoing else (other, (ORG, org))
            if self._fits(name, source, target):
                self._add(name, source, target, pinned=True)
                return


def _pin_flagship(planner: _Planner, orgs: Sequence[OrgSpec]) -> None:
    """Give the holding and Noorderlicht Bouw active relations of several types, both ways."""
    if len(orgs) < 2 or orgs[1].name != BOUW_NAME:
        return
    outside = [i for i, o in enumerate(orgs) if not o.flagship]

    def org(*industries: str) -> list[Ref]:
        return [(ORG, i) for i in outside if orgs[i].industry in industries] or [(ORG, i) for i in outside]

    def person(at: int | None = None) -> list[Ref]:
        # A director of the organisation itself when there is one, else anybody.
        own = [p for p, o in planner.directors if o == at]
        return [(PERSON, p) for p in own or range(len(planner.persons))]

    holding, bouw = 0, 1
    for name, party, outgoing, pool in (
        ("shareholder of", holding, True, org("Bouw", "Vastgoed", "Energie")),
        ("shareholder of", holding, True, org("Installatietechniek", "ICT")),
        ("shareholder of", holding, False, person(holding)),
        ("accountant of", holding, False, org("Accountancy")),
        ("advisor of", holding, False, person()),
        ("partner of", holding, True, org("Holding")),
        ("supplier of", bouw, True, org("Vastgoed")),
        ("supplier of", bouw, True, org("Zorg", "Onderwijs", "Vastgoed")),
        ("subcontractor of", bouw, False, org("Installatietechniek")),
        ("subcontractor of", bouw, False, org("Bouw", "Transport en logistiek")),
        ("supplier of", bouw, False, org("Groothandel", "Industrie")),
        ("advisor of", bouw, False, person()),
        ("competitor of", bouw, True, org("Bouw")),
    ):
        planner.pin(name, party, outgoing=outgoing, pool=pool)


def plan_relations(
    rng: random.Random,
    orgs: Sequence[OrgSpec],
    persons: Sequence[PersonSpec],
    types: TypePlan,
    usable: set[str],
) -> list[RelationSpec]:
    """Plan about 1.5 relations per organisation over the `usable` relation types."""
    if len(orgs) < 2:
        return []
    planner = _Planner(rng, orgs, persons, types, usable)
    _pin_flagship(planner, orgs)
    names = [t.name for t in RELATION_TYPES if t.name in usable]
    for name in names:
        for _ in range(_MIN_PER_TYPE):
            planner.draw(name)
    wanted = round(_PER_ORGANISATION * len(orgs))
    weights = [_WEIGHTS[n] for n in names]
    for _ in range(wanted * 3):  # bounded: small demos run out of fitting pairs
        if len(planner.specs) >= wanted or not names:
            break
        planner.draw(rng.choices(names, weights=weights)[0])
    return planner.specs
