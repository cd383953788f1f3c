"""The table rows a chunk of checked import rows becomes: pure Python, no database.

A row's clean values become the tuples `copy_records` takes, one per table row, each
table's columns named once (search text and keys included, as the domain computes them),
and one CREATE audit event per object; what all rows of a chunk share (timestamps, the
columns of a new version) is made once per chunk. Tuples, not a dict per row: the dicts
and the COPY's taking them apart again were a fifth of an import's CPU.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table

from relgraph.db.models import (
    Address,
    AddressKind,
    AuditEvent,
    ContactKind,
    ContactMean,
    Gender,
    Membership,
    MembershipTag,
    Organisation,
    OrganisationStatus,
    ParentPeriod,
    Party,
    PartyKind,
    Person,
)
from relgraph.domain.memberships import memberships
from relgraph.domain.organisations import organisations, parent_periods
from relgraph.domain.party_data import addresses, search_text
from relgraph.domain.persons import persons
from relgraph.text import fold
from relgraph.transfer.rows import Row

__all__ = ["ORDER", "Tables", "membership_tables", "organisation_tables", "person_tables"]

_parties = Party.__table__
_orgs = Organisation.__table__
_people = Person.__table__
_m = Membership.__table__
_tags = MembershipTag.__table__
_contacts = ContactMean.__table__
_addresses = Address.__table__
_audit = AuditEvent.__table__
_periods = ParentPeriod.__table__

# The order the tables of a chunk go in: every row after the rows it refers to.
ORDER = (_parties, _orgs, _periods, _people, _addresses, _contacts, _m, _tags, _audit)

# The audited columns an imported row gives as they are; these two need a default or come
# from the file's order of parents.
_ORG_FIELDS = tuple(
    f for f in organisations.AUDITED_FIELDS if f not in ("invoice_uses_postal_address", "parent_id")
)
# Not the BSN (imports do not take it) and not `active` (the column's default).
_PERSON_FIELDS = tuple(f for f in persons.AUDITED_FIELDS if f not in ("bsn", "active"))
# What a membership row holds is what its audit events record.
_MEMBERSHIP_FIELDS = tuple(memberships.AUDITED_FIELDS)
# What each kind's CREATE event records, when the row has it: what the API's events
# record, and the primary email and phone.
_ORG_AUDITED = (*organisations.AUDITED_FIELDS, "email", "phone")
_PERSON_AUDITED = (*_PERSON_FIELDS, "email", "phone")
_MEMBERSHIP_AUDITED = (*_MEMBERSHIP_FIELDS, "tags")


# The columns each table's tuples give, in order (the others take their defaults).
_VERSIONED = ("created_at", "created_by_id", "updated_at", "updated_by_id", "version")
_ORG_GIVEN = tuple(f for f in _ORG_FIELDS if f not in ("status", "checked", "creditworthy", "archived"))
_COLUMNS: dict[Table, tuple[str, ...]] = {
    _parties: ("id", "kind", *_VERSIONED),
    _orgs: (
        "id",
        *_ORG_GIVEN,
        "status",
        "checked",
        "creditworthy",
        "invoice_uses_postal_address",
        "archived",
        "parent_id",
        "merged_into_id",
        "name_key",
        "search_text",
    ),
    _periods: ("organisation_id", "parent_id", "valid_from", "valid_to"),
    _people: ("id", *_PERSON_FIELDS, "bsn", "sort_key", "search_text"),
    _addresses: ("party_id", "kind", *addresses.FIELDS, "city_key", "is_head_office", *_VERSIONED),
    _contacts: ("party_id", "kind", "value", "label", "is_primary", "active", *_VERSIONED),
    _m: ("id", *_MEMBERSHIP_FIELDS, *_VERSIONED),
    _tags: ("membership_id", "tag"),
    _audit: (
        "at",
        "actor_id",
        "object_type",
        "object_id",
        "party_id",
        "other_party_id",
        "action",
        "changes",
        "reason",
    ),
}


@dataclass
class Tables:
    """The rows of one chunk, by table (tuples of the table's `COLUMNS`); `ids` are the chunk's own objects."""

    ids: list[int]
    rows: dict[Table, list[tuple[Any, ...]]] = field(default_factory=lambda: {t: [] for t in ORDER})

    def in_order(self) -> list[tuple[Table, tuple[str, ...], list[tuple[Any, ...]]]]:
        return [(t, _COLUMNS[t], self.rows[t]) for t in ORDER if self.rows[t]]


# An enum member's .value is a descriptor call: looked up once, not per row.
_EMAIL, _PHONE = ContactKind.EMAIL.value, ContactKind.PHONE.value
_ORGANISATION, _PERSON = PartyKind.ORGANISATION.value, PartyKind.PERSON.value
_ACTIVE, _UNKNOWN, _VISIT = OrganisationStatus.ACTIVE.value, Gender.UNKNOWN.value, AddressKind.VISIT.value
# Values an event leaves out: nothing to record (compared with ==, as `in` does).
_EMPTY: tuple[object, ...] = (None, [], False)


def _contact_terms(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The (kind, value) of the primary email and phone in a row's clean values."""
    found = []
    if email := values.get("email"):
        found.append((_EMAIL, email))
    if phone := values.get("phone"):
        found.append((_PHONE, phone))
    return found


class _Chunk:
    """Fills the `Tables` of one chunk; what every row of a table shares is made once."""

    def __init__(self, rows: Sequence[Row], source: str, now: dt.datetime) -> None:
        self.tables = Tables([r.values["id"] for r in rows])
        self.out = self.tables.rows
        self.source = source
        self.now = now
        self.versioned = (now, None, now, None, 1)

    def party(self, party_id: int, kind: str) -> None:
        self.out[_parties].append((party_id, kind, *self.versioned))

    def contacts(self, party_id: int, values: dict[str, Any]) -> list[str]:
        """Add the party's primary email and phone; return their search terms."""
        terms = _contact_terms(values)
        for kind, value in terms:
            self.out[_contacts].append((party_id, kind, value, None, True, True, *self.versioned))
        return search_text.terms_of(terms)

    def event(
        self,
        row: Row,
        object_type: str,
        object_id: int,
        party_id: int,
        fields: Iterable[str],
        other_party_id: int | None = None,
    ) -> None:
        """The object's CREATE audit event (what audit_writes.event makes, as a tuple)."""
        values = row.values
        changes = {}
        for name in fields:
            value = values.get(name)
            if value not in _EMPTY:
                changes[name] = {
                    "before": None,
                    "after": value.isoformat() if isinstance(value, dt.date) else value,
                }
        self.out[_audit].append(
            (
                self.now,
                None,
                object_type,
                object_id,
                party_id,
                other_party_id,
                "CREATE",
                changes,
                f"Imported from {self.source}, line {row.line}.",
            )
        )


def organisation_tables(rows: Sequence[Row], source: str, now: dt.datetime) -> Tables:
    """Parties, organisations (with their search keys), visit addresses, contact means, events."""
    chunk = _Chunk(rows, source, now)
    orgs, addresses_out, periods = chunk.out[_orgs], chunk.out[_addresses], chunk.out[_periods]
    for row in rows:
        v = row.values
        org_id = v["id"]
        chunk.party(org_id, _ORGANISATION)
        address = v.get("address")
        names = SimpleNamespace(
            name=v["name"], legal_name=v.get("legal_name"), code=v.get("code"), kvk_number=v.get("kvk_number")
        )
        terms = chunk.contacts(org_id, v)
        search_text.set_organisation_keys(names, [address.get("city")] if address else [], terms)  # type: ignore[arg-type]  # duck: the attributes it reads and sets
        parent_id = v.get("parent_id")
        orgs.append(
            (
                org_id,
                *map(v.get, _ORG_GIVEN),
                v.get("status") or _ACTIVE,
                bool(v.get("checked")),
                bool(v.get("creditworthy")),
                bool(v.get("invoice_uses_postal_address")),
                bool(v.get("archived")),
                parent_id,
                None,
                names.name_key,
                names.search_text,
            )
        )
        if parent_id is not None:
            # Under its parent since a day the file does not tell (parent_periods.opened).
            periods.extend(
                tuple(p[c] for c in _COLUMNS[_periods])
                for p in parent_periods.opened({org_id: parent_id}, None)
            )
        if address:
            addresses_out.append(
                (
                    org_id,
                    _VISIT,
                    *map(address.get, addresses.FIELDS),
                    fold(address.get("city")),
                    True,
                    *chunk.versioned,
                )
            )
        chunk.event(row, "Organisation", org_id, org_id, _ORG_AUDITED)
    return chunk.tables


def person_tables(rows: Sequence[Row], source: str, now: dt.datetime) -> Tables:
    """Parties, persons (with their sort key and search text), contact means, events."""
    chunk = _Chunk(rows, source, now)
    people = chunk.out[_people]
    for row in rows:
        v = row.values
        person_id = v["id"]
        chunk.party(person_id, _PERSON)
        terms = chunk.contacts(person_id, v)
        fields = {name: v.get(name) for name in _PERSON_FIELDS}
        person = SimpleNamespace(**fields)
        search_text.set_person_keys(person, (), terms)  # type: ignore[arg-type]  # duck: the attributes it reads and sets
        fields["gender"] = fields["gender"] or _UNKNOWN
        people.append((person_id, *fields.values(), None, person.sort_key, person.search_text))
        chunk.event(row, "Person", person_id, person_id, _PERSON_AUDITED)
    return chunk.tables


def membership_tables(rows: Sequence[Row], source: str, now: dt.datetime) -> Tables:
    """Memberships, their tags, events (the people's search text is the writer's: it reads it)."""
    chunk = _Chunk(rows, source, now)
    members, tags = chunk.out[_m], chunk.out[_tags]
    active = _MEMBERSHIP_FIELDS.index("active")
    for row in rows:
        v = row.values
        membership_id = v["id"]
        values = [*map(v.get, _MEMBERSHIP_FIELDS)]
        values[active] = bool(values[active])
        members.append((membership_id, *values, *chunk.versioned))
        if v.get("tags"):
            tags.extend(zip(repeat(membership_id), v["tags"]))
        chunk.event(
            row, "Membership", membership_id, v["organisation_id"], _MEMBERSHIP_AUDITED, v["person_id"]
        )
    return chunk.tables
