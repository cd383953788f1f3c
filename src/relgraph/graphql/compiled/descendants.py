"""Organisation.descendants in compiled reads: the subtree breadth first, by name within a
level, as domain/organisations/hierarchy.descendants_of pages it, today or on another day
(its own asOf or the one it inherits): that day's parent links, today's archived flags and
names, and the organisations below carry the day.

One recursive CTE walks the subtree once; the page, its count and its cursors all read
that one walk (a connection written by Build.connection would walk it once per part).
The cursor is the resolvers' [depth, name key, id] (db/cursors.encode_cursor, no tag).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.values import VariableValues

from relgraph.db.engine import SQLITE_FUNCTIONS
from relgraph.db.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from relgraph.domain.organisations.hierarchy import MAX_DEPTH
from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.hierarchy import links_on
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of
from relgraph.graphql.core.as_of import AS_OF

__all__ = ["descendants"]


def _depth_cursor(depth: Any, key: Any, pk: Any) -> str:
    # db/cursors.encode_cursor of the sort key [depth, name_key, id]: the same bytes.
    return base64.urlsafe_b64encode(json.dumps([depth, key, pk], separators=(",", ":")).encode()).decode()


SQLITE_FUNCTIONS["relgraph_depth_cursor"] = (3, _depth_cursor)


def _cursor(build: Build, depth: str, key: str, pk: str) -> str:
    if build.dialect.name == "sqlite":
        return f"relgraph_depth_cursor({depth}, {key}, {pk})"
    # As dialects.PostgreSQL.cursor: to_json writes the (folded) name key as json.dumps does.
    raw = (
        f"convert_to('[' || {depth}::text || ',' || to_json({key})::text || ',' || {pk}::text || ']', 'UTF8')"
    )
    return f"translate(encode({raw}, 'base64'), E'+/\\n', '-_')"


_ARGUMENTS = ("maxDepth", "first", "includeArchived", AS_OF)  # after, last, before: the resolvers


def descendants(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    """The OrganisationDescendantConnection of the organisation row `alias`."""
    arguments = arguments_of(type_.fields[item.name], item, _ARGUMENTS)
    day = build.day_of(type_, item)

    def max_depth(variables: VariableValues) -> int:
        given = arguments.read(variables).get("maxDepth")
        if given is not None and not 1 <= given <= MAX_DEPTH:
            raise Decline("a maxDepth the resolvers refuse")  # they word the error
        return int(given or MAX_DEPTH)

    def first(variables: VariableValues) -> int:
        size = arguments.read(variables).get("first")
        if size is not None and not 1 <= size <= MAX_PAGE_SIZE:
            raise Decline("a page size the resolvers refuse")
        return int(size or DEFAULT_PAGE_SIZE)

    depth = build.parameter(max_depth)
    size = build.parameter(first)
    archived = build.parameter(lambda variables: bool(arguments.read(variables).get("includeArchived")))
    d = build.dialect
    links = links_on(build, day)  # (id, parent_id, archived) of the day, as _descendant_tree
    tree, page, child, o = build.alias("tree"), build.alias("page"), build.alias("c"), build.alias("o")
    # Without archived organisations an archived one hides its whole branch (hierarchy.py);
    # the flag is today's on any day, as parent_periods.links_on puts it beside the links.
    shown = f"({archived} OR NOT {child}.archived)"
    walk = (
        f"{tree}(id, depth) AS (SELECT {child}.id, 1 FROM {links} {child} "
        f"WHERE {child}.parent_id = {alias}.id AND {shown} UNION ALL "
        f"SELECT {child}.id, {tree}.depth + 1 FROM {tree} JOIN {links} {child} ON {child}.parent_id = {tree}.id "
        f"WHERE {tree}.depth < {depth} AND {shown})"
    )
    # The page and one row more (hasNextPage), with the sort key the cursor carries.
    ranked = (
        f"{page} AS (SELECT {o}.id AS id, {tree}.depth AS depth, {o}.name_key AS name_key "
        f"FROM {tree} JOIN organisations {o} ON {o}.id = {tree}.id "
        f"ORDER BY {tree}.depth, {o}.name_key, {o}.id LIMIT {size} + 1)"
    )
    order = [f"{page}.depth", f"{page}.name_key", f"{page}.id"]
    cursor = _cursor(build, f"{page}.depth", f"{page}.name_key", f"{page}.id")
    rows = f"FROM {page} JOIN organisations {o} ON {o}.id = {page}.id"
    connection_type = build.object_type("OrganisationDescendantConnection")
    pairs: list[tuple[str, str]] = []
    carried: str | None = None  # the one list the statement's own aggregate builds
    for field in build.fields(connection_type, item):
        at = [*path, field.key]
        if field.name == "__typename":
            pairs.append((field.key, d.literal(connection_type.name)))
        elif field.name == "totalCount":
            pairs.append((field.key, f"(SELECT count(*) FROM {tree})"))
        elif field.name in ("nodes", "edges"):
            with build.as_of(day):  # the organisations below answer as of the walk's day
                if field.name == "nodes":
                    element = build.object("Organisation", o, build.fields(type_, field), [*at, "*"])
                else:
                    element = _edge(build, field, o, f"{page}.depth", cursor, [*at, "*"])
            if carried is None:
                carried = f"SELECT {element} AS j, {', '.join(f'{k} AS k{i}' for i, k in enumerate(order))} "
                carried += f"{rows} ORDER BY {', '.join(order)} LIMIT {size}"
                pairs.append((field.key, _aggregate(build)))
            else:
                pairs.append((field.key, d.array(element, rows, order, size)))
        elif field.name == "pageInfo":
            pairs.append((field.key, _page_info(build, field, page, order, cursor, size)))
        else:
            raise Decline(f"field {connection_type.name}.{field.name}")
    # The connection object is the aggregate's own row (no subquery more: SQLite's parser
    # has a bounded stack, and a group's people nest deep below this).
    over = f" FROM ({carried}) x" if carried else ""
    return d.nested(f"WITH RECURSIVE {walk}, {ranked} SELECT {d.obj(pairs)}{over}")


def _aggregate(build: Build) -> str:
    """The JSON array of the page's items `x.j` (ordered by x.k0, x.k1, x.k2)."""
    if build.dialect.name == "sqlite":
        return "json_group_array(x.j -> '$')"  # the rows come in order from the subquery
    return "coalesce(json_agg(x.j ORDER BY x.k0, x.k1, x.k2), '[]'::json)"


def _edge(build: Build, selected: Selected, o: str, depth: str, cursor: str, path: list[str]) -> str:
    d = build.dialect
    edge_type = build.object_type("OrganisationDescendantEdge")
    pairs: list[tuple[str, str]] = []
    for field in build.fields(edge_type, selected):
        if field.name == "__typename":
            pairs.append((field.key, d.literal(edge_type.name)))
        elif field.name == "cursor":
            pairs.append((field.key, cursor))
        elif field.name == "depth":
            pairs.append((field.key, depth))
        elif field.name == "node":
            organisation = build.object_type("Organisation")
            pairs.append(
                (
                    field.key,
                    build.object("Organisation", o, build.fields(organisation, field), [*path, field.key]),
                )
            )
        else:
            raise Decline(f"field {edge_type.name}.{field.name}")
    return d.obj(pairs)


def _page_info(build: Build, selected: Selected, page: str, order: list[str], cursor: str, size: str) -> str:
    """A first page's PageInfo: more after it when the walk gave one row more than the page."""
    d = build.dialect
    ordered = ", ".join(order)
    pairs: list[tuple[str, str]] = []
    for field in build.fields(build.object_type("PageInfo"), selected):
        if field.name == "__typename":
            pairs.append((field.key, d.literal("PageInfo")))
        elif field.name == "hasNextPage":
            pairs.append((field.key, d.boolean(f"(SELECT count(*) FROM {page}) > {size}")))
        elif field.name == "hasPreviousPage":
            pairs.append((field.key, d.boolean("1 = 0")))  # a first page: nothing before it
        elif field.name == "startCursor":
            pairs.append((field.key, f"(SELECT {cursor} FROM {page} ORDER BY {ordered} LIMIT 1)"))
        elif field.name == "endCursor":
            last = (
                f"(SELECT z.c FROM (SELECT {cursor} AS c, {order[0]} AS k0, {order[1]} AS k1, {order[2]} AS k2 "
                f"FROM {page} ORDER BY {ordered} LIMIT {size}) z ORDER BY z.k0 DESC, z.k1 DESC, z.k2 DESC LIMIT 1)"
            )
            pairs.append((field.key, last))
        else:
            raise Decline(f"field PageInfo.{field.name}")
    return d.obj(pairs)
