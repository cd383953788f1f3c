"""Opaque global IDs: base64 of "TypeName:primaryKey"."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from relgraph.errors import DomainError, FieldError, InvalidInput
from relgraph.graphql.core.errors import PublicError

__all__ = ["IdCollector", "decode_id", "encode_id", "parse_id", "parse_id_filter", "parse_party_id"]


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_id(global_id: str) -> tuple[str, int] | None:
    """Return (type name, primary key), or None for anything that is not one of our IDs."""
    if not isinstance(global_id, str) or not 2 <= len(global_id) <= 200:
        return None
    padded = global_id + "=" * (-len(global_id) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    if not sep or not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return None
    return type_name, int(pk)


def parse_id(global_id: str, expected: str | tuple[str, ...], field: str | list[str]) -> int:
    """The primary key in `global_id`, which must be of type `expected`; INVALID otherwise."""
    expected_types = (expected,) if isinstance(expected, str) else expected
    decoded = decode_id(global_id)
    if decoded is None or decoded[0] not in expected_types:
        names = " or ".join(expected_types)
        raise InvalidInput.at(field, f"Not a valid {names} ID.")
    return decoded[1]


_PARTY_KINDS = {"Organisation": "ORGANISATION", "Person": "PERSON"}


def parse_party_id(global_id: str, field: str | list[str]) -> tuple[str, int]:
    """(party kind, primary key) of an Organisation or Person ID; INVALID otherwise."""
    decoded = decode_id(global_id)
    if decoded is None or decoded[0] not in _PARTY_KINDS:
        raise InvalidInput.at(field, "Not a valid Organisation or Person ID.")
    return _PARTY_KINDS[decoded[0]], decoded[1]


class IdCollector:
    """Decodes the IDs of one input, collecting errors so they join the field errors."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def parse(self, global_id: str, expected: str | tuple[str, ...], field: list[str]) -> int | None:
        try:
            return parse_id(global_id, expected, field)
        except DomainError as error:
            self.errors.extend(error.errors)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise DomainError(self.errors)


def parse_id_filter(ids: Sequence[str] | None, type_name: str, argument: str) -> tuple[int, ...] | None:
    """Decode a list argument of global IDs (a filter): sorted, without repeats.

    A malformed ID there is a client error at the top level (BAD_USER_INPUT): filters are
    arguments of queries, which have no userErrors.
    """
    if ids is None:
        return None
    try:
        return tuple(sorted({parse_id(i, type_name, argument) for i in ids}))
    except DomainError as error:
        raise PublicError(error.errors[0].message, "BAD_USER_INPUT") from None
