"""Customer groups (klantgroepen): ADMIN domain data, and which parties belong to them.

A party belongs to any number of groups. Members are listed by name, organisations and
persons together; persons hidden from the viewer (R1) are no members for them and are
not counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from relgraph.db.batches import by_id, grouped
from relgraph.db.models import CustomerGroup, Organisation, Party, PartyGroup, PartyKind, Person
from relgraph.db.pagination import OrderKey, Page, PageRequest, count_many, paginate_many
from relgraph.domain import versions
from relgraph.domain.history import audit_writes
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import DomainError, ErrorCode, FieldError, InvalidInput
from relgraph.policy import Viewer, persons_visible
from relgraph.text import fold, like_pattern

__all__ = [
    "AUDITED_FIELDS",
    "MAX_PARTIES",
    "MemberFilter",
    "add_parties",
    "count_members",
    "create",
    "get_many",
    "groups_of",
    "in_any_of",
    "list_all",
    "listing",
    "load_for_update",
    "members_listed",
    "members_of",
    "remove_parties",
    "update",
]

AUDITED_FIELDS = ["name", "description", "active"]
_GROUPS = AuditedRows(
    CustomerGroup,
    AUDITED_FIELDS,
    "customer group",
    unique=("name", "A customer group with this name already exists."),
    party=None,
)
# Parties one call may add to or remove from a group.
MAX_PARTIES = 1000


@dataclass(frozen=True)
class MemberFilter:
    kind: str | None = None
    include_archived: bool = False
    # Deactivated persons too (R3).
    include_inactive: bool = False


def in_any_of(
    party_id: ColumnElement[int] | QueryableAttribute[int], group_ids: Sequence[int]
) -> ColumnElement[bool]:
    """SQL: the party `party_id` belongs to at least one of the groups `group_ids`."""
    return exists(
        select(PartyGroup.party_id).where(PartyGroup.party_id == party_id, PartyGroup.group_id.in_(group_ids))
    )


async def list_all(
    session: AsyncSession, *, include_inactive: bool = False, search: str | None = None
) -> list[CustomerGroup]:
    """The customer groups by name; `search` matches anywhere in the name, ignoring case and accents."""
    stmt = listing(include_inactive, search).order_by(CustomerGroup.name_key, CustomerGroup.id)
    return list(await session.scalars(stmt))


def listing(include_inactive: bool, search: str | None) -> Select[CustomerGroup]:
    """The groups `list_all` lists, unordered (by name_key and id there). Compiled reads
    (graphql/compiled/groups.py) render it."""
    stmt = select(CustomerGroup)
    if not include_inactive:
        stmt = stmt.where(CustomerGroup.active.is_(True))
    if search and search.strip():
        stmt = stmt.where(CustomerGroup.name_key.like(like_pattern(search), escape="\\"))
    return stmt


async def get_many(session: AsyncSession, ids: Sequence[int]) -> list[CustomerGroup | None]:
    return await by_id(session, CustomerGroup, ids)


async def groups_of(session: AsyncSession, party_ids: Sequence[int]) -> list[list[CustomerGroup]]:
    """The groups of each party (inactive ones too), by name, aligned with `party_ids`."""
    rows = await session.execute(
        select(PartyGroup.party_id, CustomerGroup)
        .join(CustomerGroup, CustomerGroup.id == PartyGroup.group_id)
        .where(PartyGroup.party_id.in_(party_ids))
        .order_by(PartyGroup.party_id, CustomerGroup.name_key, CustomerGroup.id)
    )
    return grouped(rows.all(), party_ids)


# Plain tables: joining the mapped classes would join their shared `parties` table twice.
_parties = Party.__table__
_orgs = Organisation.__table__
_people = Person.__table__
# Organisations and persons listed together, by name: an organisation's name key, a
# person's Dutch sort key ("berg jan van der").
_SORT = func.coalesce(_orgs.c.name_key, _people.c.sort_key)


def _members(viewer: Viewer, flt: MemberFilter) -> Select[*tuple[Any, ...]]:
    """Group links with the member's sort key (`sort_key`) and kind (`kind`) labelled."""
    stmt = (
        select(PartyGroup, _SORT.label("sort_key"), _parties.c.kind.label("kind"))
        .join(_parties, _parties.c.id == PartyGroup.party_id)
        .outerjoin(_orgs, _orgs.c.id == PartyGroup.party_id)
        .outerjoin(_people, _people.c.id == PartyGroup.party_id)
        # R1 on the persons table joined here (policy.party_visible would correlate to it).
        .where(or_(_parties.c.kind == PartyKind.ORGANISATION.value, persons_visible(viewer)))
    )
    if flt.kind is not None:
        stmt = stmt.where(_parties.c.kind == flt.kind)
    if not flt.include_archived:
        stmt = stmt.where(or_(_orgs.c.archived.is_(None), _orgs.c.archived.is_(False)))
    if not flt.include_inactive:
        stmt = stmt.where(or_(_people.c.active.is_(None), _people.c.active.is_(True)))
    return stmt


def members_listed(viewer: Viewer, flt: MemberFilter) -> Select[*tuple[Any, ...]]:
    """What `members_of` and `count_members` list, for every group at once: the links'
    columns (group_id, party_id), sort_key and kind; ordered by sort_key, then party_id.
    Compiled reads (graphql/compiled/groups.py) render it."""
    return _members(viewer, flt)


_ORDER = [
    OrderKey(_SORT, lambda item: item[1]),
    OrderKey(PartyGroup.party_id, lambda item: item[0].party_id),
]


async def members_of(
    session: AsyncSession,
    group_ids: Sequence[int],
    *,
    viewer: Viewer,
    flt: MemberFilter,
    page: PageRequest,
) -> dict[Hashable, Page[tuple[str, int]]]:
    """One page of members per group, by name; each item is (party kind, party id)."""
    pages = await paginate_many(
        session,
        _members(viewer, flt),
        PartyGroup,
        PartyGroup.group_id,
        group_ids,
        _ORDER,
        page,
        extras=("sort_key", "kind"),
    )
    for result in pages.values():
        result.items = [(kind, link.party_id) for link, _key, kind in result.items]
    return pages


async def count_members(
    session: AsyncSession, group_ids: Sequence[int], *, viewer: Viewer, flt: MemberFilter
) -> dict[Hashable, int]:
    return await count_many(session, _members(viewer, flt), PartyGroup.group_id, group_ids)


def _clean(checks: Checks, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if creating or "name" in data:
        values["name"] = checks.text("name", data.get("name"), max_length=100, required=True)
    if "description" in data:
        values["description"] = checks.multiline("description", data["description"], max_length=2000)
    if data.get("active") is not None:
        values["active"] = bool(data["active"])
    return values


async def create(session: AsyncSession, *, actor: Viewer, data: Mapping[str, Any]) -> CustomerGroup:
    """Add a customer group; names are unique."""
    checks = Checks()
    values = _clean(checks, data, creating=True)
    checks.raise_if_any()
    row = CustomerGroup(active=True, name_key=fold(values["name"]), **values)
    return await _GROUPS.add(session, actor, row)


async def load_for_update(
    session: AsyncSession, *, id: int, expected_version: int | None, field: str = "id"
) -> CustomerGroup:
    return await _GROUPS.load(session, id=id, expected_version=expected_version, field=field)


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> CustomerGroup:
    """Rename, describe, (de)activate a group. An inactive group keeps its members."""
    checks = Checks()
    values = _clean(checks, data, creating=False)
    checks.raise_if_any()
    row = await load_for_update(session, id=id, expected_version=expected_version)
    before = _GROUPS.snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.name_key = fold(row.name)
    return await _GROUPS.save(session, actor, row, before)


async def _visible_parties(
    session: AsyncSession, viewer: Viewer, refs: Sequence[tuple[str, int]], field: str
) -> list[int]:
    """The ids of the parties `refs` (kind, id); NOT_FOUND at field.index for any that
    does not exist or is hidden from `viewer`."""
    if len(refs) > MAX_PARTIES:
        raise InvalidInput.at(field, f"At most {MAX_PARTIES} parties per call.")
    org_ids = [pk for kind, pk in refs if kind == PartyKind.ORGANISATION]
    person_ids = [pk for kind, pk in refs if kind == PartyKind.PERSON]
    found = {
        (PartyKind.ORGANISATION.value, pk)
        for pk in await session.scalars(select(_orgs.c.id).where(_orgs.c.id.in_(org_ids)))
    }
    # A deleted person (tombstone) is in no group and joins none.
    visible = select(_people.c.id).where(
        _people.c.id.in_(person_ids), persons_visible(viewer), _people.c.deleted_at.is_(None)
    )
    found.update((PartyKind.PERSON.value, pk) for pk in await session.scalars(visible))
    missing = [
        FieldError((field, str(i)), f"No {kind.lower()} with this id.", ErrorCode.NOT_FOUND)
        for i, (kind, pk) in enumerate(refs)
        if (kind, pk) not in found
    ]
    if missing:
        raise DomainError(missing)
    return list(dict.fromkeys(pk for _, pk in refs))


async def _members_among(session: AsyncSession, group_id: int, party_ids: Sequence[int]) -> list[int]:
    """Which of `party_ids` belong to the group."""
    members = select(PartyGroup.party_id).where(PartyGroup.group_id == group_id)
    return list(await session.scalars(members.where(PartyGroup.party_id.in_(party_ids))))


def _record_members(
    session: AsyncSession, actor: Viewer, group: CustomerGroup, party_ids: Sequence[int], action: str
) -> None:
    """One event per party that joined or left the group, on that party's trail."""
    for party_id in party_ids:
        audit_writes.record(
            session,
            actor=actor,
            object_type="CustomerGroup",
            object_id=group.id,
            party_id=party_id,
            action=action,
        )


async def add_parties(
    session: AsyncSession, *, actor: Viewer, group_id: int, party_refs: Sequence[tuple[str, int]]
) -> tuple[CustomerGroup, int]:
    """Put parties in a group (those already in it stay); return the group and how many were added."""
    group = await load_for_update(session, id=group_id, expected_version=None, field="groupId")
    if not group.active:
        raise InvalidInput.at("groupId", "This group is inactive: reactivate it before adding parties.")
    ids = await _visible_parties(session, actor, party_refs, "partyIds")
    present = set(await _members_among(session, group.id, ids))
    new = [i for i in ids if i not in present]
    if new:
        now = dt.datetime.now(dt.UTC)
        await session.execute(
            insert(PartyGroup),
            [{"group_id": group.id, "party_id": i, "added_at": now, "added_by_id": actor.id} for i in new],
        )
    _record_members(session, actor, group, new, "ADD_MEMBER")
    await versions.flush(
        session,
        "customer group",
        unique=("partyIds", "Someone else just added some of these parties; try again."),
    )
    return group, len(new)


async def remove_parties(
    session: AsyncSession, *, actor: Viewer, group_id: int, party_refs: Sequence[tuple[str, int]]
) -> tuple[CustomerGroup, int]:
    """Take parties out of a group (those not in it are skipped); return the group and how many left."""
    group = await load_for_update(session, id=group_id, expected_version=None, field="groupId")
    ids = await _visible_parties(session, actor, party_refs, "partyIds")
    present = await _members_among(session, group.id, ids)
    if present:
        await session.execute(
            delete(PartyGroup).where(PartyGroup.group_id == group.id, PartyGroup.party_id.in_(present))
        )
    _record_members(session, actor, group, sorted(present), "REMOVE_MEMBER")
    await session.flush()
    return group, len(present)
