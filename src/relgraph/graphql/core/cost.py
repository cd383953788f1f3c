"""Query cost (querykosten): how many nodes a query could return, known before it runs.

The measure of GitHub's GraphQL API. A connection returns up to `first` (or `last`, or the
default page size of 20) nodes for every parent that could be returned above it, so the
products of the page sizes down each nested connection are summed:

    organisations(first: 100) { nodes { memberships(first: 50) { nodes { id } } } }

costs 100 + 100 x 50 = 5,100. A plain list counts its items the same way when they are
objects with fields of their own (parties, neighbourhood nodes, bulk results); its size is
the bound it declares (list_bounds.py): an argument (`first`, `ids`), a fixed cap, or so
many per unit of what the field above was given (`maxNodes`, or the longest list in its
arguments: the `items` of a bulk mutation give the length of its `results`). Lists of value
objects (userErrors, audit changes) are data of their parent and cost nothing, like
scalars, though they are bounded too; so do single objects (`parent`, `root`) and
introspection. Every query costs at least 1. An abstract type (Node, Party) costs what its
most expensive member costs with the fragments that apply to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
    type_from_ast,
)
from graphql.execution.values import (
    get_argument_values,
    get_directive_values,
    get_variable_values,
)
from graphql.type import GraphQLNamedType

from relgraph.graphql.core.list_bounds import bound_of

__all__ = ["DEFAULT_PAGE_SIZE", "operation_of", "passed_down", "query_cost"]

DEFAULT_PAGE_SIZE = 20


def operation_of(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs: the named one, or the only one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> int | None:
    """The cost of `operation` with `variables`; None when the variables do not fit it.

    The document must have passed validation (no unknown fields, no fragment cycles).
    Bad variables are left for execution to refuse, before it runs anything, in its own words.
    """
    coerced = get_variable_values(schema, operation.variable_definitions or (), dict(variables or {}))
    if isinstance(coerced, list):
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    walker = _Walker(schema, fragments, coerced)
    return max(1, walker.selections((operation,), root, None))


def _is_connection(type_: GraphQLNamedType) -> TypeGuard[GraphQLObjectType]:
    return isinstance(type_, GraphQLObjectType) and "pageInfo" in type_.fields


def _object_types(type_: GraphQLNamedType, schema: GraphQLSchema) -> list[GraphQLObjectType]:
    """The object types a value of `type_` can be: its members if abstract, none if a leaf."""
    if is_abstract_type(type_):
        return schema.get_possible_types(type_)
    return [type_] if is_object_type(type_) else []


def _has_objects(type_: GraphQLNamedType, schema: GraphQLSchema) -> bool:
    """Whether items of `type_` hold objects of their own (else they are plain values)."""
    members = _object_types(type_, schema)
    return any(not is_leaf_type(get_named_type(f.type)) for m in members for f in m.fields.values())


def _longest_list(value: Any) -> int | None:
    """The length of the longest list anywhere in a (coerced) argument value."""
    if isinstance(value, list):
        inner = [n for v in value if (n := _longest_list(v)) is not None]
        return max([len(value), *inner])
    if isinstance(value, Mapping):
        found = [n for v in value.values() if (n := _longest_list(v)) is not None]
        return max(found) if found else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Strawberry input objects may arrive as dataclass instances.
        return _longest_list(vars(value))
    return None


def passed_down(args: Mapping[str, Any]) -> int | None:
    """What a field's arguments give the lists below it to count by (list_bounds.per_item_above):
    a neighbourhood's maxNodes, else the longest list in them (a bulk mutation's items)."""
    listed = args.get("maxNodes")
    return listed if listed is not None else _longest_list(args)


class _Walker:
    """Sums the cost of selection sets; memoised per (field nodes, type, inherited size)."""

    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: Any
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.memo: dict[tuple[Any, ...], int] = {}

    def _included(self, node: SelectionNode) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if"):
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and not include.get("if"))

    def _collect(
        self, selection_set: SelectionSetNode | None, runtime: GraphQLObjectType, seen: set[str]
    ) -> Iterator[FieldNode]:
        """The fields `selection_set` selects on objects of type `runtime`."""
        if selection_set is None:
            return  # a leaf field's (validation refuses an object field without one)
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, runtime):
                    yield from self._collect(selection.selection_set, runtime, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen or not self._applies(fragment.type_condition, runtime):
                    continue
                yield from self._collect(fragment.selection_set, runtime, seen | {name})

    def _applies(self, condition: Any, runtime: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        type_ = type_from_ast(self.schema, condition)
        if type_ is runtime:
            return True
        return type_ is not None and is_abstract_type(type_) and self.schema.is_sub_type(type_, runtime)

    def selections(self, parents: tuple[Any, ...], type_: GraphQLNamedType, inherited: int | None) -> int:
        """The cost of one object of `type_` with the merged selections of `parents`."""
        key = (tuple(id(p) for p in parents), type_.name, inherited)
        if key not in self.memo:
            members = _object_types(type_, self.schema)
            self.memo[key] = max((self._object(parents, m, inherited) for m in members), default=0)
        return self.memo[key]

    def _object(self, parents: tuple[Any, ...], runtime: GraphQLObjectType, inherited: int | None) -> int:
        grouped: dict[str, list[FieldNode]] = {}
        for parent in parents:
            for node in self._collect(parent.selection_set, runtime, set()):
                grouped.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
        total = 0
        for nodes in grouped.values():
            name = nodes[0].name.value
            if name.startswith("__"):
                continue  # introspection: bounded by the schema, not by the data
            field = runtime.fields.get(name)
            if field is not None:
                total += self._field(field, tuple(nodes), inherited)
        return total

    def _field(self, field: GraphQLField, nodes: tuple[FieldNode, ...], inherited: int | None) -> int:
        named = get_named_type(field.type)
        if is_leaf_type(named):
            return 0
        try:
            args = get_argument_values(field, nodes[0], self.variables)
        except GraphQLError:
            # Execution will refuse this field's arguments; its children still count, sized
            # by default, so that no argument can switch the limit off.
            args = {}
        page = args.get("first") if args.get("first") is not None else args.get("last")
        if _is_connection(named):
            size = max(0, page) if page is not None else DEFAULT_PAGE_SIZE
            return size + size * self._connection(nodes, named)
        listed = passed_down(args)
        if is_list_type(get_nullable_type(field.type)):
            bound = bound_of(field, named.name)
            if bound is not None:
                size = bound.size(args, inherited)
            else:  # no list field is without a bound (tests/api/test_list_bounds.py); a guess
                size = max(
                    0,
                    listed
                    if listed is not None
                    else inherited
                    if inherited is not None
                    else DEFAULT_PAGE_SIZE,
                )
            each = self.selections(nodes, named, None)
            return size * ((1 if _has_objects(named, self.schema) else 0) + each)
        return self.selections(nodes, named, listed)

    def _connection(self, nodes: tuple[FieldNode, ...], connection: GraphQLObjectType) -> int:
        """The cost under one node of a connection: its `nodes` and its `edges { node }`."""
        total = 0
        for item in self._collect_all(nodes, connection):
            field = connection.fields[item[0].name.value]
            inner = get_named_type(field.type)
            if is_leaf_type(inner) or not is_list_type(get_nullable_type(field.type)):
                continue  # pageInfo, totalCount: one per connection, never nodes
            total += self.selections(item, inner, None)
        return total

    def _collect_all(
        self, nodes: tuple[FieldNode, ...], runtime: GraphQLObjectType
    ) -> list[tuple[FieldNode, ...]]:
        grouped: dict[str, list[FieldNode]] = {}
        for parent in nodes:
            for node in self._collect(parent.selection_set, runtime, set()):
                if not node.name.value.startswith("__"):
                    grouped.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
        return [tuple(g) for g in grouped.values()]
