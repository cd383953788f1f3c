"""Schema extensions: mask unexpected errors behind a request id; note what ran for the request log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from relgraph import tracking

__all__ = ["MaskUnexpectedErrors", "NoteExecution", "mask_unexpected"]

logger = logging.getLogger("relgraph.errors")


def _is_expected(error: GraphQLError) -> bool:
    # Parse and validation errors carry no original error; PublicError and other
    # GraphQLErrors raised on purpose are meant for the client.
    return error.original_error is None or isinstance(error.original_error, GraphQLError)


def mask_unexpected(errors: list[GraphQLError], request_id: str) -> list[GraphQLError]:
    """`errors` with each unexpected one replaced by "Internal error" and the request id, and logged."""
    masked = []
    for error in errors:
        if _is_expected(error):
            masked.append(error)
            continue
        logger.error(
            "request %s: unexpected error at %s",
            request_id,
            ".".join(str(p) for p in error.path or ()),
            exc_info=error.original_error,
        )
        masked.append(
            GraphQLError(
                f"Internal error (request id {request_id}).",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL", "requestId": request_id},
            )
        )
    return masked


class MaskUnexpectedErrors(SchemaExtension):
    """Replace an unexpected exception by "Internal error" plus the request id, and log it.

    An exception raised by another extension's hook (outside any resolver) escapes this
    one: Strawberry builds that result after the operation hooks have run. The HTTP
    endpoint applies `mask_unexpected` once more for those.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", "-")
        result.errors = mask_unexpected(result.errors, request_id)


class NoteExecution(SchemaExtension):
    """Tell the request's record which operation runs, for whom, and whether Strawberry runs it.

    Last in the extension list: by the time its hook runs, the limits have refused the query
    or let it through, and the planned executor has answered it or given way.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        viewer: Any = getattr(context.context, "viewer", None)
        tracking.note_execution(
            operation=context.operation_name,
            viewer_id=getattr(viewer, "id", None),
            path="resolvers" if context.result is None else None,
        )
        yield
