"""Phone numbers (telefoonnummers): which contact kinds hold one, and Dutch ones without
the cost of a full parse.

phonenumbers parses a number in ~60 µs and formats it in ~25 µs; an import of 20,000
organisations does both for every number. Most numbers we see are Dutch, written as
"020 123 4567", "06-12345678" or "+31 20 1234567": ten digits with a leading 0, or +31
and nine. For those this module gives the same answers from phonenumbers' own metadata
(the patterns its `is_valid_number` applies), compiled once; anything else (other
countries, 0031, "(0)", extensions, short numbers) returns None and the caller asks
phonenumbers. tests/party_data/test_phones.py compares both ways over every Dutch prefix.
"""

from __future__ import annotations

import re
from typing import Literal

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata, PhoneNumberDesc

from relgraph.db.models import ContactKind

__all__ = ["PHONE_KINDS", "dutch_e164", "dutch_national_digits", "parse"]

PHONE_KINDS = frozenset({ContactKind.PHONE.value, ContactKind.MOBILE.value, ContactKind.FAX.value})

# The separators people write between digits; phonenumbers ignores them too.
_SEPARATORS = str.maketrans("", "", " -./()")
_WRITTEN = re.compile(r"(?:\+31|0)([1-9][0-9]{8})")
_E164 = re.compile(r"\+31([1-9][0-9]{8})")


def _pattern(desc: PhoneNumberDesc | None) -> str | None:
    return desc.national_number_pattern if desc is not None and desc.national_number_pattern else None


def _by_length() -> dict[int, tuple[re.Pattern[str], re.Pattern[str]]]:
    """Per length of a national number: the general pattern, and all type patterns as one.

    phonenumbers' is_valid_number asks: is the length possible and does the number match
    the general pattern, and does it match some type's pattern (fixed line, mobile, toll
    free, ...) whose possible lengths hold its length (a type listing none allows any)?
    An alternation of the type patterns that allow the length matches the whole number
    exactly when one of them does, so that is two regex matches instead of a dozen.
    """
    metadata = PhoneMetadata.metadata_for_region("NL")
    assert (
        metadata is not None and metadata.country_code == 31 and metadata.national_prefix_for_parsing == "0"
    )
    general = _pattern(metadata.general_desc)
    assert metadata.general_desc is not None and general is not None
    described = [
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
        metadata.mobile,
    ]
    types = [desc for desc in described if desc is not None]
    found = {}
    for length in metadata.general_desc.possible_length:
        fitting = [
            f"(?:{pattern})"
            for desc in types
            if (pattern := _pattern(desc)) is not None
            and (not desc.possible_length or length in desc.possible_length)
        ]
        if fitting:
            found[length] = (re.compile(f"(?:{general})"), re.compile("|".join(fitting)))
    return found


_BY_LENGTH = _by_length()


def _valid(nsn: str) -> bool:
    """phonenumbers' is_valid_number for the national number `nsn` after +31."""
    patterns = _BY_LENGTH.get(len(nsn))
    return patterns is not None and all(p.fullmatch(nsn) is not None for p in patterns)


def dutch_e164(value: str) -> str | Literal[False] | None:
    """E.164 of a Dutch number in a common form; False when it is such a form but not a
    valid number; None when the form is not one this fast path knows (ask phonenumbers)."""
    match = _WRITTEN.fullmatch(value.translate(_SEPARATORS))
    if match is None:
        return None
    nsn = match.group(1)
    return f"+31{nsn}" if _valid(nsn) else False


def dutch_national_digits(e164: str) -> str | None:
    """The digits of a valid Dutch E.164 number's national form ("+31201234567" ->
    "0201234567"); None for any other value. Every national format of a valid 9-digit
    Dutch number starts with the national prefix 0."""
    match = _E164.fullmatch(e164)
    if match is None or not _valid(match.group(1)):
        return None
    return f"0{match.group(1)}"


def parse(value: str) -> phonenumbers.PhoneNumber | None:
    """The stored E.164 `value` parsed; None for one that does not parse."""
    try:
        return phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None  # a value from before validation (migrated as it was)
