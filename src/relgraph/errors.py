"""Domain errors: what a caller did wrong, in words a form can show next to a field.

Domain services raise these; the GraphQL layer turns them into `userErrors` in one
place (graphql/core/errors.py). Anything else that escapes is a bug and gets masked.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "Conflict",
    "DomainError",
    "ErrorCode",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
]


class ErrorCode(enum.StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    CYCLE = "CYCLE"


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field; `field` is the path inside the mutation input."""

    field: tuple[str, ...]
    message: str
    code: ErrorCode = ErrorCode.INVALID

    def under(self, *prefix: str) -> FieldError:
        """Return the same error with its path nested under `prefix`."""
        return FieldError((*prefix, *self.field), self.message, self.code)


class DomainError(Exception):
    """A request the domain refuses; carries one or more field errors."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        assert errors, "a DomainError needs at least one FieldError"
        self.errors = list(errors)
        super().__init__("; ".join(f"{'.'.join(e.field)}: {e.message}" for e in errors))

    def under(self, *prefix: str) -> DomainError:
        return DomainError([e.under(*prefix) for e in self.errors])


def _single(code: ErrorCode, message: str, field: Iterable[str]) -> list[FieldError]:
    return [FieldError(tuple(field), message, code)]


class InvalidInput(DomainError):
    @classmethod
    def at(cls, field: Sequence[str] | str, message: str) -> InvalidInput:
        path = (field,) if isinstance(field, str) else tuple(field)
        return cls(_single(ErrorCode.INVALID, message, path))


class NotFound(DomainError):
    def __init__(self, field: Sequence[str] | str, message: str = "Not found.") -> None:
        path = (field,) if isinstance(field, str) else tuple(field)
        super().__init__(_single(ErrorCode.NOT_FOUND, message, path))


class Forbidden(DomainError):
    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(_single(ErrorCode.FORBIDDEN, message, ()))


class Conflict(DomainError):
    def __init__(self, field: Sequence[str] | str, message: str) -> None:
        path = (field,) if isinstance(field, str) else tuple(field)
        super().__init__(_single(ErrorCode.CONFLICT, message, path))
