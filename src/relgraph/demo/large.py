"""The large demo dataset (issue 10): a CRM at scale, drawn fast and deterministically.

100,000 organisations (groups up to six levels deep, one group of 10,000 descendants),
500,000 persons, 1,000,000 memberships (a fifth of them ended), 200,000 relations and
50,000 internal relations at `factor=1`; every count scales with `factor`, so a test can
run the very same code on a few hundred rows.

Unlike the small demo this draws from word lists only (no Faker calls per row): Faker is
about a hundred times too slow for millions of rows. The derived columns (name key, sort
key, search text, city key) come from the domain's own functions. The rows are handed to
`bulk_load` table by table, in batches, with ids assigned here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from faker.providers.address.nl_NL import Provider as AddressNames
from faker.providers.person.nl_NL import Provider as PersonNames

from relgraph.db.models import Organisation, Person
from relgraph.demo.base import REFERENCE_DATE, REFERENCE_TIME
from relgraph.demo.names import (
    BUSINESS_STREETS,
    CITIES,
    CITY_NAMES,
    CITY_WEIGHTS,
    DEPARTMENTS,
    INDUSTRIES,
    LEGAL_FORMS,
    ROLES,
    STEMS,
    TAGS,
    TITLES,
    TRADES,
    initial,
    mailbox_name,
    split_infix,
)
from relgraph.domain.party_data.search_text import set_organisation_keys, set_person_keys
from relgraph.text import fold

__all__ = [
    "BIG_GROUP_CODE",
    "CARD_CODE",
    "CARD_HOLDING_CODE",
    "SMALL_CARD_CODE",
    "Counts",
    "OrgRow",
    "PersonBatch",
    "plan_organisations",
    "plan_persons",
]

# Codes the benchmarks find their parties by.
BIG_GROUP_CODE = "LG-GROUP"  # the root of the group with 10,000 descendants
CARD_HOLDING_CODE = "LG-HOLDING"  # the parent of both card organisations
CARD_CODE = "LG-CARD"  # 50 subsidiaries, 25 memberships (20 active) in each and in itself
SMALL_CARD_CODE = "LG-SMALL"  # 3 subsidiaries, 5 memberships (4 active) in each and in itself

MAX_DEPTH = 5  # six levels: the root and five below it
BIG_BRANCHING = 7  # 1 + 7 + 49 + 343 + 2401 + 7200: 10,000 descendants within depth 5
CARD_SUBSIDIARIES, CARD_MEMBERS = 50, 25
SMALL_SUBSIDIARIES, SMALL_MEMBERS = 3, 5


@dataclass(frozen=True)
class Counts:
    """How many rows of each kind; `Counts.at(1.0)` is the full large dataset."""

    organisations: int
    big_group: int  # descendants of the big group's root
    persons: int
    memberships: int
    relations: int
    internal_relations: int
    staff: int

    @classmethod
    def at(cls, factor: float) -> Counts:
        def n(full: int, least: int) -> int:
            return max(least, round(full * factor))

        card = 2 + CARD_SUBSIDIARIES + 1 + SMALL_SUBSIDIARIES + 1
        reserved = (1 + CARD_SUBSIDIARIES) * CARD_MEMBERS + (1 + SMALL_SUBSIDIARIES) * SMALL_MEMBERS
        big = n(10_000, 60)
        return cls(
            organisations=n(100_000, big + 1 + card + 40),
            big_group=big,
            persons=n(500_000, reserved + 50),
            memberships=n(1_000_000, reserved + 100),
            relations=n(200_000, 60),
            internal_relations=n(50_000, 20),
            staff=40 if factor >= 0.1 else 8,
        )


# Word pools, drawn once: Faker's Dutch lists, filtered to the shapes the domain expects.
_SURNAMES = sorted({n for n in PersonNames.last_names if "," not in n and " " not in split_infix(n)[1]})
_INFIXES = ("van", "de", "van der", "van den", "van de", "ter", "den", "van 't")
_FIRST = {
    "FEMALE": tuple(PersonNames.first_names_female),
    "MALE": tuple(PersonNames.first_names_male),
}
_VILLAGES = tuple(sorted(AddressNames.cities))
_TRADES = [t for trades in TRADES.values() for t in trades]
_JOBS = [(dept, job) for dept, jobs in DEPARTMENTS.items() for job in jobs]
_EPOCH = REFERENCE_TIME - dt.timedelta(days=365 * 10)


@dataclass
class _Named:
    """The attributes the domain's key functions read and write, without an ORM object
    (instantiating 600,000 mapped objects would cost more than the whole load)."""

    name: str = ""
    legal_name: str | None = None
    code: str | None = None
    kvk_number: str | None = None
    first_name: str | None = None
    initials: str | None = None
    infix: str | None = None
    last_name: str = ""
    name_key: str = ""
    sort_key: str = ""
    search_text: str = ""
    invoice_search_text: str = ""


@dataclass
class OrgRow:
    """One planned organisation; ids are assigned in planned order."""

    parent: int | None
    name: str
    code: str
    kvk: str
    industry: str
    city: str
    domain: str
    # In the big group or the card group: never archived, so they keep their exact sizes.
    showcase: bool = False


def _tree(rng: random.Random, size: int) -> list[int | None]:
    """Parents (indices within the group) of a random tree of `size` nodes, at most MAX_DEPTH deep."""
    parents: list[int | None] = [None]
    depths = [0]
    for _ in range(size - 1):
        while True:
            parent = rng.randrange(len(parents))
            if depths[parent] < MAX_DEPTH:
                break
        parents.append(parent)
        depths.append(depths[parent] + 1)
    return parents


def plan_organisations(seed: int, counts: Counts) -> list[OrgRow]:
    """The organisations in insertion order: every parent before its subsidiaries."""
    rng = random.Random(f"relgraph-large:{seed}:organisations")
    parents: list[int | None] = []
    codes: dict[int, str] = {}
    # The big group: a heap, so depth grows with the logarithm of its size.
    parents.extend([None, *((i - 1) // BIG_BRANCHING for i in range(1, counts.big_group + 1))])
    codes[0] = BIG_GROUP_CODE
    holding = len(parents)
    codes[holding] = CARD_HOLDING_CODE
    parents.append(None)
    for code, subsidiaries in (
        (CARD_CODE, CARD_SUBSIDIARIES),
        (SMALL_CARD_CODE, SMALL_SUBSIDIARIES),
    ):
        top = len(parents)
        codes[top] = code
        parents.append(holding)
        parents.extend([top] * subsidiaries)
    showcase = range(len(parents))  # the big group and the card group
    while len(parents) < counts.organisations:
        left = counts.organisations - len(parents)
        size = 1 if rng.random() < 0.6 else min(left, rng.choice((2, 3, 4, 5, 8, 12, 20, 40, 80)))
        start = len(parents)
        parents.extend(None if p is None else start + p for p in _tree(rng, size))

    kvk_offset = rng.randrange(90_000_000)
    rows = []
    for index, parent in enumerate(parents):
        stem = rng.choice(_SURNAMES) if rng.random() < 0.6 else rng.choice(STEMS)
        trade = rng.choice(_TRADES)
        industry = rng.choice(INDUSTRIES)
        form = rng.choice(LEGAL_FORMS[:4] if parent is None and index in codes else LEGAL_FORMS[4:])
        name = (
            f"{stem} {trade} {form}" if rng.random() < 0.8 else f"{stem} {trade} {rng.randint(2, 99)} {form}"
        )
        city = (
            rng.choices(CITY_NAMES, weights=CITY_WEIGHTS)[0] if rng.random() < 0.7 else rng.choice(_VILLAGES)
        )
        domain = f"{mailbox_name(stem)}-{mailbox_name(trade)}{index}.nl"
        rows.append(
            OrgRow(
                parent=parent,
                name=name,
                code=codes.get(index, f"C{index + 1:07d}"),
                # 7919 is prime to 90,000,000: distinct indices give distinct numbers.
                kvk=str(10_000_000 + (kvk_offset + index * 7919) % 90_000_000),
                industry=industry,
                city=city,
                domain=domain,
                showcase=index in showcase,
            )
        )
    return rows


def _created(index: int, count: int, rng: random.Random) -> dt.datetime:
    span = (REFERENCE_TIME - _EPOCH) / max(count, 1)
    return _EPOCH + span * (index + rng.random())


def organisation_rows(
    seed: int, orgs: list[OrgRow], first_id: int
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]]:
    """(party, organisation, address) rows of each planned organisation."""
    rng = random.Random(f"relgraph-large:{seed}:organisation rows")
    for index, org in enumerate(orgs):
        oid = first_id + index
        created = _created(index, len(orgs), rng)
        keys = _Named(name=org.name, code=org.code, kvk_number=org.kvk)
        set_organisation_keys(cast(Organisation, keys), [org.city])
        status = "ACTIVE" if rng.random() < 0.85 else rng.choice(("PROSPECT", "INACTIVE"))
        yield (
            (oid, "ORGANISATION", created, created, 1),
            (
                oid,
                org.name,
                keys.name_key,
                org.code,
                org.kvk,
                org.industry,
                f"https://www.{org.domain}",
                status,
                rng.random() < 0.5,
                rng.random() < 0.7,
                rng.random() < 0.03 and not org.showcase,
                None if org.parent is None else first_id + org.parent,
                keys.search_text,
            ),
            (
                oid,
                oid,
                "VISIT",
                rng.choice(BUSINESS_STREETS),
                str(rng.randint(1, 250)),
                _postcode(rng, org.city),
                org.city,
                fold(org.city),
                "NL",
                True,
                created,
            ),
        )


def _postcode(rng: random.Random, city: str) -> str:
    low, high = CITIES[city][0] if city in CITIES else (1000, 9999)
    return f"{rng.randint(low, high)} {rng.choice('ABCEGHJKLMNPRTVWXZ')}{rng.choice('ABCEGHJKLMNPRTVWXZ')}"


@dataclass
class PersonBatch:
    parties: list[tuple[Any, ...]]
    persons: list[tuple[Any, ...]]
    memberships: list[tuple[Any, ...]]
    tags: list[tuple[Any, ...]]


def _member_counts(
    rng: random.Random, counts: Counts, orgs: list[OrgRow]
) -> tuple[list[int], dict[int, list[tuple[int, bool]]]]:
    """How many free memberships each person has, and the reserved card memberships by person."""
    reserved: dict[int, list[tuple[int, bool]]] = {}
    card_orgs = [i for i, o in enumerate(orgs) if o.code in (CARD_CODE, SMALL_CARD_CODE)]
    members = list(range(counts.persons))
    rng.shuffle(members)
    taken = 0
    for top in card_orgs:
        size = CARD_MEMBERS if orgs[top].code == CARD_CODE else SMALL_MEMBERS
        group = [
            top,
            *(i for i, o in enumerate(orgs[top + 1 :], top + 1) if o.parent == top),
        ]
        for org in group:
            for k in range(size):
                # Four in five active, as in the rest of the data.
                reserved.setdefault(members[taken], []).append((org, k < size * 4 // 5))
                taken += 1
    per_person = [0] * counts.persons
    for _ in range(counts.memberships - taken):
        per_person[rng.randrange(counts.persons)] += 1
    return per_person, reserved


def plan_persons(
    seed: int,
    counts: Counts,
    orgs: list[OrgRow],
    ids: tuple[int, int, int],
    staff_ids: list[int],
    batch: int,
) -> Iterator[PersonBatch]:
    """Persons with their memberships and tags, `batch` persons at a time.

    `ids` are the first ids of the organisations, the persons and the memberships.
    """
    first_org_id, first_id, first_membership_id = ids
    rng = random.Random(f"relgraph-large:{seed}:persons")
    per_person, reserved = _member_counts(rng, counts, orgs)
    card_orgs = {org for group in reserved.values() for org, _ in group}
    card_orgs |= {i for i, o in enumerate(orgs) if o.code in (CARD_CODE, SMALL_CARD_CODE)}
    mid = first_membership_id
    out = PersonBatch([], [], [], [])
    for index in range(counts.persons):
        pid = first_id + index
        created = _created(index, counts.persons, rng)
        gender = "FEMALE" if rng.random() < 0.5 else "MALE"
        first = rng.choice(_FIRST[gender])
        infix, last = (
            (rng.choice(_INFIXES), rng.choice(_SURNAMES))
            if rng.random() < 0.3
            else split_infix(rng.choice(_SURNAMES))
        )
        links = list(reserved.get(index, ()))
        seen = {org for org, _ in links}
        while len(links) < len(reserved.get(index, ())) + per_person[index]:
            org = rng.randrange(len(orgs))
            if org not in seen and org not in card_orgs:
                seen.add(org)
                links.append((org, rng.random() < 0.8))
        emails: list[str | None] = []
        for org, active in links:
            dept, job = rng.choice(_JOBS)
            start = REFERENCE_DATE - dt.timedelta(days=rng.randint(30, 4000))
            end = None if active else min(REFERENCE_DATE, start + dt.timedelta(days=rng.randint(30, 2000)))
            email = (
                f"{mailbox_name(first)}.{mailbox_name(last)}@{orgs[org].domain}"
                if rng.random() < 0.6
                else None
            )
            emails.append(email)
            at = min(
                REFERENCE_TIME,
                created + dt.timedelta(minutes=rng.randint(5, 60 * 24 * 30)),
            )
            out.memberships.append(
                (
                    mid,
                    pid,
                    first_org_id + org,
                    dept,
                    job,
                    email,
                    rng.choice(ROLES) if rng.random() < 0.7 else None,
                    None if rng.random() < 0.9 else rng.choice(staff_ids) if staff_ids else None,
                    active,
                    start,
                    end,
                    at,
                    at,
                    1,
                )
            )
            if rng.random() < 0.1:
                out.tags.extend((mid, tag) for tag in rng.sample(TAGS, k=rng.randint(1, 2)))
            mid += 1
        keys = _Named(first_name=first, initials=f"{initial(first)}.", infix=infix, last_name=last)
        set_person_keys(cast(Person, keys), emails)
        out.parties.append((pid, "PERSON", created, created, 1))
        out.persons.append(
            (
                pid,
                gender,
                rng.choice(TITLES) if rng.random() < 0.05 else None,
                keys.initials,
                first,
                infix,
                last,
                dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 18_000))
                if rng.random() < 0.4
                else None,
                keys.sort_key,
                keys.search_text,
            )
        )
        if len(out.parties) >= batch:
            yield out
            out = PersonBatch([], [], [], [])
    if out.parties:
        yield out
