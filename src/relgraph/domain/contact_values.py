"""Contact values as text: how a phone number is shown, and what search matches.

Search finds a party by any active contact value. Phone numbers are stored in E.164
("+31201234567"); their search text also holds the national digits ("0201234567"), and a
search term that looks like a phone number is matched by its digits, so "020-1234567",
"+31 20 123 4567" and "0201234567" all find the same party.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from relgraph.db.models import ContactKind
from relgraph.domain import phones
from relgraph.domain.validation import normalise_phone
from relgraph.text import like_pattern

__all__ = ["PHONE_KINDS", "formatted", "search_patterns", "search_terms"]

PHONE_KINDS = frozenset({ContactKind.PHONE.value, ContactKind.MOBILE.value, ContactKind.FAX.value})

_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_NOT_DIGIT = re.compile(r"\D")
# Shorter digit runs than this are no phone number; they stay a plain text search.
_MIN_DIGITS = 4


def _parsed(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None  # a value from before validation (migrated as it was)


def formatted(kind: str, value: str) -> str:
    """The value for people to read: phone numbers internationally ("+31 20 123 4567")."""
    if kind in PHONE_KINDS:
        number = _parsed(value)
        if number is not None:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return value


def search_terms(kind: str, value: str) -> list[str]:
    """What one contact value adds to its party's search text."""
    if kind not in PHONE_KINDS:
        return [value]
    national = phones.dutch_national_digits(value)
    if national is not None:
        return [value, national]
    number = _parsed(value)
    if number is None:
        return [value, _NOT_DIGIT.sub("", value)]
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return [value, _NOT_DIGIT.sub("", national)]


def terms_of(values: Iterable[tuple[str, str]]) -> list[str]:
    """The search terms of (kind, value) pairs, in order."""
    return [term for kind, value in values for term in search_terms(kind, value)]


def search_patterns(term: str) -> list[str]:
    """LIKE patterns for a search term: its folded text and, if it looks like a phone
    number, its digits (and those of its E.164 form). Any one of them may match."""
    patterns = [like_pattern(term)]
    stripped = term.strip()
    if _PHONE_LIKE.match(stripped):
        digits = _NOT_DIGIT.sub("", stripped)
        e164 = normalise_phone(stripped)
        for candidate in (digits, e164[1:] if e164 else ""):
            if len(candidate) >= _MIN_DIGITS and f"%{candidate}%" not in patterns:
                patterns.append(f"%{candidate}%")
    return patterns
