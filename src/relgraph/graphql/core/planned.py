"""A lean executor for read queries, beside Strawberry's: the organisation card's fast path.

graphql-core and Strawberry spend a few microseconds on every field of every object
(resolve info, argument handling, awaitable checks, completion, a task per awaited
value): for the card of a big organisation (1,020 memberships) that was some 8,500
fields and most of the request. This module runs a query level by level instead: for
each field it calls the very resolver Strawberry would call (with the arguments
converted by Strawberry's own code), for all objects of a level at once, so the
DataLoaders batch exactly as before; plain attributes are read directly, and values
are completed with graphql-core's own result coercion. It decides nothing itself:
visibility, masking, pagination and errors stay in the resolvers and the domain.

Resolvers get an `info` that holds only `context` (relgraph's resolvers use nothing
else; one that did would fail here and be answered by Strawberry). Query resolvers only
read, so running one twice is harmless.

Strawberry answers instead, before or during the run, when the query has directives or
introspection, or when anything raises or a value is null where the schema forbids it:
Strawberry then reports the error exactly as it always did. Mutations always go through
Strawberry.
tests/api/test_planned.py compares both executors' answers.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast
from weakref import WeakKeyDictionary

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    is_leaf_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types.arguments import convert_arguments

from relgraph.graphql.core.cost import operation_of

__all__ = ["PlannedExecution", "plan_for", "run_plan"]

logger = logging.getLogger("relgraph.planned")

_DEFINITION = "strawberry-definition"


class Unplanned(Exception):
    """The query, or this run of it, is one for Strawberry."""


@dataclass
class FieldPlan:
    """One selected field: where its value comes from and how the answer shows it."""

    key: str  # the response key: the alias, else the field name
    node: FieldNode
    definition: Any  # graphql-core's GraphQLField (None for __typename)
    attribute: str | None = None  # a plain attribute of the object
    resolver: Callable[..., Any] | None = None
    info_name: str | None = None
    arguments: list[Any] = field(default_factory=list)  # the resolver's StrawberryArguments
    selection: list[FieldPlan] | None = None  # for object results
    by_type: dict[str, list[FieldPlan]] | None = None  # for interface and union results


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_


def _collect(
    schema: Any,
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    into: dict[str, list[FieldNode]],
) -> None:
    """The fields of a selection set by response key, fragments spread (as graphql-core does)."""
    for selection in selection_set.selections:
        if selection.directives:
            raise Unplanned("directives")
        if isinstance(selection, FieldNode):
            into.setdefault(selection.alias.value if selection.alias else selection.name.value, []).append(
                selection
            )
            continue
        if isinstance(selection, FragmentSpreadNode):
            fragment: InlineFragmentNode | FragmentDefinitionNode = fragments[selection.name.value]
        else:
            fragment = cast(InlineFragmentNode, selection)  # the third and last kind of selection
        condition = fragment.type_condition
        if condition is None or _applies(schema, condition.name.value, parent):
            _collect(schema, parent, fragment.selection_set, fragments, into)


def _applies(schema: Any, condition: str, parent: GraphQLObjectType) -> bool:
    """Whether a fragment `... on condition` applies to an object of type `parent`."""
    graphql_schema: GraphQLSchema = schema._schema
    named = graphql_schema.get_type(condition)
    if named is parent:
        return True
    return isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)) and graphql_schema.is_sub_type(
        named, parent
    )


def _plan_selection(
    schema: Any,
    parent: GraphQLObjectType,
    selection_sets: list[SelectionSetNode],
    fragments: dict[str, FragmentDefinitionNode],
) -> list[FieldPlan]:
    fields: dict[str, list[FieldNode]] = {}
    for selection_set in selection_sets:
        _collect(schema, parent, selection_set, fragments, fields)
    plans: list[FieldPlan] = []
    for key, nodes in fields.items():
        node = nodes[0]  # validation made sure that fields of one key can merge
        name = node.name.value
        if name == "__typename":
            plans.append(FieldPlan(key, node, None))
            continue
        definition = parent.fields.get(name)  # None for __schema and __type
        strawberry_field = definition.extensions.get(_DEFINITION) if definition else None
        if strawberry_field is None or strawberry_field.permission_classes or strawberry_field.extensions:
            raise Unplanned(f"field {parent.name}.{name}")
        plan = FieldPlan(key, node, definition)
        resolver = strawberry_field.base_resolver
        if resolver is None:
            plan.attribute = strawberry_field.python_name
        else:
            _plan_resolver(plan, resolver, strawberry_field)
        named = _unwrap(definition.type)
        subsets = [n.selection_set for n in nodes if n.selection_set is not None]
        if isinstance(named, GraphQLObjectType):
            plan.selection = _plan_selection(schema, named, subsets, fragments)
        elif isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
            # One selection per type the value can have (Organisation or Person for a Party).
            plan.by_type = {
                t.name: _plan_selection(schema, t, subsets, fragments)
                for t in schema._schema.get_possible_types(named)
            }
        plans.append(plan)
    return plans


def _plan_resolver(plan: FieldPlan, resolver: Any, strawberry_field: Any) -> None:
    plan.resolver = resolver.wrapped_func
    plan.arguments = strawberry_field.arguments
    plan.info_name = resolver.info_parameter.name if resolver.info_parameter else None
    expected = {"self", plan.info_name, *(a.python_name for a in plan.arguments)}
    if any(p not in expected for p in inspect.signature(resolver.wrapped_func).parameters):
        raise Unplanned("a resolver with other parameters")


@dataclass
class Plan:
    operation: OperationDefinitionNode
    selection: list[FieldPlan]


# Per schema (weakly: a schema that is gone takes its plans along), per query text.
_PLANS: WeakKeyDictionary[Any, dict[tuple[str, str | None], Plan | None]] = WeakKeyDictionary()
_MAX_PLANS = 256


def _plan(schema: Any, document: DocumentNode, operation_name: str | None) -> Plan | None:
    operation = operation_of(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    query_type = schema._schema.query_type
    assert query_type is not None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    try:
        return Plan(operation, _plan_selection(schema, query_type, [operation.selection_set], fragments))
    except Unplanned:
        return None


def plan_for(schema: Any, query: str, document: DocumentNode, operation_name: str | None) -> Plan | None:
    """The plan of a validated document's operation, or None when Strawberry must run it.

    Kept per query text (the parser cache hands out one document per text, too).
    """
    plans = _PLANS.setdefault(schema, {})
    key = (query, operation_name)
    if key not in plans:
        if len(plans) >= _MAX_PLANS:
            plans.clear()
        plans[key] = _plan(schema, document, operation_name)
    return plans[key]


class _Run:
    """One execution of a plan."""

    def __init__(self, schema: Any, context: Any, variables: Any) -> None:
        self.schema = schema
        # Resolvers get `info.context` and nothing else of info: one that wants more fails
        # with AttributeError, and Strawberry then answers the query.
        self.info = SimpleNamespace(context=context)
        self.variables = variables

    def _arguments(self, plan: FieldPlan) -> dict[str, Any]:
        """The resolver's keyword arguments, coerced and converted as Strawberry does."""
        given = get_argument_values(plan.definition, plan.node, self.variables)
        return convert_arguments(
            given, plan.arguments, self.schema.schema_converter.scalar_registry, self.schema.config
        )

    async def objects(
        self, objects: list[Any], type_name: str, selection: list[FieldPlan]
    ) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = [{} for _ in objects]
        for plan in selection:
            if plan.definition is None:
                for answer in answers:
                    answer[plan.key] = type_name
                continue
            values = await self._values(plan, objects)
            for answer, value in zip(
                answers, await self.complete(values, plan.definition.type, plan), strict=True
            ):
                answer[plan.key] = value
        return answers

    async def _values(self, plan: FieldPlan, objects: list[Any]) -> list[Any]:
        if plan.attribute is not None:
            name = plan.attribute
            return [getattr(o, name) for o in objects]
        assert plan.resolver is not None
        kwargs = self._arguments(plan)
        if plan.info_name is not None:
            kwargs[plan.info_name] = self.info
        values: list[Any] = []
        try:
            for o in objects:
                values.append(plan.resolver(o, **kwargs))
        except BaseException:
            for value in values:  # never started: close them rather than leave them unawaited
                if inspect.iscoroutine(value):
                    value.close()
            raise
        pending = [i for i, v in enumerate(values) if inspect.isawaitable(v)]
        if pending:
            # Together, so that their DataLoaders batch one statement for the whole level;
            # all of them settle before an error is raised (no query left running).
            done = await asyncio.gather(*(values[i] for i in pending), return_exceptions=True)
            for i, value in zip(pending, done, strict=True):
                if isinstance(value, BaseException):
                    raise value
                values[i] = value
        return values

    async def complete(self, values: list[Any], type_: Any, plan: FieldPlan) -> list[Any]:
        if isinstance(type_, GraphQLNonNull):
            completed = await self.complete(values, type_.of_type, plan)
            if any(v is None for v in completed):
                raise Unplanned("null where the schema forbids it")
            return completed
        if isinstance(type_, GraphQLList):
            lists = [None if v is None else list(v) for v in values]
            sizes = [None if v is None else len(v) for v in lists]
            flat = [item for v in lists if v is not None for item in v]
            done = iter(await self.complete(flat, type_.of_type, plan))
            return [None if n is None else [next(done) for _ in range(n)] for n in sizes]
        if is_leaf_type(type_):
            coerce = type_.coerce_output_value
            coerced = [None if v is None else coerce(v) for v in values]
            if any(
                c is Undefined or (c is None and v is not None) for c, v in zip(coerced, values, strict=True)
            ):
                raise Unplanned("a value without a coercion")
            return coerced
        if plan.by_type is None:
            assert plan.selection is not None
            present = [v for v in values if v is not None]
            answers: Iterator[dict[str, Any]] = iter(await self.objects(present, type_.name, plan.selection))
            return [None if v is None else next(answers) for v in values]
        return await self._complete_abstract(values, plan.by_type)

    async def _complete_abstract(self, values: list[Any], by_type: dict[str, list[FieldPlan]]) -> list[Any]:
        groups: dict[str, list[int]] = {}
        for i, value in enumerate(values):
            if value is not None:
                definition = getattr(type(value), "__strawberry_definition__", None)
                if definition is None or definition.name not in by_type:
                    raise Unplanned("a value of an unknown type")
                groups.setdefault(definition.name, []).append(i)
        completed: list[Any] = [None] * len(values)
        for type_name, places in groups.items():
            answers = await self.objects([values[i] for i in places], type_name, by_type[type_name])
            for i, answer in zip(places, answers, strict=True):
                completed[i] = answer
        return completed


async def run_plan(
    plan: Plan, schema: Any, context: Any, raw_variables: dict[str, Any] | None
) -> dict[str, Any]:
    """The `data` of the answer; raises Unplanned (or anything) when Strawberry must answer."""
    graphql_schema: GraphQLSchema = schema._schema
    variables = get_variable_values(
        graphql_schema, plan.operation.variable_definitions or (), raw_variables or {}
    )
    if isinstance(variables, list):  # bad variables: graphql-core words the errors
        raise Unplanned("variables")
    query_type = graphql_schema.query_type
    assert query_type is not None
    [answer] = await _Run(schema, context, variables).objects([None], query_type.name, plan.selection)
    return answer


class PlannedExecution(SchemaExtension):
    """Answers a planned query before Strawberry executes it; any doubt leaves it to Strawberry.

    Comes after the cost limit in the extension list, so a refused query is never run.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.result is None and document is not None and context.query is not None:
            plan = plan_for(context.schema, context.query, document, context.operation_name)
            if plan is not None:
                try:
                    data = await run_plan(plan, context.schema, context.context, context.variables)
                    context.result = GraphQLExecutionResult(data=data)
                except Unplanned as reason:
                    logger.debug("planned execution gave way: %s", reason)
                except Exception:  # a resolver's error: Strawberry runs it again and reports it
                    logger.debug("planned execution gave way to an error", exc_info=True)
        yield
