"""Schema extensions: mask unexpected errors behind a request id, code the request errors,
put field errors in the response's order, note what ran for the request log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from relgraph import tracking

__all__ = [
    "BAD_USER_INPUT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "CodeRequestErrors",
    "ErrorsInResponseOrder",
    "MaskUnexpectedErrors",
    "NoteExecution",
    "code_parse_errors",
    "mask_unexpected",
]

# The codes Apollo Server and GraphQL Yoga give, so that clients written for them understand ours.
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"

logger = logging.getLogger("relgraph.errors")


def _is_expected(error: GraphQLError) -> bool:
    # Parse and validation errors carry no original error; PublicError and other
    # GraphQLErrors raised on purpose are meant for the client.
    return error.original_error is None or isinstance(error.original_error, GraphQLError)


# PostgreSQL refuses a NUL character in any text (SQLSTATE 22021): a string of the request
# that holds one and reaches a statement (a filter's value, a literal of the document).
_NUL_REFUSED = "22021"


def _nul_refused(error: GraphQLError) -> bool:
    original = getattr(error.original_error, "orig", None)
    return _NUL_REFUSED in (getattr(original, "sqlstate", None), getattr(original, "pgcode", None))


def mask_unexpected(errors: list[GraphQLError], request_id: str) -> list[GraphQLError]:
    """`errors` with each unexpected one replaced by "Internal error" and the request id, and logged."""
    masked = []
    for error in errors:
        if _is_expected(error):
            masked.append(error)
            continue
        if _nul_refused(error):
            masked.append(
                GraphQLError(
                    "Text in this request cannot contain a NUL character (\\u0000).",
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": BAD_USER_INPUT},
                )
            )
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
    or let it through, and a compiled read has answered it or declined.
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


class CodeRequestErrors(SchemaExtension):
    """Give the errors graphql-core reports without a code the code Apollo and Yoga give them.

    A document that does not validate (unknown fields, wrong literals, the depth and alias
    limits): GRAPHQL_VALIDATION_FAILED. Variables that do not fit their types, found when
    execution starts and before any field runs: BAD_USER_INPUT. Errors that have a code keep
    it. A document that does not parse never reaches the end of this hook (Strawberry's parser
    cache raises from its own hook): `code_parse_errors` codes those where every error passes.
    Listed after MaskUnexpectedErrors, which runs its end of the operation first.
    """

    def __init__(self, *, execution_context: Any = None) -> None:
        self.executing = False

    def on_execute(self) -> Iterator[None]:
        # Only a document that parsed and validated gets here.
        self.executing = True
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (result.errors or ()) if result is not None else ():
            if (error.extensions or {}).get("code"):
                continue
            if isinstance(error, GraphQLSyntaxError):
                code = GRAPHQL_PARSE_FAILED
            elif not self.executing:
                code = GRAPHQL_VALIDATION_FAILED
            elif error.path is None:
                code = BAD_USER_INPUT
            else:
                continue
            error.extensions = {**(error.extensions or {}), "code": code}


def _place(data: Any, error: GraphQLError) -> tuple[Any, ...]:
    """Where `error` stands in the response: at each step of its path, the field's index in
    its object (the document's order) or the item's index; a path beyond a null ends there."""
    place: list[int] = []
    value = data
    for step in error.path or ():
        if isinstance(step, int):
            place.append(step)
            value = value[step] if isinstance(value, list) and step < len(value) else None
        elif isinstance(value, dict) and step in value:
            place.append(list(value).index(step))
            value = value[step]
        else:
            break
    locations = [(location.line, location.column) for location in error.locations or ()]
    return (place, locations, [str(step) for step in error.path or ()], error.message)


class ErrorsInResponseOrder(SchemaExtension):
    """Field errors in the order of the fields they belong to in the response.

    The resolvers raise them in the order the event loop reaches each field, which depends on
    which loads finish first: the same request could list its errors in another order each
    time, and the compiled path (which writes them in the response's order) could not give
    the same answer as the resolvers.
    """

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors and len(result.errors) > 1 and isinstance(result.data, dict):
            data = result.data
            result.errors = sorted(result.errors, key=lambda error: _place(data, error))


def code_parse_errors(errors: list[GraphQLError]) -> None:
    """Code GRAPHQL_PARSE_FAILED the errors of a document that does not parse (the token limit
    too, which the parser enforces)."""
    for error in errors:
        if isinstance(error, GraphQLSyntaxError) and not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": GRAPHQL_PARSE_FAILED}
