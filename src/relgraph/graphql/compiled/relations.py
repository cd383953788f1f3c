"""A party's relations and an organisation's account managers in compiled reads, as
graphql/relations/types/relations.py and graphql/organisations/types.py give them.

The rows come from the domain's own statements, rendered by conditions.py: a party's
relations as domain/relations/relations.seen_from_each_side lists them (R1 on the other
party, in force today, direction and label from the relation type), the account managers
as domain/relations/internal_relations.account_manager_links finds them.
"""

from __future__ import annotations

from graphql import GraphQLObjectType

from relgraph.db.models import Relation
from relgraph.db.pagination import OrderKey
from relgraph.domain.relations.relations import ORDER_FIELDS, order_keys
from relgraph.graphql.compiled.compiler import Build, Connection
from relgraph.graphql.compiled.fields import common, row_by_id
from relgraph.graphql.compiled.paging import order_asked
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of
from relgraph.graphql.core.as_of import AS_OF

__all__ = ["account_managers", "party", "relation", "relations"]

_RELATION_TYPE_COLUMNS = {
    "name": "name",
    "inverseName": "inverse_name",
    "description": "description",
    "version": "version",
}
_FLAGS = ("symmetric", "active")


def relations(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    """`Party.relations` of the party row `alias`: a page (first/after, last/before) in the
    order asked (domain/relations/relations.order_keys: RECORDED, TYPE or START_DATE), of the
    relations in force on its day, of the types named in the document (typeNames) and the
    inactive ones when asked; the parties they reach are dated with it."""
    field, descending = order_asked(type_, item, ORDER_FIELDS, default="RECORDED")
    order = order_keys(field, descending)
    # Other filters (types, direction): the resolvers.
    page = build.paging(type_, item, order, allowed=["orderBy", "typeNames", "includeInactive", AS_OF])
    definition = type_.fields[item.name]
    arguments = arguments_of(definition, item, list(definition.args))  # checked by paging above
    type_names: tuple[str, ...] | None = None
    include_inactive = False
    if "typeNames" in arguments.given:
        written, names = arguments.literal("typeNames")
        if not written:
            raise Decline("a variable in relations(typeNames)")  # its values are in the SQL text
        # As the resolvers hand them to the domain (relations_connection): sorted, each once.
        type_names = None if names is None else tuple(sorted(set(names)))
    if "includeInactive" in arguments.given:
        written, include_inactive = arguments.literal("includeInactive")
        if not written:
            raise Decline("a variable in relations(includeInactive)")
    day = build.day_of(type_, item)
    seen = build.conditions.relations_seen(day, type_names, bool(include_inactive))
    rv = build.alias("rv")
    with build.as_of(day):
        return build.connection(
            item,
            Connection(
                f"FROM ({seen}) {rv} WHERE {rv}.owner_id = {alias}.id",
                _sort_keys(build, field, order, rv),
                lambda fields, at: relation(build, rv, fields, at),
                build.object_type("Relation"),
                tag=order[0].tag,
                name="PartyRelation",
                edge=lambda field, at: _edge(build, rv, field, at),
            ),
            page,
            path,
        )


def _sort_keys(build: Build, field: str, order: list[OrderKey], rv: str) -> tuple[str, str]:
    """(sort key, id) over the columns of seen_from_each_side's rows `rv`: the id twice
    (RECORDED); its sort_key, the type as read from the owner's side (TYPE); the domain's
    start date key rendered over the relation's own columns (START_DATE)."""
    if field == "RECORDED":
        return f"{rv}.id", f"{rv}.id"
    if field == "TYPE":
        return f"{rv}.sort_key", f"{rv}.id"
    return build.conditions.sort_keys(order, {Relation.__table__: rv})


def _edge(build: Build, rv: str, item: Selected, path: list[str]) -> str | None:
    """A PartyRelationEdge's own fields: the relation read from the owner's side."""
    d = build.dialect
    if item.name == "label":
        return f"{rv}.sort_key"  # the type's name, or its inverse name seen from the target
    if item.name == "direction":
        return f"{rv}.direction"
    if item.name == "otherParty":
        return party(build, f"{rv}.other_id", item, path)
    if item.name == "relation":
        return relation(build, rv, build.fields(build.object_type("Relation"), item), path)
    if item.name == "__typename":
        return d.literal("PartyRelationEdge")
    return None


def party(build: Build, party_id: str, item: Selected, path: list[str]) -> str:
    """The party with id `party_id` as a `Party` field selects it (fragments on Organisation,
    Person or Party), null when it is a person hidden from the viewer (R1), as
    graphql/core/node.party_by_id finds it."""
    organisation_fields = build.fields(build.object_type("Organisation"), item)
    person_fields = build.fields(build.object_type("Person"), item)
    names = {f.key: f.name for f in organisation_fields}
    if any(names.get(f.key, f.name) != f.name for f in person_fields):
        # One key, two fields: an error or transform at that path would reach the wrong one.
        raise Decline("a response key for different fields of an organisation and a person")
    d = build.dialect
    o, pe = build.alias("o"), build.alias("pe")
    organisation = build.object("Organisation", o, organisation_fields, path)
    person = build.object("Person", pe, person_fields, path)
    visible = build.conditions.person_visible(pe)
    # Party ids are shared by both tables: at most one of the two finds the row.
    return d.first_of(
        d.nested(f"SELECT {organisation} FROM organisations {o} WHERE {o}.id = {party_id}"),
        d.nested(
            f"SELECT {person} FROM persons {pe} WHERE {pe}.id = {party_id}"
            + (f" AND {visible}" if visible else "")
        ),
    )


def relation(build: Build, rv: str, fields: list[Selected], path: list[str]) -> str:
    """A Relation from a row `rv` of the relations' columns."""
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        at = [*path, item.key]
        value = common(build, "Relation", item, rv)
        if value is not None:
            pass
        elif item.name in ("startDate", "endDate"):
            value = d.date(f"{rv}.{'start_date' if item.name == 'startDate' else 'end_date'}")
        elif item.name == "note":
            value = f"{rv}.note"
        elif item.name == "version":
            value = f"{rv}.version"
        elif item.name == "active":
            value = d.boolean(build.conditions.relation_in_force(rv))
        elif item.name in ("source", "target"):
            value = party(build, f"{rv}.{item.name}_id", item, at)
        elif item.name == "type":
            value = row_by_id(
                build, "RelationType", "relation_types", f"{rv}.type_id", item, _RELATION_TYPE_COLUMNS, _FLAGS
            )
        else:
            raise Decline(f"field Relation.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


def account_managers(
    build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]
) -> str:
    """`Organisation.accountManagers`: the staff users managing the row `alias` today, by
    name (each once), the first `first` of them; with asOf, those of that day."""
    size = build.page_size(type_, item, allowed=["first", AS_OF])
    day = build.day_of(type_, item)
    d = build.dialect
    u, am = build.alias("u"), build.alias("am")
    found = build.object("User", u, build.fields(build.object_type("User"), item), [*path, "*"])
    source = (
        f"FROM users {u} WHERE {u}.id IN (SELECT {am}.user_id FROM ({build.conditions.account_manager_links(day)}) "
        f"{am} WHERE {am}.party_id = {alias}.id)"
    )
    return d.array(found, source, [f"{u}.name", f"{u}.id"], size)
