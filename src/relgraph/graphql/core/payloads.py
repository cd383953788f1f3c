"""Payload shapes shared by several mutations."""

from __future__ import annotations

import strawberry

from relgraph.graphql.core.errors import UserError

__all__ = ["DeletePayload"]


@strawberry.type(description="Result of a mutation that deletes one object.")
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the deleted object; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )
