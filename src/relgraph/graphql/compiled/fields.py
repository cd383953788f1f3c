"""What every compiled object answers alike (__typename, id, kind, the viewer's
permissions) and how an R4 field is withheld, as graphql/core/errors.shown_only_if_readable
withholds it: null, with its FORBIDDEN error recorded for the path."""

from __future__ import annotations

from relgraph.db.models.base import ContactKind
from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.selection import Forbidden, Selected
from relgraph.graphql.core.errors import PublicError, shown_only_if_readable
from relgraph.policy import can_see_financials, can_see_sensitive

__all__ = ["common", "primary_contact", "withheld"]

# The party fields that show the primary contact mean of a kind (graphql/party_data/types/
# contact_means.primary_value): at most one per party and kind (a partial unique index).
_PRIMARY_CONTACTS = {"email": ContactKind.EMAIL, "phone": ContactKind.PHONE}


def common(build: Build, type_name: str, item: Selected, alias: str) -> str | None:
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


def withheld(
    build: Build, type_name: str, column: str, item: Selected, path: list[str], what: str = "invoice data"
) -> bool:
    """Whether R4 withholds `column` of `type_name`: then its error is recorded for `path`."""
    try:
        shown_only_if_readable(build.conditions.viewer, type_name, column, what=what)
    except PublicError as withheld:
        code = (withheld.extensions or {}).get("code", "FORBIDDEN")
        build.forbidden.append(Forbidden(path, item.node, withheld.message, code))
        return True
    return False


def primary_contact(build: Build, item: Selected, alias: str) -> str | None:
    """`email` or `phone` of the party row `alias`: its primary contact mean of that kind;
    None for other fields."""
    kind = _PRIMARY_CONTACTS.get(item.name)
    if kind is None:
        return None
    c = build.alias("c")
    return (
        f"(SELECT {c}.value FROM contact_means {c} WHERE {c}.party_id = {alias}.id "
        f"AND {c}.kind = {build.dialect.literal(kind.value)} AND {c}.is_primary ORDER BY {c}.id LIMIT 1)"
    )
