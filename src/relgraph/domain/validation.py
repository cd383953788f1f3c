"""Field checks shared by the aggregates; each collects FieldErrors instead of raising."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Sequence
from typing import TypeVar

import phonenumbers

from relgraph.domain.party_data import iban as ibans
from relgraph.domain.party_data import phones
from relgraph.domain.party_data.countries import COUNTRY_CODES, HOME_COUNTRY
from relgraph.errors import DomainError, FieldError

__all__ = [
    "DEFAULT_PHONE_REGION",
    "EARLIEST_DATE",
    "LATEST_DATE",
    "Checks",
    "date_problem",
    "normalise_phone",
    "normalise_postcode",
    "valid_bsn",
]

E = TypeVar("E")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ()\-./]{6,25}$")
_KVK = re.compile(r"^\d{8}$")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_HANDLE = re.compile(r"^@[A-Za-z0-9_.]{1,100}$")
# Numbers without a country code are read as Dutch ones.
DEFAULT_PHONE_REGION = "NL"
_NL_POSTCODE = re.compile(r"^([1-9]\d{3})\s?([A-Z]{2})$")

# VAT identification numbers per EU member state (VIES formats), country prefix included.
_VAT_FORMATS = {
    "AT": r"ATU\d{8}",
    "BE": r"BE[01]\d{9}",
    "BG": r"BG\d{9,10}",
    "CY": r"CY\d{8}[A-Z]",
    "CZ": r"CZ\d{8,10}",
    "DE": r"DE\d{9}",
    "DK": r"DK\d{8}",
    "EE": r"EE\d{9}",
    "EL": r"EL\d{9}",
    "ES": r"ES[0-9A-Z]\d{7}[0-9A-Z]",
    "FI": r"FI\d{8}",
    "FR": r"FR[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"HR\d{11}",
    "HU": r"HU\d{8}",
    "IE": r"IE\d{7}[A-W][A-I]?|IE\d[A-Z+*]\d{5}[A-W]",
    "IT": r"IT\d{11}",
    "LT": r"LT(\d{9}|\d{12})",
    "LU": r"LU\d{8}",
    "LV": r"LV\d{11}",
    "MT": r"MT\d{8}",
    "NL": r"NL\d{9}B\d{2}",
    "PL": r"PL\d{10}",
    "PT": r"PT\d{9}",
    "RO": r"RO\d{2,10}",
    "SE": r"SE\d{12}",
    "SI": r"SI\d{8}",
    "SK": r"SK\d{10}",
}


# Every date the service takes, and every time once in UTC, lies in these years: mutation
# inputs and the CSV import check them here (Checks.date, Checks.instant), and so must any
# query argument that takes a date. Any date a CRM holds fits, and so does whatever a time
# zone does to a time in it: Python and both databases hold years 1 to 9999, and a time at
# 9999-12-31 with offset -14:00 is past that in UTC (an OverflowError).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def date_problem(value: dt.date) -> str | None:
    """Why a date, or a time (in UTC), is refused: it lies outside EARLIEST_DATE..LATEST_DATE; else None."""
    day: dt.date | None = value
    if isinstance(value, dt.datetime):
        try:
            day = (value.astimezone(dt.UTC) if value.tzinfo else value).date()
        except OverflowError:  # before year 1 or after 9999 in UTC
            day = None
    if day is not None and EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    in_utc = " (in UTC)" if isinstance(value, dt.datetime) else ""
    return f"Dates lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}{in_utc}."


def valid_bsn(value: str) -> bool:
    """Apply the Dutch 11-check (elfproef) to a 9-digit citizen service number."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    digits = [int(c) for c in value]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0 and value != "000000000"


def normalise_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """Return `value` as an E.164 number ("+31201234567"), or None if it is not a valid number."""
    if region == "NL" or value.lstrip().startswith("+31"):
        fast = phones.dutch_e164(value)
        if fast is not None:
            return fast or None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_postcode(value: str, country: str = "NL") -> str | None:
    """Return the postcode in its canonical form ("1234 AB" in NL), or None if invalid."""
    value = value.strip().upper()
    if country != "NL":
        # Postcodes the world over hold at least one digit ("SW1A 1AA", "75001", "D02 X285").
        plausible = re.fullmatch(r"[A-Z0-9][A-Z0-9 \-]{1,9}", value) and re.search(r"\d", value)
        return value if plausible else None
    match = _NL_POSTCODE.match(value)
    return f"{match.group(1)} {match.group(2)}" if match else None


class Checks:
    """Collects the field errors of one input; `raise_if_any` ends the validation."""

    def __init__(self, prefix: Sequence[str] = ()) -> None:
        self.prefix = tuple(prefix)
        self.errors: list[FieldError] = []

    def nested(self, *prefix: str) -> Checks:
        """A Checks for a sub-object: its errors land here, under `prefix`."""
        child = Checks((*self.prefix, *prefix))
        child.errors = self.errors
        return child

    def fail(self, field: str | Sequence[str], message: str) -> None:
        path = (field,) if isinstance(field, str) else tuple(field)
        self.errors.append(FieldError((*self.prefix, *path), message))

    def extend(self, error: DomainError, *prefix: str) -> None:
        self.errors.extend(e.under(*self.prefix, *prefix) for e in error.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise DomainError(self.errors)

    def date(self, field: str | Sequence[str], value: dt.date | None) -> dt.date | None:
        """A date from EARLIEST_DATE to LATEST_DATE."""
        problem = date_problem(value) if value is not None else None
        if problem:
            self.fail(field, problem)
        return value

    def instant(self, field: str | Sequence[str], value: dt.datetime | None) -> dt.datetime | None:
        """A time with its UTC offset, within the dates' range once in UTC; returned in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            self.fail(field, "Give the time with its UTC offset, e.g. 2026-12-01T09:00:00+01:00.")
            return value
        problem = date_problem(value)
        if problem:
            self.fail(field, problem)
            return value
        return value.astimezone(dt.UTC)

    def text(
        self, field: str | Sequence[str], value: str | None, *, max_length: int, required: bool = False
    ) -> str | None:
        """Trim `value`; empty becomes None. Control characters and overlong text fail."""
        if value is None or not value.strip():
            if required:
                self.fail(field, "This field is required.")
            return None
        value = value.strip()
        if _CONTROL.search(value):
            self.fail(field, "Control characters are not allowed.")
        elif len(value) > max_length:
            self.fail(field, f"At most {max_length} characters.")
        return value

    def multiline(self, field: str, value: str | None, *, max_length: int) -> str | None:
        """Like `text`, but newlines and tabs are kept."""
        if value is None or not value.strip():
            return None
        if _CONTROL.search(value.replace("\n", "").replace("\t", "").replace("\r", "")):
            self.fail(field, "Control characters are not allowed.")
        elif len(value) > max_length:
            self.fail(field, f"At most {max_length} characters.")
        return value.strip()

    def email(self, field: str | Sequence[str], value: str | None) -> str | None:
        value = self.text(field, value, max_length=254)
        if value is not None and not _EMAIL.match(value):
            self.fail(field, "Not a valid email address.")
        return value.lower() if value else None

    def phone(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, max_length=32)
        if value is not None and not _PHONE.match(value):
            self.fail(field, "Not a valid phone number.")
        return value

    def phone_number(self, field: str | Sequence[str], value: str | None) -> str | None:
        """A phone number in any format, returned in E.164; without country code it is Dutch."""
        value = self.text(field, value, max_length=40)
        if value is None:
            return None
        number = normalise_phone(value)
        if number is None:
            self.fail(field, 'Not a valid phone number (e.g. "020 123 4567" or "+31 20 123 4567").')
            return value
        return number

    def iban(self, field: str | Sequence[str], value: str | None, *, required: bool = False) -> str | None:
        """An IBAN with the mod-97 check and its country's length, returned compact, upper case."""
        value = self.text(field, value, max_length=50, required=required)
        if value is None:
            return None
        compact = ibans.compact(value)
        problem = ibans.problem(compact)
        if problem:
            self.fail(field, problem)
        return compact

    def bic(self, field: str | Sequence[str], value: str | None) -> str | None:
        """A BIC (SWIFT code) of 8 or 11 characters, e.g. ABNANL2A."""
        value = self.text(field, value, max_length=20)
        if value is None:
            return None
        value = value.replace(" ", "").upper()
        if not _BIC.match(value):
            self.fail(field, "A BIC has 8 or 11 letters and digits, e.g. ABNANL2A.")
        return value

    def social(self, field: str | Sequence[str], value: str | None) -> str | None:
        """A social media profile: its http(s) URL or a handle like @relgraph."""
        value = self.text(field, value, max_length=500)
        if value is not None and not (_URL.match(value) or _HANDLE.match(value)):
            self.fail(field, "Give the profile's URL (https://...) or a handle like @name.")
        return value

    def url(self, field: str | Sequence[str], value: str | None) -> str | None:
        value = self.text(field, value, max_length=500)
        if value is not None and not _URL.match(value):
            self.fail(field, "Not a valid URL (it must start with http:// or https://).")
        return value

    def kvk(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, max_length=20)
        if value is not None:
            value = value.replace(" ", "")
            if not _KVK.match(value):
                self.fail(field, "A KvK number is exactly 8 digits.")
        return value

    def vat(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, max_length=20)
        if value is None:
            return None
        value = re.sub(r"[\s.\-]", "", value).upper()
        pattern = _VAT_FORMATS.get(value[:2])
        if pattern is None:
            self.fail(field, "A VAT number starts with an EU country code, e.g. NL.")
        elif not re.fullmatch(pattern, value):
            example = "NL123456789B01" if value[:2] == "NL" else None
            hint = f" (e.g. {example})" if example else ""
            self.fail(field, f"Not a valid {value[:2]} VAT number{hint}.")
        return value

    def bsn(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, max_length=12)
        if value is not None:
            value = value.replace(" ", "").replace(".", "")
            if not valid_bsn(value):
                self.fail(field, "Not a valid BSN (9 digits passing the 11-check).")
        return value

    def postcode(self, field: str, value: str | None, country: str = "NL") -> str | None:
        value = self.text(field, value, max_length=10)
        if value is None:
            return None
        normalised = normalise_postcode(value, country)
        if normalised is None:
            expected = ' like "1234 AB"' if country == "NL" else ""
            self.fail(field, f"Not a valid postcode{expected}.")
            return value
        return normalised

    def country(self, field: str, value: str | None) -> str:
        if value is None or not value.strip():
            return HOME_COUNTRY
        code = value.strip().upper()
        if code not in COUNTRY_CODES:
            self.fail(field, "A country is an ISO 3166-1 alpha-2 code, e.g. NL.")
        return code

    def decimal(
        self,
        field: str,
        value: object,
        *,
        minimum: decimal.Decimal,
        maximum: decimal.Decimal,
        places: int = 2,
    ) -> decimal.Decimal | None:
        """A decimal within [minimum, maximum] with at most `places` decimals; never a float."""
        if value is None:
            return None
        try:
            number = decimal.Decimal(str(value).strip())
        except (decimal.InvalidOperation, ValueError):
            self.fail(field, "Not a number.")
            return None
        if not number.is_finite() or not minimum <= number <= maximum:
            self.fail(field, f"Must lie between {minimum} and {maximum}.")
        elif number != number.quantize(decimal.Decimal(1).scaleb(-places)):
            self.fail(field, f"At most {places} decimals.")
        return number

    def integer(self, field: str, value: int | None, *, minimum: int, maximum: int) -> int | None:
        if value is not None and not minimum <= value <= maximum:
            self.fail(field, f"Must lie between {minimum} and {maximum}.")
        return value

    def currency(self, field: str, value: str | None) -> str:
        code = (self.text(field, value, max_length=3) or "EUR").upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            self.fail(field, "A currency is an ISO 4217 code, e.g. EUR.")
        return code
