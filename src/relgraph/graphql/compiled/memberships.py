"""Memberships (PIO: persoon in organisatie) in compiled reads: their fields as
graphql/memberships/types.py gives them, the person joined by the list that reads them."""

from __future__ import annotations

from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.fields import common
from relgraph.graphql.compiled.persons import person
from relgraph.graphql.compiled.selection import Decline, Selected

__all__ = ["membership"]

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
            found = build.object(
                "Organisation", o, build.fields(build.object_type("Organisation"), item), [*path, item.key]
            )
            value = d.nested(f"SELECT {found} FROM organisations {o} WHERE {o}.id = {alias}.organisation_id")
        else:
            raise Decline(f"field {type_.name}.{item.name}")
        pairs.append((item.key, value))
    return d.obj(pairs)
