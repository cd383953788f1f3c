"""The changes feed (`changes`) in compiled reads, as graphql/history/changes.py gives it:
the changes the viewer may read (domain/history/feed_reads.listed, changes_readable) in
commit order, paged both ways, each with its object as it is now (`node`): an organisation,
a person the viewer may see (R1), a membership, a relation whose ends it may see
(relations.ends_visible), null when gone or hidden, as graphql/core/node.find finds them."""

from __future__ import annotations

from graphql import GraphQLObjectType

from relgraph.domain.history import feed_reads
from relgraph.graphql.compiled.compiler import Build, Connection
from relgraph.graphql.compiled.memberships import membership
from relgraph.graphql.compiled.relations import relation
from relgraph.graphql.compiled.selection import Decline, Selected
from relgraph.graphql.history.changes import ChangedObjectType

__all__ = ["changes"]

# The object types the feed follows, as its rows name them (ChangedObjectType by upper case).
_TYPES = [member.name.title() for member in ChangedObjectType]


def changes(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    """The `changes` root: a page of the feed, oldest change first."""
    page = build.paging(query, selected, feed_reads.ORDER)
    ch = build.alias("ch")
    return build.connection(
        selected,
        Connection(
            f"FROM ({build.conditions.changes_listed()}) {ch} WHERE {ch}.commit_no IS NOT NULL",
            (f"{ch}.commit_no", f"{ch}.id"),
            lambda fields, at: _change(build, ch, fields, at),
            build.object_type("Change"),
        ),
        page,
        [selected.key],
    )


def _change(build: Build, ch: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        if item.name == "__typename":
            value = d.literal("Change")
        elif item.name == "kind":
            value = f"{ch}.kind"
        elif item.name == "objectType":
            value = f"upper({ch}.object_type)"
        elif item.name == "at":
            value = d.moment(f"{ch}.at")
        elif item.name == "objectId":
            ids = " ".join(f"WHEN '{t}' THEN {d.gid(t, f'{ch}.object_id')}" for t in _TYPES)
            value = f"CASE {ch}.object_type {ids} END"
        elif item.name == "survivorId":
            value = f"CASE WHEN {ch}.survivor_id IS NOT NULL THEN {d.gid('Organisation', f'{ch}.survivor_id')} END"
        elif item.name == "node":
            value = _node(build, ch, item, [*path, item.key])
        else:
            raise Decline(f"field Change.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


def _node(build: Build, ch: str, item: Selected, path: list[str]) -> str:
    """The changed object as it is now, of whichever type the change names; null when gone or hidden."""
    d = build.dialect
    chosen = {t: build.fields(build.object_type(t), item) for t in _TYPES}
    names: dict[str, str] = {}
    for fields in chosen.values():
        for field in fields:
            if names.setdefault(field.key, field.name) != field.name:
                # One key, two fields: an error or transform at that path would reach the wrong one.
                raise Decline("a response key for different fields of changed objects")
    o, pe, m, mp, rv = (build.alias(a) for a in ("o", "pe", "m", "pe", "rv"))
    visible = build.conditions.person_visible(pe)
    found = {
        "Organisation": f"SELECT {build.object('Organisation', o, chosen['Organisation'], path)} "
        f"FROM organisations {o} WHERE {o}.id = {ch}.object_id",
        "Person": f"SELECT {build.object('Person', pe, chosen['Person'], path)} "
        f"FROM persons {pe} WHERE {pe}.id = {ch}.object_id" + (f" AND {visible}" if visible else ""),
        # A person with a membership is a business relation: every viewer sees it (R1).
        "Membership": f"SELECT {membership(build, m, mp, chosen['Membership'], path)} FROM memberships {m} "
        f"JOIN persons {mp} ON {mp}.id = {m}.person_id WHERE {m}.id = {ch}.object_id",
        "Relation": f"SELECT {relation(build, rv, chosen['Relation'], path)} "
        f"FROM ({build.conditions.relations_visible()}) {rv} WHERE {rv}.id = {ch}.object_id",
    }
    return d.choose(f"{ch}.object_type", [(f"'{t}'", d.nested(found[t])) for t in _TYPES])
