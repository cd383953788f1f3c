"""What every compiled object answers alike (__typename, id, kind, the viewer's
permissions) and how an R4 field is withheld, as graphql/core/errors.shown_only_if_readable
withholds it: null, with its FORBIDDEN error recorded for the path."""

from __future__ import annotations

from relgraph.db.models.base import ContactKind
from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.selection import Decline, Forbidden, Selected
from relgraph.graphql.core.errors import PublicError, shown_only_if_readable
from relgraph.policy import can_see_financials, can_see_sensitive

__all__ = ["common", "primary_contact", "row_by_id", "stamps", "withheld"]

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


_STAMPS = {"createdAt": "created_at", "updatedAt": "updated_at", "version": "version"}


def stamps(build: Build, item: Selected, alias: str, party: bool = False) -> str | None:
    """createdAt, updatedAt and version (db/models/base.Stamped); None for other fields.
    A `party` (organisation or person) keeps them in its `parties` row."""
    column = _STAMPS.get(item.name)
    if column is None:
        return None

    def value(row: str) -> str:
        return f"{row}.version" if column == "version" else build.dialect.moment(f"{row}.{column}")

    if party:
        pa = build.alias("pa")
        return f"(SELECT {value(pa)} FROM parties {pa} WHERE {pa}.id = {alias}.id)"
    return value(alias)


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


def row_by_id(
    build: Build,
    type_name: str,
    table: str,
    id_expr: str,
    item: Selected,
    columns: dict[str, str],
    flags: tuple[str, ...] = (),
) -> str:
    """The object of `type_name` in the row of `table` with id `id_expr`, for types of plain
    columns (`columns`: field -> column) and boolean `flags` (columns named as the fields)."""
    d = build.dialect
    alias = build.alias("r")
    pairs: list[tuple[str, str]] = []
    for field in build.fields(build.object_type(type_name), item):
        value = common(build, type_name, field, alias)
        if value is None and field.name in columns:
            value = f"{alias}.{columns[field.name]}"
        elif value is None and field.name in flags:
            value = d.boolean(f"{alias}.{field.name}")
        elif value is None:
            raise Decline(f"field {type_name}.{field.name}")
        pairs.append((field.key, value))
    return d.nested(f"SELECT {d.obj(pairs)} FROM {table} {alias} WHERE {alias}.id = {id_expr}")
