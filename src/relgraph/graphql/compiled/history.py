"""A party's history in compiled reads: `notes(kinds:)`, `activities(status:)` and the
`timeline` that merges them with the audit trail, as graphql/history/types.py gives them.

The rows come from the domain's statements, rendered by conditions.py: notes.listed (R1,
the kinds the viewer may read), activities.listed (R1, the status at the request's time,
a bind parameter) and timeline.items (its audit part with audit_events_readable, the
viewer's own id a bind parameter). An audit event's `changes` are masked after the
statement by the resolvers' own function (audit_reads.shown_changes, a Transform); an event
that holds a merge's report, whose counts depend on what the reader sees of the parties it
names, is left to the resolvers (execution.py falls back when the Transform declines).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLUnionType
from graphql.execution.values import VariableValues
from sqlalchemy import DateTime, Integer, literal_column

from relgraph.db.models import Activity, AuditEvent, Note
from relgraph.db.pagination import OrderKey
from relgraph.domain.history import activities, notes, timeline
from relgraph.domain.history.audit_reads import shown_changes
from relgraph.domain.organisations.merging.report import recorded_in
from relgraph.graphql.compiled.compiler import Build, Connection, Transform
from relgraph.graphql.compiled.fields import common
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of, literal_input
from relgraph.graphql.history.types import MAX_CHANGES
from relgraph.policy import Viewer

__all__ = ["HISTORY_FIELDS", "history"]

HISTORY_FIELDS = ("notes", "activities", "timeline")
_MOMENTS = {"createdAt": "created_at", "updatedAt": "updated_at", "dueAt": "due_at", "doneAt": "done_at"}
_USERS = {"author": "created_by_id", "createdBy": "created_by_id", "updatedBy": "updated_by_id"}
_NOTE_COLUMNS = {"kind": "kind", "body": "body", "version": "version"}
_ACTIVITY_COLUMNS = {
    "kind": "kind",
    "subject": "subject",
    "body": "body",
    "version": "version",
    "status": "status_now",  # activities.status_sql at the request's time
}
_EVENT_COLUMNS = {"objectType": "object_type", "action": "action", "reason": "reason"}
# The timeline's order is (at, kind ascending, id), newest first or its exact reverse: as
# one direction over (at, rank, id), the rank falling as the kind's name rises.
_RANK = {kind: len(timeline.KINDS) - 1 - i for i, kind in enumerate(sorted(timeline.KINDS))}
_TYPES = {"NOTE": "Note", "ACTIVITY": "Activity", "AUDIT": "AuditEvent"}


def history(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    """`notes`, `activities` or `timeline` of the party row `alias` (an organisation or person)."""
    if item.name == "notes":
        return _notes(build, type_, alias, item, path)
    if item.name == "activities":
        return _activities(build, type_, alias, item, path)
    return _timeline(build, type_, alias, item, path)


def _written(type_: GraphQLObjectType, item: Selected, name: str) -> Any:
    """An argument written in the document (its values are in the SQL text); None when absent."""
    definition = type_.fields[item.name]
    arguments = arguments_of(definition, item, list(definition.args))  # checked by paging
    if name not in arguments.given:
        return None
    written, value = arguments.literal(name)
    if not written:
        raise Decline(f"a variable in {item.name}({name})")
    return value


def _now(build: Build) -> str:
    """The request's time (an activity's status), read when the request is bound."""
    d = build.dialect

    def now(_variables: VariableValues) -> Any:
        return d.bind(dt.datetime.now(dt.UTC))

    return build.parameter(now)


def _notes(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    page = build.paging(type_, item, notes.ORDER, allowed=["kinds"])
    kinds = _written(type_, item, "kinds")
    # As graphql/history/types.notes_connection hands them to the domain.
    chosen = None if kinds is None else tuple(sorted({k.value for k in kinds}))
    n = build.alias("n")
    return build.connection(
        item,
        Connection(
            f"FROM ({build.conditions.notes_listed(chosen)}) {n} WHERE {n}.party_id = {alias}.id",
            build.conditions.sort_keys(notes.ORDER, {Note.__table__: n}),
            lambda fields, at: _row(build, "Note", n, _NOTE_COLUMNS, fields, at),
            build.object_type("Note"),
            moment=True,
        ),
        page,
        path,
    )


def _activities(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    status = _written(type_, item, "status")
    chosen = None if status is None else activities.Status(status.value)
    order = activities.order_keys(chosen)
    page = build.paging(type_, item, order, allowed=["status"])
    a = build.alias("a")
    listed = build.conditions.activities_listed(chosen, _now(build))
    return build.connection(
        item,
        Connection(
            f"FROM ({listed}) {a} WHERE {a}.party_id = {alias}.id",
            build.conditions.sort_keys(order, {Activity.__table__: a}),
            lambda fields, at: _row(build, "Activity", a, _ACTIVITY_COLUMNS, fields, at),
            build.object_type("Activity"),
            moment=True,
        ),
        page,
        path,
    )


def _timeline(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    kinds = _written(type_, item, "kinds")
    # As graphql/history/types.timeline_connection hands them to the domain.
    chosen = timeline.KINDS if kinds is None else tuple(sorted({k.name for k in kinds}))
    if not chosen:
        raise Decline("a timeline of no kinds")
    # TimelineOrder: newest first unless the direction written is ASC.
    direction = literal_input(type_, item, "orderBy", {"field", "direction"}).get("direction")
    newest_first = getattr(direction, "name", "DESC") == "DESC"
    order = [
        OrderKey(literal_column("at", DateTime()), "at", descending=newest_first),
        OrderKey(literal_column("rank", Integer()), "rank", descending=newest_first),
        OrderKey(literal_column("id", Integer()), "id", descending=newest_first),
    ]
    page = build.paging(type_, item, order, allowed=["kinds", "orderBy"], decode=_decode)
    items = build.conditions.timeline_items(alias, chosen, build.viewer_id())
    _forget_unused_viewer_id(build, items)
    t = build.alias("t")
    rank = "CASE " + " ".join(f"WHEN {t}.kind = '{k}' THEN {r}" for k, r in _RANK.items()) + " END"
    union = build.schema.get_type("TimelineItem")
    assert isinstance(union, GraphQLUnionType)
    return build.connection(
        item,
        Connection(
            f"FROM ({items}) {t} WHERE {t}.party_id = {alias}.id",
            (f"{t}.at", rank, f"{t}.id"),
            lambda fields, at: _item(build, t, fields[0], at),
            union,
            written_cursor=build.dialect.item_cursor(f"{t}.at", f"{t}.kind", f"{t}.id"),
        ),
        page,
        path,
    )


def _decode(cursor: str, argument: str) -> list[Any]:
    at, kind, pk = timeline.decode_cursor(cursor, argument)
    return [at, _RANK[kind], pk]


def _forget_unused_viewer_id(build: Build, sql: str) -> None:
    """Drop the last viewer-id parameter when the rendered rule does not read it (ADMIN's)."""
    name = build.viewer_ids[-1]
    if not re.search(rf":{name}\b", sql):
        build.viewer_ids.pop()


def _item(build: Build, t: str, selected: Selected, path: list[str]) -> str:
    """One timeline item (a Note, an Activity or an AuditEvent) of the row `t` of timeline.items."""
    d = build.dialect
    chosen = {kind: build.fields(build.object_type(name), selected) for kind, name in _TYPES.items()}
    names: dict[str, str] = {}
    for fields in chosen.values():
        for field in fields:
            if names.setdefault(field.key, field.name) != field.name:
                # One key, two fields: a transform at that path would reach the wrong one.
                raise Decline("a response key for different fields of timeline items")
    n, a, e = build.alias("n"), build.alias("a"), build.alias("e")
    note = _row(build, "Note", n, _NOTE_COLUMNS, chosen["NOTE"], path)
    activity = _row(build, "Activity", a, _ACTIVITY_COLUMNS, chosen["ACTIVITY"], path)
    event = _event(build, e, chosen["AUDIT"], path)
    listed = build.conditions.activities_listed(None, _now(build))
    return d.choose(
        f"{t}.kind",
        [
            ("'NOTE'", d.nested(f"SELECT {note} FROM notes {n} WHERE {n}.id = {t}.id")),
            ("'ACTIVITY'", d.nested(f"SELECT {activity} FROM ({listed}) {a} WHERE {a}.id = {t}.id")),
            ("'AUDIT'", d.nested(f"SELECT {event} FROM audit_events {e} WHERE {e}.id = {t}.id")),
        ],
    )


def _user(build: Build, column: str, item: Selected, path: list[str]) -> str:
    """The staff user whose id is in `column` (null when none), as staff_user gives it."""
    u = build.alias("u")
    found = build.object("User", u, build.fields(build.object_type("User"), item), [*path, item.key])
    return build.dialect.nested(f"SELECT {found} FROM users {u} WHERE {u}.id = {column}")


def _row(
    build: Build, type_name: str, alias: str, columns: dict[str, str], fields: list[Selected], path: list[str]
) -> str:
    """A Note or an Activity from its row `alias`."""
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        value = common(build, type_name, item, alias)
        if value is not None:
            pass
        elif item.name in columns:
            value = f"{alias}.{columns[item.name]}"
        elif item.name in _MOMENTS and (type_name == "Activity" or item.name in ("createdAt", "updatedAt")):
            value = d.moment(f"{alias}.{_MOMENTS[item.name]}")
        elif item.name in _USERS:
            value = _user(build, f"{alias}.{_USERS[item.name]}", item, path)
        elif item.name == "assignee" and type_name == "Activity":
            value = _user(build, f"{alias}.assignee_id", item, path)
        else:
            raise Decline(f"field {type_name}.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


def _event(build: Build, e: str, fields: list[Selected], path: list[str]) -> str:
    """An AuditEvent from its row `e`."""
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        if item.name == "__typename":
            value = d.literal("AuditEvent")
        elif item.name in _EVENT_COLUMNS:
            value = f"{e}.{_EVENT_COLUMNS[item.name]}"
        elif item.name == "at":
            value = d.moment(f"{e}.at")
        elif item.name == "actor":
            value = _user(build, f"{e}.actor_id", item, path)
        elif item.name == "changes":
            shown = _change_fields(build, item)
            build.transforms.append(Transform([*path, item.key], _masked(build.conditions.viewer, shown)))
            value = d.obj([("type", f"{e}.object_type"), ("changes", d.json_column(f"{e}.changes"))])
        else:
            raise Decline(f"field AuditEvent.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


_CHANGE_FIELDS = ("__typename", "field", "before", "after", "masked")


def _change_fields(build: Build, item: Selected) -> list[tuple[str, str]]:
    """(response key, field) of each AuditChange field selected."""
    fields = build.fields(build.object_type("AuditChange"), item)
    unknown = [f.name for f in fields if f.name not in _CHANGE_FIELDS]
    if unknown:
        raise Decline(f"field AuditChange.{unknown[0]}")
    return [(f.key, f.name) for f in fields]


def _masked(viewer: Viewer, shown: list[tuple[str, str]]) -> Callable[[Any], Any]:
    """An event's stored changes as the viewer may see them: audit_reads.shown_changes, the
    resolvers' masking (R4), applied to what the statement returned."""

    def shape(raw: Any) -> Any:
        changes = raw["changes"] or {}
        if recorded_in(changes) is not None:
            raise Decline("an audit event holding a merge's report")  # counted for the reader
        event = AuditEvent(object_type=raw["type"], changes=changes)
        return [
            {key: "AuditChange" if name == "__typename" else getattr(change, name) for key, name in shown}
            for change in shown_changes(event, viewer)[:MAX_CHANGES]
        ]

    return shape
