"""The data of a bulk relink: the items asked for, the memberships as loaded, the plan, the results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from relgraph.db.models import Membership
from relgraph.errors import FieldError

__all__ = [
    "STATE_COLUMNS",
    "MembershipState",
    "Plan",
    "RelinkItem",
    "RelinkOutcome",
    "RelinkResult",
    "Target",
]

_m = Membership.__table__


@dataclass(slots=True)
class MembershipState:
    """A membership's columns, as loaded or as a bulk change leaves them."""

    id: int
    person_id: int
    organisation_id: int
    department: str | None
    job_title: str | None
    business_email: str | None
    phone1: str | None
    phone2: str | None
    role: str | None
    account_manager_id: int | None
    active: bool
    start_date: dt.date | None
    end_date: dt.date | None
    created_at: dt.datetime
    created_by_id: int | None
    updated_at: dt.datetime
    updated_by_id: int | None
    version: int


STATE_COLUMNS = [_m.c[f.name] for f in fields(MembershipState)]


@dataclass(frozen=True, slots=True)
class RelinkItem:
    """One requested relink; `errors` holds what was wrong with its input already."""

    membership_id: int | None
    organisation_id: int | None
    keep_history: bool = True
    start_date: dt.date | None = None
    expected_version: int | None = None
    errors: tuple[FieldError, ...] = ()


@dataclass
class RelinkResult:
    index: int
    # Where the membership was before the call (None when it does not exist).
    from_organisation_id: int | None = None
    old: MembershipState | None = None
    new: MembershipState | None = None
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class RelinkOutcome:
    results: list[RelinkResult]
    # The tags of every membership in the results, new ones included.
    tags: dict[int, list[str]]

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.errors)

    @property
    def relinked(self) -> int:
        return 0 if self.failed else len(self.results)


@dataclass
class Target:
    """An organisation memberships are relinked to."""

    id: int
    name: str
    archived: bool
    merged_into_id: int | None


@dataclass
class Plan:
    """What a relink call found and decided: per item a result, per valid item what to do."""

    results: list[RelinkResult]
    memberships: dict[int, MembershipState]
    orgs: dict[int, Target]
    tags: dict[int, list[str]]
    # Per valid item: (index, membership, target organisation, start date).
    valid: list[tuple[int, MembershipState, Target, dt.date | None]]
