"""`asOf`: the day a time-dependent field answers for, and how an object hands it down.

A field with an `asOf` argument answers for that day; without one, for the day its object
was read as of (an organisation asked `organisation(id:, asOf:)` hands its date to every
field below it), and else for today. The objects a dated field returns carry the day in
their private `as_of`, so that their own fields inherit it; loaders take the day as part
of their keys.

A malformed or out-of-range `asOf` literal is refused while the document is validated, a
variable given for `asOf` before the operation runs (else graphql-core would refuse a
malformed one naming only the variable): errors coded INVALID that name the argument.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLInputType,
    NullValueNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.language.visitor import VisitorAction
from graphql.validation import ValuesOfCorrectTypeRule
from strawberry.extensions import SchemaExtension

from relgraph.domain.validation import date_problem

__all__ = ["AS_OF", "AsOf", "AsOfValidation", "dated", "day_of", "invalid_as_of"]

AS_OF = "asOf"
AsOf = Annotated[
    dt.date | None,
    strawberry.argument(
        description=(
            "Answer as of this day (YYYY-MM-DD, 1900-01-01 to 2199-12-31) instead of today: "
            "what was in force on it, by the recorded dates (a future day applies planned "
            "ends). Names and other values stay as they are today. Without it: the day the "
            "object above was asked as of, else today."
        )
    ),
]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
T = TypeVar("T")


def invalid_as_of(message: str, nodes: Any = None) -> GraphQLError:
    return GraphQLError(f"{AS_OF}: {message}", nodes, extensions={"code": "INVALID", "argument": AS_OF})


def day_of(given: dt.date | None, inherited: dt.date | None) -> dt.date | None:
    """The day a field answers for: its own `asOf`, else its object's; None is today."""
    if given is None:
        return inherited
    problem = date_problem(given)
    if problem is not None:
        raise invalid_as_of(problem)
    return given


def dated(obj: T, day: dt.date | None) -> T:
    """`obj` (an object made for this field alone, or None) read as of `day`."""
    if obj is not None and day is not None:
        obj.as_of = day  # type: ignore[attr-defined]
    return obj


def _problem(value: Any) -> str | None:
    """Why `value` (a literal's text or a variable's value) is no day `asOf` takes; else None."""
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        return "a day is written YYYY-MM-DD."
    try:
        return date_problem(dt.date.fromisoformat(value))
    except ValueError:
        return f"{value} is no day of the calendar."


class _AsOfLiterals(ValuesOfCorrectTypeRule):
    """ValuesOfCorrectTypeRule, with an `asOf` literal that is no day of the range refused as
    INVALID naming the argument (instead of the generic "Expected value of type")."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._argument: str | None = None

    def enter_argument(self, node: Any, *_args: Any) -> None:
        self._argument = node.name.value

    def leave_argument(self, *_args: Any) -> None:
        self._argument = None

    def is_valid_value_node(self, node: ValueNode, input_type: GraphQLInputType | None) -> VisitorAction:
        if self._argument != AS_OF or isinstance(node, NullValueNode):
            return super().is_valid_value_node(node, input_type)
        problem = _problem(node.value if isinstance(node, StringValueNode) else None)
        if problem is not None:
            self.report_error(invalid_as_of(problem, node))
        return None


class _AsOfVariables(Visitor):
    """Collects the variables given as `asOf` arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        if node.name.value == AS_OF and isinstance(node.value, VariableNode):
            self.names.add(node.value.name.value)


# Query text -> the variables it gives as `asOf` (the text is the key: hashing a document
# node walks all of it). A walk of the whole document for every request was a tenth of a
# small card's time.
_VARIABLES: OrderedDict[str, list[str]] = OrderedDict()


def _as_of_variables(query: str | None, document: DocumentNode) -> list[str]:
    names = _VARIABLES.get(query) if query is not None else None
    if names is None:
        found = _AsOfVariables()
        visit(document, found)
        names = sorted(found.names)
        if query is None:
            return names
        _VARIABLES[query] = names
        if len(_VARIABLES) > 256:
            _VARIABLES.popitem(last=False)
    return names


class AsOfValidation(SchemaExtension):
    """Validate documents with _AsOfLiterals in place of ValuesOfCorrectTypeRule, and refuse
    a bad `asOf` variable before the operation runs (before it is charged, too)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = tuple(
            _AsOfLiterals if rule is ValuesOfCorrectTypeRule else rule for rule in context.validation_rules
        )
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None and context.graphql_document is not None and context.variables:
            problems = [
                problem
                for name in _as_of_variables(context.query, context.graphql_document)
                if context.variables.get(name) is not None
                and (problem := _problem(context.variables[name])) is not None
            ]
            if problems:
                context.result = ExecutionResult(data=None, errors=[invalid_as_of(problems[0])])
        yield
