"""Staff users in compiled reads, as graphql/users/types.py and graphql/users/queries.py
give them: a User (every signed-in user sees every staff account), the `users` root
(the staff list by name or by customer files) and a user's or a party's internal
relations (the customer files a staff member looks after).

The rows come from the domain's statements, rendered by conditions.py: the staff list
from domain/users.staff, the internal relations (R1 on the customer file, in force
today) from domain/relations/internal_relations.listed.
"""

from __future__ import annotations

from graphql import GraphQLObjectType

from relgraph.graphql.compiled.compiler import Build, Connection
from relgraph.graphql.compiled.fields import common, row_by_id
from relgraph.graphql.compiled.relations import party
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of, literal_input

__all__ = ["internal_relations", "user", "users"]

_USER_COLUMNS = {"name": "name", "email": "email", "role": "role"}
_CATEGORY_COLUMNS = {"code": "code", "name": "name", "description": "description", "version": "version"}


def user(build: Build, u: str, fields: list[Selected], path: list[str]) -> str:
    """A User from the users row `u`."""
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        at = [*path, item.key]
        value = common(build, "User", item, u)
        if value is not None:
            pass
        elif item.name in _USER_COLUMNS:
            value = f"{u}.{_USER_COLUMNS[item.name]}"
        elif item.name == "active":
            value = d.boolean(f"{u}.active")
        elif item.name == "permissions":
            value = d.json_column(f"{u}.permissions")  # stored sorted, as the resolvers list them
        elif item.name == "customerFileCount":
            value = f"(SELECT count(*) {_files_of(build, u, 'user_id', False)})"
        elif item.name == "internalRelations":
            value = internal_relations(build, build.object_type("User"), u, "user_id", item, at)
        else:
            raise Decline(f"field User.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


def _files_of(build: Build, owner: str, column: str, include_ended: bool) -> str:
    """FROM ... WHERE ...: the internal relations of the row `owner` (a user's by
    `column` user_id, a party's by party_id), as alias `ir` + a fresh number."""
    ir = build.alias("ir")
    listed = build.conditions.internal_relations(include_ended)
    return f"FROM ({listed}) {ir} WHERE {ir}.{column} = {owner}.id"


def internal_relations(
    build: Build, type_: GraphQLObjectType, owner: str, column: str, item: Selected, path: list[str]
) -> str:
    """`User.internalRelations` or `Party.internalRelations` of the row `owner`: a first
    page by id (the resolvers' only order), the ended ones when asked. Categories, other
    pages and asOf: the resolvers."""
    build.today_only("internal relations")
    handled = ("first", "includeEnded")
    size = build.page_size(type_, item, handled)
    arguments = arguments_of(type_.fields[item.name], item, handled)
    include_ended = False
    if "includeEnded" in arguments.given:
        written, include_ended = arguments.literal("includeEnded")
        if not written:
            raise Decline("a variable in internalRelations(includeEnded)")
    ir = build.alias("ir")
    listed = build.conditions.internal_relations(bool(include_ended))
    return build.connection(
        item,
        Connection(
            f"FROM ({listed}) {ir} WHERE {ir}.{column} = {owner}.id",
            (f"{ir}.id", f"{ir}.id"),  # its cursors: [id]
            lambda fields, at: _internal_relation(build, ir, fields, at),
            build.object_type("InternalRelation"),
        ),
        size,
        path,
    )


def _internal_relation(build: Build, ir: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        at = [*path, item.key]
        value = common(build, "InternalRelation", item, ir)
        if value is not None:
            pass
        elif item.name in ("since", "until"):
            value = d.date(f"{ir}.{item.name}")
        elif item.name == "version":
            value = f"{ir}.version"
        elif item.name == "party":
            value = party(build, f"{ir}.party_id", item, at)
        elif item.name == "employee":
            u = build.alias("u")
            found = user(build, u, build.fields(build.object_type("User"), item), at)
            value = d.nested(f"SELECT {found} FROM users {u} WHERE {u}.id = {ir}.user_id")
        elif item.name == "category":
            value = row_by_id(
                build,
                "InternalRelationCategory",
                "internal_relation_categories",
                f"{ir}.category_id",
                item,
                _CATEGORY_COLUMNS,
                ("active",),
            )
        else:  # current, commissionPercent (R4): the resolvers
            raise Decline(f"field InternalRelation.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


def users(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    """The `users` root: a first page of the staff list by name or by customer files
    (orderBy written in the document), ascending or descending, ties by id the same way."""
    handled = ("orderBy", "includeInactive", "first")
    arguments = arguments_of(query.fields[selected.name], selected, handled)
    order = literal_input(query, selected, "orderBy", {"field", "direction"})
    include_inactive = False
    if "includeInactive" in arguments.given:
        written, include_inactive = arguments.literal("includeInactive")
        if not written:
            raise Decline("a variable in users(includeInactive)")
    size = build.page_size(query, selected, handled)
    d = build.dialect
    u = build.alias("u")
    source = f"FROM ({build.conditions.staff(bool(include_inactive))}) {u}"
    field, direction = order.get("field"), order.get("direction")
    field_name = getattr(field, "name", "NAME")
    key = (
        f"(SELECT count(*) {_files_of(build, u, 'user_id', False)})"
        if field_name == "CUSTOMER_FILES"
        else f"{u}.name"
    )
    descending = " DESC" if getattr(direction, "name", "ASC") == "DESC" else ""
    ordered = [f"{key}{descending}", f"{u}.id{descending}"]
    node_type = build.object_type("User")
    pairs: list[tuple[str, str]] = []
    for item in build.fields(build.object_type("UserConnection"), selected):
        at = [selected.key, item.key, "*"]
        if item.name == "__typename":
            pairs.append((item.key, d.literal("UserConnection")))
        elif item.name == "totalCount":
            pairs.append((item.key, f"(SELECT count(*) {source})"))
        elif item.name == "nodes":
            pairs.append(
                (item.key, d.array(user(build, u, build.fields(node_type, item), at), source, ordered, size))
            )
        elif item.name == "edges":
            pairs.append((item.key, d.array(_edge(build, u, key, item, at), source, ordered, size)))
        elif item.name == "pageInfo":
            pairs.append((item.key, _page_info(build, item, source, size)))
        else:
            raise Decline(f"field UserConnection.{item.name}")
    return d.obj(pairs)


def _edge(build: Build, u: str, key: str, selected: Selected, path: list[str]) -> str:
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in build.fields(build.object_type("UserEdge"), selected):
        if item.name == "__typename":
            pairs.append((item.key, d.literal("UserEdge")))
        elif item.name == "cursor":
            pairs.append((item.key, d.cursor(key, f"{u}.id")))  # [sort key, id], as users.order_keys
        elif item.name == "node":
            fields = build.fields(build.object_type("User"), item)
            pairs.append((item.key, user(build, u, fields, [*path, item.key])))
        else:
            raise Decline(f"field UserEdge.{item.name}")
    return d.obj(pairs)


def _page_info(build: Build, selected: Selected, source: str, size: str) -> str:
    """A first page's PageInfo without its cursors (the resolvers write those)."""
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in build.fields(build.object_type("PageInfo"), selected):
        if item.name == "__typename":
            pairs.append((item.key, d.literal("PageInfo")))
        elif item.name == "hasNextPage":
            pairs.append((item.key, d.boolean(f"(SELECT count(*) {source}) > {size}")))
        elif item.name == "hasPreviousPage":
            pairs.append((item.key, d.boolean("1 = 0")))
        else:
            raise Decline(f"field PageInfo.{item.name}")
    return d.obj(pairs)
