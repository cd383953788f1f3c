"""The hierarchy in compiled reads: parent, ancestors, depth, root and subsidiaries, as
domain/organisations/hierarchy.py walks them: today over organisations.parent_id, another
day (asOf) over that day's parent links (parent_periods.links_on, from conditions.py).
Each carries its day to the organisations it returns, as the resolvers date them."""

from __future__ import annotations

from graphql import GraphQLObjectType

from relgraph.db.models import Organisation
from relgraph.domain.organisations.hierarchy import MAX_DEPTH, subsidiary_order
from relgraph.graphql.compiled.compiler import Build, Connection
from relgraph.graphql.compiled.conditions import Day
from relgraph.graphql.compiled.paging import order_asked
from relgraph.graphql.compiled.selection import Selected, arguments_of
from relgraph.graphql.core.as_of import AS_OF

__all__ = ["links_on", "parent", "subsidiaries", "up_the_chain"]


def links_on(build: Build, day: Day) -> str:
    """The parent links (id, parent_id) of `day` as a FROM item: the organisations
    themselves today, else the periods in force on that day; both with today's archived
    flag (parent_periods.links_on)."""
    if day is None:
        return "organisations"
    return f"({build.conditions.parent_links(day)})"


def parent(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    arguments_of(type_.fields[item.name], item, [AS_OF])
    day = build.day_of(type_, item)
    found_alias = build.alias("o")
    with build.as_of(day):
        found = build.object("Organisation", found_alias, build.fields(type_, item), path)
    if day is None:
        return build.dialect.nested(
            f"SELECT {found} FROM organisations {found_alias} WHERE {found_alias}.id = {alias}.parent_id"
        )
    # Another day: the nearest ancestor of that day (the resolvers' ancestors, first).
    link = build.alias("l")
    return build.dialect.nested(
        f"SELECT {found} FROM {links_on(build, day)} {link} JOIN organisations {found_alias} "
        f"ON {found_alias}.id = {link}.parent_id WHERE {link}.id = {alias}.id LIMIT 1"
    )


def subsidiaries(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    field, descending = order_asked(type_, item, ["NAME"])
    order = subsidiary_order(field, descending)
    page = build.paging(type_, item, order, allowed=["orderBy", AS_OF])
    day = build.day_of(type_, item)
    child = build.alias("o")
    if day is None:
        source = f"FROM organisations {child} WHERE {child}.parent_id = {alias}.id AND NOT {child}.archived"
    else:
        # hierarchy._subsidiaries of another day: that day's links, today's archived flag.
        link = build.alias("l")
        source = (
            f"FROM organisations {child} JOIN {links_on(build, day)} {link} ON {link}.id = {child}.id "
            f"WHERE {link}.parent_id = {alias}.id AND NOT {child}.archived"
        )
    with build.as_of(day):
        return build.connection(
            item,
            Connection(
                source,
                build.conditions.sort_keys(order, {Organisation.__table__: child}),
                lambda fields, at: build.object("Organisation", child, fields, at),
                type_,
                tag=order[0].tag,
            ),
            page,
            path,
        )


def _chain(build: Build, day: Day, alias: str, chain: str) -> str:
    """The ancestors of `alias` on `day`, (id, depth) with depth 1 the parent, as
    hierarchy._ancestor_chain walks them (at most MAX_DEPTH)."""
    links, up = links_on(build, day), build.alias("l")
    if day is None:  # the row's own parent_id: no lookup
        anchor = f"SELECT {alias}.parent_id, 1 WHERE {alias}.parent_id IS NOT NULL"
    else:
        start = build.alias("l")
        anchor = (
            f"SELECT {start}.parent_id, 1 FROM {links} {start} "
            f"WHERE {start}.id = {alias}.id AND {start}.parent_id IS NOT NULL"
        )
    return (
        f"(WITH RECURSIVE {chain}(id, depth) AS ({anchor} "
        f"UNION ALL SELECT {up}.parent_id, {chain}.depth + 1 FROM {chain} JOIN {links} {up} ON {up}.id = {chain}.id "
        f"WHERE {up}.parent_id IS NOT NULL AND {chain}.depth < {MAX_DEPTH}) SELECT id, depth FROM {chain}) {chain}"
    )


def up_the_chain(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    """ancestors (nearest first), depth, and root (the farthest ancestor, else itself)."""
    arguments_of(type_.fields[item.name], item, [AS_OF])
    day = build.day_of(type_, item)
    d = build.dialect
    chain, o = build.alias("a"), build.alias("o")
    source = f"FROM {_chain(build, day, alias, chain)} JOIN organisations {o} ON {o}.id = {chain}.id"
    if item.name == "depth":
        return f"(SELECT count(*) {source})"
    fields = build.fields(type_, item)
    with build.as_of(day):
        if item.name == "ancestors":
            # A list: its items' R4 errors are at each index ("*").
            return d.array(
                build.object("Organisation", o, fields, [*path, "*"]), source, [f"{chain}.depth"], None
            )
        found = build.object("Organisation", o, fields, path)
        farthest = d.nested(f"SELECT {found} {source} ORDER BY {chain}.depth DESC LIMIT 1")
        return d.first_of(farthest, build.object("Organisation", alias, fields, path))
