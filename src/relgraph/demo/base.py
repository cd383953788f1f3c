"""The fixed points of the demo data and the generator every value is drawn from."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker
from stdnum.nl import bsn as nl_bsn

from relgraph.db.models import AddressKind
from relgraph.demo.names import (
    AREA_CODES,
    BAD_POSTCODE_PAIRS,
    BUSINESS_STREETS,
    CITIES,
    CITY_NAMES,
    CITY_WEIGHTS,
    HOUSE_NUMBER_ADDITIONS,
    INFIXES,
    POSTCODE_LETTERS,
    split_infix,
)

__all__ = [
    "BATCH",
    "FLAGSHIP_CODE",
    "FLAGSHIP_NAME",
    "REFERENCE_DATE",
    "REFERENCE_TIME",
    "AddressSpec",
    "Generator",
    "Ref",
    "at",
    "rsin",
    "stream",
]

# Every date is computed back from this day, never from today, so the data is stable.
REFERENCE_DATE = dt.date(2026, 1, 1)
REFERENCE_TIME = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)

FLAGSHIP_NAME = "Noorderlicht Holding B.V."
FLAGSHIP_CODE = "DEMO-0001"

BATCH = 500

# A planned party: its kind (a PartyKind value) and its index in the planned organisations
# or persons. Plans refer to parties this way because ids exist only once rows are written.
Ref = tuple[str, int]


def rsin(prefix: int) -> str:
    """Nine digits that pass the 11-check (an RSIN, the heart of a Dutch VAT number): `prefix`
    as eight, and the check digit stdnum computes; a prefix no digit can complete gives way
    to the next one (no extra draw, so the rest of the demo data stays as it was)."""
    while True:
        head = f"{prefix % 100_000_000:08d}"
        check = nl_bsn.checksum(head + "0")
        if check < 10 and head != "00000000":
            return head + str(check)
        prefix += 1


def stream(seed: int, name: str) -> random.Random:
    """Return a random stream of its own for one part of the data.

    A string seed is hashed with SHA-512, so the stream is the same on every run, and a
    change in how relations are drawn leaves the organisations and persons as they were.
    """
    return random.Random(f"relgraph-demo:{seed}:{name}")


def at(day: dt.date | None) -> dt.datetime:
    """Return five in the afternoon of `day` (or of the reference date)."""
    day = day or REFERENCE_DATE
    return dt.datetime(day.year, day.month, day.day, 17, 0, tzinfo=dt.UTC)


@dataclass
class AddressSpec:
    kind: str
    street: str
    house_number: str
    house_number_addition: str | None
    postcode: str
    city: str
    is_head_office: bool


class Generator:
    """Draws the organisations and persons from one Faker and one Random, in a fixed order."""

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

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days_before(self, low: int, high: int, *, day: dt.date = REFERENCE_DATE) -> dt.date:
        return day - dt.timedelta(days=self.rng.randint(low, high))

    def postcode(self, city: str) -> str:
        low, high = CITIES[city][0] if city in CITIES else (1000, 9999)
        while True:
            letters = "".join(self.rng.choice(POSTCODE_LETTERS) for _ in range(2))
            if letters not in BAD_POSTCODE_PAIRS:
                return f"{self.rng.randint(low, high)} {letters}"

    def city(self) -> tuple[str, str]:
        """Draw a city and its area code: mostly a known city, sometimes a Faker village."""
        if self.chance(0.7):
            city = self.rng.choices(CITY_NAMES, weights=CITY_WEIGHTS)[0]
            return city, CITIES[city][1]
        return self.fake.city(), self.rng.choice(AREA_CODES)

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
        """Draw a unique Dutch VAT number: an RSIN that passes the 11-check, B and a serial."""
        while True:
            suffix = "01" if self.chance(0.85) else self.rng.choice(("02", "03", "04"))
            vat = f"NL{rsin(self.rng.randint(1, 99_999_999))}B{suffix}"
            if vat not in self.vat_numbers:
                self.vat_numbers.add(vat)
                return vat

    def bsn(self) -> str:
        """Draw a unique BSN that passes the 11-check: eight digits, then stdnum's check digit."""
        while True:
            digits = [self.rng.randint(1, 9)] + [self.rng.randint(0, 9) for _ in range(7)]
            head = "".join(map(str, digits))
            check = nl_bsn.checksum(head + "0")
            if check == 10:
                continue  # No single digit can complete this prefix.
            value = head + str(check)
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

    def address(self, kind: AddressKind, city: str, *, head_office: bool) -> AddressSpec:
        if kind is AddressKind.POSTAL:
            # A PO box: "Postbus 1234" in the same city, as Dutch firms do.
            return AddressSpec(
                kind=kind.value,
                street="Postbus",
                house_number=str(self.rng.randint(1, 9999)),
                house_number_addition=None,
                postcode=self.postcode(city),
                city=city,
                is_head_office=False,
            )
        street = self.rng.choice(BUSINESS_STREETS) if self.chance(0.5) else self.fake.street_name()
        return AddressSpec(
            kind=kind.value,
            street=street,
            house_number=str(self.rng.randint(1, 250)),
            house_number_addition=self.rng.choice(HOUSE_NUMBER_ADDITIONS) if self.chance(0.15) else None,
            postcode=self.postcode(city),
            city=city,
            is_head_office=head_office,
        )

    def surname(self) -> str:
        """Draw a Faker surname in the common shape: an optional known infix and one word."""
        while True:
            name = self.fake.last_name()
            # Faker also has historic forms ("West-Francië, van") and double names.
            infix, last = split_infix(name)
            if "," not in name and " " not in last and infix in INFIXES | {None}:
                return name

    def email(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}"
        n = 2
        while address in self.emails:
            address = f"{local}{n}@{domain}"
            n += 1
        self.emails.add(address)
        return address

    def timestamps(self, count: int, *, years: int) -> list[dt.datetime]:
        """Draw `count` rising creation times over the `years` before the reference date."""
        span = dt.timedelta(days=365 * years) / max(count, 1)
        start = REFERENCE_TIME - dt.timedelta(days=365 * years)
        return [start + span * (i + self.rng.random()) for i in range(count)]

    def updated(self, created: dt.datetime) -> dt.datetime:
        # Some rows were edited after creation, never after the reference moment.
        if self.chance(0.6):
            return created
        return min(REFERENCE_TIME, created + dt.timedelta(days=self.rng.randint(1, 700)))
