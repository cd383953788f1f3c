"""The shortcuts of domain/identifiers.py give the libraries' answers: a plain e-mail
address and a compact Dutch VAT number are answered without email-validator or stdnum,
and must be exactly what those would answer. Hypothesis throws near misses at both (case,
dots, dashes, Punycode, special-use names, lengths at their limits, check digits off by
one); wherever a shortcut answers, the library agrees."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from relgraph.domain import identifiers
from relgraph.domain.identifiers import Refused

_LOCAL_CHARS = "aZ09._-+'!~{}\"@ é"
_DOMAIN_CHARS = "aZ09.-_é"
_TLDS = ["nl", "COM", "test", "local", "arpa", "invalid", "onion", "localhost", "x1", "1", "xn--p1ai", "a-b"]


def _library_email(value: str) -> str | None:
    try:
        return identifiers._email_by_library(value)
    except Refused:
        return None


def _library_vat(typed: str) -> str | None:
    try:
        return identifiers._vat_by_stdnum(typed)
    except Refused:
        return None


_addresses = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    st.text(_LOCAL_CHARS, min_size=0, max_size=70),
    st.lists(
        st.one_of(
            st.text(_DOMAIN_CHARS, min_size=0, max_size=10),
            st.sampled_from(["xn--bcher-kva", "ab--cd", "a" * 63, "a" * 64, "mail", "test"]),
        ),
        max_size=5,
    ),
    st.sampled_from(_TLDS),
)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_addresses, st.text(_LOCAL_CHARS + _DOMAIN_CHARS, max_size=30)))
@example("info@noord1.nl")
@example("Jan.Jansen@Example.NL")
@example("a." * 31 + "bc@x.nl")
@example("x@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 61 + ".nl")
@example("x" * 64 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 57 + ".nl")
@example("jan@mail.test")
@example("jan@host.local")
@example("jan@xn--bcher-kva.de")
@example("jan@ab--cd.nl")
def test_a_plain_address_is_what_email_validator_makes_of_it(value: str) -> None:
    shortcut = identifiers._plain_email(value)
    if shortcut is not None:
        assert shortcut == _library_email(value)


@pytest.mark.parametrize(
    "value", ["info@noord1.nl", "Jan.Jansen@Example.NL", "o'brien+crm@mail.bedrijf-x.co.uk", "jan@mail.test"]
)
def test_common_addresses_take_the_shortcut(value: str) -> None:
    assert identifiers._plain_email(value) == _library_email(value) == value.lower()


_nl_vats = st.builds(
    lambda digits, suffix: f"NL{digits}B{suffix}",
    st.text("0123456789", min_size=8, max_size=10),
    st.text("0123456789", min_size=1, max_size=3),
)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_nl_vats, st.text("NLB0123456789\u0663 ", max_size=16)))
@example("NL004495445B01")
@example("NL004495445B00")
@example("NL000000000B01")
@example("NL002455799B11")  # passes mod 97, not the 11-check: stdnum's to answer
@example("NL00449544\u0665B01")  # an Arabic-Indic digit five
def test_a_compact_dutch_vat_number_is_what_stdnum_makes_of_it(typed: str) -> None:
    shortcut = identifiers._plain_nl_vat(typed)
    if shortcut is not None:
        assert shortcut == _library_vat(typed)


def test_valid_dutch_vat_numbers_take_the_shortcut() -> None:
    from relgraph.demo.base import rsin

    numbers = [f"NL{rsin(i)}B01" for i in range(1, 200)]
    assert all(identifiers._plain_nl_vat(n) == _library_vat(n) == n for n in numbers)
    assert identifiers._plain_nl_vat("NL002455799B11") is None
    assert _library_vat("NL002455799B11") == "NL002455799B11"
