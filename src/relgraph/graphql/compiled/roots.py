"""The root fields the compiler knows: one organisation or person by ID, searches of
organisations and persons (filter and order written in the document, not in variables),
the viewer, the staff list, the customer groups, the changes feed and the shortest path
between two parties."""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLObjectType

from relgraph.db.models import Organisation, Party, Person
from relgraph.db.pagination import OrderKey
from relgraph.domain.organisations import organisations
from relgraph.domain.persons import persons
from relgraph.graphql.compiled.compiler import Build, Connection, ObjectWriter
from relgraph.graphql.compiled.feed import changes
from relgraph.graphql.compiled.groups import customer_groups
from relgraph.graphql.compiled.organisations import organisation
from relgraph.graphql.compiled.paging import order_asked
from relgraph.graphql.compiled.paths import shortest_path
from relgraph.graphql.compiled.persons import person
from relgraph.graphql.compiled.selection import Selected, literal_input
from relgraph.graphql.compiled.users import user, users
from relgraph.graphql.core.as_of import AS_OF

__all__ = ["OBJECTS", "ROOTS"]


def _organisation(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    pk = build.id_parameter(query, selected, "Organisation", allowed=["id", AS_OF])
    o = build.alias("o")
    build.row_ids[o] = pk
    # With asOf, every time-dependent field below answers as of that day unless it sets its own.
    with build.as_of(build.day_of(query, selected)):
        found = organisation(
            build, o, build.fields(build.object_type("Organisation"), selected), [selected.key]
        )
    return build.dialect.nested(f"SELECT {found} FROM organisations {o} WHERE {o}.id = {pk}")


def _person(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    pk = build.id_parameter(query, selected, "Person")
    pe = build.alias("pe")
    build.row_ids[pe] = pk
    found = person(build, pe, build.fields(build.object_type("Person"), selected), [selected.key])
    visible = build.conditions.person_visible(pe)
    return build.dialect.nested(
        f"SELECT {found} FROM persons {pe} WHERE {pe}.id = {pk}" + (f" AND {visible}" if visible else "")
    )


def _organisations(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    given = literal_input(query, selected, "filter", {"search", "include_archived", "includeArchived"})
    search = given.get("search")
    include_archived = bool(given.get("include_archived", given.get("includeArchived", False)))
    matching = build.conditions.organisations_matching(search, include_archived)
    return _party_list(
        build, query, selected, "Organisation", organisations.order_keys, "organisations {0}", matching
    )


def _persons(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    given = literal_input(query, selected, "filter", {"search", "include_inactive", "includeInactive"})
    search = given.get("search")
    include_inactive = bool(given.get("include_inactive", given.get("includeInactive", False)))
    # R1 and R3 are in the domain's search (persons.matching), rendered for the viewer.
    matching = build.conditions.persons_matching(search, include_inactive)
    return _party_list(build, query, selected, "Person", persons.order_keys, "persons {0}", matching)


def _party_list(
    build: Build,
    query: GraphQLObjectType,
    selected: Selected,
    type_name: str,
    order_keys: Callable[[str, bool], list[OrderKey]],
    table: str,
    matching: str,
) -> str:
    """A root list of organisations or persons: those `matching` (ids), sorted on their name
    or on when they were created or changed (kept in their `parties` row)."""
    field, descending = order_asked(query, selected, ["NAME", "CREATED_AT", "UPDATED_AT"])
    order = order_keys(field, descending)
    page = build.paging(query, selected, order, allowed=["filter", "orderBy"])
    row, party = build.alias("r"), build.alias("pa")
    joined = "" if field == "NAME" else f" JOIN parties {party} ON {party}.id = {row}.id"
    own = Organisation.__table__ if type_name == "Organisation" else Person.__table__
    return build.connection(
        selected,
        Connection(
            f"FROM {table.format(row)}{joined} WHERE {row}.id IN ({matching})",
            build.conditions.sort_keys(order, {own: row, Party.__table__: party}),
            lambda fields, at: build.object(type_name, row, fields, at),
            build.object_type(type_name),
            moment=field != "NAME",
        ),
        page,
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
    "persons": _persons,
    "users": users,
    "viewer": _viewer,
    "customerGroups": customer_groups,
    "changes": changes,
    "shortestPath": shortest_path,
}

# The types the compiler writes, by GraphQL name: what build.object() reaches.
OBJECTS: dict[str, ObjectWriter] = {
    "Organisation": organisation,
    "Person": person,
    "User": user,
}
