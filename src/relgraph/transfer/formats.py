"""The CSV formats of `relgraph import` and `relgraph export`: one per kind, the same both ways.

A file has a header row; any subset of a kind's columns may be given, in any order (an
import needs the required ones). Empty means "no value". Booleans are true/false (yes/no,
1/0 and ja/nee are read too), dates YYYY-MM-DD, tags separated by "|". IDs are relgraph's
numeric ids: an export writes them, an import keeps a given one (it must be free) or
numbers the row itself when it is empty, so files exported together import together.

Files are opened in spreadsheets, and anyone who may write a name may type "=HYPERLINK(...)".
As OWASP recommends against CSV injection, every cell is quoted (so that no separator,
not even the semicolon of a Dutch Excel, splits one) and a cell that a spreadsheet would
run as a formula gets a single quote in front (`to_cell`); the import takes it off again
(`from_cell`), so a file reads back as it was written.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = [
    "COLUMNS",
    "KINDS",
    "REQUIRED",
    "TAG_SEPARATOR",
    "Column",
    "column_of_error",
    "format_value",
    "from_cell",
    "parse_value",
    "to_cell",
    "writer",
]

KINDS = ("organisations", "persons", "memberships")
TAG_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, how its text reads, and where domain checks report it."""

    name: str
    type: str = "text"  # text, bool, date, id, tags
    # The input field path the domain checks report errors at ("legalName", "visitAddress.city").
    api: str | None = None


def _text(name: str, api: str) -> Column:
    return Column(name, "text", api)


_ADDRESS = [
    _text("street", "visitAddress.street"),
    _text("house_number", "visitAddress.houseNumber"),
    _text("house_number_addition", "visitAddress.houseNumberAddition"),
    _text("postcode", "visitAddress.postcode"),
    _text("city", "visitAddress.city"),
    _text("country", "visitAddress.country"),
]

COLUMNS: dict[str, tuple[Column, ...]] = {
    "organisations": (
        Column("id", "id"),
        _text("name", "name"),
        _text("code", "code"),
        _text("legal_name", "legalName"),
        _text("kvk_number", "kvkNumber"),
        _text("vat_number", "vatNumber"),
        _text("invoice_company_name", "invoiceCompanyName"),
        _text("invoice_email", "invoiceEmail"),
        Column("invoice_uses_postal_address", "bool", "invoiceUsesPostalAddress"),
        _text("industry", "industry"),
        _text("description", "description"),
        _text("website", "website"),
        _text("email", "email"),
        _text("phone", "phone"),
        _text("status", "status"),
        Column("checked", "bool"),
        Column("creditworthy", "bool"),
        Column("archived", "bool"),
        Column("parent_id", "id", "parentId"),
        *_ADDRESS,
    ),
    "persons": (
        Column("id", "id"),
        _text("gender", "gender"),
        _text("title", "title"),
        _text("initials", "initials"),
        _text("first_name", "firstName"),
        _text("infix", "infix"),
        _text("last_name", "lastName"),
        _text("email", "email"),
        _text("phone", "phone"),
        Column("birth_date", "date", "birthDate"),
    ),
    "memberships": (
        Column("id", "id"),
        Column("person_id", "id", "personId"),
        Column("organisation_id", "id", "organisationId"),
        _text("department", "department"),
        _text("job_title", "jobTitle"),
        _text("business_email", "businessEmail"),
        _text("phone1", "phone1"),
        _text("phone2", "phone2"),
        _text("role", "role"),
        Column("tags", "tags", "tags"),
        _text("account_manager", "accountManagerId"),
        Column("active", "bool"),
        Column("start_date", "date", "startDate"),
        Column("end_date", "date", "endDate"),
    ),
}

REQUIRED = {
    "organisations": ("name",),
    "persons": ("last_name",),
    "memberships": ("person_id", "organisation_id"),
}

_TRUE = {"true", "yes", "1", "ja", "y", "j"}
_FALSE = {"false", "no", "0", "nee", "n"}


def parse_value(column: Column, raw: str | None) -> tuple[Any, str | None]:
    """(value, error message) of one cell; empty is None."""
    text = (raw or "").strip()
    if not text:
        return None, None
    if column.type == "bool":
        lowered = text.lower()
        if lowered in _TRUE:
            return True, None
        if lowered in _FALSE:
            return False, None
        return None, f"{text!r} is not true or false."
    if column.type == "date":
        try:
            return dt.date.fromisoformat(text), None
        except ValueError:
            return None, f"{text!r} is not a date (YYYY-MM-DD)."
    if column.type == "id":
        if text.isascii() and text.isdigit() and len(text) <= 18 and int(text) > 0:
            return int(text), None
        return None, f"{text!r} is not an id (a positive whole number)."
    if column.type == "tags":
        return [t for t in (part.strip() for part in text.split(TAG_SEPARATOR)) if t], None
    return raw, None


def format_value(value: Any) -> str:
    """The cell text of `value`, as the importer reads it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return TAG_SEPARATOR.join(value)
    return str(value)


# A spreadsheet runs a cell as a formula when it starts with one of = + - @ tab CR, also
# after spaces; quotes in front count too, so that a value that starts with a quote of its
# own is told apart from an escaped one.
_RUNS_AS_FORMULA = re.compile(r"'*\s*[=+\-@\t\r]")
# The first characters a cell that may need the quote can start with: a cheap test first.
_SUSPECT_START = frozenset("=+-@'")


def _suspect(text: str) -> bool:
    return text[0] in _SUSPECT_START or text[0].isspace()


def to_cell(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs as a formula: a single quote in front if needed."""
    if text and _suspect(text) and _RUNS_AS_FORMULA.match(text):
        return "'" + text
    return text


def from_cell(cell: str) -> str:
    """The text `to_cell` was given: one single quote taken off a neutralised formula."""
    if cell[:1] == "'" and _RUNS_AS_FORMULA.match(cell, 1):
        return cell[1:]
    return cell


def writer(out: TextIO) -> Any:
    """A CSV writer that quotes every cell; give it cells made by `to_cell`."""
    return csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)


def column_of_error(kind: str, field: tuple[str, ...]) -> str:
    """The CSV column a domain error's field path points at (the path itself when unknown)."""
    path = ".".join(p for p in field if not p.isdigit())
    return _BY_API[kind].get(path, path or "row")


_BY_API: Mapping[str, Mapping[str, str]] = {
    kind: {c.api: c.name for c in columns if c.api} for kind, columns in COLUMNS.items()
}
