"""The same request through the default read path and through the resolvers alone (issue 25).

`two_paths(settings, engine)` builds two apps on the same database: one with the default
settings (today's fast read paths on) and one answering by the resolvers only, with every
fast path of `RESOLVERS_ONLY` off. `Paths.compare` sends one request through both and
describes any difference: the status, `data` (byte-identical as the encoder writes it: the
same keys in the same order, the same strings, the same number literals) and `errors`
(equal, in any order: no path promises an order among errors of different fields).

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
    "compiled_schema",
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


async def compiled_schema(
    paths: Paths, token: str, schema: graphql.GraphQLSchema, roots: dict[str, dict[str, str]]
) -> graphql.GraphQLSchema:
    """The part of `schema` the default path answers itself, found by asking it: each field
    of each object type reachable from `roots` (root field -> its required arguments as
    literals) is kept when a query selecting it alone (with `__typename` below it for an
    object) is answered by a path other than the resolvers; an interface's field with each
    type it can be explored through a fragment. Fields with required arguments and unions
    are left out; so are the optional arguments the fast path does not
    take (asked with one value each). A corpus drawn from the result exercises the fast
    path instead of mostly giving way to the resolvers."""
    assert schema.query_type is not None
    known: dict[str, dict[str, graphql.GraphQLField]] = {}
    interfaces: set[str] = set()

    async def answered(selection: str) -> bool:
        before = paths.fast()
        await paths.compare(token, "{ " + selection + " }")
        return paths.fast() > before

    def sample(type_: Any) -> str | None:
        """A literal of an argument's type, to ask whether the fast path takes the argument."""
        named = graphql.get_named_type(type_)
        if isinstance(graphql.get_nullable_type(type_), graphql.GraphQLList):
            value = sample(graphql.get_nullable_type(type_).of_type)
            return None if value is None else f"[{value}]"
        if isinstance(named, graphql.GraphQLEnumType):
            return next(iter(named.values))
        if isinstance(named, graphql.GraphQLInputObjectType):
            return "{}"
        return {"Int": "2", "Boolean": "true", "String": '"a"', "Date": '"2024-01-01"'}.get(named.name)

    async def accepted(
        field: graphql.GraphQLField, name: str, wrap: Any, below: str
    ) -> dict[str, Any] | None:
        """The field with the optional arguments the fast path takes, or None."""
        if not await answered(wrap(name + below)):
            return None
        kept = {}
        for argument, definition in field.args.items():
            taken = await taken_argument(definition, lambda v, a=argument: wrap(f"{name}({a}: {v}){below}"))
            if taken is not None:
                kept[argument] = taken
        return kept

    async def taken_argument(
        definition: graphql.GraphQLArgument, probe: Any
    ) -> graphql.GraphQLArgument | None:
        """The argument as far as the fast path takes it (an input object: the fields it takes)."""
        named = graphql.get_named_type(definition.type)
        if not isinstance(named, graphql.GraphQLInputObjectType) or not isinstance(
            definition.type, graphql.GraphQLInputObjectType
        ):
            value = sample(definition.type)
            return definition if value is not None and await answered(probe(value)) else None
        fields = {}
        for name, field in named.fields.items():
            value = sample(field.type)
            required = graphql.is_required_input_field(field)
            if value is not None and not required and await answered(probe(f"{{{name}: {value}}}")):
                fields[name] = field
        if not fields or not await answered(probe("{}")):
            return None
        narrowed = graphql.GraphQLInputObjectType(named.name, fields, description=named.description)
        return graphql.GraphQLArgument(narrowed, description=definition.description)

    async def explore(type_: graphql.GraphQLObjectType, wrap: Any) -> None:
        fields = known.setdefault(type_.name, {})
        for name, field in type_.fields.items():
            if name in fields or any(graphql.is_required_argument(a) for a in field.args.values()):
                continue
            named = graphql.get_named_type(field.type)
            if isinstance(named, graphql.GraphQLObjectType):
                arguments = await accepted(field, name, wrap, " { __typename }")
                if arguments is not None:
                    fields[name] = graphql.GraphQLField(
                        field.type, args=arguments, description=field.description
                    )
                    if named.name not in known:
                        await explore(named, lambda inner, name=name: wrap(f"{name} {{ {inner} }}"))
            elif graphql.is_leaf_type(named):
                arguments = await accepted(field, name, wrap, "")
                if arguments is not None:
                    fields[name] = graphql.GraphQLField(
                        field.type, args=arguments, description=field.description
                    )
            elif isinstance(named, graphql.GraphQLInterfaceType):
                # An interface (a relation's other party): each type it can be, through a fragment.
                arguments = await accepted(field, name, wrap, " { __typename }")
                if arguments is not None:
                    fields[name] = graphql.GraphQLField(
                        field.type, args=arguments, description=field.description
                    )
                    interfaces.add(named.name)
                    for possible in schema.get_possible_types(named):
                        if possible.name not in known:
                            await explore(
                                possible,
                                lambda inner, name=name, on=possible.name: wrap(
                                    f"{name} {{ ... on {on} {{ {inner} }} }}"
                                ),
                            )

    def call(root: str, arguments: dict[str, str]) -> str:
        return root + ("(" + ", ".join(f"{k}: {v}" for k, v in arguments.items()) + ")" if arguments else "")

    query_fields = {}
    for root, required in roots.items():
        field = schema.query_type.fields[root]
        named = graphql.get_named_type(field.type)
        assert isinstance(named, graphql.GraphQLObjectType)
        if not await answered(call(root, required) + " { __typename }"):
            continue
        kept = {name: field.args[name] for name in required}
        for argument, definition in field.args.items():
            if argument in required:
                continue
            taken = await taken_argument(
                definition,
                lambda v, a=argument, r=root, given=required: call(r, {**given, a: v}) + " { __typename }",
            )
            if taken is not None:
                kept[argument] = taken
        query_fields[root] = graphql.GraphQLField(field.type, args=kept, description=field.description)
        if named.name not in known:
            await explore(named, lambda inner, r=root, a=required: f"{call(r, a)} {{ {inner} }}")

    def pruned(type_: Any) -> Any:
        if isinstance(type_, graphql.GraphQLNonNull):
            return graphql.GraphQLNonNull(pruned(type_.of_type))
        if isinstance(type_, graphql.GraphQLList):
            return graphql.GraphQLList(pruned(type_.of_type))
        if isinstance(type_, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
            return made[type_.name]
        return type_

    def kept(fields: dict[str, graphql.GraphQLField]) -> dict[str, graphql.GraphQLField]:
        return {
            n: graphql.GraphQLField(pruned(f.type), args=f.args, description=f.description)
            for n, f in fields.items()
            if graphql.get_named_type(f.type).name in made
            or not isinstance(
                graphql.get_named_type(f.type), graphql.GraphQLObjectType | graphql.GraphQLInterfaceType
            )
        }

    made: dict[str, Any] = {}
    # An interface keeps the leaf fields every one of its known types answers (as those
    # types answer them: same type, no arguments).
    for name in sorted(interfaces):
        interface = schema.get_type(name)
        assert isinstance(interface, graphql.GraphQLInterfaceType)
        shared = {
            n: f
            for n, f in interface.fields.items()
            if graphql.is_leaf_type(graphql.get_named_type(f.type))
            and not f.args
            and all(n in known.get(t.name, {}) for t in schema.get_possible_types(interface))
        }
        if shared:
            made[name] = graphql.GraphQLInterfaceType(name, lambda shared=shared: kept(shared))
    for name, fields in known.items():
        if not fields:
            continue
        implemented = [made[i.name] for i in schema.get_type(name).interfaces if i.name in made]  # type: ignore[union-attr]
        made[name] = graphql.GraphQLObjectType(
            name, lambda fields=fields: kept(fields), interfaces=implemented
        )
    query = graphql.GraphQLObjectType(
        schema.query_type.name,
        {n: graphql.GraphQLField(pruned(f.type), args=f.args) for n, f in query_fields.items()},
    )
    return graphql.GraphQLSchema(
        query=query, types=[t for t in made.values() if isinstance(t, graphql.GraphQLObjectType)]
    )
