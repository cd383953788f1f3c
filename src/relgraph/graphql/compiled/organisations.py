"""Organisations in compiled reads: their fields as graphql/organisations/types.py gives
them, enums by name, invoice data (R4) withheld as the resolvers withhold it."""

from __future__ import annotations

from graphql import GraphQLObjectType

from relgraph.domain import identifiers
from relgraph.graphql.compiled.addresses import address_list, head_office, invoice_address
from relgraph.graphql.compiled.compiler import Build, Transform
from relgraph.graphql.compiled.contact_means import contact_means
from relgraph.graphql.compiled.descendants import descendants
from relgraph.graphql.compiled.fields import common, primary_contact, stamps, withheld
from relgraph.graphql.compiled.hierarchy import parent, subsidiaries, up_the_chain
from relgraph.graphql.compiled.history import HISTORY_FIELDS, history
from relgraph.graphql.compiled.memberships import memberships_of
from relgraph.graphql.compiled.network import neighbourhood
from relgraph.graphql.compiled.relations import account_managers, relations
from relgraph.graphql.compiled.selection import Decline, Selected
from relgraph.graphql.compiled.users import internal_relations

__all__ = ["organisation"]

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


def organisation(build: Build, alias: str, fields: list[Selected], path: list[str]) -> str:
    d = build.dialect
    type_ = build.object_type("Organisation")
    pairs: list[tuple[str, str]] = []
    for item in fields:
        value = common(build, "Organisation", item, alias) or primary_contact(build, item, alias)
        if value is None:
            value = stamps(build, item, alias, party=True)
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
        if withheld(build, "Organisation", "invoice_uses_postal_address", item, path):
            return "NULL"
        return invoice_address(build, alias, item)
    if item.name == "visitAddress":
        return head_office(build, alias, item)
    if item.name == "addresses":
        return address_list(build, type_, alias, item)
    if item.name in ("ancestors", "depth", "root"):
        return up_the_chain(build, type_, alias, item, path)
    if item.name == "parent":
        return parent(build, type_, alias, item, path)
    if item.name == "subsidiaries":
        return subsidiaries(build, type_, alias, item, path)
    if item.name == "relations":
        return relations(build, type_, alias, item, path)
    if item.name == "accountManagers":
        return account_managers(build, type_, alias, item, path)
    if item.name == "neighbourhood":
        return neighbourhood(build, type_, alias, item, path)
    if item.name == "descendants":
        return descendants(build, type_, alias, item, path)
    if item.name == "contactMeans":
        return contact_means(build, type_, alias, item, path)
    if item.name == "internalRelations":
        return internal_relations(build, type_, alias, "party_id", item, path)
    if item.name == "memberships":
        return memberships_of(build, type_, alias, item, path, by="organisation")
    if item.name in HISTORY_FIELDS:
        return history(build, type_, alias, item, path)
    raise Decline(f"field Organisation.{item.name}")


def _vat_shown(stored: str | None) -> str | None:
    return identifiers.vat_formatted(stored) if stored else None


def _invoice(build: Build, alias: str, item: Selected, path: list[str]) -> str:
    column = _INVOICE[item.name]
    if withheld(build, "Organisation", column, item, path):
        return "NULL"
    if item.name == "vatNumber":
        # Stored as typed; python-stdnum writes it as its country does (InvoiceData.from_row).
        build.transforms.append(Transform(path, _vat_shown))
    if item.name == "invoiceUsesPostalAddress":
        return build.dialect.boolean(f"{alias}.{column}")
    return f"{alias}.{column}"
