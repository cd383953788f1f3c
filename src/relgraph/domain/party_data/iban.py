"""IBANs (ISO 13616): the mod-97 check, the length per country, and how to write them."""

from __future__ import annotations

import re

__all__ = ["IBAN_LENGTHS", "check_digits", "compact", "grouped", "problem"]

# Length of the IBAN per country, from the SWIFT IBAN registry.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$")


def compact(value: str) -> str:
    """Remove the spaces (and hyphens, dots) people type, in upper case: "NL91ABNA0417164300"."""
    return re.sub(r"[\s.\-]", "", value).upper()


def _mod97(text: str) -> int:
    # Letters count as two digits (A = 10 ... Z = 35), as the standard prescribes.
    return int("".join(str(int(c, 36)) for c in text)) % 97


def problem(iban: str) -> str | None:
    """What is wrong with the compact `iban`, in words for the user; None when it is valid."""
    if not _SHAPE.match(iban):
        return "An IBAN starts with a country code and two check digits, e.g. NL91 ABNA 0417 1643 00."
    length = IBAN_LENGTHS.get(iban[:2])
    if length is None:
        return f"{iban[:2]} is not a country that uses IBANs."
    if len(iban) != length:
        return f"An IBAN from {iban[:2]} has {length} characters, this one has {len(iban)}."
    if _mod97(iban[4:] + iban[:4]) != 1:
        return "This IBAN does not add up (check digits): look for a typing error."
    return None


def check_digits(country: str, bban: str) -> str:
    """The two check digits for the account number `bban` in `country`."""
    return f"{98 - _mod97(bban + country + '00'):02d}"


def grouped(iban: str) -> str:
    """The IBAN in groups of four, as printed on cards and invoices: "NL91 ABNA 0417 1643 00"."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
