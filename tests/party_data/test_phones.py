"""The fast path for Dutch phone numbers answers exactly as phonenumbers does."""

from __future__ import annotations

import random

import phonenumbers

from relgraph.domain.party_data import phones, search_text
from relgraph.domain.validation import normalise_phone


def _reference_e164(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _reference_national_digits(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(c for c in national if c.isdigit())


def test_every_dutch_prefix_validates_and_searches_as_phonenumbers_does() -> None:
    rng = random.Random(31)
    # Every three-digit start of a national number, two endings each: valid and invalid ones alike.
    numbers = [f"{prefix}{rng.randrange(10**6):06d}" for prefix in range(100, 1000) for _ in range(2)]
    valid = 0
    for i, nsn in enumerate(numbers):
        written = [
            f"0{nsn}",
            f"+31{nsn}",
            (f"0{nsn[:2]}-{nsn[2:]}", f"+31 {nsn[:2]} {nsn[2:5]} {nsn[5:]}", f"(0{nsn[:3]}) {nsn[3:]}")[
                i % 3
            ],
        ]
        expected = _reference_e164(f"0{nsn}")
        for value in written:
            assert phones.dutch_e164(value) is not None, value  # the fast path took it
            assert normalise_phone(value) == expected == _reference_e164(value), value
        if expected is None:
            assert phones.dutch_national_digits(f"+31{nsn}") is None
            continue
        valid += 1
        assert search_text.search_terms("PHONE", expected) == [
            expected,
            _reference_national_digits(expected),
        ]
    assert 500 < valid < len(numbers)  # both kinds were tried


def test_other_forms_go_to_phonenumbers() -> None:
    for value in ("+31 (0)20 123 4567", "0031 20 123 4567", "+32 2 555 12 12", "112", "020 123 45 67 ext 3"):
        assert phones.dutch_e164(value) is None
        assert normalise_phone(value) == _reference_e164(value), value
    assert normalise_phone("+31 (0)20 123 4567") == "+31201234567"
    assert search_text.search_terms("PHONE", "+3225551212") == ["+3225551212", "025551212"]
