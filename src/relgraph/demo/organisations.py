"""Plan organisations: the flagship group, other groups 2-4 levels deep, and stand-alones."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from relgraph.db.models import AddressKind, OrganisationStatus
from relgraph.demo.base import AddressSpec, Generator
from relgraph.demo.names import (
    CITIES,
    DESCRIPTIONS,
    DIVISION_INDUSTRY,
    DIVISIONS,
    GROUP_ROOTS,
    INDUSTRIES,
    NONPROFIT_INDUSTRIES,
    NONPROFIT_NAMES,
    NOT_IN_DOMAIN,
    PREFIX_TRADES,
    REGIONS,
    STEMS,
    TRADES,
    name_key,
    split_legal_form,
)
from relgraph.text import fold

__all__ = ["BOUW_NAME", "FLAGSHIP", "OrgSpec", "plan_organisations"]

# The flagship group: (name, parent index, city, industry). Listed level by level, so a
# parent always comes first and the group needs one flush per level only.
FLAGSHIP = (
    ("Noorderlicht Holding B.V.", None, "Groningen", "Holding"),
    ("Noorderlicht Bouw B.V.", 0, "Groningen", "Bouw"),
    ("Noorderlicht Techniek B.V.", 0, "Assen", "Installatietechniek"),
    ("Noorderlicht Logistiek B.V.", 0, "Leeuwarden", "Transport en logistiek"),
    ("Noorderlicht Woningbouw B.V.", 1, "Groningen", "Bouw"),
    ("Noorderlicht Utiliteitsbouw B.V.", 1, "Zwolle", "Bouw"),
    ("Noorderlicht Installatietechniek B.V.", 2, "Assen", "Installatietechniek"),
    ("Noorderlicht Elektrotechniek B.V.", 2, "Emmen", "Installatietechniek"),
    ("Noorderlicht Transport B.V.", 3, "Leeuwarden", "Transport en logistiek"),
    ("Noorderlicht Warehousing B.V.", 3, "Heerenveen", "Transport en logistiek"),
    ("Noorderlicht Woningbouw Noord B.V.", 4, "Groningen", "Bouw"),
    ("Noorderlicht Woningbouw Zuid B.V.", 4, "Zwolle", "Bouw"),
    ("Noorderlicht Renovatie Groningen B.V.", 10, "Groningen", "Bouw"),
    ("Noorderlicht Renovatie Friesland B.V.", 10, "Drachten", "Bouw"),
    ("Noorderlicht Renovatie Drenthe B.V.", 10, "Assen", "Bouw"),
)
# The example queries open this organisation's card; the relations and account managers
# planned for it are chosen to show every feature there.
BOUW_NAME = FLAGSHIP[1][0]


@dataclass
class OrgSpec:
    name: str
    parent: int | None
    group: int
    flagship: bool
    domain: str
    area_code: str
    addresses: list[AddressSpec] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    # The general email and phone (as typed): the primary EMAIL and PHONE contact means.
    email: str | None = None
    phone: str | None = None

    @property
    def industry(self) -> str:
        return str(self.values.get("industry") or "")


def _unique_name(gen: Generator, make: Callable[[], str], fallback_city: str) -> str:
    for _ in range(20):
        name = make()
        if name_key(name) not in gen.name_keys:
            break
    else:
        # Tell namesakes apart by their city, as the KvK register does: "X Utrecht B.V.".
        base, form = split_legal_form(name)
        name = " ".join(p for p in (base, fallback_city, form) if p)
    # Dutch capitalises an infix that starts a name: "Van Poppel B.V.".
    name = name[0].upper() + name[1:]
    if name_key(name) in gen.name_keys:
        name = f"{name} ({len(gen.name_keys)})"
    gen.name_keys.add(name_key(name))
    return name


def _standalone_name(gen: Generator, industry: str, city: str) -> str:
    rng = gen.rng
    if industry in NONPROFIT_NAMES:
        return f"Stichting {rng.choice(NONPROFIT_NAMES[industry])} {city}"
    trade = rng.choice(TRADES[industry])
    pattern = rng.random()
    if pattern < 0.45:
        base = f"{trade} {gen.surname()}" if trade in PREFIX_TRADES else f"{gen.surname()} {trade}"
    elif pattern < 0.7:
        base = f"{gen.surname()} & {gen.surname()}"
        if industry in ("Accountancy", "Advocatuur"):
            base = f"{base} {trade}"
    elif pattern < 0.85:
        base = f"{rng.choice(STEMS)} {trade}"
    else:
        base = f"{trade} {city}" if trade in PREFIX_TRADES else f"{trade} {rng.choice(REGIONS)}"
    form = rng.choices(("B.V.", "N.V.", "V.O.F.", ""), weights=(64, 4, 12, 20))[0]
    return f"{base} {form}".strip()


def _domain(gen: Generator, name: str) -> str:
    words = fold(name.replace("&", " en ")).split()
    words = [w for w in words if w not in NOT_IN_DOMAIN]
    # Whole words up to ~28 letters: "bakkerijjansen.nl", never a word cut in half.
    slug = ""
    for word in (re.sub(r"[^a-z0-9]", "", w) for w in words):
        if slug and len(slug) + len(word) > 28:
            break
        slug += word
    slug = slug[:30] or "bedrijf"
    domain = f"{slug}.nl"
    n = 2
    while domain in gen.domains:
        domain = f"{slug}{n}.nl"
        n += 1
    gen.domains.add(domain)
    return domain


def _values(gen: Generator, spec: OrgSpec, industry: str, city: str) -> dict[str, Any]:
    nonprofit = industry in NONPROFIT_INDUSTRIES
    if spec.flagship:
        status = OrganisationStatus.ACTIVE.value
        archived = False
    else:
        status = gen.rng.choices([s.value for s in OrganisationStatus], weights=(12, 80, 8))[0]
        archived = gen.chance(0.03)
        if archived:
            status = OrganisationStatus.INACTIVE.value
    prospect = status == OrganisationStatus.PROSPECT.value
    checked = not prospect and gen.chance(0.75)
    values: dict[str, Any] = {
        "name": spec.name,
        "code": gen.flagship_code()
        if spec.flagship and spec.parent is None
        else (None if prospect and gen.chance(0.5) else gen.code()),
        "legal_name": spec.name if gen.chance(0.6) else None,
        "kvk_number": gen.kvk_number() if spec.flagship or gen.chance(0.9) else None,
        "vat_number": (gen.vat_number() if (spec.flagship or gen.chance(0.6)) and not nonprofit else None),
        "industry": industry,
        "description": None,
        "website": f"https://www.{spec.domain}" if spec.flagship or gen.chance(0.75) else None,
        "email": f"info@{spec.domain}" if spec.flagship or gen.chance(0.65) else None,
        "phone": gen.landline(spec.area_code) if spec.flagship or gen.chance(0.8) else None,
        "status": status,
        "checked": checked,
        "creditworthy": checked and gen.chance(0.7),
        "archived": archived,
    }
    if industry == "Holding":
        values["description"] = f"Houdstermaatschappij van de {split_legal_form(spec.name)[0]}-groep."
    elif gen.chance(0.4):
        values["description"] = gen.rng.choice(DESCRIPTIONS).format(
            industry=industry,
            industry_lower=industry.lower(),
            city=city,
            year=gen.rng.randint(1948, 2021),
        )
    return values


def plan_organisations(gen: Generator, count: int) -> list[OrgSpec]:
    """Plan `count` organisations in creation order: a parent always precedes its children."""
    specs: list[OrgSpec] = []
    flagship_domain = "noorderlicht.nl"
    gen.domains.add(flagship_domain)
    for name, parent, city, industry in FLAGSHIP[:count]:
        gen.name_keys.add(name_key(name))
        spec = OrgSpec(
            name=name,
            parent=parent,
            group=0,
            flagship=True,
            domain=flagship_domain,
            area_code=CITIES[city][1],
        )
        _finish(gen, spec, industry, city)
        specs.append(spec)

    remaining = count - len(specs)
    grouped_budget = round(remaining * 0.3)
    # Units are whole groups or single organisations, shuffled so that groups are spread.
    units: list[int] = []
    while grouped_budget >= 2:
        size = gen.rng.randint(2, min(8, grouped_budget))
        if grouped_budget - size == 1:
            size += 1
        units.append(size)
        grouped_budget -= size
    units.extend([1] * (remaining - sum(units)))
    gen.rng.shuffle(units)
    for size in units:
        if size == 1:
            specs.append(_standalone(gen, len(specs)))
        else:
            specs.extend(_group(gen, len(specs), size))
    return specs


def _finish(gen: Generator, spec: OrgSpec, industry: str, city: str) -> None:
    spec.addresses.append(gen.address(AddressKind.VISIT, city, head_office=True))
    if gen.chance(0.3):
        spec.addresses.append(gen.address(AddressKind.POSTAL, city, head_office=False))
    spec.values = _values(gen, spec, industry, city)
    # Drawn with the other values (so every later draw stays the same), stored as contact means.
    spec.email = spec.values.pop("email")
    spec.phone = spec.values.pop("phone")


def _standalone(gen: Generator, index: int) -> OrgSpec:
    city, area_code = gen.city()
    industry = gen.rng.choice(NONPROFIT_INDUSTRIES if gen.chance(0.08) else INDUSTRIES)
    name = _unique_name(gen, lambda: _standalone_name(gen, industry, city), city)
    spec = OrgSpec(
        name=name,
        parent=None,
        group=index,
        flagship=False,
        domain=_domain(gen, name),
        area_code=area_code,
    )
    _finish(gen, spec, industry, city)
    return spec


def _namer(gen: Generator, base: str, place: str, city: str) -> Callable[[], str]:
    """Name group companies: `place` first, other places when that one is taken."""
    pending = [place]

    def make() -> str:
        suffix = pending.pop() if pending else gen.rng.choice((*REGIONS, city))
        return " ".join(p for p in (base, suffix, "B.V.") if p)

    return make


def _group(gen: Generator, first: int, size: int) -> list[OrgSpec]:
    """Plan a group of `size` organisations, 2-4 levels deep, listed level by level."""
    rng = gen.rng
    levels = rng.randint(2, min(4, size))
    # A chain to the deepest level first, so the group really is `levels` deep.
    level_of = list(range(levels))
    parent_of: list[int | None] = [None, *range(levels - 1)]
    for _ in range(size - levels):
        parent = rng.choice([i for i, lv in enumerate(level_of) if lv < levels - 1])
        parent_of.append(parent)
        level_of.append(level_of[parent] + 1)
    order = sorted(range(size), key=lambda i: (level_of[i], i))
    position = {old: new for new, old in enumerate(order)}

    # A stem per group, so that two groups never share subsidiary names.
    for _ in range(20):
        stem = rng.choice(STEMS) if gen.chance(0.5) else gen.surname()
        stem = stem[0].upper() + stem[1:]
        if stem not in gen.stems:
            break
    gen.stems.add(stem)
    root_city, area_code = gen.city()
    root_name = _unique_name(gen, lambda: f"{stem} {rng.choice(GROUP_ROOTS)}", root_city)
    domain = _domain(gen, root_name)
    divisions = rng.sample(DIVISIONS, k=min(size, len(DIVISIONS)))
    division_of: dict[int, str] = {}
    specs: list[OrgSpec] = []
    for new, old in enumerate(order):
        parent_old = parent_of[old]
        if parent_old is None:
            name, city, industry = root_name, root_city, "Holding"
        else:
            city = root_city if gen.chance(0.5) else gen.city()[0]
            # Below level 1 a company carries its division's name plus a region
            # ("Polder Bouw Noord B.V."), one level further its city.
            division = division_of.get(parent_old) or divisions[new % len(divisions)]
            division_of[old] = division
            industry = DIVISION_INDUSTRY.get(division, "Zakelijke dienstverlening")
            level = level_of[old]
            place = "" if level == 1 else (rng.choice(REGIONS) if level == 2 else city)
            name = _unique_name(gen, _namer(gen, f"{stem} {division}", place, city), city)
        spec = OrgSpec(
            name=name,
            parent=None if parent_old is None else first + position[parent_old],
            group=first,
            flagship=False,
            domain=domain,
            area_code=CITIES[city][1] if city in CITIES else area_code,
        )
        _finish(gen, spec, industry, city)
        specs.append(spec)
    return specs
