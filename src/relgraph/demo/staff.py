"""Plan and add staff users: the employees of internal relations and account managers."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Permission, Role, User
from relgraph.demo.base import REFERENCE_TIME
from relgraph.demo.names import (
    STAFF_FIRST_NAMES,
    STAFF_SURNAMES,
    mailbox_name,
    split_infix,
)

__all__ = ["STAFF_DOMAIN", "StaffSpec", "ensure_staff", "plan_staff"]

STAFF_DOMAIN = "relgraph.demo"


@dataclass
class StaffSpec:
    name: str
    email: str
    role: str
    active: bool
    permissions: list[str] = field(default_factory=list)
    created_at: dt.datetime = REFERENCE_TIME

    @property
    def manages_accounts(self) -> bool:
        """Tell whether this user may look after customers: a READONLY user may not write."""
        return self.role in (Role.TEAM, Role.BUSINESS, Role.ADMIN)


def plan_staff(rng: random.Random, count: int) -> list[StaffSpec]:
    """Plan `count` staff users: mostly TEAM and BUSINESS, about a quarter of them gone."""
    # Exact shares rather than draws, so that even a small staff has every kind of user.
    readonly = count // 8
    business = round(count * 0.375)
    roles = [Role.READONLY] * readonly + [Role.BUSINESS] * business
    roles += [Role.TEAM] * (count - len(roles))
    rng.shuffle(roles)
    writers = [i for i, role in enumerate(roles) if role is not Role.READONLY]
    # Former colleagues: their accounts stay, deactivated, because history points at them.
    gone = set(rng.sample(writers, k=min(len(writers), max(1, count // 4)))) if count >= 2 else set()

    taken: set[str] = set()
    specs: list[StaffSpec] = []
    for index, role in enumerate(roles):
        for _ in range(50):
            first, surname = rng.choice(STAFF_FIRST_NAMES), rng.choice(STAFF_SURNAMES)
            if f"{first} {surname}" not in taken:
                break
        taken.add(f"{first} {surname}")
        infix, last = split_infix(surname)
        local = f"{mailbox_name(first)}.{mailbox_name((infix or '') + last)}"
        email, n = f"{local}@{STAFF_DOMAIN}", 2
        while any(s.email == email for s in specs):
            email, n = f"{local}{n}@{STAFF_DOMAIN}", n + 1
        permissions = [Permission.FINANCE.value] if role is Role.TEAM and rng.random() < 0.5 else []
        specs.append(
            StaffSpec(
                name=f"{first} {surname}",
                email=email,
                role=role.value,
                active=index not in gone,
                permissions=permissions,
                created_at=REFERENCE_TIME
                - dt.timedelta(days=rng.randint(60, 9 * 365), minutes=rng.randint(0, 600)),
            )
        )
    return specs


async def ensure_staff(session: AsyncSession, specs: list[StaffSpec]) -> tuple[list[int], int]:
    """Add the planned users not there yet; return every planned user's id and the number added.

    A user found by email is used as it is; its role and active flag replace the planned
    ones, so that the plan makes account managers of the users as they really are.
    """
    emails = [s.email for s in specs]
    existing = (
        {u.email: u for u in await session.scalars(select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    new = [
        User(
            email=s.email,
            name=s.name,
            role=s.role,
            active=s.active,
            permissions=s.permissions,
            created_at=s.created_at,
        )
        for s in specs
        if s.email not in existing
    ]
    session.add_all(new)
    await session.flush()
    by_email = {**existing, **{u.email: u for u in new}}
    for spec in specs:
        user = by_email[spec.email]
        spec.role, spec.active = user.role, user.active
    return [by_email[s.email].id for s in specs], len(new)
