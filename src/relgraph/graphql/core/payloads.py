"""How a mutation runs and answers: one unit of work, and a payload with the changed objects
or the userErrors (a DomainError, a race lost in the database, a role that may not write)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain import versions
from relgraph.errors import DomainError, ErrorCode, FieldError
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError, user_errors
from relgraph.policy import Write, can_write

__all__ = ["DeletePayload", "Undo", "perform"]

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


# A caller that lost a race in the database (versions.lost_race) may simply try again, so it
# hears CONFLICT, not a 500.
_RACE_ERROR = FieldError(
    (),
    "Another change to the same data ran at the same moment; nothing was changed. Try again.",
    ErrorCode.CONFLICT,
)


def _lost_race(error: DBAPIError, request_id: str) -> bool:
    code = versions.lost_race(error)
    if code is None:
        return False
    logger.warning("request %s: lost a race in the database (%s), answered CONFLICT", request_id, code)
    return True


class Undo(Exception):
    """Raised by a mutation's change to roll its unit of work back and still answer with
    `fields`: a dry run, or a bulk call where some item failed, runs the real thing, so its
    results are those of a real run."""

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__("undo")
        self.fields = fields


async def perform(
    info: Info,
    payload: Callable[..., P],
    writes: Write | Sequence[Write],
    change: Callable[[AsyncSession], Awaitable[dict[str, Any]]],
) -> P:
    """Run `change` as one unit of work and build the mutation's payload from its result.

    The viewer needs every kind of write in `writes`. A DomainError (from validation, a
    lookup or a rule) rolls everything back and becomes the payload's userErrors, and so
    does a race lost in the database (CONFLICT); `Undo` rolls back and answers with its
    fields; other exceptions propagate to the masking extension.
    """
    context = info.context
    for kind in (writes,) if isinstance(writes, Write) else writes:
        if not can_write(context.viewer, kind):
            forbidden = FieldError((), f"Your role may not change {kind.value} data.", ErrorCode.FORBIDDEN)
            return payload(user_errors=user_errors([forbidden]))
    try:
        async with context.write() as session:
            fields = await change(session)
    except Undo as undo:
        fields = undo.fields
    except DomainError as error:
        return payload(user_errors=user_errors(error.errors))
    except DBAPIError as error:
        if not _lost_race(error, context.request_id):
            raise
        return payload(user_errors=user_errors([_RACE_ERROR]))
    return payload(**fields)
