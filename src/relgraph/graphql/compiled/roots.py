"""The root fields the compiler knows: one organisation or person by ID, and a search of
organisations (its filter written in the document, not in variables)."""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLObjectType

from relgraph.graphql.compiled.compiler import Build, Connection, ObjectWriter
from relgraph.graphql.compiled.organisations import organisation
from relgraph.graphql.compiled.persons import person
from relgraph.graphql.compiled.selection import Selected, arguments_of, literal_input
from relgraph.graphql.core.as_of import AS_OF

__all__ = ["OBJECTS", "ROOTS"]


def _organisation(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    pk = build.id_parameter(query, selected, "Organisation", allowed=["id", AS_OF])
    o = build.alias("o")
    # With asOf, every time-dependent field below answers as of that day unless it sets its own.
    with build.as_of(build.day_of(query, selected)):
        found = organisation(
            build, o, build.fields(build.object_type("Organisation"), selected), [selected.key]
        )
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


ROOTS: dict[str, Callable[[Build, GraphQLObjectType, Selected], str]] = {
    "organisation": _organisation,
    "person": _person,
    "organisations": _organisations,
}

# The types the compiler writes, by GraphQL name: what build.object() reaches.
OBJECTS: dict[str, ObjectWriter] = {
    "Organisation": organisation,
    "Person": person,
}
