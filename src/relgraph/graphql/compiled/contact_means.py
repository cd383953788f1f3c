"""A party's `contactMeans(kinds:, includeInactive:, first:)` in compiled reads, as
graphql/party_data/types/contact_means.py lists them: in domain/party_data/contact_means'
display order (rendered), `formatted` shaped by the domain's own function after the
statement (a Transform: phone numbers as python-phonenumbers writes them)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType

from relgraph.domain.party_data.contact_means import formatted
from relgraph.graphql.compiled.compiler import Build, Transform
from relgraph.graphql.compiled.fields import common
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of

__all__ = ["contact_means"]

_COLUMNS = {"kind": "kind", "value": "value", "label": "label", "version": "version"}
_FLAGS = {"primary": "is_primary", "active": "active"}


def _formatted(pair: Any) -> Any:
    return formatted(pair[0], pair[1])  # [kind, value] as the statement wrote it


def contact_means(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    handled = ("kinds", "includeInactive", "first")
    arguments = arguments_of(type_.fields[item.name], item, handled)
    kinds: Any = None
    include_inactive: Any = False
    for name in ("kinds", "includeInactive"):
        if name in arguments.given:
            written, value = arguments.literal(name)
            if not written:
                raise Decline(f"a variable in contactMeans({name})")
            if name == "kinds":
                kinds = value
            else:
                include_inactive = value
    size = build.page_size(type_, item, handled)
    d = build.dialect
    c = build.alias("cm")
    pairs: list[tuple[str, str]] = []
    for field in build.fields(build.object_type("ContactMean"), item):
        value = common(build, "ContactMean", field, c)
        if value is not None:
            pass
        elif field.name in _COLUMNS:
            value = f"{c}.{_COLUMNS[field.name]}"
        elif field.name in _FLAGS:
            value = d.boolean(f"{c}.{_FLAGS[field.name]}")
        elif field.name == "formatted":
            value = d.string_list([f"{c}.kind", f"{c}.value"])
            at = [*path, "*", field.key]
            # Once per place: an organisation's and a person's fragments at one path share it.
            if all(t.path != at for t in build.transforms):
                build.transforms.append(Transform(at, _formatted))
        else:
            raise Decline(f"field ContactMean.{field.name}")
        pairs.append((field.key, value))
    where = [f"{c}.party_id = {alias}.id"]
    if not include_inactive:
        where.append(f"{c}.active")
    if kinds is not None:
        if not kinds:
            where.append("1 = 0")
        else:
            where.append(f"{c}.kind IN ({', '.join(d.literal(str(k.value)) for k in kinds)})")
    source = f"FROM contact_means {c} WHERE " + " AND ".join(where)
    return d.array(d.obj(pairs), source, build.conditions.contact_means_order(c), size)
