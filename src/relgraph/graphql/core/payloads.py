"""How a mutation runs and answers: one unit of work, and a payload with the changed objects
or the userErrors (a DomainError, a race lost in the database, a role that may not write)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.errors import DomainError, ErrorCode, FieldError
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError, user_errors
from relgraph.policy import Write, can_write

__all__ = ["DeletePayload", "perform", "perform_all_or_nothing"]

logger = logging.getLogger("relgraph.graphql")
P = TypeVar("P")


@strawberry.type(description="Result of a mutation that deletes one object.")
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the deleted object; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


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
