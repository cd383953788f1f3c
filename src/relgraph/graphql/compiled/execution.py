"""Running compiled reads: the Strawberry extension, the compile cache and the answer.

A compiled operation is kept per (document text, operation name, viewer's role and
permissions, database, day): what it compiles to depends on nothing else. A request
binds its variables, sends the one statement and hands the JSON the database built to the
response as it is (orjson.Fragment), parsed only when it carries R4 errors or values Python
shapes (Transform: a VAT number as python-stdnum formats it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from typing import Any

import orjson
from graphql import ExecutionResult, FragmentDefinitionNode, GraphQLError, GraphQLSchema
from graphql.execution.values import get_variable_values
from sqlalchemy import TextClause, text
from sqlalchemy.exc import DBAPIError
from strawberry.extensions import SchemaExtension

from relgraph import tracking
from relgraph.db.faults import connection_lost
from relgraph.errors import DomainError
from relgraph.graphql.compiled.compiler import Compiled, Transform, compile_operation
from relgraph.graphql.compiled.conditions import Conditions
from relgraph.graphql.compiled.databases import DIALECTS
from relgraph.graphql.compiled.roots import OBJECTS, ROOTS
from relgraph.graphql.compiled.selection import Decline, Forbidden
from relgraph.graphql.core.cost import operation_of

__all__ = ["CompiledReads", "compile_failures", "compiled_for", "compiles", "refused_statements"]

logger = logging.getLogger("relgraph.compiled")


class _Prepared:
    """A compiled operation with its statement objects (made once: SQLAlchemy caches by them)."""

    def __init__(self, compiled: Compiled, operation: Any) -> None:
        self.compiled = compiled
        self.statement: TextClause = text(compiled.sql)
        self.steps: list[tuple[str, TextClause]] = [(name, text(sql)) for name, sql in compiled.steps]
        self.operation = operation


_MAX_COMPILED = 256
# Key -> the prepared operation, or the reason it is declined; least recently used first.
_CACHE: OrderedDict[Hashable, _Prepared | str] = OrderedDict()
# How many compiles ran (the cache test reads it), and how many failed with a defect of the
# compiler (every test fails on one: the resolvers' answer would hide it).
compiles = [0]
compile_failures = [0]
# Compiled statements the database refused (each answered by the resolvers instead): the
# tests fail on any, since the resolvers' equal answer would hide the defect.
refused_statements = [0]


def compiled_for(
    schema: GraphQLSchema, query: str, document: Any, operation_name: str | None, viewer: Any, dialect: Any
) -> _Prepared | str:
    """The prepared operation, or why the resolvers answer it; compiled once per key."""
    today = dt.date.today()
    key = (query, operation_name, viewer.role, viewer.permissions, dialect.name, today)
    found = _CACHE.get(key)
    if found is not None:
        _CACHE.move_to_end(key)
        return found
    compiles[0] += 1
    prepared: _Prepared | str
    operation = operation_of(document, operation_name)
    if operation is None:
        prepared = "no such operation"
    elif dialect.name not in DIALECTS:
        prepared = f"database {dialect.name}"
    else:
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        try:
            written = DIALECTS[dialect.name]
            # Compiled for the role, not the user (the cache is shared by a role's users): the
            # viewer's own id is a bind parameter (Build.viewer_id). A rule that reads the
            # viewer's id and is rendered into the SQL would see no user's id (0), and deny.
            anyone = dataclasses.replace(viewer, id=0, email="", name="")
            compiled = compile_operation(
                schema, operation, fragments, written, Conditions(anyone, dialect, today), ROOTS, OBJECTS
            )
            for sql in [*(sql for _, sql in compiled.steps), compiled.sql]:
                written.check(sql)
            prepared = _Prepared(compiled, operation)
        except Decline as reason:
            prepared = str(reason)
        except DomainError:  # a bad value written in the document: the resolvers word its error
            prepared = "a value the resolvers refuse"
        except Exception:  # a defect of the compiler: the resolvers still answer
            logger.exception("compiling a read failed; the resolvers answer it")
            compile_failures[0] += 1
            prepared = "a compiler error"
    _CACHE[key] = prepared
    if len(_CACHE) > _MAX_COMPILED:
        _CACHE.popitem(last=False)
    return prepared


def _bind(
    prepared: _Prepared, schema: GraphQLSchema, raw: dict[str, Any] | None, viewer: Any
) -> dict[str, Any]:
    variables = get_variable_values(schema, prepared.operation.variable_definitions or (), raw or {})
    if isinstance(variables, list):  # variables that do not fit: graphql-core words the errors
        raise Decline("variables")
    values = {name: read(variables) for name, read in prepared.compiled.parameters.items()}
    return values | dict.fromkeys(prepared.compiled.viewer_ids, viewer.id)


def _errors(data: Any, forbidden: list[Forbidden]) -> list[GraphQLError]:
    """The R4 errors at each place a withheld field's parent exists, in the order the
    resolvers raise them: the response's order (document order, list items in turn)."""
    by_path = {tuple(withheld.path): withheld for withheld in forbidden}
    errors: list[GraphQLError] = []

    def walk(value: Any, pattern: tuple[str, ...], at: list[str | int]) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*pattern, "*"), [*at, i])
        elif isinstance(value, dict):
            for key, item in value.items():
                withheld = by_path.get((*pattern, key))
                if withheld is not None:
                    errors.append(
                        GraphQLError(
                            withheld.message,
                            nodes=[withheld.node],
                            path=[*at, key],
                            extensions={"code": withheld.code},
                        )
                    )
                walk(item, (*pattern, key), [*at, key])

    walk(data, (), [])
    return errors


def _transformed(data: Any, transforms: list[Transform]) -> None:
    """Apply each transform, in place, to the value at every place its path matches (a
    missing parent, a null object or list on the way: nothing there to shape)."""

    def walk(value: Any, path: list[str], function: Any) -> None:
        key, rest = path[0], path[1:]
        if key == "*":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if rest:
                        walk(item, rest, function)
                    else:
                        value[i] = function(item)
        elif isinstance(value, dict) and key in value:
            if rest:
                walk(value[key], rest, function)
            else:
                value[key] = function(value[key])

    for transform in transforms:
        walk(data, transform.path, transform.function)


async def _run(prepared: _Prepared, context: Any, values: dict[str, Any]) -> ExecutionResult:
    async def select(session: Any) -> str:
        bound = dict(values)
        for name, step in prepared.steps:  # each feeds the statements after it
            bound[name] = (await session.execute(step, bound)).scalar_one()
        return (await session.execute(prepared.statement, bound)).scalar_one()

    answer: str = await context.context.read(select)
    compiled = prepared.compiled
    if not compiled.forbidden and not compiled.transforms:
        return ExecutionResult(data=orjson.Fragment(answer))  # type: ignore[arg-type]  # written as it is
    data = orjson.loads(answer)
    _transformed(data, compiled.transforms)
    return ExecutionResult(data=data, errors=_errors(data, compiled.forbidden) or None)


def _sqlstate(error: DBAPIError) -> str | None:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return str(code) if code else None


# SQLSTATE classes of a database that cannot serve now (connection, resources, operator
# intervention such as a statement timeout): not the statement's fault, nothing to fall back to.
_FAULT_CLASSES = ("08", "53", "57", "58")


def _service_fault(error: DBAPIError) -> bool:
    if connection_lost(error):
        return True
    state = _sqlstate(error)
    if state is not None:
        return state[:2] in _FAULT_CLASSES
    message = str(error.orig).lower()
    return "locked" in message or "busy" in message  # SQLite waiting for a lock


class CompiledReads(SchemaExtension):
    """Answers a query the compiler knows with one statement; leaves the others to the resolvers.

    After the cost limit in the extension list, so a refused query is never run.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        viewer = getattr(context.context, "viewer", None)
        if (
            context.result is None
            and document is not None
            and context.query is not None
            and viewer is not None
        ):
            schema: GraphQLSchema = context.schema._schema
            engine = context.context.sessionmaker.kw["bind"]
            prepared = compiled_for(
                schema, context.query, document, context.operation_name, viewer, engine.dialect
            )
            if isinstance(prepared, str):
                logger.debug("compiled reads declined: %s", prepared)
            else:
                try:
                    values = _bind(prepared, schema, context.variables, viewer)
                except Decline as reason:
                    logger.debug("compiled reads declined: %s", reason)
                else:
                    try:
                        context.result = await _run(prepared, context, values)
                    except Decline as reason:
                        # An answer Python cannot shape as the resolvers do (an audit event
                        # holding a merge's report, counted per reader): theirs.
                        logger.debug("compiled reads declined after the statement: %s", reason)
                    except DBAPIError as error:
                        if _service_fault(error):
                            raise
                        # A statement the database refuses is a compiler defect: the
                        # resolvers still answer. Neither the statement nor its values are
                        # logged (the values come from the request's variables).
                        refused_statements[0] += 1
                        logger.warning(
                            "a compiled read failed (%s%s); the resolvers answer it: operation %s",
                            type(error.orig).__name__,
                            f", SQLSTATE {_sqlstate(error)}" if _sqlstate(error) else "",
                            context.operation_name or "anonymous",
                        )
                        await context.context.release_connection()  # its transaction is aborted
                    else:
                        tracking.note_compiled()
        yield
