"""Realistic Dutch demo data (Faker nl_NL): organisation groups, persons, memberships.

Everything derives from one seed and a fixed reference date, so the same seed gives the
same rows (names, codes, dates, id order) on every run and on every day.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from faker import Faker
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import (
    Address,
    AddressKind,
    Base,
    Gender,
    Membership,
    MembershipTag,
    Organisation,
    OrganisationStatus,
    Party,
    Person,
)
from relgraph.domain.organisations import set_search_keys as refresh_organisation_search
from relgraph.domain.persons import refresh_search as refresh_person_search
from relgraph.domain.text import fold

__all__ = [
    "FLAGSHIP_CODE",
    "FLAGSHIP_NAME",
    "REFERENCE_DATE",
    "ROLES",
    "TAGS",
    "SeedSummary",
    "is_empty",
    "seed",
]

# Every date is computed back from this day, never from today, so the data is stable.
REFERENCE_DATE = dt.date(2026, 1, 1)
_REFERENCE_TIME = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)

FLAGSHIP_NAME = "Noorderlicht Holding B.V."
FLAGSHIP_CODE = "DEMO-0001"

ROLES = ("Beslisser", "Contactpersoon", "Financieel contact", "Technisch contact", "Gebruiker")
TAGS = ("nieuwsbrief", "kerstpakket", "event", "vip", "beurs", "webinar", "klantenpanel")

_BATCH = 500

# The flagship group: (name, parent index, city, industry). Listed level by level, so a
# parent always comes first and the group needs one flush per level only.
_FLAGSHIP = (
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

# Real cities with their real postcode ranges and area codes, so that addresses look right;
# the weights favour the big cities. Cities outside this list come from Faker.
_CITIES = {
    "Amsterdam": ((1011, 1109), "020", 9),
    "Rotterdam": ((3011, 3089), "010", 7),
    "Den Haag": ((2491, 2597), "070", 6),
    "Utrecht": ((3511, 3585), "030", 6),
    "Eindhoven": ((5611, 5658), "040", 4),
    "Groningen": ((9711, 9747), "050", 4),
    "Tilburg": ((5011, 5049), "013", 3),
    "Almere": ((1311, 1363), "036", 3),
    "Breda": ((4811, 4839), "076", 3),
    "Nijmegen": ((6511, 6546), "024", 3),
    "Arnhem": ((6811, 6846), "026", 3),
    "Haarlem": ((2011, 2037), "023", 3),
    "Enschede": ((7511, 7548), "053", 2),
    "Zwolle": ((8011, 8046), "038", 2),
    "Leeuwarden": ((8911, 8939), "058", 2),
    "Maastricht": ((6211, 6229), "043", 2),
    "Amersfoort": ((3811, 3829), "033", 2),
    "'s-Hertogenbosch": ((5211, 5237), "073", 2),
    "Apeldoorn": ((7311, 7339), "055", 2),
    "Leiden": ((2311, 2334), "071", 2),
    "Delft": ((2611, 2629), "015", 2),
    "Dordrecht": ((3311, 3329), "078", 2),
    "Zoetermeer": ((2711, 2729), "079", 1),
    "Alkmaar": ((1811, 1826), "072", 1),
    "Deventer": ((7411, 7429), "0570", 1),
    "Venlo": ((5911, 5928), "077", 1),
    "Hilversum": ((1211, 1223), "035", 1),
    "Assen": ((9401, 9409), "0592", 1),
    "Emmen": ((7811, 7833), "0591", 1),
    "Heerenveen": ((8441, 8449), "0513", 1),
    "Drachten": ((9201, 9206), "0512", 1),
    "Helmond": ((5701, 5709), "0492", 1),
    "Ede": ((6711, 6718), "0318", 1),
}
_CITY_NAMES = list(_CITIES)
_CITY_WEIGHTS = [w for _, _, w in _CITIES.values()]
_AREA_CODES = sorted({code for _, code, _ in _CITIES.values()})
# Dutch postcodes never use F, I, O, Q, U or Y, nor the combinations SA, SD and SS.
_POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
_BAD_POSTCODE_PAIRS = frozenset({"SA", "SD", "SS"})

_BUSINESS_STREETS = (
    "Industrieweg", "Edisonweg", "Marconistraat", "Kanaalweg", "Stationsplein", "Handelsweg",
    "Nijverheidsweg", "Havenstraat", "Zuiderzeestraat", "Ambachtsweg", "Energieweg",
    "Transportweg", "Keizersgracht", "Herengracht", "Parallelweg", "Kerkstraat", "Dorpsstraat",
    "Hoofdstraat", "Molenweg", "Schoolstraat", "Laan van Vollenhove", "Europaweg",
)
_HOUSE_NUMBER_ADDITIONS = ("A", "B", "C", "1", "2", "-3", "bis", "hs", "II", "rood")

_INDUSTRIES = (
    "Bouw", "Groothandel", "Detailhandel", "ICT", "Zakelijke dienstverlening",
    "Transport en logistiek", "Industrie", "Horeca", "Financiële dienstverlening", "Energie",
    "Landbouw", "Vastgoed", "Media en communicatie", "Installatietechniek", "Accountancy",
    "Advocatuur", "Voedingsmiddelen", "Automotive",
)
_NONPROFIT_INDUSTRIES = ("Zorg", "Onderwijs", "Cultuur", "Sport en recreatie", "Welzijn")
# Trade words per industry, for names like "Jansen Installatietechniek B.V.".
_TRADES = {
    "Bouw": ("Bouw", "Aannemersbedrijf", "Bouwbedrijf", "Timmerfabriek"),
    "Groothandel": ("Groothandel", "Trading", "Import"),
    "Detailhandel": ("Wonen", "Mode", "Fietsen", "Tuincentrum"),
    "ICT": ("Software", "IT Services", "Automatisering", "Digital"),
    "Zakelijke dienstverlening": ("Consultancy", "Advies", "Interim", "Projectmanagement"),
    "Transport en logistiek": ("Transport", "Logistiek", "Koeriers", "Expeditie"),
    "Industrie": ("Metaal", "Kunststoffen", "Machinebouw", "Verpakkingen"),
    "Horeca": ("Catering", "Hotels", "Horeca"),
    "Financiële dienstverlening": ("Assurantiën", "Hypotheken", "Financieel Advies"),
    "Energie": ("Energie", "Zonnepanelen", "Duurzaam"),
    "Landbouw": ("Agro", "Kwekerij", "Loonbedrijf"),
    "Vastgoed": ("Vastgoed", "Makelaardij", "Beheer"),
    "Media en communicatie": ("Media", "Communicatie", "Drukkerij", "Reclame"),
    "Installatietechniek": ("Installatietechniek", "Elektrotechniek", "Klimaattechniek"),
    "Accountancy": ("Accountants", "Administratiekantoor", "Belastingadvies"),
    "Advocatuur": ("Advocaten", "Juristen", "Notarissen"),
    "Voedingsmiddelen": ("Bakkerij", "Zuivel", "Food", "Slagerij"),
    "Automotive": ("Autobedrijf", "Garage", "Autoschade", "Bandenservice"),
}
# Trades that read as a prefix in Dutch ("Bakkerij Jansen", not "Jansen Bakkerij").
_PREFIX_TRADES = frozenset(
    {"Aannemersbedrijf", "Bouwbedrijf", "Timmerfabriek", "Tuincentrum", "Kwekerij", "Loonbedrijf",
     "Makelaardij", "Drukkerij", "Administratiekantoor", "Bakkerij", "Slagerij", "Autobedrijf",
     "Garage", "Autoschade", "Bandenservice"}
)
_NONPROFIT_NAMES = {
    "Zorg": ("Zorggroep", "Thuiszorg", "Zorgcentrum"),
    "Onderwijs": ("Openbaar Onderwijs", "Scholengroep", "Kinderopvang"),
    "Cultuur": ("Schouwburg", "Muziekschool", "Museum"),
    "Sport en recreatie": ("Sportpark", "Zwembad", "Recreatie"),
    "Welzijn": ("Welzijn", "Buurtwerk", "Vrijwilligerscentrale"),
}
# Fantasy stems for group and company names; "Noorderlicht" is the flagship's alone.
_STEMS = (
    "Polder", "Delta", "Zuiderzee", "Wadden", "Veluwe", "Kempen", "Horizon", "Zonnestraal",
    "Molenwaard", "Duinzicht", "Eemland", "Oranje", "Rijnmond", "Maasland", "IJsselstreek",
    "Lindeboom", "Eikenhof", "Vlinder", "Tulp", "Meerzicht", "Heuvelrug", "Dijkgraaf",
    "Schelde", "Brabantia", "Friesland", "Twentse", "Biesbosch", "Hollandia", "Zeeland",
)
_GROUP_ROOTS = ("Holding B.V.", "Groep B.V.", "Beheer B.V.", "Groep N.V.")
_DIVISIONS = (
    "Bouw", "Logistiek", "Techniek", "Energie", "Vastgoed", "Installaties", "Services",
    "Retail", "Food", "ICT", "Consultancy", "Transport", "Facilitair", "Groothandel",
    "Productie", "Onderhoud", "Finance", "Projecten",
)
# The industry of a group company follows its division.
_DIVISION_INDUSTRY = {
    "Bouw": "Bouw", "Logistiek": "Transport en logistiek", "Techniek": "Installatietechniek",
    "Energie": "Energie", "Vastgoed": "Vastgoed", "Installaties": "Installatietechniek",
    "Retail": "Detailhandel", "Food": "Voedingsmiddelen", "ICT": "ICT",
    "Transport": "Transport en logistiek", "Groothandel": "Groothandel", "Productie": "Industrie",
    "Onderhoud": "Installatietechniek", "Finance": "Financiële dienstverlening",
}
_LEGAL_FORMS = ("Holding B.V.", "Groep B.V.", "Beheer B.V.", "Groep N.V.", "B.V.", "N.V.", "V.O.F.")
_REGIONS = (
    "Noord", "Zuid", "Oost", "West", "Randstad", "Brabant", "Limburg", "Twente", "Gelderland",
    "Zeeland", "Holland", "Benelux", "Nederland",
)
_DESCRIPTIONS = (
    "{industry} in de regio {city}.",
    "Familiebedrijf in {industry_lower}, opgericht in {year}.",
    "Specialist in {industry_lower} voor de zakelijke markt.",
    "Actief in {industry_lower} sinds {year}; hoofdkantoor in {city}.",
    "Landelijk werkende partij in {industry_lower}.",
)

_DEPARTMENTS = {
    "Directie": ("Directeur", "Algemeen directeur", "Managing director", "Operationeel directeur"),
    "Sales": ("Accountmanager", "Salesmanager", "Commercieel medewerker", "Binnendienstmedewerker"),
    "Inkoop": ("Inkoper", "Hoofd inkoop", "Category manager"),
    "Financiën": ("Controller", "Financieel directeur", "Boekhouder", "Crediteurenadministrateur"),
    "ICT": ("ICT-manager", "Systeembeheerder", "Applicatiebeheerder", "Software-ontwikkelaar"),
    "HR": ("HR-adviseur", "HR-manager", "Salarisadministrateur"),
    "Marketing": ("Marketingmanager", "Communicatieadviseur", "Marketeer"),
    "Logistiek": ("Logistiek manager", "Planner", "Magazijnchef"),
    "Secretariaat": ("Office manager", "Managementassistent", "Receptionist"),
}
_DEPARTMENT_NAMES = list(_DEPARTMENTS)
_DEPARTMENT_WEIGHTS = [3, 4, 2, 2, 2, 1, 1, 1, 2]
# The role a department's people usually have; the others are drawn at random.
_USUAL_ROLE = {
    "Directie": "Beslisser",
    "Financiën": "Financieel contact",
    "ICT": "Technisch contact",
    "Inkoop": "Beslisser",
}

_INFIXES = frozenset({"van", "de", "van der", "van den", "van de", "ter", "den", "te", "van 't", "in 't"})
_TITLES = ("dr.", "drs.", "ir.", "ing.", "mr.", "prof. dr.", "bc.")
_FREE_MAIL = (
    "gmail.com", "hotmail.com", "outlook.com", "ziggo.nl", "kpnmail.nl", "live.nl", "xs4all.nl", "planet.nl",
)
# Words a company's web domain leaves out: "Jansen Holding B.V." is at jansen.nl.
_NOT_IN_DOMAIN = frozenset({"b.v.", "n.v.", "v.o.f.", "holding", "groep", "beheer", "stichting"})
# Given names whose initial is conventionally written with two letters ("Th. de Vries").
_DIGRAPH_INITIALS = ("Chr", "Th", "Ph", "IJ")


@dataclass
class SeedSummary:
    """What `seed` added."""

    organisations: int
    persons: int
    memberships: int
    addresses: int


@dataclass
class _AddressSpec:
    kind: str
    street: str
    house_number: str
    house_number_addition: str | None
    postcode: str
    city: str
    is_head_office: bool


@dataclass
class _OrgSpec:
    name: str
    parent: int | None
    group: int
    flagship: bool
    domain: str
    area_code: str
    addresses: list[_AddressSpec] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class _MembershipSpec:
    org: int
    active: bool
    department: str
    job_title: str
    role: str
    business_email: str
    phone1: str | None
    phone2: str | None
    start_date: dt.date
    end_date: dt.date | None
    tags: list[str]


@dataclass
class _PersonSpec:
    values: dict[str, object]
    memberships: list[_MembershipSpec] = field(default_factory=list)
    address: _AddressSpec | None = None


class _Generator:
    """Draws every value from one Faker and one Random, in a fixed order."""

    def __init__(self, seed: int, taken_codes: set[str]) -> None:
        self.fake = Faker("nl_NL")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.name_keys: set[str] = set()
        # Codes are unique in the database: a second seed must step around the first one's.
        self.codes = set(taken_codes)
        self.kvk_numbers: set[str] = set()
        self.vat_numbers: set[str] = set()
        self.bsns: set[str] = set()
        self.domains: set[str] = set()
        self.stems: set[str] = set()
        self.emails: set[str] = set()
        self.next_code = 100

    # -- small values ---------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days_before(self, low: int, high: int, *, day: dt.date = REFERENCE_DATE) -> dt.date:
        return day - dt.timedelta(days=self.rng.randint(low, high))

    def postcode(self, city: str) -> str:
        low, high = _CITIES[city][0] if city in _CITIES else (1000, 9999)
        while True:
            letters = "".join(self.rng.choice(_POSTCODE_LETTERS) for _ in range(2))
            if letters not in _BAD_POSTCODE_PAIRS:
                return f"{self.rng.randint(low, high)} {letters}"

    def city(self) -> tuple[str, str]:
        """A city and its area code: mostly a known city, sometimes a Faker village."""
        if self.chance(0.7):
            city = self.rng.choices(_CITY_NAMES, weights=_CITY_WEIGHTS)[0]
            return city, _CITIES[city][1]
        return self.fake.city(), self.rng.choice(_AREA_CODES)

    def landline(self, area_code: str) -> str:
        digits = 10 - len(area_code)
        number = str(self.rng.randint(2 * 10 ** (digits - 1), 10**digits - 1))
        if digits == 7:
            return f"{area_code} {number[:3]} {number[3:]}"
        return f"{area_code} {number}"

    def mobile(self) -> str:
        number = self.rng.randint(10_000_000, 69_999_999)
        return f"06-{number}" if self.chance(0.7) else f"+31 6 {number}"

    def kvk_number(self) -> str:
        while True:
            kvk = str(self.rng.randint(10_000_000, 99_999_999))
            if kvk not in self.kvk_numbers:
                self.kvk_numbers.add(kvk)
                return kvk

    def vat_number(self) -> str:
        while True:
            suffix = "01" if self.chance(0.85) else self.rng.choice(("02", "03", "04"))
            vat = f"NL{self.rng.randint(1, 999_999_999):09d}B{suffix}"
            if vat not in self.vat_numbers:
                self.vat_numbers.add(vat)
                return vat

    def bsn(self) -> str:
        """A unique BSN passing the 11-check: the last digit is chosen to satisfy it."""
        while True:
            digits = [self.rng.randint(1, 9)] + [self.rng.randint(0, 9) for _ in range(7)]
            check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
            if check == 10:
                continue  # No single digit can balance this prefix.
            value = "".join(map(str, digits)) + str(check)
            if value not in self.bsns:
                self.bsns.add(value)
                return value

    def code(self) -> str:
        # Customer numbers grow with gaps, as after years of deletions and imports.
        self.next_code += self.rng.randint(1, 9)
        while f"C{self.next_code:06d}" in self.codes:
            self.next_code += 1
        code = f"C{self.next_code:06d}"
        self.codes.add(code)
        return code

    def flagship_code(self) -> str:
        code, n = FLAGSHIP_CODE, 1
        while code in self.codes:
            n += 1
            code = f"DEMO-{n:04d}"
        self.codes.add(code)
        return code

    def address(self, kind: AddressKind, city: str, *, head_office: bool) -> _AddressSpec:
        if kind is AddressKind.POSTAL:
            # A PO box: "Postbus 1234" in the same city, as Dutch firms do.
            return _AddressSpec(
                kind=kind.value, street="Postbus", house_number=str(self.rng.randint(1, 9999)),
                house_number_addition=None, postcode=self.postcode(city), city=city,
                is_head_office=False,
            )
        street = self.rng.choice(_BUSINESS_STREETS) if self.chance(0.5) else self.fake.street_name()
        return _AddressSpec(
            kind=kind.value,
            street=street,
            house_number=str(self.rng.randint(1, 250)),
            house_number_addition=self.rng.choice(_HOUSE_NUMBER_ADDITIONS) if self.chance(0.15) else None,
            postcode=self.postcode(city),
            city=city,
            is_head_office=head_office,
        )

    def surname(self) -> str:
        """A Faker surname in the common shape: an optional known infix and one word."""
        while True:
            name = self.fake.last_name()
            # Faker also has historic forms ("West-Francië, van") and double names.
            infix, last = _split_infix(name)
            if "," not in name and " " not in last and infix in _INFIXES | {None}:
                return name

    # -- organisations --------------------------------------------------------------------

    def unique_name(self, make: Callable[[], str], fallback_city: str) -> str:
        for _ in range(20):
            name = make()
            if _name_key(name) not in self.name_keys:
                break
        else:
            # Tell namesakes apart by their city, as the KvK register does: "X Utrecht B.V.".
            base, form = _split_legal_form(name)
            name = " ".join(p for p in (base, fallback_city, form) if p)
        # Dutch capitalises an infix that starts a name: "Van Poppel B.V.".
        name = name[0].upper() + name[1:]
        if _name_key(name) in self.name_keys:
            name = f"{name} ({len(self.name_keys)})"
        self.name_keys.add(_name_key(name))
        return name

    def standalone_name(self, industry: str, city: str) -> str:
        if industry in _NONPROFIT_NAMES:
            return f"Stichting {self.rng.choice(_NONPROFIT_NAMES[industry])} {city}"
        trade = self.rng.choice(_TRADES[industry])
        pattern = self.rng.random()
        if pattern < 0.45:
            base = f"{trade} {self.surname()}" if trade in _PREFIX_TRADES else f"{self.surname()} {trade}"
        elif pattern < 0.7:
            base = f"{self.surname()} & {self.surname()}"
            if industry in ("Accountancy", "Advocatuur"):
                base = f"{base} {trade}"
        elif pattern < 0.85:
            base = f"{self.rng.choice(_STEMS)} {trade}"
        else:
            base = f"{trade} {city}" if trade in _PREFIX_TRADES else f"{trade} {self.rng.choice(_REGIONS)}"
        form = self.rng.choices(("B.V.", "N.V.", "V.O.F.", ""), weights=(64, 4, 12, 20))[0]
        return f"{base} {form}".strip()

    def domain(self, name: str) -> str:
        words = fold(name.replace("&", " en ")).split()
        words = [w for w in words if w not in _NOT_IN_DOMAIN]
        # Whole words up to ~28 letters: "bakkerijjansen.nl", never a word cut in half.
        slug = ""
        for word in (re.sub(r"[^a-z0-9]", "", w) for w in words):
            if slug and len(slug) + len(word) > 28:
                break
            slug += word
        slug = slug[:30] or "bedrijf"
        domain = f"{slug}.nl"
        n = 2
        while domain in self.domains:
            domain = f"{slug}{n}.nl"
            n += 1
        self.domains.add(domain)
        return domain

    def organisation_values(self, spec: _OrgSpec, industry: str, city: str) -> dict[str, object]:
        nonprofit = industry in _NONPROFIT_INDUSTRIES
        if spec.flagship:
            status = OrganisationStatus.ACTIVE.value
            archived = False
        else:
            status = self.rng.choices(
                [s.value for s in OrganisationStatus], weights=(12, 80, 8)
            )[0]
            archived = self.chance(0.03)
            if archived:
                status = OrganisationStatus.INACTIVE.value
        prospect = status == OrganisationStatus.PROSPECT.value
        checked = not prospect and self.chance(0.75)
        values: dict[str, object] = {
            "name": spec.name,
            "code": self.flagship_code() if spec.flagship and spec.parent is None else (
                None if prospect and self.chance(0.5) else self.code()
            ),
            "legal_name": spec.name if self.chance(0.6) else None,
            "kvk_number": self.kvk_number() if spec.flagship or self.chance(0.9) else None,
            "vat_number": (
                self.vat_number() if (spec.flagship or self.chance(0.6)) and not nonprofit else None
            ),
            "industry": industry,
            "description": None,
            "website": f"https://www.{spec.domain}" if spec.flagship or self.chance(0.75) else None,
            "email": f"info@{spec.domain}" if spec.flagship or self.chance(0.65) else None,
            "phone": self.landline(spec.area_code) if spec.flagship or self.chance(0.8) else None,
            "status": status,
            "checked": checked,
            "creditworthy": checked and self.chance(0.7),
            "archived": archived,
        }
        if industry == "Holding":
            values["description"] = f"Houdstermaatschappij van de {_split_legal_form(spec.name)[0]}-groep."
        elif self.chance(0.4):
            values["description"] = self.rng.choice(_DESCRIPTIONS).format(
                industry=industry, industry_lower=industry.lower(), city=city,
                year=self.rng.randint(1948, 2021),
            )
        return values

    def plan_organisations(self, count: int) -> list[_OrgSpec]:
        """Plan `count` organisations in creation order: a parent always precedes its children."""
        specs: list[_OrgSpec] = []
        flagship_domain = "noorderlicht.nl"
        self.domains.add(flagship_domain)
        for name, parent, city, industry in _FLAGSHIP[:count]:
            self.name_keys.add(_name_key(name))
            spec = _OrgSpec(
                name=name, parent=parent, group=0, flagship=True, domain=flagship_domain,
                area_code=_CITIES[city][1],
            )
            self._finish(spec, industry, city)
            specs.append(spec)

        remaining = count - len(specs)
        grouped_budget = round(remaining * 0.3)
        # Units are whole groups or single organisations, shuffled so that groups are spread.
        units: list[int] = []
        while grouped_budget >= 2:
            size = self.rng.randint(2, min(8, grouped_budget))
            if grouped_budget - size == 1:
                size += 1
            units.append(size)
            grouped_budget -= size
        units.extend([1] * (remaining - sum(units)))
        self.rng.shuffle(units)
        for size in units:
            if size == 1:
                specs.append(self._standalone(len(specs)))
            else:
                specs.extend(self._group(len(specs), size))
        return specs

    def _finish(self, spec: _OrgSpec, industry: str, city: str) -> None:
        spec.addresses.append(self.address(AddressKind.VISIT, city, head_office=True))
        if self.chance(0.3):
            spec.addresses.append(self.address(AddressKind.POSTAL, city, head_office=False))
        spec.values = self.organisation_values(spec, industry, city)

    def _standalone(self, index: int) -> _OrgSpec:
        city, area_code = self.city()
        industry = self.rng.choice(_NONPROFIT_INDUSTRIES if self.chance(0.08) else _INDUSTRIES)
        name = self.unique_name(lambda: self.standalone_name(industry, city), city)
        spec = _OrgSpec(
            name=name, parent=None, group=index, flagship=False, domain=self.domain(name),
            area_code=area_code,
        )
        self._finish(spec, industry, city)
        return spec

    def _namer(self, base: str, place: str, city: str) -> Callable[[], str]:
        """Names for a group company: `place` first, other places when that one is taken."""
        pending = [place]

        def make() -> str:
            suffix = pending.pop() if pending else self.rng.choice((*_REGIONS, city))
            return " ".join(p for p in (base, suffix, "B.V.") if p)

        return make

    def _group(self, first: int, size: int) -> list[_OrgSpec]:
        """A group of `size` organisations, 2-4 levels deep, listed level by level."""
        levels = self.rng.randint(2, min(4, size))
        # A chain to the deepest level first, so the group really is `levels` deep.
        level_of = list(range(levels))
        parent_of: list[int | None] = [None, *range(levels - 1)]
        for _ in range(size - levels):
            parent = self.rng.choice([i for i, lv in enumerate(level_of) if lv < levels - 1])
            parent_of.append(parent)
            level_of.append(level_of[parent] + 1)
        order = sorted(range(size), key=lambda i: (level_of[i], i))
        position = {old: new for new, old in enumerate(order)}

        # A stem per group, so that two groups never share subsidiary names.
        for _ in range(20):
            stem = self.rng.choice(_STEMS) if self.chance(0.5) else self.surname()
            stem = stem[0].upper() + stem[1:]
            if stem not in self.stems:
                break
        self.stems.add(stem)
        root_city, area_code = self.city()
        root_name = self.unique_name(lambda: f"{stem} {self.rng.choice(_GROUP_ROOTS)}", root_city)
        domain = self.domain(root_name)
        divisions = self.rng.sample(_DIVISIONS, k=min(size, len(_DIVISIONS)))
        division_of: dict[int, str] = {}
        specs: list[_OrgSpec] = []
        for new, old in enumerate(order):
            parent = parent_of[old]
            if parent is None:
                name, city, industry = root_name, root_city, "Holding"
            else:
                city = root_city if self.chance(0.5) else self.city()[0]
                # Below level 1 a company carries its division's name plus a region
                # ("Polder Bouw Noord B.V."), one level further its city.
                division = division_of.get(parent) or divisions[new % len(divisions)]
                division_of[old] = division
                industry = _DIVISION_INDUSTRY.get(division, "Zakelijke dienstverlening")
                level = level_of[old]
                place = "" if level == 1 else (self.rng.choice(_REGIONS) if level == 2 else city)
                name = self.unique_name(self._namer(f"{stem} {division}", place, city), city)
            spec = _OrgSpec(
                name=name,
                parent=None if parent is None else first + position[parent],
                group=first,
                flagship=False,
                domain=domain,
                area_code=_CITIES[city][1] if city in _CITIES else area_code,
            )
            self._finish(spec, industry, city)
            specs.append(spec)
        return specs

    # -- persons and memberships ----------------------------------------------------------

    def person_values(self) -> dict[str, object]:
        gender = self.rng.choices(
            (Gender.MALE, Gender.FEMALE, Gender.OTHER, Gender.UNKNOWN), weights=(48, 48, 1, 3)
        )[0]
        female = gender is Gender.FEMALE or (gender is not Gender.MALE and self.chance(0.5))
        given = self.fake.first_name_female if female else self.fake.first_name_male
        first_name = given()
        initials = [_initial(first_name)]
        # Dutch initials also carry the baptismal names after the name one is called by.
        for _ in range(self.rng.choices((0, 1, 2), weights=(60, 30, 10))[0]):
            initials.append(_initial(given()))
        wants_infix = self.chance(0.3)
        while True:
            infix, last_name = _split_infix(self.surname())
            if (infix is not None) == wants_infix:
                break
        born = self.days_before(18 * 365, 75 * 365) if self.chance(0.4) else None
        return {
            "gender": gender.value,
            "title": self.rng.choice(_TITLES) if self.chance(0.12) else None,
            "initials": "".join(f"{i}." for i in initials),
            "first_name": first_name,
            "infix": infix,
            "last_name": last_name,
            "email": None,
            "phone": self.mobile() if self.chance(0.3) else None,
            "birth_date": born,
            "bsn": self.bsn() if self.chance(0.1) else None,
        }

    def email(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}"
        n = 2
        while address in self.emails:
            address = f"{local}{n}@{domain}"
            n += 1
        self.emails.add(address)
        return address

    def local_part(self, person: dict[str, object]) -> str:
        first = _ascii(str(person["first_name"]))
        last = _ascii(f"{person['infix'] or ''}{person['last_name']}")
        style = self.rng.random()
        if style < 0.5:
            return f"{first}.{last}"
        if style < 0.8:
            return f"{first[0]}.{last}"
        return f"{first}{last[:1]}" if style < 0.9 else f"{first[0]}{last}"

    def membership(self, person: dict[str, object], org: _OrgSpec, *, active: bool) -> _MembershipSpec:
        department = self.rng.choices(_DEPARTMENT_NAMES, weights=_DEPARTMENT_WEIGHTS)[0]
        usual = _USUAL_ROLE.get(department)
        role = usual if usual and self.chance(0.7) else self.rng.choice(ROLES)
        if active:
            start = self.days_before(30, 15 * 365)
            end = None
        else:
            end = self.days_before(20, 6 * 365)
            start = self.days_before(90, 10 * 365, day=end)
        tags = self.rng.sample(TAGS, k=self.rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0])
        return _MembershipSpec(
            org=-1,
            active=active,
            department=department,
            job_title=self.rng.choice(_DEPARTMENTS[department]),
            role=role,
            business_email=self.email(self.local_part(person), org.domain),
            phone1=self.landline(org.area_code) if self.chance(0.8) else None,
            phone2=self.mobile() if self.chance(0.5) else None,
            start_date=start,
            end_date=end,
            tags=tags,
        )

    def plan_persons(self, count: int, orgs: Sequence[_OrgSpec]) -> list[_PersonSpec]:
        """Plan `count` persons with their memberships and, for some, a home address."""
        people = [_PersonSpec(values=self.person_values()) for _ in range(count)]
        # How many organisations each person works for: none (a private person), one or a few.
        wanted = [self.rng.choices((0, 1, 2, 3), weights=(10, 70, 13, 7))[0] for _ in people]
        placed: list[list[tuple[int, bool]]] = [[] for _ in people]

        def has_room(p: int, org: int) -> bool:
            return len(placed[p]) < wanted[p] and all(o != org for o, _ in placed[p])

        # The flagship group first: every organisation there gets 2-6 active people.
        order = list(range(count))
        self.rng.shuffle(order)
        cursor = 0
        for index, org in enumerate(orgs):
            if not org.flagship:
                continue
            need = self.rng.randint(2, 6)
            tried = 0
            while need and tried < count:
                p = order[cursor % count]
                cursor += 1
                tried += 1
                if has_room(p, index):
                    placed[p].append((index, True))
                    need -= 1
            # Some history too, for includeInactive; it does not count towards the 2-6.
            if self.chance(0.35):
                for _ in range(count):
                    p = order[cursor % count]
                    cursor += 1
                    if has_room(p, index):
                        placed[p].append((index, False))
                        break

        # Everyone else: organisations get unequal shares, as in a real CRM; a person with
        # several jobs often has them within one group.
        others = [i for i, o in enumerate(orgs) if not o.flagship]
        if others:
            weights = [min(25.0, self.rng.paretovariate(1.2)) for _ in others]
            cumulative = list(itertools.accumulate(weights))  # computed once, not per draw
            by_group: dict[int, list[int]] = {}
            for i in others:
                by_group.setdefault(orgs[i].group, []).append(i)
            for p in range(count):
                for _ in range(12):  # bounded: a tiny demo may not have enough organisations
                    if len(placed[p]) >= wanted[p]:
                        break
                    mates = None
                    if placed[p] and self.chance(0.5):
                        mates = by_group.get(orgs[placed[p][0][0]].group)
                    org = self.rng.choice(mates) if mates else self.rng.choices(others, cum_weights=cumulative)[0]
                    if has_room(p, org):
                        placed[p].append((org, not self.chance(0.15)))

        for person, jobs in zip(people, placed, strict=True):
            for org, active in jobs:
                spec = self.membership(person.values, orgs[org], active=active)
                spec.org = org
                person.memberships.append(spec)
            private = not jobs
            if self.chance(0.5 if private else 0.25):
                names = person.values
                local = f"{_ascii(str(names['first_name']))}.{_ascii(str(names['last_name']))}"
                person.values["email"] = self.email(local, self.rng.choice(_FREE_MAIL))
            if self.chance(0.6 if private else 0.15):
                city, _ = self.city()
                person.address = self.address(AddressKind.VISIT, city, head_office=True)
        return people

    def timestamps(self, count: int, *, years: int) -> list[dt.datetime]:
        """`count` rising creation times over the `years` before the reference date."""
        span = dt.timedelta(days=365 * years) / max(count, 1)
        start = _REFERENCE_TIME - dt.timedelta(days=365 * years)
        return [start + span * (i + self.rng.random()) for i in range(count)]


def _split_infix(surname: str) -> tuple[str | None, str]:
    """Split "van der Berg" into ("van der", "Berg"): the infix is the lower-case lead."""
    words = surname.split()
    lead = 0
    while lead < len(words) - 1 and (words[lead][0].islower() or words[lead][0] == "'"):
        lead += 1
    return (" ".join(words[:lead]) or None), " ".join(words[lead:])


def _name_key(name: str) -> str:
    """What makes two names the same company: "X Oost" and "X Oost B.V." are one."""
    return fold(_split_legal_form(name)[0])


def _split_legal_form(name: str) -> tuple[str, str]:
    """Split "Polder Bouw B.V." into ("Polder Bouw", "B.V.")."""
    for form in _LEGAL_FORMS:
        if name.endswith(f" {form}"):
            return name.removesuffix(f" {form}"), form
    return name, ""


def _initial(first_name: str) -> str:
    for digraph in _DIGRAPH_INITIALS:
        if first_name.startswith(digraph) and len(first_name) > len(digraph):
            return digraph
    return first_name[0].upper()


def _ascii(value: str) -> str:
    """The mailbox form of a name: folded, letters and digits only ("Ruud d'Hondt" -> "ruuddhondt")."""
    return re.sub(r"[^a-z0-9]", "", fold(value)) or "x"


def _address_row(party_id: int, spec: _AddressSpec, created_at: dt.datetime) -> Address:
    return Address(
        party_id=party_id,
        kind=spec.kind,
        street=spec.street,
        house_number=spec.house_number,
        house_number_addition=spec.house_number_addition,
        postcode=spec.postcode,
        city=spec.city,
        country="NL",
        is_head_office=spec.is_head_office,
        created_at=created_at,
    )


def _updated(gen: _Generator, created: dt.datetime) -> dt.datetime:
    # Some rows were edited after creation, never after the reference moment.
    if gen.chance(0.6):
        return created
    return min(_REFERENCE_TIME, created + dt.timedelta(days=gen.rng.randint(1, 700)))


def _at(day: dt.date | None) -> dt.datetime:
    day = day or REFERENCE_DATE
    return dt.datetime(day.year, day.month, day.day, 17, 0, tzinfo=dt.UTC)


async def is_empty(session: AsyncSession) -> bool:
    """Tell whether the database has no parties yet."""
    return not await session.scalar(select(exists(select(Party.id))))


async def _insert(session: AsyncSession, rows: Sequence[Base]) -> None:
    """Insert `rows`, then let them go: the session's identity map would grow with the seed."""
    session.add_all(rows)
    await session.flush()
    for row in rows:
        session.expunge(row)


async def _insert_ids(session: AsyncSession, rows: Sequence[Organisation | Person | Membership]) -> list[int]:
    """Insert `rows` and return their new ids, in order."""
    await _insert(session, rows)
    # A detached row keeps its loaded attributes, so the ids stay readable.
    return [row.id for row in rows]


async def seed(
    session: AsyncSession,
    *,
    organisations: int = 150,
    persons: int = 500,
    seed: int = 42,
    created_by_id: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> SeedSummary:
    """Add demo organisations, persons and memberships; the caller commits."""
    report = progress or (lambda _label, _done: None)
    taken = set(await session.scalars(select(Organisation.code).where(Organisation.code.is_not(None))))
    gen = _Generator(seed, taken)
    by = {"created_by_id": created_by_id, "updated_by_id": created_by_id}

    # Organisations: save the pending ones whenever the next one's parent is among them,
    # so parent ids are known and ids follow the planned order exactly.
    org_specs = gen.plan_organisations(max(organisations, 0))
    org_times = gen.timestamps(len(org_specs), years=8)
    org_ids: list[int] = []
    pending: list[Organisation] = []
    for index, spec in enumerate(org_specs):
        if (spec.parent is not None and spec.parent >= len(org_ids)) or len(pending) >= _BATCH:
            org_ids.extend(await _insert_ids(session, pending))
            pending = []
            report("organisations", len(org_ids))
        org = Organisation(
            **spec.values,
            parent_id=None if spec.parent is None else org_ids[spec.parent],
            created_at=org_times[index],
            updated_at=_updated(gen, org_times[index]),
            **by,
        )
        refresh_organisation_search(org, [a.city for a in spec.addresses])
        pending.append(org)
    org_ids.extend(await _insert_ids(session, pending))
    report("organisations", len(org_ids))

    addresses = [
        _address_row(org_id, a, created)
        for org_id, created, spec in zip(org_ids, org_times, org_specs, strict=True)
        for a in spec.addresses
    ]

    person_specs = gen.plan_persons(max(persons, 0), org_specs)
    person_times = gen.timestamps(len(person_specs), years=6)
    person_ids: list[int] = []
    for start in range(0, len(person_specs), _BATCH):
        batch = []
        for offset, spec in enumerate(person_specs[start : start + _BATCH]):
            created = person_times[start + offset]
            person = Person(**spec.values, created_at=created, updated_at=_updated(gen, created), **by)
            refresh_person_search(person, [m.business_email for m in spec.memberships])
            batch.append(person)
        person_ids.extend(await _insert_ids(session, batch))
        report("persons", len(person_ids))

    memberships: list[Membership] = []
    tags: list[list[str]] = []
    for person_id, person_created, spec in zip(person_ids, person_times, person_specs, strict=True):
        if spec.address is not None:
            addresses.append(_address_row(person_id, spec.address, person_created))
        for m in spec.memberships:
            # Linked some time after both parties existed, never after the reference moment.
            created = max(person_created, org_times[m.org]) + dt.timedelta(
                minutes=gen.rng.randint(5, 60 * 24 * 30)
            )
            created = min(created, _REFERENCE_TIME)
            memberships.append(
                Membership(
                    person_id=person_id,
                    organisation_id=org_ids[m.org],
                    department=m.department,
                    job_title=m.job_title,
                    business_email=m.business_email,
                    phone1=m.phone1,
                    phone2=m.phone2,
                    role=m.role,
                    active=m.active,
                    start_date=m.start_date,
                    end_date=m.end_date,
                    created_at=created,
                    updated_at=created if m.active else max(created, _at(m.end_date)),
                    **by,
                )
            )
            tags.append(m.tags)
    tag_rows: list[MembershipTag] = []
    for start in range(0, len(memberships), _BATCH):
        ids = await _insert_ids(session, memberships[start : start + _BATCH])
        tag_rows.extend(
            MembershipTag(membership_id=mid, tag=tag)
            for mid, names in zip(ids, tags[start : start + _BATCH], strict=True)
            for tag in names
        )
        report("memberships", min(start + _BATCH, len(memberships)))
    for start in range(0, len(tag_rows), _BATCH * 4):
        await _insert(session, tag_rows[start : start + _BATCH * 4])
    for start in range(0, len(addresses), _BATCH):
        await _insert(session, addresses[start : start + _BATCH])
        report("addresses", min(start + _BATCH, len(addresses)))
    return SeedSummary(
        organisations=len(org_ids),
        persons=len(person_ids),
        memberships=len(memberships),
        addresses=len(addresses),
    )
