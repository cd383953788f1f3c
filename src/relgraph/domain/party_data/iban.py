"""IBANs and BICs, checked by schwifty: the IBAN's length and structure per country, its
check digits and, where a country has them, the account number's own; the bank's name and
BIC from schwifty's bank registry, where it knows the bank."""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors

from relgraph.domain.identifiers import Refused, country_name

__all__ = ["Bank", "bank_of", "bic", "grouped", "iban"]


@dataclass(frozen=True)
class Bank:
    """What the registry knows of the bank an IBAN belongs to."""

    name: str | None
    bic: str | None


def iban(value: str) -> str:
    """The IBAN without spaces, upper case ("NL91ABNA0417164300"), or `Refused` saying why."""
    typed = "".join(value.split()).upper()
    if len(typed) < 4 or not typed[:2].isalpha():
        raise Refused("An IBAN starts with a country code and two check digits, e.g. NL91 ABNA 0417 1643 00.")
    try:
        with warnings.catch_warnings():
            # A country whose national check digits schwifty cannot verify yet: the IBAN's own pass.
            warnings.simplefilter("ignore", schwifty_errors.NationalChecksumNotVerified)
            return IBAN(typed, validate_bban=True).compact
    except schwifty_errors.InvalidCountryCode:
        raise Refused(f"Unknown country for an IBAN: {typed[:2]} does not use IBANs.") from None
    except schwifty_errors.InvalidLength:
        length = IBAN(typed, allow_invalid=True).spec.iban_length
        raise Refused(
            f"Wrong length for an IBAN from {country_name(typed[:2])}: it has {length} characters, "
            f"this one has {len(typed)}."
        ) from None
    except schwifty_errors.InvalidChecksumDigits:
        raise Refused("Wrong check digits: this IBAN does not add up; look for a typing error.") from None
    except schwifty_errors.InvalidBBANChecksum:
        raise Refused(
            "Wrong check digit in the account number (the national check of "
            f"{country_name(typed[:2])}); look for a typing error."
        ) from None
    except schwifty_errors.SchwiftyException:
        raise Refused(
            f"Not a valid IBAN from {country_name(typed[:2])}: wrong format (letters or digits in the wrong place)."
        ) from None


def bic(value: str) -> str:
    """A BIC (SWIFT code) of 8 or 11 characters, upper case ("ABNANL2A"), or `Refused`."""
    try:
        return BIC(value.replace(" ", "").upper()).compact
    except schwifty_errors.InvalidLength:
        raise Refused("Wrong length: a BIC has 8 or 11 letters and digits, e.g. ABNANL2A.") from None
    except schwifty_errors.InvalidCountryCode:
        raise Refused("Unknown country in this BIC (its 5th and 6th letters), e.g. ABNANL2A.") from None
    except schwifty_errors.SchwiftyException:
        raise Refused("Not a valid BIC: wrong format, e.g. ABNANL2A.") from None


@functools.lru_cache(maxsize=4096)
def bank_of(stored: str) -> Bank | None:
    """The bank of a stored IBAN as the registry knows it (by its bank code, whether the
    account number's own check digits fit or not); None when the registry does not know the
    bank, or the IBAN does not even have its country's length and check digits."""
    account = IBAN(stored, allow_invalid=True)
    try:
        account.validate()
        name, found = account.bank_name, account.bic
    except schwifty_errors.SchwiftyException:
        return None
    if name is None and found is None:
        return None
    return Bank(name, found.compact if found is not None else None)


def grouped(stored: str) -> str:
    """The IBAN in groups of four, as printed on cards and invoices: "NL91 ABNA 0417 1643 00"."""
    return IBAN(stored, allow_invalid=True).formatted
