"""What the compiler knows of the types: organisations, persons and memberships, their
fields as SQL over a row alias, and the root fields that reach them.

Each value is the one the resolvers give (graphql/organisations/types.py,
graphql/persons/types.py, graphql/memberships/types.py): names as persons/names.py writes
them, enums by name, R4 fields withheld as graphql/core/errors.shown_only_if_readable
withholds them.
"""

from __future__ import annotations

from graphql import GraphQLObjectType

from relgraph.domain.organisations.hierarchy import MAX_DEPTH
from relgraph.domain.persons.names import TOMBSTONE_NAME
from relgraph.graphql.compiled.addresses import address_list, head_office, invoice_address
from relgraph.graphql.compiled.compiler import Build, Connection
from relgraph.graphql.compiled.selection import Decline, Forbidden, Selected, arguments_of, literal_input
from relgraph.graphql.core.errors import PublicError, shown_only_if_readable
from relgraph.policy import can_see_financials, can_see_sensitive

__all__ = ["membership", "organisation", "person"]

# GraphQL field -> column, for plain values (strings, numbers, enums stored by name).
_ORGANISATION_COLUMNS = {
    "name": "name",
    "displayName": "name",
    "code": "code",
    "legalName": "legal_name",
    "kvkNumber": "kvk_number",
    "industry": "industry",
    "description": "description",
    "website": "website",
    "status": "status",
}
_ORGANISATION_FLAGS = {"checked": "checked", "creditworthy": "creditworthy", "archived": "archived"}
# Invoice data (R4): the column, when the viewer may read it, else null with FORBIDDEN.
_INVOICE = {
    "invoiceCompanyName": "invoice_company_name",
    "invoiceEmail": "invoice_email",
    "invoiceUsesPostalAddress": "invoice_uses_postal_address",
    "vatNumber": "vat_number",
}
_PERSON_COLUMNS = {
    "firstName": "first_name",
    "infix": "infix",
    "lastName": "last_name",
    "initials": "initials",
    "title": "title",
    "gender": "gender",
}
_MEMBERSHIP_COLUMNS = {
    "jobTitle": "job_title",
    "role": "role",
    "department": "department",
    "businessEmail": "business_email",
    "phone1": "phone1",
    "phone2": "phone2",
}


def _common(build: Build, type_name: str, item: Selected, alias: str) -> str | None:
    """The fields every type answers alike; None for the others."""
    d = build.dialect
    if item.name == "__typename":
        return d.literal(type_name)
    if item.name == "id":
        return d.gid(type_name, f"{alias}.id")
    if item.name == "kind" and type_name in ("Organisation", "Person"):
        return d.literal(type_name.upper())
    if item.name == "viewerCanSeeFinancials":
        return d.boolean("1 = 1" if can_see_financials(build.conditions.viewer) else "1 = 0")
    if item.name == "viewerCanSeeSensitive":
        return d.boolean("1 = 1" if can_see_sensitive(build.conditions.viewer) else "1 = 0")
    return None


def organisation(build: Build, alias: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    type_ = build.object_type("Organisation")
    pairs: list[tuple[str, str]] = []
    for item in fields:
        value = _common(build, "Organisation", item, alias)
        if value is None:
            value = _organisation_field(build, type_, alias, item, [*path, item.key])
        pairs.append((item.key, value))
    return d.obj(pairs)


def _organisation_field(
    build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]
) -> str:
    d = build.dialect
    if item.name in _ORGANISATION_COLUMNS:
        return f"{alias}.{_ORGANISATION_COLUMNS[item.name]}"
    if item.name in _ORGANISATION_FLAGS:
        return d.boolean(f"{alias}.{_ORGANISATION_FLAGS[item.name]}")
    if item.name in _INVOICE:
        return _invoice(build, alias, item, path)
    if item.name == "invoiceAddress":
        if _withheld(build, "invoice_uses_postal_address", item, path):
            return "NULL"
        return invoice_address(build, alias, item)
    if item.name == "visitAddress":
        return head_office(build, alias, item)
    if item.name == "addresses":
        return address_list(build, type_, alias, item)
    if item.name in ("ancestors", "depth", "root"):
        return _up_the_chain(build, type_, alias, item, path)
    if item.name == "parent":
        parent = build.alias("o")
        fields = build.fields(type_, item)
        found = organisation(build, parent, fields, path)
        return d.nested(f"SELECT {found} FROM organisations {parent} WHERE {parent}.id = {alias}.parent_id")
    if item.name == "subsidiaries":
        size = build.page_size(type_, item)
        child = build.alias("o")
        return build.connection(
            item,
            Connection(
                f"FROM organisations {child} WHERE {child}.parent_id = {alias}.id AND NOT {child}.archived",
                (f"{child}.name_key", f"{child}.id"),
                lambda fields, at: organisation(build, child, fields, at),
                type_,
                tag="NAME",  # domain/organisations/hierarchy.subsidiary_order
            ),
            size,
            path,
        )
    if item.name == "memberships":
        size = build.page_size(type_, item, allowed=["first", "filter"])
        # The people list's filter by tag (domain/memberships/queries.py), written in the document.
        tag = (literal_input(type_, item, "filter", {"tag"}).get("tag") or "").strip().lower()
        m, pe = build.alias("m"), build.alias("pe")
        tagged = f" AND {build.conditions.membership_tagged(m, tag)}" if tag else ""
        # A person with a membership is a business relation: visible to every viewer (R1).
        source = (
            f"FROM memberships {m} JOIN persons {pe} ON {pe}.id = {m}.person_id "
            f"WHERE {m}.organisation_id = {alias}.id AND {build.conditions.membership_in_force(m)} "
            f"AND {pe}.active{tagged}"
        )
        return build.connection(
            item,
            Connection(
                source,
                (f"{pe}.sort_key", f"{m}.id"),
                lambda fields, at: membership(build, m, pe, fields, at),
                build.object_type("Membership"),
                tag="NAME",  # domain/memberships/queries.py, the default order
            ),
            size,
            path,
        )
    raise Decline(f"field Organisation.{item.name}")


def _chain(alias: str, chain: str) -> str:
    """The ancestors of `alias` today, (id, depth) with depth 1 the parent, as
    domain/organisations/hierarchy.py walks them (at most MAX_DEPTH)."""
    return (
        f"(WITH RECURSIVE {chain}(id, depth) AS (SELECT {alias}.parent_id, 1 WHERE {alias}.parent_id IS NOT NULL "
        f"UNION ALL SELECT up.parent_id, {chain}.depth + 1 FROM {chain} JOIN organisations up ON up.id = {chain}.id "
        f"WHERE up.parent_id IS NOT NULL AND {chain}.depth < {MAX_DEPTH}) SELECT id, depth FROM {chain}) {chain}"
    )


def _up_the_chain(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    """ancestors (nearest first), depth, and root (the farthest ancestor, else itself)."""
    arguments_of(type_.fields[item.name], item, [])  # asOf: the resolvers
    d = build.dialect
    chain, o = build.alias("a"), build.alias("o")
    source = f"FROM {_chain(alias, chain)} JOIN organisations {o} ON {o}.id = {chain}.id"
    if item.name == "depth":
        return f"(SELECT count(*) {source})"
    fields = build.fields(type_, item)
    if item.name == "ancestors":
        # A list: its items' R4 errors are at each index ("*").
        return d.array(organisation(build, o, fields, [*path, "*"]), source, [f"{chain}.depth"], None)
    found = organisation(build, o, fields, path)
    farthest = d.nested(f"SELECT {found} {source} ORDER BY {chain}.depth DESC LIMIT 1")
    return f"coalesce({farthest}, {organisation(build, alias, fields, path)})"


def _withheld(build: Build, column: str, item: Selected, path: list[str]) -> bool:
    """Whether R4 withholds invoice data `column`: then its error is recorded for `path`."""
    try:
        shown_only_if_readable(build.conditions.viewer, "Organisation", column, what="invoice data")
    except PublicError as withheld:
        code = (withheld.extensions or {}).get("code", "FORBIDDEN")
        build.forbidden.append(Forbidden(path, item.node, withheld.message, code))
        return True
    return False


def _invoice(build: Build, alias: str, item: Selected, path: list[str]) -> str:
    column = _INVOICE[item.name]
    if _withheld(build, column, item, path):
        return "NULL"
    if item.name == "vatNumber":
        raise Decline("vatNumber is formatted in Python")
    if item.name == "invoiceUsesPostalAddress":
        return build.dialect.boolean(f"{alias}.{column}")
    return f"{alias}.{column}"


def person(build: Build, alias: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        value = _common(build, "Person", item, alias)
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
    raise Decline(f"field Person.{item.name}")


def membership(build: Build, alias: str, person_alias: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    type_ = build.object_type("Membership")
    pairs: list[tuple[str, str]] = []
    for item in fields:
        value = _common(build, "Membership", item, alias)
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
            value = person(
                build, person_alias, build.fields(build.object_type("Person"), item), [*path, item.key]
            )
        elif item.name == "organisation":
            o = build.alias("o")
            found = organisation(
                build, o, build.fields(build.object_type("Organisation"), item), [*path, item.key]
            )
            value = d.nested(f"SELECT {found} FROM organisations {o} WHERE {o}.id = {alias}.organisation_id")
        else:
            raise Decline(f"field {type_.name}.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)
