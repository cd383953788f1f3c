"""Relations between parties (relaties tussen klanten): typed, dated, read from either end."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Select, and_, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id
from relgraph.db.models import Party, Relation, RelationType
from relgraph.db.models.in_force import has_ended
from relgraph.db.pagination import OrderKey, Page, PageRequest, count_many, paginate_many
from relgraph.domain import parties, places, versions
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Conflict, InvalidInput, NotFound
from relgraph.policy import Viewer, party_visible, sees_all_persons

__all__ = [
    "AUDITED_FIELDS",
    "ORDER_FIELDS",
    "Direction",
    "RelationFilter",
    "RelationView",
    "add",
    "count_for",
    "delete",
    "ends_visible",
    "get_many",
    "list_for",
    "order_keys",
    "seen_from_each_side",
    "update",
]

AUDITED_FIELDS = ["type_id", "source_id", "target_id", "start_date", "end_date", "note", "active"]
# What a party's relations sort on: the order they were recorded in, the type as read
# from the party's side, the start date.
ORDER_FIELDS = ("RECORDED", "TYPE", "START_DATE")
_TAKEN = "These parties already have an active relation of this type."
_RELATIONS = AuditedRows(
    Relation,
    AUDITED_FIELDS,
    "relation",
    unique=("targetId", _TAKEN),
    party="source_id",
    other_party="target_id",
    both_ways=True,
)


class Direction(enum.StrEnum):
    """Which way a relation points, seen from one of its parties."""

    OUTGOING = "OUTGOING"
    INCOMING = "INCOMING"
    SYMMETRIC = "SYMMETRIC"


@dataclass(frozen=True)
class RelationFilter:
    type_ids: tuple[int, ...] | None = None
    type_names: tuple[str, ...] | None = None
    direction: Direction | None = None
    # Also those not in force on `day` (ended, or not begun yet).
    include_inactive: bool = False
    # The day the list is about; None: today.
    day: dt.date | None = None


@dataclass(frozen=True)
class RelationView:
    """A relation as one of its parties sees it."""

    relation: Relation
    direction: Direction
    other_id: int
    other_kind: str


@functools.cache
def _perspectives() -> Any:
    """Each relation twice: once from its source (OUT), once from its target (IN).

    Built once: a subquery is a web of objects that refer to each other, which built per
    request would wait for the cyclic garbage collector (relgraph/gc_tuning.py).
    """
    outgoing = select(
        Relation.id.label("relation_id"),
        Relation.source_id.label("owner_id"),
        Relation.target_id.label("other_id"),
        literal("OUT").label("side"),
    )
    incoming = select(
        Relation.id.label("relation_id"),
        Relation.target_id.label("owner_id"),
        Relation.source_id.label("other_id"),
        literal("IN").label("side"),
    )
    return union_all(outgoing, incoming).subquery("perspective")


def _direction() -> Any:
    view = _perspectives()
    return case(
        (RelationType.symmetric.is_(True), literal(Direction.SYMMETRIC.value)),
        (view.c.side == "OUT", literal(Direction.OUTGOING.value)),
        else_=literal(Direction.INCOMING.value),
    )


def _sort_column(field: str) -> Any:
    """What a list of relations sorts on besides the id: the relation as read from the
    owner's side ("customer of" where the type is "supplier of" and the owner its target),
    the start date (a missing one as the smallest: keyset cursors cannot compare with
    NULL), or nothing (the order they were recorded in)."""
    if field == "TYPE":
        incoming = _perspectives().c.side == "IN"
        return case(
            (and_(RelationType.symmetric.is_(False), incoming), RelationType.inverse_name),
            else_=RelationType.name,
        )
    if field == "START_DATE":
        return func.coalesce(Relation.start_date, literal(dt.date.min, Date))
    return None


def _listing(viewer: Viewer, flt: RelationFilter, field: str = "RECORDED") -> Select[*tuple[Any, ...]]:
    """The relations `viewer` may see under `flt`, each from both sides (the owner is
    `_perspectives().c.owner_id`), with the sort column of `field` labelled sort_key."""
    view = _perspectives()
    other = Party.__table__
    direction = _direction()
    sort = _sort_column(field)
    stmt = (
        select(
            Relation,
            direction.label("direction"),
            view.c.other_id.label("other_id"),
            other.c.kind.label("other_kind"),
            *([] if sort is None else [sort.label("sort_key")]),
        )
        .join(view, view.c.relation_id == Relation.id)
        .join(RelationType, RelationType.id == Relation.type_id)
        .join(other, other.c.id == view.c.other_id)
    )
    # R1: a person the viewer may not see is never the other end of a visible relation.
    stmt = stmt.where(party_visible(viewer, view.c.other_id))
    if not flt.include_inactive:
        stmt = stmt.where(Relation.holds_on(flt.day))
    if flt.type_ids is not None:
        stmt = stmt.where(Relation.type_id.in_(flt.type_ids))
    if flt.type_names is not None:
        stmt = stmt.where(func.lower(RelationType.name).in_([n.strip().lower() for n in flt.type_names]))
    if flt.direction is not None:
        stmt = stmt.where(direction == flt.direction.value)
    return stmt


def seen_from_each_side(viewer: Viewer, flt: RelationFilter) -> Select[*tuple[Any, ...]]:
    """What `list_for` and `count_for` list, for every owner at once: the relation's columns,
    direction, other_id, other_kind, owner_id, and sort_key the relation as read from the
    owner's side (an edge's label). Compiled reads (graphql/compiled/relations.py) render it
    for their own rows; its order is RECORDED's, the relation's id."""
    return _listing(viewer, flt, "TYPE").add_columns(_perspectives().c.owner_id.label("owner_id"))


def order_keys(field: str = "RECORDED", descending: bool = False) -> list[OrderKey]:
    """The sort keys of a party's relations on `field` (one of ORDER_FIELDS): the id alone
    (RECORDED), else the sort column then the id; the field's name tags the cursors.
    Compiled reads (graphql/compiled/relations.py) page by them too."""
    sort = _sort_column(field)
    if sort is None:
        return [OrderKey(Relation.id, lambda item: item[0].id, descending, tag=field)]
    # The sort value is the item's last extra column (sort_key).
    return [
        OrderKey(sort, lambda item: item[4], descending, tag=field),
        OrderKey(Relation.id, lambda item: item[0].id, descending),
    ]


def _reused_as(viewer: Viewer, flt: RelationFilter) -> Hashable | None:
    """What a card's relations statement depends on (R1 on the role only, inactive-or-not,
    the day; today is bound in it): built once per such key, not per request. None for
    filtered lists, built per call."""
    if flt.type_ids is not None or flt.type_names is not None or flt.direction is not None:
        return None
    return ("relations", sees_all_persons(viewer), flt.include_inactive, flt.day, dt.date.today())


async def list_for(
    session: AsyncSession,
    owner_ids: Sequence[int],
    *,
    viewer: Viewer,
    flt: RelationFilter,
    page: PageRequest,
    field: str = "RECORDED",
    descending: bool = False,
) -> dict[Hashable, Page[RelationView]]:
    """One page of relations per party, each read from that party's side: in the order they
    were recorded (oldest first), or by `field` (TYPE: as read from that side; START_DATE)."""
    reused = _reused_as(viewer, flt)
    sorted_by = _sort_column(field) is not None
    pages = await paginate_many(
        session,
        lambda: _listing(viewer, flt, field),
        Relation,
        _perspectives().c.owner_id,
        owner_ids,
        order_keys(field, descending),
        page,
        extras=("direction", "other_id", "other_kind", *(["sort_key"] if sorted_by else [])),
        reuse_as=None if reused is None else (reused, field, descending),
    )
    for result in pages.values():
        result.items = [RelationView(r, Direction(d), other, kind) for r, d, other, kind, *_ in result.items]
    return pages


async def count_for(
    session: AsyncSession, owner_ids: Sequence[int], *, viewer: Viewer, flt: RelationFilter
) -> dict[Hashable, int]:
    return await count_many(
        session,
        lambda: _listing(viewer, flt),
        _perspectives().c.owner_id,
        owner_ids,
        reuse_as=_reused_as(viewer, flt),
    )


def ends_visible(viewer: Viewer) -> Any:
    """SQL: neither end of the relation is a person hidden from `viewer` (R1)."""
    return and_(party_visible(viewer, Relation.source_id), party_visible(viewer, Relation.target_id))


async def get_many(session: AsyncSession, *, viewer: Viewer, ids: Sequence[int]) -> list[Relation | None]:
    """The relations with `ids` that `viewer` may see, aligned with `ids`."""
    return await by_id(session, Relation, ids, ends_visible(viewer))


def _clean(checks: Checks, data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "note" in data:
        values["note"] = checks.multiline("note", data["note"], max_length=2000)
    for name, field in (("start_date", "startDate"), ("end_date", "endDate")):
        if name in data:
            values[name] = checks.date(field, data[name])
    if "active" in data and data["active"] is not None:
        values["active"] = bool(data["active"])
    return values


def _check_dates(relation: Relation) -> None:
    if relation.start_date and relation.end_date and relation.end_date < relation.start_date:
        raise InvalidInput.at("endDate", "The end date lies before the start date.")


async def _take_place(session: AsyncSession, relation: Relation) -> None:
    """Make room for `relation` as the one of its type between its parties not ended by
    hand: a lapsed one gives way (domain/places.py); a current or future one is a CONFLICT."""
    await places.take_place(
        session,
        Relation,
        [
            Relation.type_id == relation.type_id,
            Relation.source_id == relation.source_id,
            Relation.target_id == relation.target_id,
            Relation.id != (relation.id or 0),
        ],
        Conflict("targetId", _TAKEN),
    )


def _end_or_revive(relation: Relation, values: dict[str, Any], was_ended: bool) -> None:
    """What `active` in an update does to the dates (db/models/in_force.py).

    Ending (false) sets the end date to today when none or a later one is kept, so that
    the history knows the last day; an end date after today sent with it plans the end
    instead (the relation stays active until then). Reviving (true) an ended relation
    clears its end date unless one is sent.
    """
    today = dt.date.today()
    if values["active"] is False:
        if "end_date" in values and relation.end_date is not None and relation.end_date > today:
            relation.active = True
        elif "end_date" not in values and (relation.end_date is None or relation.end_date > today):
            start = relation.start_date
            relation.end_date = max(start, today) if start else today
    elif was_ended and "end_date" not in values:
        relation.end_date = None


async def add(
    session: AsyncSession,
    *,
    actor: Viewer,
    type_id: int,
    source: tuple[str, int],
    target: tuple[str, int],
    data: Mapping[str, Any],
) -> Relation:
    """Relate `source` to `target` (each a (kind, id)) with relation type `type_id`."""
    checks = Checks()
    values = _clean(checks, data)
    checks.raise_if_any()
    if source[1] == target[1]:
        raise InvalidInput.at("targetId", "A party cannot be related to itself.")
    relation_type = await session.get(RelationType, type_id)
    if relation_type is None:
        raise NotFound("typeId", "No relation type with this id.")
    if not relation_type.active:
        raise InvalidInput.at("typeId", f"The relation type {relation_type.name!r} is no longer in use.")
    source_party = await parties.get_visible(
        session, viewer=actor, kind=source[0], id=source[1], field="sourceId"
    )
    target_party = await parties.get_visible(
        session, viewer=actor, kind=target[0], id=target[1], field="targetId"
    )
    if source_party.kind not in relation_type.source_kinds:
        raise InvalidInput.at(
            "sourceId", f"{relation_type.name!r} cannot start at a {source_party.kind.lower()}."
        )
    if target_party.kind not in relation_type.target_kinds:
        raise InvalidInput.at(
            "targetId", f"{relation_type.name!r} cannot end at a {target_party.kind.lower()}."
        )
    source_id, target_id = source_party.id, target_party.id
    if relation_type.symmetric and source_id > target_id:
        source_id, target_id = target_id, source_id  # one stored direction per pair
    relation = Relation(
        type_id=type_id,
        source_id=source_id,
        target_id=target_id,
        active=values.pop("active", True),
        **versions.created(actor),
        **values,
    )
    _check_dates(relation)
    if relation.active:
        await _take_place(session, relation)
    return await _RELATIONS.add(session, actor, relation)


async def _load(session: AsyncSession, *, viewer: Viewer, id: int, expected_version: int | None) -> Relation:
    relation = await session.scalar(
        select(Relation)
        .where(Relation.id == id, ends_visible(viewer))
        .execution_options(populate_existing=True)
    )
    if relation is None:
        raise NotFound("id", "No relation with this id.")
    versions.check_version(relation, expected_version, "relation")
    return relation


async def update(
    session: AsyncSession,
    *,
    actor: Viewer,
    id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Relation:
    """Change dates, note or active state; the type and the parties stay."""
    checks = Checks()
    values = _clean(checks, data)
    checks.raise_if_any()
    relation = await _load(session, viewer=actor, id=id, expected_version=expected_version)
    before = _RELATIONS.snapshot(relation)
    was_ended = has_ended(relation)
    for name, value in values.items():
        setattr(relation, name, value)
    if "active" in values:
        _end_or_revive(relation, values, was_ended)
    _check_dates(relation)
    if relation.active and not before["active"]:
        await _take_place(session, relation)
    return await _RELATIONS.save(session, actor, relation, before)


async def delete(
    session: AsyncSession, *, actor: Viewer, id: int, expected_version: int | None = None
) -> None:
    """Remove a relation (to end one and keep its history, set active false instead)."""
    relation = await _load(session, viewer=actor, id=id, expected_version=expected_version)
    # The event keeps the values it had (a missing one is no value).
    had = {name: value for name, value in _RELATIONS.snapshot(relation).items() if value is not None}
    await _RELATIONS.remove(session, actor, relation, before=had)
