"""Addresses in compiled reads: a party's list, its head office and its invoice address,
with `lines` as domain/party_data/addresses.lines writes them."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

from graphql import GraphQLObjectType
from graphql.execution.values import VariableValues

from relgraph.db.engine import SQLITE_FUNCTIONS
from relgraph.db.models import Address
from relgraph.db.pagination import MAX_PAGE_SIZE
from relgraph.domain.party_data.addresses import lines
from relgraph.domain.party_data.countries import HOME_COUNTRY
from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of
from relgraph.policy import readable_kinds

__all__ = ["LINE_COLUMNS", "address_list", "head_office", "invoice_address", "lines_json"]

# What an address's lines are made of, in the order relgraph_address_lines takes them.
LINE_COLUMNS = ("street", "house_number", "house_number_addition", "postcode", "city", "country")

_COLUMNS = {
    "kind": "kind",
    "street": "street",
    "houseNumber": "house_number",
    "houseNumberAddition": "house_number_addition",
    "postcode": "postcode",
    "city": "city",
    "country": "country",
}


def lines_json(*values: Any) -> str:
    """SQLite's relgraph_address_lines: the lines of an address as JSON."""
    return json.dumps(
        lines(cast(Address, SimpleNamespace(**dict(zip(LINE_COLUMNS, values, strict=True))))),
        ensure_ascii=False,
    )


def _joined(parts: list[str]) -> str:
    """ " ".join of the parts that are not empty; NULL when none is."""
    joined = f"nullif({parts[0]}, '')"
    for part in parts[1:]:
        value = f"nullif({part}, '')"
        joined = (
            f"CASE WHEN {joined} IS NULL THEN {value} WHEN {value} IS NULL THEN {joined} "
            f"ELSE {joined} || ' ' || {value} END"
        )
    return joined


def _lines(build: Build, alias: str) -> str:
    if build.dialect.name == "sqlite":
        # The domain's own function, registered on the connection (dialects.py): nested CASEs
        # would take SQLite's parser too deep for a card.
        columns = ", ".join(f"{alias}.{c}" for c in LINE_COLUMNS)
        return f"relgraph_address_lines({columns}) -> '$'"
    number = _joined([f"{alias}.house_number", f"{alias}.house_number_addition"])
    return build.dialect.string_list(
        [
            _joined([f"{alias}.street", number]),
            _joined([f"{alias}.postcode", f"{alias}.city"]),
            f"CASE WHEN {alias}.country = {build.dialect.literal(HOME_COUNTRY)} THEN NULL ELSE nullif({alias}.country, '') END",
        ]
    )


def address(build: Build, alias: str, fields: list[Selected]) -> str:
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for item in fields:
        if item.name == "__typename":
            value = d.literal("Address")
        elif item.name == "id":
            value = d.gid("Address", f"{alias}.id")
        elif item.name in _COLUMNS:
            value = f"{alias}.{_COLUMNS[item.name]}"
        elif item.name == "isHeadOffice":
            value = d.boolean(f"{alias}.is_head_office")
        elif item.name == "lines":
            value = _lines(build, alias)
        else:
            raise Decline(f"field Address.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)


def _readable(build: Build) -> str:
    kinds = sorted(readable_kinds(build.conditions.viewer, "Address"))
    return ", ".join(build.dialect.literal(k) for k in kinds)


def address_list(build: Build, parent: GraphQLObjectType, party: str, item: Selected) -> str:
    """A party's addresses of the kinds the viewer may read (R4), the head office first."""
    arguments = arguments_of(parent.fields[item.name], item, ["first"])

    def first(variables: VariableValues) -> Any:
        size = arguments.read(variables)["first"]
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise Decline("a list size the resolvers refuse")
        return size

    size = build.parameter(first)
    ad = build.alias("ad")
    found = address(build, ad, build.fields(build.object_type("Address"), item))
    source = f"FROM addresses {ad} WHERE {ad}.party_id = {party}.id AND {ad}.kind IN ({_readable(build)})"
    return build.dialect.array(found, source, [f"{ad}.is_head_office DESC", f"{ad}.id"], size)


def head_office(build: Build, party: str, item: Selected) -> str:
    ad = build.alias("ad")
    found = address(build, ad, build.fields(build.object_type("Address"), item))
    return build.dialect.nested(
        f"SELECT {found} FROM addresses {ad} WHERE {ad}.party_id = {party}.id AND {ad}.is_head_office "
        f"ORDER BY {ad}.id LIMIT 1"
    )


def invoice_address(build: Build, organisation: str, item: Selected) -> str:
    """The POSTAL address while invoices go there, else the INVOICE one (for FINANCE only:
    the caller withholds it from the others)."""
    if not {"POSTAL", "INVOICE"} <= readable_kinds(build.conditions.viewer, "Address"):
        raise Decline("an invoice address of a kind the viewer may not read")
    ad = build.alias("ad")
    found = address(build, ad, build.fields(build.object_type("Address"), item))
    kind = f"CASE WHEN {organisation}.invoice_uses_postal_address THEN 'POSTAL' ELSE 'INVOICE' END"
    return build.dialect.nested(
        f"SELECT {found} FROM addresses {ad} WHERE {ad}.party_id = {organisation}.id AND {ad}.kind = {kind} "
        f"ORDER BY {ad}.is_head_office DESC, {ad}.id LIMIT 1"
    )


SQLITE_FUNCTIONS["relgraph_address_lines"] = (len(LINE_COLUMNS), lines_json)
