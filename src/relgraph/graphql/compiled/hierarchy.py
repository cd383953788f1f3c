"""The hierarchy in compiled reads: parent, ancestors, depth, root and subsidiaries, as
domain/organisations/hierarchy.py walks them today."""

from __future__ import annotations

from graphql import GraphQLObjectType

from relgraph.db.models import Organisation
from relgraph.domain.organisations.hierarchy import MAX_DEPTH, subsidiary_order
from relgraph.graphql.compiled.compiler import Build, Connection
from relgraph.graphql.compiled.paging import order_asked
from relgraph.graphql.compiled.selection import Selected, arguments_of

__all__ = ["parent", "subsidiaries", "up_the_chain"]


def parent(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    found_alias = build.alias("o")
    found = build.object("Organisation", found_alias, build.fields(type_, item), path)
    return build.dialect.nested(
        f"SELECT {found} FROM organisations {found_alias} WHERE {found_alias}.id = {alias}.parent_id"
    )


def subsidiaries(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    field, descending = order_asked(type_, item, ["NAME"])
    order = subsidiary_order(field, descending)
    page = build.paging(type_, item, order, allowed=["orderBy"])
    child = build.alias("o")
    return build.connection(
        item,
        Connection(
            f"FROM organisations {child} WHERE {child}.parent_id = {alias}.id AND NOT {child}.archived",
            build.conditions.sort_keys(order, {Organisation.__table__: child}),
            lambda fields, at: build.object("Organisation", child, fields, at),
            type_,
            tag=order[0].tag,
        ),
        page,
        path,
    )


def _chain(alias: str, chain: str) -> str:
    """The ancestors of `alias` today, (id, depth) with depth 1 the parent, as
    domain/organisations/hierarchy.py walks them (at most MAX_DEPTH)."""
    return (
        f"(WITH RECURSIVE {chain}(id, depth) AS (SELECT {alias}.parent_id, 1 WHERE {alias}.parent_id IS NOT NULL "
        f"UNION ALL SELECT up.parent_id, {chain}.depth + 1 FROM {chain} JOIN organisations up ON up.id = {chain}.id "
        f"WHERE up.parent_id IS NOT NULL AND {chain}.depth < {MAX_DEPTH}) SELECT id, depth FROM {chain}) {chain}"
    )


def up_the_chain(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    """ancestors (nearest first), depth, and root (the farthest ancestor, else itself)."""
    arguments_of(type_.fields[item.name], item, [])  # asOf: the resolvers
    d = build.dialect
    chain, o = build.alias("a"), build.alias("o")
    source = f"FROM {_chain(alias, chain)} JOIN organisations {o} ON {o}.id = {chain}.id"
    if item.name == "depth":
        return f"(SELECT count(*) {source})"
    fields = build.fields(type_, item)
    if item.name == "ancestors":
        # A list: its items' R4 errors are at each index ("*").
        return d.array(
            build.object("Organisation", o, fields, [*path, "*"]), source, [f"{chain}.depth"], None
        )
    found = build.object("Organisation", o, fields, path)
    farthest = d.nested(f"SELECT {found} {source} ORDER BY {chain}.depth DESC LIMIT 1")
    return f"coalesce({farthest}, {build.object('Organisation', alias, fields, path)})"
