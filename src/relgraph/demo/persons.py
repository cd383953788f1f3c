"""Plan persons, their memberships (persoon in organisatie) and private addresses."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from relgraph.db.models import AddressKind, Gender
from relgraph.demo.base import AddressSpec, Generator
from relgraph.demo.names import (
    DEPARTMENT_NAMES,
    DEPARTMENT_WEIGHTS,
    DEPARTMENTS,
    FREE_MAIL,
    ROLES,
    TAGS,
    TITLES,
    USUAL_ROLE,
    initial,
    mailbox_name,
    split_infix,
)
from relgraph.demo.organisations import OrgSpec

__all__ = ["MembershipSpec", "PersonSpec", "plan_persons"]


@dataclass
class MembershipSpec:
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
    # An index into the planned staff; set later by the internal relations plan.
    account_manager: int | None = None


@dataclass
class PersonSpec:
    values: dict[str, Any]
    memberships: list[MembershipSpec] = field(default_factory=list)
    address: AddressSpec | None = None
    # The private email and phone (as typed): the primary EMAIL and PHONE contact means.
    email: str | None = None
    phone: str | None = None


def _person_values(gen: Generator) -> dict[str, object]:
    rng = gen.rng
    gender = rng.choices((Gender.MALE, Gender.FEMALE, Gender.OTHER, Gender.UNKNOWN), weights=(48, 48, 1, 3))[
        0
    ]
    female = gender is Gender.FEMALE or (gender is not Gender.MALE and gen.chance(0.5))
    given = gen.fake.first_name_female if female else gen.fake.first_name_male
    first_name = given()
    initials = [initial(first_name)]
    # Dutch initials also carry the baptismal names after the name one is called by.
    for _ in range(rng.choices((0, 1, 2), weights=(60, 30, 10))[0]):
        initials.append(initial(given()))
    wants_infix = gen.chance(0.3)
    while True:
        infix, last_name = split_infix(gen.surname())
        if (infix is not None) == wants_infix:
            break
    born = gen.days_before(18 * 365, 75 * 365) if gen.chance(0.4) else None
    return {
        "gender": gender.value,
        "title": rng.choice(TITLES) if gen.chance(0.12) else None,
        "initials": "".join(f"{i}." for i in initials),
        "first_name": first_name,
        "infix": infix,
        "last_name": last_name,
        "email": None,
        "phone": gen.mobile() if gen.chance(0.3) else None,
        "birth_date": born,
        "bsn": gen.bsn() if gen.chance(0.1) else None,
    }


def _local_part(gen: Generator, person: dict[str, object]) -> str:
    first = mailbox_name(str(person["first_name"]))
    last = mailbox_name(f"{person['infix'] or ''}{person['last_name']}")
    style = gen.rng.random()
    if style < 0.5:
        return f"{first}.{last}"
    if style < 0.8:
        return f"{first[0]}.{last}"
    return f"{first}{last[:1]}" if style < 0.9 else f"{first[0]}{last}"


def _membership(gen: Generator, person: dict[str, object], org: OrgSpec, *, active: bool) -> MembershipSpec:
    rng = gen.rng
    department = rng.choices(DEPARTMENT_NAMES, weights=DEPARTMENT_WEIGHTS)[0]
    usual = USUAL_ROLE.get(department)
    role = usual if usual and gen.chance(0.7) else rng.choice(ROLES)
    if active:
        start = gen.days_before(30, 15 * 365)
        end = None
    else:
        end = gen.days_before(20, 6 * 365)
        start = gen.days_before(90, 10 * 365, day=end)
    tags = rng.sample(TAGS, k=rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0])
    return MembershipSpec(
        org=-1,
        active=active,
        department=department,
        job_title=rng.choice(DEPARTMENTS[department]),
        role=role,
        business_email=gen.email(_local_part(gen, person), org.domain),
        phone1=gen.landline(org.area_code) if gen.chance(0.8) else None,
        phone2=gen.mobile() if gen.chance(0.5) else None,
        start_date=start,
        end_date=end,
        tags=tags,
    )


def plan_persons(gen: Generator, count: int, orgs: Sequence[OrgSpec]) -> list[PersonSpec]:
    """Plan `count` persons with their memberships and, for some, a home address."""
    rng = gen.rng
    people = [PersonSpec(values=_person_values(gen)) for _ in range(count)]
    # How many organisations each person works for: none (a private person), one or a few.
    wanted = [rng.choices((0, 1, 2, 3), weights=(10, 70, 13, 7))[0] for _ in people]
    placed: list[list[tuple[int, bool]]] = [[] for _ in people]

    def has_room(p: int, org: int) -> bool:
        return len(placed[p]) < wanted[p] and all(o != org for o, _ in placed[p])

    # The flagship group first: every organisation there gets 2-6 active people.
    order = list(range(count))
    rng.shuffle(order)
    cursor = 0
    for index, org in enumerate(orgs):
        if not org.flagship:
            continue
        need = rng.randint(2, 6)
        tried = 0
        while need and tried < count:
            p = order[cursor % count]
            cursor += 1
            tried += 1
            if has_room(p, index):
                placed[p].append((index, True))
                need -= 1
        # Some history too, for includeInactive; it does not count towards the 2-6.
        if gen.chance(0.35):
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
        weights = [min(25.0, rng.paretovariate(1.2)) for _ in others]
        cumulative = list(itertools.accumulate(weights))  # computed once, not per draw
        by_group: dict[int, list[int]] = {}
        for i in others:
            by_group.setdefault(orgs[i].group, []).append(i)
        for p in range(count):
            for _ in range(12):  # bounded: a tiny demo may not have enough organisations
                if len(placed[p]) >= wanted[p]:
                    break
                mates = None
                if placed[p] and gen.chance(0.5):
                    mates = by_group.get(orgs[placed[p][0][0]].group)
                index = rng.choice(mates) if mates else rng.choices(others, cum_weights=cumulative)[0]
                if has_room(p, index):
                    placed[p].append((index, not gen.chance(0.15)))

    for person, jobs in zip(people, placed, strict=True):
        for index, active in jobs:
            spec = _membership(gen, person.values, orgs[index], active=active)
            spec.org = index
            person.memberships.append(spec)
        private = not jobs
        if gen.chance(0.5 if private else 0.25):
            names = person.values
            local = f"{mailbox_name(str(names['first_name']))}.{mailbox_name(str(names['last_name']))}"
            person.values["email"] = gen.email(local, rng.choice(FREE_MAIL))
        if gen.chance(0.6 if private else 0.15):
            city, _ = gen.city()
            person.address = gen.address(AddressKind.VISIT, city, head_office=True)
        person.email = person.values.pop("email")
        person.phone = person.values.pop("phone")
    return people
