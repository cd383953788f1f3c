"""Errors as the API shows them: `userErrors` in payloads, PublicErrors (with a code) at fields."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from relgraph.errors import ErrorCode, FieldError
from relgraph.graphql.core.enums import described_enum
from relgraph.policy import Viewer, unreadable

__all__ = [
    "COMMIT_OUTCOME_UNKNOWN",
    "MAX_USER_ERRORS",
    "RETRY_AFTER_SECONDS",
    "SERVICE_UNAVAILABLE",
    "STORAGE_UNAVAILABLE",
    "PublicError",
    "UserError",
    "UserErrorCode",
    "shown_only_if_readable",
    "user_errors",
]

# Faults of the service, not of the request (HTTP 503), each telling the client what to do.
# The database connection died before anything was committed: nothing was written, send
# the same request again after RETRY_AFTER_SECONDS.
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
# The connection died while the commit was under way: the change may or may not be
# stored; read it back before sending it again.
COMMIT_OUTCOME_UNKNOWN = "COMMIT_OUTCOME_UNKNOWN"
# The document store refused a file (a read-only or full disk): nothing was saved.
STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"
RETRY_AFTER_SECONDS = 1

# The most userErrors a payload lists (list_bounds.py): a form has far fewer fields.
MAX_USER_ERRORS = 100

UserErrorCode = ErrorCode
described_enum(
    UserErrorCode,
    values={
        "INVALID": "A value fails validation (format, range, a required field left empty).",
        "NOT_FOUND": "An ID points to nothing you can see.",
        "FORBIDDEN": "Your role or permissions do not allow this change.",
        "CONFLICT": "The change clashes with the current state: a stale expectedVersion, a duplicate.",
        "CYCLE": "The change would make an organisation its own ancestor.",
    },
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
