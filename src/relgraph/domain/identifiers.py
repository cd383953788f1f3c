"""Identifiers checked by the libraries that know their rules: python-stdnum (VAT numbers,
BSN, postcodes) and email-validator (e-mail addresses). IBANs and BICs are in
party_data/iban.py (schwifty).

Each parser takes what a user typed and returns the form relgraph stores (compact, upper
case), or raises `Refused` with a sentence that says what is wrong; `validation.Checks`
turns that into an INVALID error at the field. The `formatted` functions give the form
people read and accept a stored value the rules refuse today (it is shown as stored).
"""

from __future__ import annotations

import functools
import re
from types import ModuleType

import email_validator
import pycountry
from stdnum import exceptions as stdnum_errors
from stdnum import vatin
from stdnum.at import postleitzahl
from stdnum.es import postal_code
from stdnum.eu import vat as eu_vat
from stdnum.nl import bsn as nl_bsn
from stdnum.nl import postcode as nl_postcode
from stdnum.se import postnummer
from stdnum.util import NumberValidationModule, get_cc_module

__all__ = [
    "VAT_COUNTRIES",
    "Refused",
    "bsn",
    "bsn_formatted",
    "country_name",
    "email",
    "postcode",
    "vat",
    "vat_country_problem",
    "vat_formatted",
]


class Refused(ValueError):
    """A value the rules refuse; its message is for the user."""


# VAT numbers of the EU member states (Greece as EL, Northern Ireland as XI, as VIES
# writes them), the United Kingdom, Norway and Switzerland: each with its own stdnum module.
VAT_COUNTRIES = frozenset({cc.upper() for cc in eu_vat.MEMBER_STATES - {"gr"}} | {"EL", "GB", "NO", "CH"})
# The countries (ISO 3166-1) whose organisations hold a VAT number with this prefix, where
# that is not the prefix itself: Greece writes EL, Northern Ireland XI; Monaco is in the
# French VAT area, the Isle of Man in the British, Liechtenstein in the Swiss.
_VAT_AREAS = {"EL": {"GR"}, "XI": {"GB"}, "FR": {"FR", "MC"}, "GB": {"GB", "IM"}, "CH": {"CH", "LI"}}
# Postcodes stdnum knows, by the address's country; other countries' get a plausibility check.
_POSTCODES: dict[str, ModuleType] = {
    "NL": nl_postcode,
    "AT": postleitzahl,
    "ES": postal_code,
    "SE": postnummer,
}


def country_name(code: str) -> str:
    """ "Germany (DE)": the English name of an ISO 3166-1 country with its code, for messages."""
    country = pycountry.countries.get(alpha_2={"EL": "GR", "XI": "GB"}.get(code, code))
    name = getattr(country, "common_name", None) or getattr(country, "name", None)
    return f"{name} ({code})" if name else code


def _problem(error: stdnum_errors.ValidationError, what: str, where: str) -> str:
    if isinstance(error, stdnum_errors.InvalidChecksum):
        return f"Wrong check digit: not a valid {what}{where}; look for a typing error."
    if isinstance(error, stdnum_errors.InvalidLength):
        return f"Wrong length for a {what}{where}."
    if isinstance(error, stdnum_errors.InvalidComponent):
        return f"Not a valid {what}{where}: a part of it does not exist."
    return f"Not a valid {what}{where}: wrong format."


# The shape of nearly every Dutch VAT number: stdnum's compact form, nothing to clean.
_PLAIN_NL_VAT = re.compile(r"NL([0-9]{9})B([0-9]{2})")


@functools.lru_cache(maxsize=4096)
def vat(value: str) -> str:
    """A VAT number with its country prefix, checked with its country's check digits; compact.

    A Dutch number already in its compact form whose first nine digits pass the 11-check is
    what stdnum's nl.btw returns unchanged (its other check, mod 97, only matters when the
    11-check fails): answered without stdnum's cleaning, which costs ten times the check.
    Every other value goes through stdnum. Cached per distinct value, as the others here:
    an import checks thousands of rows, many with the same postcode.
    """
    typed = "".join(value.split()).upper()
    return _plain_nl_vat(typed) or _vat_by_stdnum(typed)


def _plain_nl_vat(typed: str) -> str | None:
    """`typed` when it is a compact Dutch VAT number whose first nine digits pass the
    11-check (what stdnum returns for it); None when stdnum must decide."""
    plain = _PLAIN_NL_VAT.fullmatch(typed)
    if plain and int(plain[1]) > 0 and int(plain[2]) > 0 and nl_bsn.checksum(plain[1]) == 0:
        return typed
    return None


def _vat_by_stdnum(typed: str) -> str:
    country = typed[:2]
    if not country.isalpha() or len(country) < 2:
        raise Refused("A VAT number starts with its country's code, e.g. NL or DE.")
    if country not in VAT_COUNTRIES:
        raise Refused(
            f"Unknown country for a VAT number: {country}. VAT numbers of EU member states "
            "(Greece: EL, Northern Ireland: XI), GB, NO and CH are accepted."
        )
    try:
        return vatin.validate(typed)
    except stdnum_errors.ValidationError as error:
        raise Refused(_problem(error, "VAT number", f" from {country_name(country)}")) from None


def _vat_module(compact: str) -> NumberValidationModule | None:
    return get_cc_module({"EL": "gr", "XI": "gb"}.get(compact[:2], compact[:2].lower()), "vat")


def vat_formatted(stored: str) -> str:
    """The VAT number as its country writes it ("GB 980 7806 84"), where stdnum knows how."""
    module = _vat_module(stored) if stored[:2] in VAT_COUNTRIES else None
    if module is None or not hasattr(module, "format"):
        return stored
    try:
        shown: str = module.format(stored)
    except stdnum_errors.ValidationError:
        return stored
    return shown if shown.startswith(stored[:2]) else f"{stored[:2]} {shown}"


def vat_country_problem(vat_number: str, country: str) -> str | None:
    """Why the VAT number cannot be that of an organisation in `country`; else None."""
    prefix = vat_number[:2]
    if country in _VAT_AREAS.get(prefix, {prefix}):
        return None
    return (
        f"A VAT number from {country_name(prefix)} does not fit the organisation's country, "
        f"{country_name(country)}, where its head office is."
    )


def bsn(value: str) -> str:
    """A citizen service number (BSN) passing the 11-check; its 9 digits."""
    try:
        return nl_bsn.validate(value)
    except stdnum_errors.ValidationError as error:
        if isinstance(error, stdnum_errors.InvalidLength):
            raise Refused("Wrong length: a BSN has 9 digits.") from None
        raise Refused(_problem(error, "BSN", " (9 digits that pass the 11-check)")) from None


def bsn_formatted(stored: str) -> str:
    """The BSN as printed on documents: "1112.22.333"."""
    return nl_bsn.format(stored) if nl_bsn.is_valid(stored) else stored


@functools.lru_cache(maxsize=4096)
def postcode(value: str, country: str) -> str:
    """The postcode as written on an envelope in `country` ("1234 AB" in NL)."""
    module = _POSTCODES.get(country)
    typed = value.strip().upper()
    if module is None:
        # Postcodes the world over hold at least one digit ("SW1A 1AA", "75001", "D02 X285").
        plausible = 2 <= len(typed) <= 10 and any(c.isdigit() for c in typed)
        if not plausible or not all(c.isalnum() or c in " -" for c in typed):
            raise Refused(f"Not a valid postcode for {country_name(country)}.")
        return typed
    try:
        number: str = module.validate(typed)
    except stdnum_errors.ValidationError as error:
        example = ' (e.g. "1234 AB")' if country == "NL" else ""
        raise Refused(_problem(error, "postcode", f" in {country_name(country)}{example}")) from None
    return module.format(number) if hasattr(module, "format") else number


# The addresses nearly everyone has: ASCII, an unquoted dot-atom before the @-sign (RFC
# 5322, email-validator's DOT_ATOM_TEXT), host-name labels after it, the last ending in a
# letter. No "--" anywhere after the @-sign: Punycode and the labels IDNA refuses go
# through email-validator.
_ATEXT = r"[a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~]+"
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_PLAIN_EMAIL = re.compile(
    rf"({_ATEXT}(?:\.{_ATEXT})*)@((?:{_LABEL}\.)+(?:[a-zA-Z0-9][a-zA-Z0-9-]*)?[a-zA-Z])"
)
_LOCAL_MAX, _DOMAIN_MAX, _LABEL_MAX, _EMAIL_MAX = 64, 253, 63, 254
_SPECIAL_USE = tuple(d for d in email_validator.SPECIAL_USE_DOMAIN_NAMES if d != "test")


def _plain_email(value: str) -> str | None:
    """What email-validator's normal form (lower-cased) is for a plain address, without
    asking it; None for any other value (it decides). An ASCII dot-atom is its own normal
    form and an ASCII host name's is its lower case, if the lengths fit, the name is not
    special-use and its labels have no "--" (tests/domain/test_identifiers.py holds the
    two to the same answers)."""
    plain = _PLAIN_EMAIL.fullmatch(value)
    if plain is None or len(value) > _EMAIL_MAX:
        return None
    local, domain = plain[1], plain[2].lower()
    if len(local) > _LOCAL_MAX or len(domain) > _DOMAIN_MAX or "--" in domain:
        return None
    if any(len(label) > _LABEL_MAX for label in domain.split(".")):
        return None
    if any(domain == d or domain.endswith("." + d) for d in _SPECIAL_USE):
        return None
    return value.lower()


@functools.lru_cache(maxsize=4096)
def email(value: str) -> str:
    """An e-mail address by the standards (internationalised domains too), normalised.

    The normal form is email-validator's (the domain in lower case and Unicode, NFC)
    with the local part in lower case as well: every mail provider treats Jan@ and jan@
    as one mailbox, and search and duplicate detection should too. Deliverability (DNS)
    is not checked: relgraph runs without internet. The .test domain, reserved for
    testing, is accepted (demo users). A plain address (`_plain_email`) is answered
    without email-validator, which takes some 60 µs per address.
    """
    return _plain_email(value) or _email_by_library(value)


def _email_by_library(value: str) -> str:
    try:
        checked = email_validator.validate_email(
            value, check_deliverability=False, strict=True, test_environment=True
        )
    except email_validator.EmailNotValidError as error:
        raise Refused(f"Not a valid email address: {error}") from None
    return checked.normalized.lower()
