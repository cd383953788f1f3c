"""A party's timeline: its notes, activities and audit events merged, newest first.

One UNION ALL ordered by (at desc, kind, id desc), paged by keyset on that triple (oldest
first is the exact reverse), so cursors stay valid while new items arrive. Notes and activities sit in it at the time
they were recorded; the audit part leaves out the events of notes and activities, which
are in the timeline themselves.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ScalarResult, String, and_, func, literal_column, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Activity, AuditEvent, Note
from relgraph.db.pagination import INT_RANGE, Page, PageRequest
from relgraph.domain.history import notes
from relgraph.errors import InvalidInput
from relgraph.policy import Viewer, audit_events_readable, party_visible

__all__ = ["KINDS", "TimelineItem", "count_for", "decode_cursor", "encode_cursor", "items", "list_for"]

KINDS = ("ACTIVITY", "AUDIT", "NOTE")
_MODELS: dict[str, type[Note] | type[Activity] | type[AuditEvent]] = {
    "NOTE": Note,
    "ACTIVITY": Activity,
    "AUDIT": AuditEvent,
}


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    row: Any


def _union(viewer: Viewer, party_ids: Sequence[Any], kinds: tuple[str, ...]) -> Any:
    def part(kind: str, model: Any, at: Any, *conditions: Any) -> Any:
        return select(
            model.party_id.label("party_id"),
            at.label("at"),
            literal_column(f"'{kind}'", String).label("kind"),
            model.id.label("id"),
        ).where(model.party_id.in_(party_ids), *conditions)

    parts = {
        "NOTE": lambda: part("NOTE", Note, Note.created_at, notes.readable(viewer)),
        "ACTIVITY": lambda: part(
            "ACTIVITY", Activity, Activity.created_at, party_visible(viewer, Activity.party_id)
        ),
        "AUDIT": lambda: part(
            "AUDIT",
            AuditEvent,
            AuditEvent.at,
            audit_events_readable(viewer),
            AuditEvent.object_type.not_in(["Note", "Activity"]),
        ),
    }
    return union_all(*(parts[k]() for k in KINDS if k in kinds)).subquery("timeline")


def items(viewer: Viewer, party_ids: Sequence[Any], kinds: tuple[str, ...]) -> Any:
    """SELECT of the timeline items of the parties `party_ids` (ids or SQL for one) that
    `viewer` may see, of `kinds`: columns (party_id, at, kind, id), unordered."""
    return _union(viewer, party_ids, kinds).element


def encode_cursor(at: dt.datetime, kind: str, id_: int) -> str:
    """An item's cursor: [at, kind, id] in base64."""
    return _encode(at, kind, id_)


def decode_cursor(cursor: str, argument: str) -> tuple[dt.datetime, str, int]:
    """(at, kind, id) of a cursor; InvalidInput (at `argument`) for one that is not."""
    return _decode(cursor, argument)


def _encode(at: dt.datetime, kind: str, id_: int) -> str:
    raw = json.dumps([at.isoformat(), kind, id_], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str, argument: str) -> tuple[dt.datetime, str, int]:
    try:
        at, kind, id_ = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        moment = dt.datetime.fromisoformat(at)
        if kind not in KINDS or type(id_) is not int or id_ not in INT_RANGE or moment.tzinfo is None:
            raise ValueError
        # OverflowError: a forged time past year 9999 (or before year 1) in UTC.
        return moment.astimezone(dt.UTC), kind, id_
    except (ValueError, TypeError, UnicodeError, OverflowError, json.JSONDecodeError):
        raise InvalidInput.at(argument, "Not a valid cursor for this list.") from None


def _older(u: Any, cursor: str, argument: str, older: bool) -> Any:
    """The items after the one at `cursor` in the newest-first order (`older`), or before it."""
    at, kind, id_ = _decode(cursor, argument)
    if older:
        return or_(
            u.c.at < at,
            and_(u.c.at == at, u.c.kind > kind),
            and_(u.c.at == at, u.c.kind == kind, u.c.id < id_),
        )
    return or_(
        u.c.at > at,
        and_(u.c.at == at, u.c.kind < kind),
        and_(u.c.at == at, u.c.kind == kind, u.c.id > id_),
    )


async def list_for(
    session: AsyncSession,
    party_ids: Sequence[int],
    *,
    viewer: Viewer,
    kinds: tuple[str, ...],
    page: PageRequest,
    newest_first: bool = True,
) -> dict[Hashable, Page[TimelineItem]]:
    """One page of each party's timeline, newest first (or oldest first: the exact reverse
    order): one statement for the order, one per kind for the rows."""
    if not party_ids or not kinds:
        return {key: Page() for key in party_ids}
    u = _union(viewer, party_ids, kinds)
    stmt = select(u)
    if page.after is not None:
        stmt = stmt.where(_older(u, page.after, "after", older=newest_first))
    if page.before is not None:
        stmt = stmt.where(_older(u, page.before, "before", older=not newest_first))
    # Rows are fetched from the end of the list when paging backwards.
    if newest_first != page.backwards:
        fetch_order = (u.c.at.desc(), u.c.kind, u.c.id.desc())
    else:
        fetch_order = (u.c.at, u.c.kind.desc(), u.c.id)
    rank = func.row_number().over(partition_by=u.c.party_id, order_by=fetch_order)
    ranked = stmt.add_columns(rank.label("_rank")).subquery()
    ordered = (
        select(ranked.c.party_id, ranked.c.at, ranked.c.kind, ranked.c.id)
        .where(ranked.c._rank <= page.size + 1)
        .order_by(ranked.c.party_id, ranked.c._rank)
    )
    keys = (await session.execute(ordered)).all()
    wanted: dict[str, list[int]] = {}
    for _party, _at, kind, id_ in keys:
        wanted.setdefault(kind, []).append(id_)
    rows: dict[tuple[str, int], Any] = {}
    for kind, ids in wanted.items():
        model = _MODELS[kind]
        loaded = await session.scalars(select(model).where(model.id.in_(ids)))
        # select() of one of several models types its rows as their common base.
        for row in cast("ScalarResult[Note | Activity | AuditEvent]", loaded):
            rows[(kind, row.id)] = row
    grouped: dict[Hashable, list[tuple[Any, ...]]] = {key: [] for key in party_ids}
    for party_id, at, kind, id_ in keys:
        grouped[party_id].append((at, kind, id_))
    pages: dict[Hashable, Page[TimelineItem]] = {}
    for party_id, found in grouped.items():
        more = len(found) > page.size
        found = found[: page.size]
        if page.backwards:
            found.reverse()
        pages[party_id] = Page(
            items=[TimelineItem(kind, rows[(kind, id_)]) for _at, kind, id_ in found],
            cursors_of=[_encode(at, kind, id_) for at, kind, id_ in found],
            has_next_page=more if not page.backwards else page.before is not None,
            has_previous_page=more if page.backwards else page.after is not None,
        )
    return pages


async def count_for(
    session: AsyncSession, party_ids: Sequence[int], *, viewer: Viewer, kinds: tuple[str, ...]
) -> dict[Hashable, int]:
    if not party_ids or not kinds:
        return dict.fromkeys(party_ids, 0)
    u = _union(viewer, party_ids, kinds)
    counts: dict[int, int] = dict(
        (await session.execute(select(u.c.party_id, func.count()).group_by(u.c.party_id))).all()
    )
    return {key: counts.get(key, 0) for key in party_ids}
