"""The root fields the compiler knows: one organisation or person by ID, a search of
organisations (its filter written in the document, not in variables), the viewer and the
staff list."""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLObjectType

from relgraph.graphql.compiled.compiler import Build, Connection, ObjectWriter
from relgraph.graphql.compiled.groups import customer_groups
from relgraph.graphql.compiled.organisations import organisation
from relgraph.graphql.compiled.persons import person
from relgraph.graphql.compiled.selection import Selected, arguments_of, literal_input
from relgraph.graphql.compiled.users import user, users

__all__ = ["OBJECTS", "ROOTS"]


def _organisation(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    pk = build.id_parameter(query, selected, "Organisation")
    o = build.alias("o")
    found = organisation(build, o, build.fields(build.object_type("Organisation"), selected), [selected.key])
    return build.dialect.nested(f"SELECT {found} FROM organisations {o} WHERE {o}.id = {pk}")


def _person(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    pk = build.id_parameter(query, selected, "Person")
    pe = build.alias("pe")
    found = person(build, pe, build.fields(build.object_type("Person"), selected), [selected.key])
    visible = build.conditions.person_visible(pe)
    return build.dialect.nested(
        f"SELECT {found} FROM persons {pe} WHERE {pe}.id = {pk}" + (f" AND {visible}" if visible else "")
    )


def _organisations(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    arguments_of(query.fields[selected.name], selected, ["filter", "first"])
    given = literal_input(query, selected, "filter", {"search", "include_archived", "includeArchived"})
    search = given.get("search")
    include_archived = bool(given.get("include_archived", given.get("includeArchived", False)))
    size = build.page_size(query, selected, allowed=["filter", "first"])
    o = build.alias("o")
    matching = build.conditions.organisations_matching(search, include_archived)
    type_ = build.object_type("Organisation")
    return build.connection(
        selected,
        Connection(
            f"FROM organisations {o} WHERE {o}.id IN ({matching})",
            (f"{o}.name_key", f"{o}.id"),
            lambda fields, at: organisation(build, o, fields, at),
            type_,
        ),
        size,
        [selected.key],
    )


def _viewer(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    """The staff user the request's token belongs to (its id bound per request)."""
    u = build.alias("u")
    found = user(build, u, build.fields(build.object_type("User"), selected), [selected.key])
    return build.dialect.nested(f"SELECT {found} FROM users {u} WHERE {u}.id = {build.viewer_id()}")


ROOTS: dict[str, Callable[[Build, GraphQLObjectType, Selected], str]] = {
    "organisation": _organisation,
    "person": _person,
    "organisations": _organisations,
    "users": users,
    "viewer": _viewer,
    "customerGroups": customer_groups,
}

# The types the compiler writes, by GraphQL name: what build.object() reaches.
OBJECTS: dict[str, ObjectWriter] = {
    "Organisation": organisation,
    "Person": person,
    "User": user,
}
