"""Reading an import file and checking each row on its own, with the API's rules.

Every cell is parsed by its column's type (formats.py); then the row passes the same
clean functions as the API's input (domain/organisations, persons, memberships,
addresses), and their field errors are reported at the row's line and column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relgraph.db.models import Gender, OrganisationStatus
from relgraph.db.models.in_force import flag_for
from relgraph.domain.memberships import memberships
from relgraph.domain.organisations import organisations
from relgraph.domain.persons import persons
from relgraph.domain.validation import Checks
from relgraph.errors import InvalidInput
from relgraph.transfer.formats import (
    COLUMNS,
    KINDS,
    REQUIRED,
    column_of_error,
    from_cell,
    parse_value,
)

__all__ = ["Row", "clean_row", "read_rows"]

_ADDRESS_COLUMNS = ("street", "house_number", "house_number_addition", "postcode", "city", "country")
_STATUSES = tuple(s.value for s in OrganisationStatus)
_GENDERS = tuple(g.value for g in Gender)


@dataclass
class Row:
    """One data row of the file: its line, its cells, its clean values, what is wrong with it."""

    line: int
    record: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, column: str, message: str) -> None:
        self.errors.append((column, message))


def _delimiter(header_line: str) -> str:
    """The delimiter of a file, read from its header: no column name has a comma, semicolon
    or tab, so the one the header has is it. Excel in a Dutch (or any decimal-comma)
    locale writes semicolons; a header of one column has none: a comma, as we write."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_rows(kind: str, path: Path) -> tuple[list[str], list[Row]]:
    """The header and the rows of a CSV file of `kind`; a bad header is an InvalidInput."""
    if kind not in KINDS:
        raise InvalidInput.at("kind", f"Import organisations, persons or memberships, not {kind}.")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise InvalidInput.at("file", f"Cannot read {path}: {error.strerror}.") from None
    with handle:
        try:
            delimiter = _delimiter(handle.readline())
            handle.seek(0)
        except UnicodeDecodeError as error:
            raise InvalidInput.at("file", f"{path}, line 1: {error}.") from None
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InvalidInput.at("file", f"{path} is empty; it needs a header row.") from None
        known = {c.name for c in COLUMNS[kind]}
        unknown = [h for h in header if h not in known]
        if unknown:
            raise InvalidInput.at(
                "file",
                f"{path}, line 1: unknown column(s) {', '.join(unknown)}; {kind} have {', '.join(sorted(known))}.",
            )
        doubled = sorted({h for h in header if header.count(h) > 1})
        if doubled:
            raise InvalidInput.at("file", f"{path}, line 1: column(s) {', '.join(doubled)} appear twice.")
        missing = [name for name in REQUIRED[kind] if name not in header]
        if missing:
            raise InvalidInput.at(
                "file", f"{path}, line 1: the required column(s) {', '.join(missing)} are missing."
            )
        rows = []
        try:
            for cells in reader:
                joined = "".join(cells)
                if not joined.strip():
                    continue  # a blank line
                if "'" in joined:  # only a cell that starts with a quote can be a neutralised formula
                    cells = [from_cell(c) for c in cells]
                row = Row(reader.line_num, dict(zip(header, cells, strict=False)))
                if len(cells) != len(header):
                    row.fail("row", f"It has {len(cells)} cells; the header has {len(header)}.")
                rows.append(row)
        except (csv.Error, UnicodeDecodeError) as error:
            raise InvalidInput.at("file", f"{path}, line {reader.line_num}: {error}.") from None
    return header, rows


# Per kind, each column's name, whether it is text, and the column.
_PLANS = {kind: [(c.name, c.type == "text", c) for c in columns] for kind, columns in COLUMNS.items()}


def _parse(kind: str, row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {}
    record = row.record
    for name, is_text, column in _PLANS[kind]:
        raw = record.get(name)
        if raw is None:
            continue  # not a column of this file
        if is_text:
            # parse_value's answer for text, without the call: most cells are text.
            data[name] = raw if raw and not raw.isspace() else None
            continue
        value, error = parse_value(column, raw)
        if error:
            row.fail(column.name, error)
        data[column.name] = value
    return data


def _checked(
    kind: str, row: Row, clean: Callable[[Checks, dict[str, Any]], dict[str, Any]], data: dict[str, Any]
) -> None:
    checks = Checks()
    values = clean(checks, data)
    for error in checks.errors:
        row.fail(column_of_error(kind, error.field), error.message)
    row.values.update(values)


def _choice(row: Row, data: dict[str, Any], name: str, allowed: Iterable[str]) -> None:
    value = data.get(name)
    if value is None:
        return
    options = list(allowed)
    if value.strip().upper() not in options:
        row.fail(name, f"{value.strip()!r} is not one of {', '.join(options)}.")
        data.pop(name)
    else:
        data[name] = value.strip().upper()


# --- per kind: the checks of one row ------------------------------------------------------


def _clean_organisation(row: Row) -> None:
    data = _parse("organisations", row)
    _choice(row, data, "status", _STATUSES)
    address = {name: data.pop(name) for name in _ADDRESS_COLUMNS if name in data}
    row.values = {
        "id": data.pop("id", None),
        "parent_id": data.pop("parent_id", None),
        "archived": bool(data.pop("archived", None)),
    }

    if any(v is not None for v in address.values()):
        data["visit_address"] = address

    def clean(checks: Checks, data: dict[str, Any]) -> dict[str, Any]:
        # The API's own check of an organisation input, visit address included.
        values, visit = organisations.clean_with_visit_address(checks, data, creating=True)
        if visit is not None:
            values["address"] = visit
        return values

    _checked("organisations", row, clean, data)


def _clean_person(row: Row) -> None:
    data = _parse("persons", row)
    _choice(row, data, "gender", _GENDERS)
    row.values = {"id": data.pop("id", None)}
    _checked("persons", row, lambda checks, d: persons.clean(checks, d, creating=True), data)


def _clean_membership(row: Row) -> None:
    data = _parse("memberships", row)
    row.values = {
        "id": data.pop("id", None),
        "person_id": data.pop("person_id", None),
        "organisation_id": data.pop("organisation_id", None),
        "account_manager": (data.pop("account_manager", None) or "").strip().lower() or None,
        "active": data.pop("active", None) is not False,
    }
    for name in ("person_id", "organisation_id"):
        if row.values[name] is None and not any(c == name for c, _ in row.errors):
            row.fail(name, "This field is required.")
    # `active` as an export writes it (in force today) back to the stored flag.
    row.values["active"] = flag_for(row.values["active"], data.get("start_date"), data.get("end_date"))
    _checked("memberships", row, memberships.clean, data)


_CLEAN: dict[str, Callable[[Row], None]] = {
    "organisations": _clean_organisation,
    "persons": _clean_person,
    "memberships": _clean_membership,
}


def clean_row(kind: str, row: Row) -> None:
    """Parse and check one row of `kind`: its clean values go to `row.values`, its errors to `row.errors`."""
    _CLEAN[kind](row)
