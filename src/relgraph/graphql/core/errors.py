"""Errors as the API shows them: `userErrors` in payloads, masked unexpected failures."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.errors import DomainError, ErrorCode, FieldError
from relgraph.policy import Write, can_write, unreadable

if TYPE_CHECKING:
    from relgraph.graphql.core.context import Info

__all__ = [
    "MAX_USER_ERRORS",
    "PublicError",
    "UserError",
    "UserErrorCode",
    "perform",
    "perform_all_or_nothing",
    "shown_only_if_readable",
    "user_errors",
]

logger = logging.getLogger("relgraph.graphql")
# The most userErrors a payload lists (list_bounds.py): a form has far fewer fields.
MAX_USER_ERRORS = 100
P = TypeVar("P")

# PostgreSQL gave this transaction up for another's sake (a deadlock victim, a serialization
# failure), or SQLite's write lock stayed taken past the busy timeout: the caller lost a race
# and may simply try again, so it hears CONFLICT, not a 500.
_LOST_RACE = frozenset({"40P01", "40001", "SQLITE_BUSY", "SQLITE_LOCKED"})
_RACE_ERROR = FieldError(
    (), "Another change to the same data ran at the same moment; nothing was changed. Try again.", ErrorCode.CONFLICT
)


def _lost_race(error: DBAPIError, request_id: str) -> bool:
    orig = getattr(error, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or getattr(orig, "sqlite_errorname", None)
    if code not in _LOST_RACE:
        return False
    logger.warning("request %s: lost a race in the database (%s), answered CONFLICT", request_id, code)
    return True


UserErrorCode = strawberry.enum(
    ErrorCode,
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
            FieldError((), f"{more} more problems with this input are not listed.", errors[MAX_USER_ERRORS - 1].code),
        ]
    return [UserError(field=list(e.field), message=e.message, code=e.code) for e in errors]


class PublicError(GraphQLError):
    """An error meant for the client (not masked), with a machine-readable code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def shown_only_if_readable(
    info: Info, object_type: str, field: str | None = None, *, kind: str | None = None, what: str
) -> None:
    """R4 at a field: what the viewer may not read (policy) is null with a FORBIDDEN error."""
    fields = () if field is None else (field,)
    for _name, need in unreadable(info.context.viewer, object_type, fields, kind=kind):
        raise PublicError(f"Showing {what} needs {need.describe()}.", "FORBIDDEN")


async def perform(
    info: Info,
    payload: type[P],
    write: Write,
    change: Callable[[AsyncSession], Awaitable[dict[str, Any]]],
) -> P:
    """Run `change` as one unit of work and build the mutation's payload from its result.

    A DomainError (from validation, a lookup or a rule) rolls everything back and becomes
    the payload's userErrors, and so does a race lost in the database (CONFLICT); other
    exceptions propagate to the masking extension.
    """
    context = info.context
    if not can_write(context.viewer, write):
        forbidden = FieldError((), f"Your role may not change {write.value} data.", ErrorCode.FORBIDDEN)
        return payload(user_errors=user_errors([forbidden]))  # type: ignore[call-arg]
    try:
        async with context.write() as session:
            fields = await change(session)
    except DomainError as error:
        return payload(user_errors=user_errors(error.errors))  # type: ignore[call-arg]
    except DBAPIError as error:
        if not _lost_race(error, context.request_id):
            raise
        return payload(user_errors=user_errors([_RACE_ERROR]))  # type: ignore[call-arg]
    return payload(**fields)


class _Undo(Exception):
    """Rolls the unit of work back while keeping the payload fields it computed."""

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__("undo")
        self.fields = fields


async def perform_all_or_nothing(
    info: Info,
    payload: type[P],
    writes: Write | Sequence[Write],
    change: Callable[[AsyncSession], Awaitable[tuple[dict[str, Any], bool]]],
) -> P:
    """Like `perform`, for bulk and dry-run mutations: `change` returns (fields, keep).

    The payload is built from `fields` either way, but the changes commit only when `keep`
    is true: a dry run, or a bulk call where some item failed, runs the real thing and
    rolls it back, so its results are those of a real run. The viewer needs every kind
    in `writes`.
    """
    context = info.context
    for kind in (writes,) if isinstance(writes, Write) else writes:
        if not can_write(context.viewer, kind):
            forbidden = FieldError((), f"Your role may not change {kind.value} data.", ErrorCode.FORBIDDEN)
            return payload(user_errors=user_errors([forbidden]))  # type: ignore[call-arg]
    try:
        async with context.write() as session:
            fields, keep = await change(session)
            if not keep:
                raise _Undo(fields)
    except _Undo as undo:
        fields = undo.fields
    except DomainError as error:
        return payload(user_errors=user_errors(error.errors))  # type: ignore[call-arg]
    except DBAPIError as error:
        if not _lost_race(error, context.request_id):
            raise
        return payload(user_errors=user_errors([_RACE_ERROR]))  # type: ignore[call-arg]
    return payload(**fields)
