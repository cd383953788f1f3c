"""JSON answers encoded with orjson: the JSON Starlette's JSONResponse wrote, faster.

A big organisation card is 185 KB of JSON: `json.dumps` took 3.85 ms of it, orjson 0.28 ms
(../shared/perf/README.md). The output is the same compact UTF-8 JSON (a float may be
spelled differently, 1e-7 for 1e-07, never valued differently). Where orjson would write
something `json.dumps` refuses (dates, datetimes, Decimals, dataclasses) it refuses too,
so a value that used to fail loudly still does; an integer beyond 64 bits, which orjson cannot
write and `json.dumps` can (the cost of deeply nested huge pages), goes the old way. (NaN
and infinities, which orjson writes as null, cannot occur: the answer's only floats are
GraphQL Floats, and graphql-core refuses to serialize those.)
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import orjson
from starlette.responses import JSONResponse as StarletteJSONResponse

__all__ = ["JSONResponse", "dumps"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _not_json(value: object) -> NoReturn:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _standard(content: Any) -> bytes:
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode()


def dumps(content: Any) -> bytes:
    """Encode `content` as compact UTF-8 JSON, refusing what `json.dumps` refuses."""
    try:
        encoded = orjson.dumps(content, default=_not_json, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return _standard(content)  # raises as before, or writes an integer orjson cannot
    return encoded


class JSONResponse(StarletteJSONResponse):
    """Starlette's JSONResponse, encoded by orjson."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
