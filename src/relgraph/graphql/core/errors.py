"""Errors as the API shows them: `userErrors` in payloads, PublicErrors (with a code) at fields."""

from __future__ import annotations

from typing import TypeAlias

import strawberry
from graphql import GraphQLError

from relgraph.errors import ErrorCode, FieldError
from relgraph.policy import Viewer, unreadable

__all__ = [
    "MAX_USER_ERRORS",
    "PublicError",
    "UserError",
    "UserErrorCode",
    "shown_only_if_readable",
    "user_errors",
]

# The most userErrors a payload lists (list_bounds.py): a form has far fewer fields.
MAX_USER_ERRORS = 100

UserErrorCode: TypeAlias = ErrorCode
strawberry.enum(
    UserErrorCode,
    name="UserErrorCode",
    description=(
        "Why an input was refused. INVALID: a value fails validation. NOT_FOUND: an ID points "
        "to nothing you can see. FORBIDDEN: your role may not make this change. CONFLICT: the "
        "change clashes with the current state (a stale expectedVersion, a duplicate). CYCLE: "
        "the change would make an organisation its own ancestor."
    ),
)


@strawberry.type(
    description=(
        "A problem with the input of a mutation, to show next to a form field. A payload lists "
        f"at most {MAX_USER_ERRORS}; when there are more, the last one says how many were left out."
    )
)
class UserError:
    field: list[str] = strawberry.field(
        description=(
            "Path to the input field at fault, inside the mutation's `input` (e.g. "
            '["person", "lastName"]); empty when the error concerns the input as a whole.'
        )
    )
    message: str = strawberry.field(description="What is wrong, in words for the end user.")
    code: UserErrorCode = strawberry.field(description="Machine-readable kind of the error.")


def user_errors(errors: list[FieldError]) -> list[UserError]:
    """The errors as a payload lists them: at most MAX_USER_ERRORS, the last saying how many more."""
    if len(errors) > MAX_USER_ERRORS:
        more = len(errors) - MAX_USER_ERRORS + 1
        errors = [
            *errors[: MAX_USER_ERRORS - 1],
            FieldError(
                (), f"{more} more problems with this input are not listed.", errors[MAX_USER_ERRORS - 1].code
            ),
        ]
    return [UserError(field=list(e.field), message=e.message, code=e.code) for e in errors]


class PublicError(GraphQLError):
    """An error meant for the client (not masked), with a machine-readable code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def shown_only_if_readable(
    viewer: Viewer, object_type: str, field: str | None = None, *, kind: str | None = None, what: str
) -> None:
    """R4 at a field: what the viewer may not read (policy) is null with a FORBIDDEN error."""
    fields = () if field is None else (field,)
    for _name, need in unreadable(viewer, object_type, fields, kind=kind):
        raise PublicError(f"Showing {what} needs {need.describe()}.", "FORBIDDEN")
