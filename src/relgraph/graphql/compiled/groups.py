"""Customer groups in compiled reads, as graphql/party_data (queries.customer_groups,
types/customer_groups.py) gives them: the `customerGroups` root (its search and flags
written in the document) and a group's `members` (organisations and persons by name).

The rows come from the domain's statements, rendered by conditions.py:
domain/party_data/groups.listing for the groups, groups.members_listed for the members
(R1 on persons, archived organisations and deactivated persons only when asked).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType

from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.fields import common
from relgraph.graphql.compiled.relations import party
from relgraph.graphql.compiled.selection import Arguments, Decline, Selected, arguments_of

__all__ = ["customer_groups"]

_GROUP_COLUMNS = {"name": "name", "description": "description", "version": "version"}


def _written(arguments: Arguments, name: str, default: Any) -> Any:
    """An argument's value written in the document (its default when left out); a
    variable: the resolvers (the value is part of the SQL text)."""
    if name not in arguments.given:
        return default
    written, value = arguments.literal(name)
    if not written:
        raise Decline(f"a variable in {arguments.node.name.value}({name})")
    return value


def customer_groups(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    """`customerGroups`: the first `first` groups by name, as groups.list_all lists them."""
    handled = ("search", "includeInactive", "first")
    arguments = arguments_of(query.fields[selected.name], selected, handled)
    search = _written(arguments, "search", None)
    include_inactive = bool(_written(arguments, "includeInactive", False))
    size = build.page_size(query, selected, handled)
    g = build.alias("g")
    found = _group(build, g, build.fields(build.object_type("CustomerGroup"), selected), [selected.key, "*"])
    source = f"FROM ({build.conditions.customer_groups(include_inactive, search)}) {g}"
    return build.dialect.array(found, source, [f"{g}.name_key", f"{g}.id"], size)


def _group(build: Build, g: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    type_ = build.object_type("CustomerGroup")
    pairs: list[tuple[str, str]] = []
    for item in fields:
        value = common(build, "CustomerGroup", item, g)
        if value is not None:
            pass
        elif item.name in _GROUP_COLUMNS:
            value = f"{g}.{_GROUP_COLUMNS[item.name]}"
        elif item.name == "active":
            value = d.boolean(f"{g}.active")
        elif item.name == "members":
            value = _members(build, type_, g, item, [*path, item.key])
        else:
            raise Decline(f"field CustomerGroup.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


def _members(build: Build, type_: GraphQLObjectType, g: str, selected: Selected, path: list[str]) -> str:
    """A group's first page of members, by name then party id (their cursors: [name, id])."""
    handled = ("kind", "includeArchived", "includeInactive", "first")
    arguments = arguments_of(type_.fields[selected.name], selected, handled)
    kind = _written(arguments, "kind", None)
    include_archived = bool(_written(arguments, "includeArchived", False))
    include_inactive = bool(_written(arguments, "includeInactive", False))
    size = build.page_size(type_, selected, handled)
    d = build.dialect
    m = build.alias("m")
    listed = build.conditions.group_members(
        None if kind is None else str(getattr(kind, "value", kind)), include_archived, include_inactive
    )
    source = f"FROM ({listed}) {m} WHERE {m}.group_id = {g}.id"
    order = [f"{m}.sort_key", f"{m}.party_id"]
    pairs: list[tuple[str, str]] = []
    for item in build.fields(build.object_type("CustomerGroupMemberConnection"), selected):
        at = [*path, item.key, "*"]
        if item.name == "__typename":
            pairs.append((item.key, d.literal("CustomerGroupMemberConnection")))
        elif item.name == "totalCount":
            pairs.append((item.key, f"(SELECT count(*) {source})"))
        elif item.name == "nodes":
            pairs.append((item.key, d.array(party(build, f"{m}.party_id", item, at), source, order, size)))
        elif item.name == "edges":
            edge: list[tuple[str, str]] = []
            for field in build.fields(build.object_type("CustomerGroupMemberEdge"), item):
                if field.name == "__typename":
                    edge.append((field.key, d.literal("CustomerGroupMemberEdge")))
                elif field.name == "cursor":
                    edge.append((field.key, d.cursor(*order)))
                elif field.name == "node":
                    edge.append((field.key, party(build, f"{m}.party_id", field, [*at, field.key])))
                else:
                    raise Decline(f"field CustomerGroupMemberEdge.{field.name}")
            pairs.append((item.key, d.array(d.obj(edge), source, order, size)))
        else:  # pageInfo: the resolvers
            raise Decline(f"field CustomerGroupMemberConnection.{item.name}")
    return d.obj(pairs)
