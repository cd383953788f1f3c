"""Field checks shared by the aggregates; each collects FieldErrors instead of raising."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import phonenumbers

from relgraph.domain import identifiers
from relgraph.domain.identifiers import Refused
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
]

E = TypeVar("E")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ()\-./]{6,25}$")
# The KvK number has no check digit: eight digits are all there is to check.
_KVK = re.compile(r"^\d{8}$")
_HANDLE = re.compile(r"^@[A-Za-z0-9_.]{1,100}$")
# Numbers without a country code are read as Dutch ones.
DEFAULT_PHONE_REGION = "NL"


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

    def _identifier(
        self, field: str | Sequence[str], value: str | None, parse: Callable[[str], str], max_length: int
    ) -> str | None:
        """`parse(value)` (an identifier's library check) on the trimmed value; what it refuses fails."""
        errors = len(self.errors)
        value = self.text(field, value, max_length=max_length)
        if value is None or len(self.errors) > errors:
            return value
        try:
            return parse(value)
        except Refused as refused:
            self.fail(field, str(refused))
            return value

    def email(self, field: str | Sequence[str], value: str | None) -> str | None:
        """An e-mail address by the standards, in its normal form (identifiers.email)."""
        return self._identifier(field, value, identifiers.email, 254)

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
        """An IBAN valid for its country (schwifty), returned compact, upper case."""
        if required and (value is None or not value.strip()):
            self.fail(field, "This field is required.")
            return None
        return self._identifier(field, value, ibans.iban, 50)

    def bic(self, field: str | Sequence[str], value: str | None) -> str | None:
        """A BIC (SWIFT code) of 8 or 11 characters, e.g. ABNANL2A."""
        return self._identifier(field, value, ibans.bic, 20)

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

    def vat(self, field: str | Sequence[str], value: str | None) -> str | None:
        """A VAT number with its country's check digits (identifiers.vat), returned compact."""
        return self._identifier(field, value, identifiers.vat, 30)

    def vat_fits(self, field: str | Sequence[str], vat_number: str | None, country: str | None) -> None:
        """The VAT number's country must be the organisation's, when both are known (and valid)."""
        path = (*self.prefix, *((field,) if isinstance(field, str) else field))
        if not vat_number or country not in COUNTRY_CODES or any(e.field == path for e in self.errors):
            return
        problem = identifiers.vat_country_problem(vat_number, country)
        if problem:
            self.fail(field, problem)

    def bsn(self, field: str, value: str | None) -> str | None:
        """A citizen service number passing the 11-check (identifiers.bsn): its 9 digits."""
        return self._identifier(field, value, identifiers.bsn, 20)

    def postcode(self, field: str, value: str | None, country: str = HOME_COUNTRY) -> str | None:
        """The postcode as written in `country` (identifiers.postcode)."""
        return self._identifier(field, value, lambda typed: identifiers.postcode(typed, country), 20)

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
