"""Import organisations, persons or memberships from a CSV file, all or nothing.

Every row passes the same checks as the API (the domain's clean functions), then the
checks between rows and against the database (free ids and customer numbers, parents,
people and organisations that exist, one active membership per person, organisation and
role). Only when no row fails is anything written, set-based and in one transaction;
with `skip_invalid` the valid rows are written and the others come back as rejects.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import chunked, insert_rows, reserve_ids, rows_in
from relgraph.db.models import (
    Address,
    AddressKind,
    ContactKind,
    ContactMean,
    Gender,
    Membership,
    MembershipTag,
    Organisation,
    OrganisationStatus,
    Party,
    PartyKind,
    Person,
    User,
)
from relgraph.domain import (
    addresses,
    audit,
    contact_values,
    hierarchy,
    memberships,
    organisations,
    persons,
)
from relgraph.domain.validation import Checks
from relgraph.errors import InvalidInput
from relgraph.text import fold, search_key
from relgraph.transfer.formats import (
    COLUMNS,
    KINDS,
    REQUIRED,
    column_of_error,
    parse_value,
)

__all__ = ["ImportResult", "Progress", "Row", "import_csv", "read_rows"]

Progress = Callable[[str, int, int], None]

_parties = Party.__table__
_orgs = Organisation.__table__
_people = Person.__table__
_m = Membership.__table__
_tags = MembershipTag.__table__
_contacts = ContactMean.__table__
_addresses = Address.__table__
_users = User.__table__

_ORG_FIELDS = (
    "name",
    "code",
    "legal_name",
    "kvk_number",
    "vat_number",
    "industry",
    "description",
    "website",
    "status",
    "checked",
    "creditworthy",
    "archived",
)
_PERSON_FIELDS = ("gender", "title", "initials", "first_name", "infix", "last_name", "birth_date")
_MEMBERSHIP_FIELDS = (
    "person_id",
    "organisation_id",
    "department",
    "job_title",
    "business_email",
    "phone1",
    "phone2",
    "role",
    "account_manager_id",
    "active",
    "start_date",
    "end_date",
)
_ADDRESS_COLUMNS = ("street", "house_number", "house_number_addition", "postcode", "city", "country")


@dataclass
class Row:
    """One data row of the file: its line, its cells, its clean values, what is wrong with it."""

    line: int
    record: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, column: str, message: str) -> None:
        self.errors.append((column, message))


@dataclass
class ImportResult:
    kind: str
    header: list[str]
    rows: int
    imported: int
    rejected: list[Row]
    # False when invalid rows stopped the import: nothing was written.
    applied: bool


def _nothing(stage: str, done: int, total: int) -> None:
    return None


def read_rows(kind: str, path: Path) -> tuple[list[str], list[Row]]:
    """The header and the rows of a CSV file of `kind`; a bad header is an InvalidInput."""
    if kind not in KINDS:
        raise InvalidInput.at("kind", f"Import organisations, persons or memberships, not {kind}.")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise InvalidInput.at("file", f"Cannot read {path}: {error.strerror}.") from None
    with handle:
        reader = csv.reader(handle)
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
                if not any(c.strip() for c in cells):
                    continue  # a blank line
                row = Row(reader.line_num, dict(zip(header, cells, strict=False)))
                if len(cells) != len(header):
                    row.fail("row", f"It has {len(cells)} cells; the header has {len(header)}.")
                rows.append(row)
        except (csv.Error, UnicodeDecodeError) as error:
            raise InvalidInput.at("file", f"{path}, line {reader.line_num}: {error}.") from None
    return header, rows


def _parse(kind: str, row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in COLUMNS[kind]:
        if column.name in row.record:
            value, error = parse_value(column, row.record[column.name])
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
    _choice(row, data, "status", (s.value for s in OrganisationStatus))
    address = {name: data.pop(name) for name in _ADDRESS_COLUMNS if name in data}
    row.values = {
        "id": data.pop("id", None),
        "parent_id": data.pop("parent_id", None),
        "archived": bool(data.pop("archived", None)),
    }

    def clean(checks: Checks, data: dict[str, Any]) -> dict[str, Any]:
        values = organisations.clean(checks, data, creating=True)
        if any(v is not None for v in address.values()):
            values["address"] = addresses.clean(checks, address, prefix=("visitAddress",))
        return values

    _checked("organisations", row, clean, data)


def _clean_person(row: Row) -> None:
    data = _parse("persons", row)
    _choice(row, data, "gender", (g.value for g in Gender))
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
    _checked("memberships", row, memberships.clean, data)


_CLEAN = {"organisations": _clean_organisation, "persons": _clean_person, "memberships": _clean_membership}


# --- per kind: the checks between rows and against the database ------------------------------


async def _free_ids(session: AsyncSession, rows: Sequence[Row], table: Any) -> None:
    """Given ids must be unique in the file and not yet taken."""
    seen: dict[int, int] = {}
    for row in rows:
        if (given := row.values.get("id")) is not None:
            first = seen.setdefault(given, row.line)
            if first != row.line:
                row.fail("id", f"Line {first} has this id already.")
    taken = {r.id for r in await rows_in(session, select(table.c.id), table.c.id, seen)}
    for row in rows:
        if row.values.get("id") in taken:
            row.fail("id", f"Id {row.values['id']} is taken.")


async def _check_organisations(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _free_ids(session, rows, _parties)
    codes: dict[str, int] = {}
    for row in rows:
        if (code := row.values.get("code")) is not None:
            first = codes.setdefault(code, row.line)
            if first != row.line:
                row.fail("code", f"Line {first} has customer number {code} already.")
    taken = {r.code for r in await rows_in(session, select(_orgs.c.code), _orgs.c.code, codes)}
    for row in rows:
        if row.values.get("code") in taken:
            row.fail("code", f"Customer number {row.values['code']} is already in use.")
    await _check_parents(session, rows)


async def _check_parents(session: AsyncSession, rows: Sequence[Row]) -> None:
    """A parent is an organisation of the database or of the file; no cycles, not too deep."""
    in_file = {r.values["id"]: r for r in rows if r.values.get("id") is not None}
    wanted = {r.values["parent_id"] for r in rows if r.values.get("parent_id") is not None}
    outside = wanted - set(in_file)
    existing = sorted(r.id for r in await rows_in(session, select(_orgs.c.id), _orgs.c.id, outside))
    depth_of: dict[int, int] = {}
    for part in chunked(existing):
        ancestors = await hierarchy.ancestors_of(session, part)
        depth_of.update(zip(part, (len(a) for a in ancestors), strict=True))
    for row in rows:
        parent = row.values.get("parent_id")
        if parent is None:
            continue
        if parent == row.values.get("id"):
            row.fail("parent_id", "An organisation cannot be its own parent.")
        elif parent not in in_file and parent not in depth_of:
            row.fail("parent_id", f"No organisation {parent}, in the database or in this file.")
    # Walk up from each row through the file: a cycle, or a group deeper than allowed.
    for row in rows:
        if row.values.get("parent_id") == row.values.get("id"):
            continue  # reported above
        seen, node, depth = {row.values.get("id")}, row.values.get("parent_id"), 0
        while node is not None and node in in_file:
            if node in seen:
                row.fail("parent_id", "The parents in this file make a cycle.")
                break
            seen.add(node)
            depth += 1
            node = in_file[node].values.get("parent_id")
        else:
            if depth + (depth_of.get(node, 0) + 1 if node is not None else 0) > hierarchy.MAX_DEPTH:
                row.fail("parent_id", f"A group can be at most {hierarchy.MAX_DEPTH} levels deep.")


async def _check_persons(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _free_ids(session, rows, _parties)


async def _check_memberships(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _free_ids(session, rows, _m)
    person_ids = {r.values["person_id"] for r in rows if r.values.get("person_id")}
    org_ids = {r.values["organisation_id"] for r in rows if r.values.get("organisation_id")}
    found_people = {r.id for r in await rows_in(session, select(_people.c.id), _people.c.id, person_ids)}
    found_orgs = {r.id for r in await rows_in(session, select(_orgs.c.id), _orgs.c.id, org_ids)}
    emails = {r.values["account_manager"] for r in rows if r.values.get("account_manager")}
    staff = {
        u.email: u.id
        for u in await rows_in(session, select(_users.c.email, _users.c.id), _users.c.email, emails)
    }
    active = await rows_in(
        session,
        select(_m.c.person_id, _m.c.organisation_id, _m.c.role).where(_m.c.active.is_(True)),
        _m.c.person_id,
        person_ids,
    )
    holders = {(a.person_id, a.organisation_id, a.role or ""): 0 for a in active}
    for row in rows:
        values = row.values
        if values.get("person_id") and values["person_id"] not in found_people:
            row.fail("person_id", f"No person {values['person_id']}.")
        if values.get("organisation_id") and values["organisation_id"] not in found_orgs:
            row.fail("organisation_id", f"No organisation {values['organisation_id']}.")
        manager = values.get("account_manager")
        values["account_manager_id"] = staff.get(manager) if manager else None
        if manager and manager not in staff:
            row.fail("account_manager", f"No staff user with email {manager}.")
        if values.get("active") and values.get("person_id") and values.get("organisation_id"):
            key = (values["person_id"], values["organisation_id"], values.get("role") or "")
            first = holders.setdefault(key, row.line)
            if first != row.line:
                where = f"line {first}" if first else "the database"
                role = f" as {values['role']}" if values.get("role") else ""
                row.fail("role", f"This person already has an active membership here{role} ({where}).")


_CHECK = {"organisations": _check_organisations, "persons": _check_persons, "memberships": _check_memberships}


# --- per kind: writing ------------------------------------------------------------------------


async def _assign_ids(session: AsyncSession, rows: Sequence[Row], table: Any) -> None:
    given = [r.values["id"] for r in rows if r.values.get("id") is not None]
    missing = [r for r in rows if r.values.get("id") is None]
    for row, new_id in zip(
        missing, await reserve_ids(session, table, len(missing), above=max(given, default=0)), strict=True
    ):
        row.values["id"] = new_id


def _contact_terms(values: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(ContactKind.EMAIL.value, values.get("email")), (ContactKind.PHONE.value, values.get("phone"))]
    return [(kind, value) for kind, value in found if value]


def _party_rows(rows: Sequence[Row], kind: str, now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": r.values["id"],
            "kind": kind,
            "created_at": now,
            "created_by_id": None,
            "updated_at": now,
            "updated_by_id": None,
            "version": 1,
        }
        for r in rows
    ]


def _contact_rows(rows: Sequence[Row], now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "party_id": r.values["id"],
            "kind": kind,
            "value": value,
            "label": None,
            "is_primary": True,
            "active": True,
            "created_at": now,
            "created_by_id": None,
            "updated_at": now,
            "updated_by_id": None,
            "version": 1,
        }
        for r in rows
        for kind, value in _contact_terms(r.values)
    ]


def _event(
    row: Row,
    object_type: str,
    object_id: int,
    party_id: int,
    fields: Iterable[str],
    source: str,
    now: dt.datetime,
) -> dict[str, Any]:
    changes = {
        name: {"before": None, "after": value.isoformat() if isinstance(value, dt.date) else value}
        for name in fields
        if (value := row.values.get(name)) not in (None, [], False)
    }
    return audit.event(
        actor=None,
        object_type=object_type,
        object_id=object_id,
        party_id=party_id,
        action="CREATE",
        changes=changes,
        reason=f"Imported from {source}, line {row.line}.",
        at=now,
    )


async def _insert(
    session: AsyncSession, table: Any, rows: list[dict[str, Any]], progress: Progress, stage: str
) -> None:
    done = 0
    for part in chunked(rows):
        await insert_rows(session, table, part)
        done += len(part)
        progress(stage, done, len(rows))


async def _write_organisations(
    session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress
) -> None:
    now = dt.datetime.now(dt.UTC)
    await _assign_ids(session, rows, _parties)
    org_rows, address_rows = [], []
    for row in rows:
        v = row.values
        address = v.get("address")
        names = SimpleNamespace(
            name=v["name"], legal_name=v.get("legal_name"), code=v.get("code"), kvk_number=v.get("kvk_number")
        )
        organisations.set_search_keys(
            names,  # type: ignore[arg-type]
            [address.get("city")] if address else [],
            contact_values.terms_of(_contact_terms(v)),
        )
        org_rows.append(
            {
                "id": v["id"],
                **{name: v.get(name) for name in _ORG_FIELDS},
                "status": v.get("status") or OrganisationStatus.ACTIVE.value,
                "checked": bool(v.get("checked")),
                "creditworthy": bool(v.get("creditworthy")),
                "archived": bool(v.get("archived")),
                "parent_id": None,
                "merged_into_id": None,
                "name_key": names.name_key,
                "search_text": names.search_text,
            }
        )
        if address:
            address_rows.append(
                {
                    "party_id": v["id"],
                    "kind": AddressKind.VISIT.value,
                    **address,
                    "city_key": fold(address.get("city")),
                    "is_head_office": True,
                    "created_at": now,
                }
            )
    await _insert(
        session, _parties, _party_rows(rows, PartyKind.ORGANISATION.value, now), progress, "writing"
    )
    await insert_rows(session, _orgs, org_rows)
    parents = [
        {"b_id": r.values["id"], "b_parent": r.values["parent_id"]} for r in rows if r.values.get("parent_id")
    ]
    if parents:
        # After all rows exist: a parent may come later in the file.
        await session.execute(
            update(_orgs).where(_orgs.c.id == bindparam("b_id")).values(parent_id=bindparam("b_parent")),
            parents,
        )
    await insert_rows(session, _addresses, address_rows)
    await insert_rows(session, _contacts, _contact_rows(rows, now))
    fields = ("name", *_ORG_FIELDS[1:], "parent_id", "email", "phone")
    await audit.record_many(
        session,
        [_event(r, "Organisation", r.values["id"], r.values["id"], fields, source, now) for r in rows],
    )


async def _write_persons(session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress) -> None:
    now = dt.datetime.now(dt.UTC)
    await _assign_ids(session, rows, _parties)
    person_rows = []
    for row in rows:
        v = row.values
        person = SimpleNamespace(**{name: v.get(name) for name in _PERSON_FIELDS})
        persons.refresh_search(person, (), contact_values.terms_of(_contact_terms(v)))  # type: ignore[arg-type]
        person_rows.append(
            {
                "id": v["id"],
                **{name: v.get(name) for name in _PERSON_FIELDS},
                "gender": v.get("gender") or Gender.UNKNOWN.value,
                "bsn": None,
                "sort_key": person.sort_key,
                "search_text": person.search_text,
            }
        )
    await _insert(session, _parties, _party_rows(rows, PartyKind.PERSON.value, now), progress, "writing")
    await insert_rows(session, _people, person_rows)
    await insert_rows(session, _contacts, _contact_rows(rows, now))
    fields = (*_PERSON_FIELDS, "email", "phone")
    await audit.record_many(
        session, [_event(r, "Person", r.values["id"], r.values["id"], fields, source, now) for r in rows]
    )


async def _write_memberships(
    session: AsyncSession, rows: Sequence[Row], source: str, progress: Progress
) -> None:
    now = dt.datetime.now(dt.UTC)
    await _assign_ids(session, rows, _m)
    membership_rows = [
        {
            "id": r.values["id"],
            **{name: r.values.get(name) for name in _MEMBERSHIP_FIELDS},
            "active": bool(r.values.get("active")),
            "created_at": now,
            "created_by_id": None,
            "updated_at": now,
            "updated_by_id": None,
            "version": 1,
        }
        for r in rows
    ]
    await _insert(session, _m, membership_rows, progress, "writing")
    tag_rows = [{"membership_id": r.values["id"], "tag": t} for r in rows for t in r.values.get("tags") or []]
    await insert_rows(session, _tags, tag_rows)
    fields = (*_MEMBERSHIP_FIELDS, "tags")
    await audit.record_many(
        session,
        [
            _event(r, "Membership", r.values["id"], r.values["organisation_id"], fields, source, now)
            for r in rows
        ],
    )
    await _refresh_person_search(session, rows)


async def _refresh_person_search(session: AsyncSession, rows: Sequence[Row]) -> None:
    """Search finds people by their business emails: add the new ones to their search text.

    Appended, not rebuilt: search matches a part anywhere in the text, so the order does
    not matter, and rebuilding would parse every phone number of these people again. The
    next change of a person rebuilds the text in its usual order.
    """
    emails: dict[int, list[str]] = {}
    for row in rows:
        if email := row.values.get("business_email"):
            emails.setdefault(row.values["person_id"], []).append(email)
    texts = await rows_in(session, select(_people.c.id, _people.c.search_text), _people.c.id, emails)
    updates = []
    for person in texts:
        text = person.search_text or ""
        new = [key for key in dict.fromkeys(search_key(e) for e in emails[person.id]) if key not in text]
        if new:
            updates.append(
                {"b_id": person.id, "b_text": " | ".join([text, *new]) if text else " | ".join(new)}
            )
    if updates:
        await session.execute(
            update(_people).where(_people.c.id == bindparam("b_id")).values(search_text=bindparam("b_text")),
            updates,
        )


_WRITE = {"organisations": _write_organisations, "persons": _write_persons, "memberships": _write_memberships}


async def import_csv(
    session: AsyncSession,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of `path`; write them all when none fails (or the valid ones with
    `skip_invalid`). The caller commits."""
    report = progress or _nothing
    header, rows = read_rows(kind, path)
    for done, row in enumerate(rows, 1):
        _CLEAN[kind](row)
        if done % 1000 == 0 or done == len(rows):
            report("checking", done, len(rows))
    candidates = [r for r in rows if not r.errors]
    while candidates:
        await _CHECK[kind](session, candidates)
        remaining = [r for r in candidates if not r.errors]
        if not skip_invalid or len(remaining) == len(candidates):
            break
        # Check the rest again: they may have leant on a row just rejected (its parent, say).
        candidates = remaining
    rejected = [r for r in rows if r.errors]
    valid = [r for r in rows if not r.errors]
    if rejected and not skip_invalid:
        return ImportResult(kind, header, len(rows), 0, rejected, applied=False)
    if valid:
        await _WRITE[kind](session, valid, path.name, report)
    return ImportResult(kind, header, len(rows), len(valid), rejected, applied=True)
