"""The same request through the default read path and through the resolvers alone (issue 25).

`two_paths(settings, engine)` builds two apps on the same database: one with the default
settings (today's fast read paths on) and one answering by the resolvers only, with every
fast path of `RESOLVERS_ONLY` off. `Paths.compare` sends one request through both and
describes any difference: the status, `data` (byte-identical as the encoder writes it: the
same keys in the same order, the same strings, the same number literals) and `errors`
(equal and in the same order: both paths list field errors in the response's order).

Both apps run with the rate limit off: a few thousand requests as one user would run
into it, and the limit is a property of the HTTP layer, which both paths share.
"""

from __future__ import annotations

import ast
import collections
import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import graphql
import httpx

from relgraph.config import Settings
from relgraph.logs import REQUEST_LOGGER
from relgraph.web import create_app

__all__ = [
    "RESOLVERS_ONLY",
    "Paths",
    "exact",
    "matrix_reads",
    "two_paths",
    "variable_sets",
]

# The settings that turn each fast read path off: one line per path.
RESOLVERS_ONLY: dict[str, Any] = {
    "compiled_reads": False,
}


def exact(content: bytes) -> Any:
    """A response body parsed so that equality means byte-identical once encoded again by the
    same encoder: objects as lists of (key, value) pairs in their order, numbers as written."""
    return json.loads(content, object_pairs_hook=list, parse_float=str, parse_int=str, parse_constant=str)


# Values that are the moment of the request by design, not a fact read from the database:
# an export's time, and the rate limit's points left this minute (RateLimit; each request
# of the pair spends some) and when the minute ends.
VOLATILE = frozenset({"exportedAt", "remaining", "used", "resetAt"})


def _steady(value: Any) -> Any:
    if isinstance(value, list):
        return [
            (item[0], "<now>" if item[0] in VOLATILE else _steady(item[1]))
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
            else _steady(item)
            for item in value
        ]
    return value


def _member(body: Any, name: str) -> Any:
    return next((value for key, value in body if key == name), None) if isinstance(body, list) else body


def _errors(body: Any) -> list[str]:
    # In their order: both paths list field errors in the response's order.
    return [json.dumps(error) for error in _member(body, "errors") or ()]


class _Paths(logging.Handler):
    """The execution path of each request, from the request log."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict) and fields.get("path") == "/graphql":
            self.seen.append(str(fields.get("execution_path")))


@dataclasses.dataclass
class Paths:
    """Two clients on two apps over one database: `default` and `resolvers`; `answered_by`
    counts the paths that answered the default app's requests ("resolvers" among them): a
    comparison of the resolvers with themselves would prove nothing."""

    default: httpx.AsyncClient
    resolvers: httpx.AsyncClient
    log: _Paths
    sent: int = 0
    answered_by: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)

    async def compare(self, token: str, query: str, variables: dict[str, Any] | None = None) -> str | None:
        """None when both paths answer alike, else what differs (short)."""
        headers = {"Authorization": f"Bearer {token}"}
        body = {"query": query, "variables": variables or {}}
        self.log.seen.clear()
        fast = await self.default.post("/graphql", json=body, headers=headers)
        self.answered_by.update(self.log.seen)
        slow = await self.resolvers.post("/graphql", json=body, headers=headers)
        self.sent += 1
        if fast.status_code != slow.status_code:
            return f"status {fast.status_code} vs {slow.status_code}"
        mine, theirs = exact(fast.content), exact(slow.content)
        if _steady(_member(mine, "data")) != _steady(_member(theirs, "data")):
            return f"data differs:\n      default   {fast.text[:600]}\n      resolvers {slow.text[:600]}"
        if _errors(mine) != _errors(theirs):
            return f"errors differ:\n      default   {_errors(mine)}\n      resolvers {_errors(theirs)}"
        return None

    def fast(self) -> int:
        """Requests a fast path answered (not the resolvers, and not refused before execution)."""
        return sum(n for path, n in self.answered_by.items() if path not in ("resolvers", "none"))

    def executed(self) -> int:
        """Requests executed at all (not refused before: by validation, cost or depth)."""
        return sum(n for path, n in self.answered_by.items() if path != "none")

    async def mismatches(
        self, viewers: dict[str, str], requests: Iterable[tuple[str, dict[str, Any]]]
    ) -> list[str]:
        """Every request as every viewer (name -> token); each difference, named."""
        found = []
        for query, variables in requests:
            for viewer, token in viewers.items():
                problem = await self.compare(token, query, variables)
                if problem:
                    found.append(f"{viewer}: {' '.join(query.split())[:300]} {variables}: {problem}")
        return found


@contextlib.asynccontextmanager
async def two_paths(settings: Settings, engine: Any) -> AsyncIterator[Paths]:
    """The default app and the resolvers-only app on `engine`'s database."""
    default = dataclasses.replace(settings, rate_limit_per_minute=0)
    apps = [
        create_app(default, engine=engine),
        create_app(dataclasses.replace(default, **RESOLVERS_ONLY), engine=engine),
    ]
    log, request_log = _Paths(), logging.getLogger(REQUEST_LOGGER)
    level = request_log.level
    request_log.addHandler(log)
    request_log.setLevel(logging.INFO)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                    base_url="http://relgraph.test",
                )
            )
            for app in apps
        ]
        try:
            yield Paths(*clients, log)
        finally:
            request_log.removeHandler(log)
            request_log.setLevel(level)
            for app in apps:
                await app.state.runtime.aclose()


# --- the authorization matrix's reads ---------------------------------------------------------


def matrix_reads(folder: Path) -> list[str]:
    """Every read-only GraphQL document written as a string constant in the modules of
    `folder` (tests/visibility: the authorization matrix and the leak tests) and in
    authorization.py, in the order found."""
    found: dict[str, None] = {}
    for path in [*sorted(folder.glob("test_*.py")), Path(__file__).with_name("authorization.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and "{" in node.value):
                continue
            try:
                document = graphql.parse(node.value)
            except graphql.GraphQLError:
                continue
            operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
            if operations and all(o.operation is graphql.OperationType.QUERY for o in operations):
                found[node.value] = None
    return list(found)


def variable_sets(
    schema: graphql.GraphQLSchema, query: str, ids: list[str], texts: list[str]
) -> list[dict[str, Any]]:
    """Values for the variables of `query`: as many sets as the longest list of candidates,
    each variable walking its own candidates from its own offset (so that `from` and `to`
    differ): IDs from `ids`, strings from `texts`, both booleans, every enum value, a few
    page sizes, null where allowed."""
    [operation] = [
        d for d in graphql.parse(query).definitions if isinstance(d, graphql.OperationDefinitionNode)
    ]
    candidates: dict[str, list[Any]] = {}
    for offset, definition in enumerate(operation.variable_definitions or ()):
        kind = graphql.type_from_ast(schema, definition.type)
        required = isinstance(kind, graphql.GraphQLNonNull)
        named = graphql.get_named_type(kind)
        if isinstance(graphql.get_nullable_type(kind), graphql.GraphQLList):
            values: list[Any] = [ids, ids[:3], ids[-3:]]
        elif named is graphql.GraphQLID:
            values = ids[offset:] + ids[:offset]
        elif named is graphql.GraphQLBoolean:
            values = [False, True]
        elif named is graphql.GraphQLInt:
            values = [1, 100]
        elif isinstance(named, graphql.GraphQLEnumType):
            values = list(named.values)
        elif named is graphql.GraphQLString:
            values = texts
        else:
            values = []
        if not required:
            values = [*values, None]
        candidates[definition.variable.name.value] = values
    longest = max((len(v) for v in candidates.values()), default=1)
    return [
        {name: values[n % len(values)] for name, values in candidates.items() if values}
        for n in range(longest)
    ]


# --- what the compiler answers --------------------------------------------------------------


# The lists a cursor is taken from, by (type, field): a first answer's cursors.
