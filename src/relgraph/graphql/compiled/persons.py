"""Persons in compiled reads: their fields as the resolvers give them
(graphql/persons/types.py; names as domain/persons/names.py writes them)."""

from __future__ import annotations

from relgraph.domain.persons.names import TOMBSTONE_NAME
from relgraph.graphql.compiled.addresses import address_list
from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.contact_means import contact_means
from relgraph.graphql.compiled.fields import common, primary_contact, stamps
from relgraph.graphql.compiled.history import HISTORY_FIELDS, history
from relgraph.graphql.compiled.memberships import memberships_of
from relgraph.graphql.compiled.network import neighbourhood
from relgraph.graphql.compiled.relations import relations
from relgraph.graphql.compiled.selection import Decline, Selected
from relgraph.graphql.compiled.users import internal_relations

__all__ = ["person"]

_PERSON_COLUMNS = {
    "firstName": "first_name",
    "infix": "infix",
    "lastName": "last_name",
    "initials": "initials",
    "title": "title",
    "gender": "gender",
}


def person(build: Build, alias: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        value = common(build, "Person", item, alias) or primary_contact(build, item, alias)
        if value is None:
            value = stamps(build, item, alias, party=True)
        if value is None:
            value = _person_field(build, alias, item, [*path, item.key])
        pairs.append((item.key, value))
    return d.obj(pairs)


def _given(alias: str) -> str:
    # persons/names.py: "the first name, else the initials"; an empty string counts as none.
    return f"nullif(coalesce(nullif({alias}.first_name, ''), {alias}.initials), '')"


def _person_field(build: Build, alias: str, item: Selected, path: list[str]) -> str:
    d = build.dialect
    tombstone = f"CASE WHEN {alias}.deleted_at IS NOT NULL THEN {d.literal(TOMBSTONE_NAME)} ELSE"
    infix = f"nullif({alias}.infix, '')"
    if item.name in _PERSON_COLUMNS:
        return f"{alias}.{_PERSON_COLUMNS[item.name]}"
    if item.name == "active":
        return d.boolean(f"{alias}.active")
    if item.name == "addresses":
        return address_list(build, build.object_type("Person"), alias, item)
    if item.name == "relations":
        return relations(build, build.object_type("Person"), alias, item, path)
    if item.name == "isBusinessRelation":
        return d.boolean(build.conditions.business_relation(alias))
    if item.name == "memberships":
        return memberships_of(build, build.object_type("Person"), alias, item, path, by="person")
    if item.name == "neighbourhood":
        return neighbourhood(build, build.object_type("Person"), alias, item, path)
    if item.name == "contactMeans":
        return contact_means(build, build.object_type("Person"), alias, item, path)
    if item.name == "internalRelations":
        return internal_relations(build, build.object_type("Person"), alias, "party_id", item, path)
    if item.name == "birthDate":
        return d.date(f"{alias}.birth_date")
    if item.name == "displayName":
        # " ".join of given name, infix and last name, leaving out the missing ones.
        return (
            f"{tombstone} coalesce({_given(alias)} || ' ', '') || coalesce({infix} || ' ', '') "
            f"|| {alias}.last_name END"
        )
    if item.name == "sortName":
        # "Berg, Jan van der": the last name, then given name and infix when there are any.
        given = (
            f"nullif(coalesce({_given(alias)}, '') || CASE WHEN {_given(alias)} IS NOT NULL "
            f"AND {infix} IS NOT NULL THEN ' ' ELSE '' END || coalesce({infix}, ''), '')"
        )
        return f"{tombstone} {alias}.last_name || coalesce(', ' || {given}, '') END"
    if item.name in HISTORY_FIELDS:
        return history(build, build.object_type("Person"), alias, item, path)
    raise Decline(f"field Person.{item.name}")
