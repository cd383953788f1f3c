"""The compiler: a validated read operation to one SQL statement that returns its `data`
(after a fixed few that feed it, where one statement cannot do: Compiled.steps).

It walks the selection once per (document, operation, viewer's role and permissions,
database, day) and writes nested JSON-building subqueries (dialects.py) with the rules of
conditions.py; the request's values (IDs, page sizes, cursors: paging.py) are bind
parameters, read from the variables per request. What it does not know raises Decline: the resolvers answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import VariableValues

from relgraph.db.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, OrderKey
from relgraph.domain.validation import date_problem
from relgraph.graphql.compiled.conditions import Conditions, Day
from relgraph.graphql.compiled.dialects import Dialect
from relgraph.graphql.compiled.paging import PAGE_ARGUMENTS, Decoder, Paging, read_paging
from relgraph.graphql.compiled.selection import Decline, Forbidden, Selected, arguments_of, fields_of
from relgraph.graphql.core.as_of import AS_OF
from relgraph.graphql.core.ids import decode_id

__all__ = ["Build", "Compiled", "Connection", "ObjectWriter", "Transform", "compile_operation"]

Reader = Callable[[VariableValues], Any]
# Writes one object's JSON: (build, the row's table alias, its selected fields, its path).
ObjectWriter = Callable[["Build", str, list[Selected], list[str]], str]


@dataclass
class Transform:
    """A value the database returns as stored and Python shapes (a VAT number formatted by
    python-stdnum): `function` applied to the value at each place `path` matches."""

    path: list[str]  # response keys; "*" for every item of a list
    function: Callable[[Any], Any]


@dataclass
class Compiled:
    """One operation compiled: the statement, its parameters, the R4 errors it carries and
    the values Python shapes after the database (execution.py parses the JSON only then)."""

    sql: str
    parameters: dict[str, Reader]
    forbidden: list[Forbidden]
    transforms: list[Transform] = field(default_factory=list)
    # Parameters bound to the viewer's user id per request (the compile cache is shared by
    # every viewer with the same role and permissions).
    viewer_ids: list[str] = field(default_factory=list)
    # Statements run before `sql`, in order, each answering one value bound as the named
    # parameter of the statements after it (a neighbourhood's hops on SQLite): a fixed
    # sequence, written by the compiler, so the statement count depends on the document only.
    steps: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Connection:
    """A list the compiler pages: its rows (`source`: FROM ... WHERE ...) and their order.

    `order` is (sort key, id): what the resolvers order by and put in a cursor (ascending
    or descending is the page's: Build.paging; the id twice: ordered by the id alone, its
    cursor [tag, id]); `tag` the ordering's name the resolvers put first in a nested list's
    cursors (db/pagination.OrderKey). `name`: the connection's type is `{name}Connection`
    with edges `{name}Edge` (default: the node type's name); `edge` writes the fields such
    an edge has besides cursor and node (None: declined).
    """

    source: str
    order: tuple[str, ...]
    node: Callable[[list[Selected], list[str]], str]  # the node's JSON, given its fields and path
    node_type: GraphQLObjectType | GraphQLUnionType
    tag: str | None = None
    name: str | None = None
    edge: Callable[[Selected, list[str]], str | None] | None = None
    moment: bool = False  # the sort key is a timestamp: in a cursor as the resolvers write it
    # A list whose cursors are not db/pagination's (a timeline's, over three keys): their SQL.
    written_cursor: str | None = None

    def cursor(self, dialect: Dialect) -> str:
        if self.written_cursor is not None:
            return self.written_cursor
        key, pk = self.order
        return dialect.cursor(dialect.moment(key) if self.moment else key, pk, self.tag)


@dataclass
class Build:
    """One compile: the aliases, parameters and R4 errors written so far, and `day`, the day
    the objects being written were asked as of (graphql/core/as_of.py): what a field without
    its own asOf answers for. The writers of dated fields set it for what they write below
    (`as_of`); None is today."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    dialect: Dialect
    conditions: Conditions
    objects: dict[str, ObjectWriter]
    parameters: dict[str, Reader] = field(default_factory=dict)
    forbidden: list[Forbidden] = field(default_factory=list)
    transforms: list[Transform] = field(default_factory=list)
    day: Day = None
    viewer_ids: list[str] = field(default_factory=list)
    # The rows whose id is a bind parameter (a root field by ID): alias -> parameter.
    row_ids: dict[str, str] = field(default_factory=dict)
    steps: list[tuple[str, str]] = field(default_factory=list)
    _aliases: int = 0

    def alias(self, prefix: str) -> str:
        self._aliases += 1
        return f"{prefix}{self._aliases}"

    def object(self, type_name: str, alias: str, fields: list[Selected], path: list[str]) -> str:
        """The JSON of an object of `type_name` whose row is `alias` (the writer registered
        for the type: modules reach each other's types through here, not by import)."""
        return self.objects[type_name](self, alias, fields, path)

    def parameter(self, read: Reader) -> str:
        name = f"p{len(self.parameters)}"
        self.parameters[name] = read
        return f":{name}"

    def day_of(self, parent: GraphQLObjectType, selected: Selected) -> Day:
        """The day field `selected` answers for (as_of.day_of): its own asOf, else `day`.

        A literal is part of the document, so of the cache key: inlined (today's date reads
        as today, as the resolvers read it). A variable becomes a bind parameter; a request
        whose variable is null or today is left to the resolvers, who answer those with
        the inherited day or today's statements."""
        arguments = arguments_of(
            parent.fields[selected.name], selected, [a.name.value for a in selected.node.arguments or ()]
        )
        if AS_OF not in arguments.given:
            return self.day
        written, value = arguments.literal(AS_OF)
        if written:
            if value is None:
                return self.day
            return None if value == self.conditions.today else value
        today, dialect = self.conditions.today, self.dialect

        def day(variables: VariableValues) -> Any:
            value = arguments.read(variables).get(AS_OF)
            if value is None or value == today:
                raise Decline("asOf null or today in the variables")
            if date_problem(value) is not None:
                raise Decline("an asOf the resolvers refuse")  # they word its error
            return dialect.day_value(value)

        return dialect.day(self.parameter(day))

    @contextmanager
    def as_of(self, day: Day) -> Iterator[None]:
        """Write what follows as of `day`: the objects a dated field returns carry its day."""
        outer, self.day = self.day, day
        try:
            yield
        finally:
            self.day = outer

    def today_only(self, what: str) -> None:
        """Decline a time-dependent field the compiler writes only as of today when the
        objects around it are read as of another day (the resolvers answer it for that day)."""
        if self.day is not None:
            raise Decline(f"{what} as of another day")

    def step(self, sql: str) -> str:
        """Run `sql` (one row, one column) before the operation's statement: the bind
        parameter that holds its value, for the statements after it (Compiled.steps)."""
        name = f"w{len(self.steps)}"
        self.steps.append((name, sql))
        return f":{name}"

    def viewer_id(self) -> str:
        """The bind parameter of the viewer's user id, set per request (not compiled in)."""
        name = f"v{len(self.viewer_ids)}"
        self.viewer_ids.append(name)
        return f":{name}"

    def object_type(self, name: str) -> GraphQLObjectType:
        named = self.schema.get_type(name)
        assert isinstance(named, GraphQLObjectType)
        return named

    def fields(self, type_: GraphQLObjectType, selected: Selected) -> list[Selected]:
        return fields_of(self.schema, type_, selected.sub_selections(), self.fragments)

    def page_size(
        self, parent: GraphQLObjectType, selected: Selected, allowed: Sequence[str] = ("first",)
    ) -> str:
        """The bind parameter of a connection's `first`, for a list that serves only first
        pages (`paging` serves after, last and before too); `allowed`: the field's arguments
        the caller handles."""
        definition = parent.fields[selected.name]
        arguments = arguments_of(definition, selected, allowed)

        def first(variables: VariableValues) -> int:
            size = arguments.read(variables).get("first")
            if size is None:
                return DEFAULT_PAGE_SIZE
            if not 1 <= size <= MAX_PAGE_SIZE:
                raise Decline("a page size the resolvers refuse")
            return int(size)

        return self.parameter(first)

    def paging(
        self,
        parent: GraphQLObjectType,
        selected: Selected,
        order: Sequence[OrderKey],
        allowed: Sequence[str] = (),
        decode: Decoder | None = None,
    ) -> Paging:
        """The page a connection field asks (first/after/last/before) as bind parameters;
        `order`: the domain's order keys of the list as asked (cursors decode by them, or
        by `decode`); `allowed`: the field's other arguments the caller handles."""
        arguments = arguments_of(parent.fields[selected.name], selected, [*PAGE_ARGUMENTS, *allowed])
        return read_paging(self.parameter, self.dialect, arguments, order, decode)

    def connection(self, selected: Selected, list_: Connection, size: str | Paging, path: list[str]) -> str:
        """The JSON of a connection field: page, edges, totalCount, pageInfo. `size`: the
        page (Build.paging), or the parameter of a first page's size (Build.page_size)."""
        d = self.dialect
        page = size if isinstance(size, Paging) else Paging(size)
        # Ordered by the id alone (RECORDED), the order is (id, id): one key, one cursor value.
        keys = list(dict.fromkeys(list_.order))
        assert " WHERE " in list_.source
        # The rows of the page's side of its cursors; totalCount counts the whole list.
        bounded = list_.source + page.bounds(keys)
        connection_type = self.object_type(f"{list_.name or list_.node_type.name}Connection")
        pairs: list[tuple[str, str]] = []
        for item in self.fields(connection_type, selected):
            if item.name == "__typename":
                pairs.append((item.key, d.literal(connection_type.name)))
            elif item.name == "totalCount":
                pairs.append((item.key, f"(SELECT count(*) {list_.source})"))
            elif item.name == "nodes":
                node = list_.node(self._node_fields(list_, item), [*path, item.key, "*"])
                pairs.append((item.key, self._rows(node, bounded, keys, page)))
            elif item.name == "edges":
                edge = self._edge(item, list_, [*path, item.key, "*"])
                pairs.append((item.key, self._rows(edge, bounded, keys, page)))
            elif item.name == "pageInfo":
                pairs.append((item.key, self._page_info(item, list_, bounded, page)))
            else:
                raise Decline(f"field {connection_type.name}.{item.name}")
        return d.obj(pairs)

    def _node_fields(self, list_: Connection, selected: Selected) -> list[Selected]:
        """What a connection's node writer gets: the node's fields; for a list of a union
        (a timeline), whose members each select their own, the selection itself."""
        if isinstance(list_.node_type, GraphQLUnionType):
            return [selected]
        return self.fields(list_.node_type, selected)

    def _rows(self, element: str, bounded: str, keys: list[str], page: Paging) -> str:
        """The page's rows as a JSON array of `element`, in the order shown."""
        if page.back is None:  # fetched in the order shown
            return self.dialect.array(element, bounded, page.fetched(keys), page.size)
        shown = page.shown([f"k{i}" for i in range(len(keys))])
        return self.dialect.page(element, bounded, keys, page.fetched(keys), shown, page.size)

    def _edge(self, selected: Selected, list_: Connection, path: list[str]) -> str:
        d = self.dialect
        edge_type = self.object_type(f"{list_.name or list_.node_type.name}Edge")
        pairs: list[tuple[str, str]] = []
        for item in self.fields(edge_type, selected):
            if item.name == "__typename":
                pairs.append((item.key, d.literal(edge_type.name)))
            elif item.name == "cursor":
                pairs.append((item.key, list_.cursor(d)))
            elif item.name == "node":
                pairs.append((item.key, list_.node(self._node_fields(list_, item), [*path, item.key])))
            elif list_.edge is not None and (value := list_.edge(item, [*path, item.key])) is not None:
                pairs.append((item.key, value))
            else:
                raise Decline(f"field {edge_type.name}.{item.name}")
        return d.obj(pairs)

    def _page_info(self, selected: Selected, list_: Connection, bounded: str, page: Paging) -> str:
        d = self.dialect
        keys, size = list(list_.order), page.size
        more = f"(SELECT count(*) FROM (SELECT 1 AS one {bounded} LIMIT {size} + 1) z) > {size}"
        # The page's rows with their cursors, as fetched; its first and last as shown.
        columns = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
        rows = (
            f"(SELECT {list_.cursor(d)} AS c, {columns} {bounded} "
            f"ORDER BY {', '.join(page.fetched(keys))} LIMIT {size}) z"
        )
        names = [f"z.k{i}" for i in range(len(keys))]
        shown, reversed_ = page.shown(names), page.shown_reversed(names)
        pairs: list[tuple[str, str]] = []
        for item in self.fields(self.object_type("PageInfo"), selected):
            if item.name == "__typename":
                pairs.append((item.key, d.literal("PageInfo")))
            elif item.name == "hasNextPage":
                pairs.append((item.key, d.boolean(page.has_next(more))))
            elif item.name == "hasPreviousPage":
                pairs.append((item.key, d.boolean(page.has_previous(more))))
            elif item.name == "startCursor":
                pairs.append((item.key, f"(SELECT z.c FROM {rows} ORDER BY {', '.join(shown)} LIMIT 1)"))
            elif item.name == "endCursor":
                pairs.append((item.key, f"(SELECT z.c FROM {rows} ORDER BY {', '.join(reversed_)} LIMIT 1)"))
            else:
                raise Decline(f"field PageInfo.{item.name}")
        return d.obj(pairs)

    def id_parameter(
        self, parent: GraphQLObjectType, selected: Selected, type_name: str, allowed: Sequence[str] = ("id",)
    ) -> str:
        """The primary key of an `id` argument of type `type_name`; NULL (nothing) for another.
        `allowed`: the field's arguments the caller handles."""
        arguments = arguments_of(parent.fields[selected.name], selected, allowed)

        def pk(variables: VariableValues) -> int | None:
            decoded = decode_id(arguments.read(variables)["id"])
            return decoded[1] if decoded is not None and decoded[0] == type_name else None

        return self.parameter(pk)


def compile_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    dialect: Dialect,
    conditions: Conditions,
    roots: dict[str, Callable[[Build, GraphQLObjectType, Selected], str]],
    objects: dict[str, ObjectWriter],
) -> Compiled:
    """Compile `operation`; `roots` writes each root field it knows, `objects` each type.
    Raises Decline."""
    if operation.operation is not OperationType.QUERY:
        raise Decline("not a query")
    query_type = schema.query_type
    assert query_type is not None
    build = Build(schema, fragments, dialect, conditions, objects)
    pairs: list[tuple[str, str]] = []
    for selected in fields_of(schema, query_type, [operation.selection_set], fragments):
        if selected.name == "__typename":
            pairs.append((selected.key, dialect.literal(query_type.name)))
            continue
        write = roots.get(selected.name)
        if write is None:
            raise Decline(f"root field {selected.name}")
        pairs.append((selected.key, write(build, query_type, selected)))
    if not build.parameters and not build._aliases and not build.viewer_ids:
        raise Decline("nothing to read")  # only __typename: no statement to save
    return Compiled(
        dialect.result(dialect.obj(pairs)),
        build.parameters,
        build.forbidden,
        build.transforms,
        build.viewer_ids,
        build.steps,
    )


def keys(pairs: Sequence[tuple[str, str]]) -> list[str]:
    return [k for k, _ in pairs]
