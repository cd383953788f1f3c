"""Reading a validated operation for the compiler: fields by response key, arguments as
functions of the request's variables, and everything that makes the compiler decline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    value_from_ast,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.language import Visitor

__all__ = ["Arguments", "Decline", "Forbidden", "Selected", "arguments_of", "fields_of", "literal_input"]


class Decline(Exception):
    """The resolvers answer this operation (or this request of it); the message says why."""


@dataclass
class Selected:
    """One response key of a selection set: its field nodes (merged by validation)."""

    key: str
    name: str
    nodes: list[FieldNode]

    @property
    def node(self) -> FieldNode:
        return self.nodes[0]

    def sub_selections(self) -> list[SelectionSetNode]:
        return [n.selection_set for n in self.nodes if n.selection_set is not None]


@dataclass
class Forbidden:
    """An R4 field the viewer may not read: null in the data, this error at each place."""

    path: list[str]  # response keys; "*" for every item of a list
    node: FieldNode
    message: str
    code: str


@dataclass
class Arguments:
    """The arguments of one field, read per request from the variables (graphql-core's coercion)."""

    definition: GraphQLField
    node: FieldNode
    given: set[str] = field(default_factory=set)

    def literal(self, name: str) -> tuple[bool, Any]:
        """(True, value) when argument `name` is written in the document without a variable
        (read alone: the field's other arguments may be variables)."""
        for argument in self.node.arguments or ():
            if argument.name.value == name and not _has_variables(argument.value):
                return True, value_from_ast(argument.value, self.definition.args[name].type)
        return False, None

    def read(self, variables: VariableValues | None) -> dict[str, Any]:
        return get_argument_values(self.definition, self.node, variables)


def arguments_of(definition: GraphQLField, selected: Selected, allowed: Sequence[str]) -> Arguments:
    """The field's arguments, declining any argument the compiler does not handle."""
    given = {a.name.value for a in selected.node.arguments or ()}
    unknown = given - set(allowed)
    if unknown:
        raise Decline(f"argument {selected.name}({', '.join(sorted(unknown))})")
    return Arguments(definition, selected.node, given)


def fields_of(
    schema: GraphQLSchema,
    parent: GraphQLObjectType,
    selection_sets: Sequence[SelectionSetNode],
    fragments: dict[str, FragmentDefinitionNode],
) -> list[Selected]:
    """The fields of `selection_sets` on an object of type `parent`, fragments spread, by key."""
    found: dict[str, Selected] = {}
    for selection_set in selection_sets:
        _collect(schema, parent, selection_set, fragments, found)
    return list(found.values())


def _collect(
    schema: GraphQLSchema,
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    into: dict[str, Selected],
) -> None:
    for selection in selection_set.selections:
        if selection.directives:
            raise Decline("directives")
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            if key in into:
                into[key].nodes.append(selection)
            else:
                into[key] = Selected(key, selection.name.value, [selection])
            continue
        if isinstance(selection, FragmentSpreadNode):
            fragment: InlineFragmentNode | FragmentDefinitionNode = fragments[selection.name.value]
        else:
            fragment = cast(InlineFragmentNode, selection)
        condition = fragment.type_condition
        if condition is None or _applies(schema, condition.name.value, parent):
            _collect(schema, parent, fragment.selection_set, fragments, into)


def _applies(schema: GraphQLSchema, condition: str, parent: GraphQLObjectType) -> bool:
    named = schema.get_type(condition)
    if named is parent:
        return True
    if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
        return schema.is_sub_type(named, parent)
    if isinstance(named, GraphQLObjectType):
        return False  # another object type: never this one
    raise Decline(f"fragment on {condition}")


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_variable(self, *_: Any) -> None:
        self.found = True


def _has_variables(value: ValueNode) -> bool:
    """A variable anywhere in `value` (a list or input object may hold one inside)."""
    finder = _Variables()
    visit(value, finder)
    return finder.found or isinstance(value, VariableNode)


def literal_input(
    parent: GraphQLObjectType, selected: Selected, name: str, known: set[str]
) -> dict[str, Any]:
    """An input object argument written without variables, as graphql-core coerces it;
    {} when absent. Declines variables in it and fields not in `known`."""
    for argument in selected.node.arguments or ():
        if argument.name.value == name:
            if _has_variables(argument.value):
                raise Decline(f"a variable in {selected.name}({name})")
            break
    else:
        return {}
    given = arguments_of(
        parent.fields[selected.name], selected, [a.name.value for a in selected.node.arguments or ()]
    )
    found = given.read(None).get(name) or {}
    # Fields left out read as their defaults (null, false): those need no handling.
    unknown = {k for k, v in found.items() if k not in known and v not in (None, False)}
    if unknown:
        raise Decline(f"{selected.name}({name}: {', '.join(sorted(unknown))})")
    return dict(found)
