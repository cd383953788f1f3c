"""The parameters of a GraphQL-over-HTTP request: query, variables, operationName, extensions.

Every way a request can be malformed ends here as a GraphQLRequestError with its 4xx status.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from strawberry.file_uploads.utils import replace_placeholders_with_files

from relgraph.config import Settings

__all__ = ["JSON", "GraphQLRequestError", "request_parameters"]

JSON = "application/json"


class GraphQLRequestError(Exception):
    """A request that is not a GraphQL request we can run (GraphQL-over-HTTP 4xx)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _json_param(value: Any, name: str) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = _json_body(value, f"`{name}`")
    if not isinstance(value, dict):
        raise GraphQLRequestError(400, f"`{name}` must be a JSON object.")
    return value


def _json_body(raw: bytes | str, what: str) -> Any:
    """Parse JSON from the request (every JSON a request carries comes through here)."""
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise GraphQLRequestError(400, f"{what} is not valid JSON.") from None
    except RecursionError:
        raise GraphQLRequestError(400, f"{what} is nested too deeply.") from None
    # Only a \uD8xx-\uDFxx escape can bring a surrogate in (UTF-8 cannot): walk the
    # parsed value only when the text has one, not for every request.
    escaped = _SURROGATE_ESCAPE_BYTES.search(raw) if isinstance(raw, bytes) else _SURROGATE_ESCAPE.search(raw)
    if escaped:
        _refuse_lone_surrogates(value)
    return value


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(value: Any) -> None:
    """JSON's \\uD800 escapes can smuggle in half a character, which no database can store.

    (In a GraphQL string literal the parser refuses it already.) A pair of escapes making
    one character (an emoji) is fine: JSON joins it.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise GraphQLRequestError(
                    400, "The request holds a lone UTF-16 surrogate (\\uD800-\\uDFFF), not a character."
                )
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


async def _multipart(request: Request, max_bytes: int) -> dict[str, Any]:
    """A GraphQL multipart request (file uploads): `operations`, `map` and the file parts."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + 1024 * 1024:
        raise GraphQLRequestError(413, f"The upload is larger than {max_bytes // (1024 * 1024)} MB.")
    try:
        form = await request.form(max_files=10, max_fields=10)
    except Exception:  # noqa: BLE001 - python-multipart's parse errors have no common base class
        raise GraphQLRequestError(400, "The multipart body cannot be parsed.") from None
    operations = _json_body(str(form.get("operations", "")), "`operations`")
    files_map = _json_body(str(form.get("map", "{}")), "`map`")
    if not isinstance(operations, dict) or not isinstance(files_map, dict):
        raise GraphQLRequestError(400, "`operations` and `map` must be JSON objects (no batches).")
    files = {key: value for key, value in form.multi_items() if isinstance(value, UploadFile)}
    try:
        return replace_placeholders_with_files(operations, files_map, files)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        raise GraphQLRequestError(400, "`map` points at files or variables that are not there.") from None


async def _body(request: Request, max_bytes: int) -> bytes:
    """The request body, refused with a 413 as soon as it passes `max_bytes` (chunked too)."""
    too_large = GraphQLRequestError(413, f"The request body is larger than {max_bytes:,} bytes.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def request_parameters(request: Request, settings: Settings) -> dict[str, Any]:
    """The GraphQL request parameters (query, variables, operationName, extensions); the query
    is None when a persisted query's hash stands for it."""
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            params = await _multipart(request, settings.max_document_bytes)
        elif content_type == JSON:
            params = _json_body(await _body(request, settings.max_request_bytes), "The request body")
        else:
            raise GraphQLRequestError(
                415, f"Send GraphQL requests as {JSON} (or multipart/form-data with files)."
            )
        if not isinstance(params, dict):
            raise GraphQLRequestError(400, "The request body must be one JSON object (no batches).")
    extensions = _json_param(params.get("extensions"), "extensions")
    query = params.get("query")
    if query is None and extensions is not None and "persistedQuery" in extensions:
        pass  # a persisted query's hash stands for the text (web_operations.py)
    elif not isinstance(query, str) or not query.strip():
        raise GraphQLRequestError(400, "The request has no `query` string.")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise GraphQLRequestError(400, "`operationName` must be a string.")
    return {
        "query": query,
        "variables": _json_param(params.get("variables"), "variables"),
        "operation_name": operation_name or None,
        "extensions": extensions,
    }
