"""What one request did, as its log line and the metrics report it.

The outermost middleware (web_requests.py) opens a record per request; GraphQL execution
fills in which operation ran, for whom and on which path. Only names and numbers go in:
never query text, variables or tokens, which a log keeps longer than the data they are about.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from dataclasses import dataclass

__all__ = ["RequestFacts", "current", "new_request_id", "note_compiled", "note_execution", "request_id"]

# The name a GraphQL operation may have (GraphQL spec, Name), kept short for a label.
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class RequestFacts:
    """One request, from the first byte in to the last byte out."""

    request_id: str
    # The operation that ran (or was refused for its cost): its name, or "anonymous".
    operation: str = "anonymous"
    viewer_id: int | None = None
    # "compiled", "resolvers", or "none" when nothing was executed.
    execution_path: str = "none"


current: contextvars.ContextVar[RequestFacts | None] = contextvars.ContextVar(
    "relgraph_request_facts", default=None
)


def request_id() -> str:
    """The id of the request in progress (a fresh one outside the middleware, as in unit tests)."""
    facts = current.get()
    return facts.request_id if facts is not None else new_request_id()


def note_execution(*, operation: str | None, viewer_id: int | None, path: str | None) -> None:
    """Record which operation is executed, for whom, and by which executor (None: as noted before)."""
    facts = current.get()
    if facts is None:
        return
    if operation and _OPERATION_NAME.fullmatch(operation):
        facts.operation = operation
    facts.viewer_id = viewer_id
    if path is not None:
        facts.execution_path = path


def note_compiled() -> None:
    """Record that a compiled read (relgraph.graphql.compiled) answered the request."""
    facts = current.get()
    if facts is not None:
        facts.execution_path = "compiled"
