"""A person's names the Dutch way, and what a deleted person (a tombstone) shows instead."""

from __future__ import annotations

from typing import Any

from relgraph.db.models import Person

__all__ = ["TOMBSTONE_NAME", "display_name", "is_tombstone", "sort_name"]

# What a deleted person (a tombstone) shows everywhere instead of a name (contactpersoon verwijderd).
TOMBSTONE_NAME = "Deleted contact"


def is_tombstone(person: Any) -> bool:
    """True when the person was deleted: its personal data is gone, only the row is left."""
    return getattr(person, "deleted_at", None) is not None


def display_name(person: Person) -> str:
    """The name as written: "Jan van der Berg" (the first name, else the initials)."""
    if is_tombstone(person):
        return TOMBSTONE_NAME
    given = person.first_name or person.initials
    return " ".join(p for p in (given, person.infix, person.last_name) if p)


def sort_name(person: Person) -> str:
    """The Dutch directory form: "Berg, Jan van der" (sorted on the last name, infix after)."""
    if is_tombstone(person):
        return TOMBSTONE_NAME
    given = " ".join(p for p in (person.first_name or person.initials, person.infix) if p)
    return f"{person.last_name}, {given}" if given else person.last_name
