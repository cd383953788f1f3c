"""Memberships (PIO: persoon in organisatie) in compiled reads: their fields as
graphql/memberships/types.py gives them, the person joined by the list that reads them."""

from __future__ import annotations

from graphql import GraphQLObjectType

from relgraph.db.models import Membership, Organisation, Person
from relgraph.domain.memberships.queries import ORDER_FIELDS, order_keys
from relgraph.graphql.compiled.compiler import Build, Connection
from relgraph.graphql.compiled.fields import common, stamps
from relgraph.graphql.compiled.paging import order_asked
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of, literal_input
from relgraph.graphql.core.as_of import AS_OF

__all__ = ["membership", "memberships_of"]

_MEMBERSHIP_COLUMNS = {
    "jobTitle": "job_title",
    "role": "role",
    "department": "department",
    "businessEmail": "business_email",
    "phone1": "phone1",
    "phone2": "phone2",
}


def membership(build: Build, alias: str, person_alias: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    type_ = build.object_type("Membership")
    pairs: list[tuple[str, str]] = []
    for item in fields:
        value = common(build, "Membership", item, alias)
        if value is None:
            value = stamps(build, item, alias)
        if value is not None:
            pass
        elif item.name in _MEMBERSHIP_COLUMNS:
            value = f"{alias}.{_MEMBERSHIP_COLUMNS[item.name]}"
        elif item.name == "active":
            value = d.boolean(build.conditions.membership_in_force(alias))
        elif item.name in ("startDate", "endDate"):
            value = d.date(f"{alias}.{'start_date' if item.name == 'startDate' else 'end_date'}")
        elif item.name == "tags":
            t = build.alias("t")
            value = d.text_array(
                f"{t}.tag", f"FROM membership_tags {t} WHERE {t}.membership_id = {alias}.id", f"{t}.tag"
            )
        elif item.name == "person":
            value = build.object(
                "Person", person_alias, build.fields(build.object_type("Person"), item), [*path, item.key]
            )
        elif item.name == "organisation":
            o = build.alias("o")
            found = build.object(
                "Organisation", o, build.fields(build.object_type("Organisation"), item), [*path, item.key]
            )
            value = d.nested(f"SELECT {found} FROM organisations {o} WHERE {o}.id = {alias}.organisation_id")
        else:
            raise Decline(f"field {type_.name}.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


def memberships_of(
    build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str], by: str
) -> str:
    """The memberships of the organisation or person row `alias` (`by` it), in force today
    (an organisation's: on its day), as domain/memberships/queries.py lists them; its filter
    and order written in the document."""
    field, descending = order_asked(type_, item, ORDER_FIELDS)
    order = order_keys(by, field, descending)
    dated = [AS_OF] if by == "organisation" else []
    page = build.paging(type_, item, order, allowed=["filter", "orderBy", "includeInactive", *dated])
    if by == "organisation":
        day = build.day_of(type_, item)
    else:
        build.today_only("a person's memberships")
        day = None
    definition = type_.fields[item.name]
    arguments = arguments_of(definition, item, list(definition.args))  # checked by paging above
    written, include_inactive = arguments.literal("includeInactive")
    if "includeInactive" in arguments.given and not written:
        raise Decline("a variable in memberships(includeInactive)")
    tag = (literal_input(type_, item, "filter", {"tag"}).get("tag") or "").strip().lower()
    m = build.alias("m")
    tagged = f" AND {build.conditions.membership_tagged(m, tag)}" if tag else ""
    # In force today unless asked for all; a deactivated person leaves an organisation's
    # list of those in force (domain/memberships/queries._listing).
    in_force = "" if include_inactive else f" AND {build.conditions.membership_in_force(m, day)}"
    if by == "organisation":
        # A person with a membership is a business relation: visible to every viewer (R1).
        pe = build.alias("pe")
        active = "" if include_inactive else f" AND {pe}.active"
        source = (
            f"FROM memberships {m} JOIN persons {pe} ON {pe}.id = {m}.person_id "
            f"WHERE {m}.organisation_id = {alias}.id{in_force}{active}{tagged}"
        )
        aliases = {Membership.__table__: m, Person.__table__: pe}
        person_alias = pe
    else:
        o = build.alias("o")
        source = (
            f"FROM memberships {m} JOIN organisations {o} ON {o}.id = {m}.organisation_id "
            f"WHERE {m}.person_id = {alias}.id{in_force}{tagged}"
        )
        aliases = {Membership.__table__: m, Organisation.__table__: o}
        person_alias = alias  # the person whose list it is
    with build.as_of(day):  # a membership hands its day to its organisation (and person)
        return build.connection(
            item,
            Connection(
                source,
                build.conditions.sort_keys(order, aliases),
                lambda fields, at: membership(build, m, person_alias, fields, at),
                build.object_type("Membership"),
                tag=order[0].tag,
            ),
            page,
            path,
        )
