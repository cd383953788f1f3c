"""The compiler: a validated read operation to one SQL statement that returns its `data`.

It walks the selection once per (document, operation, viewer's role and permissions,
database, day) and writes nested JSON-building subqueries (dialects.py) with the rules of
conditions.py; the request's values (IDs, page sizes) are bind parameters, read from the
variables per request. What it does not know raises Decline: the resolvers answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import VariableValues

from relgraph.db.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from relgraph.graphql.compiled.conditions import Conditions
from relgraph.graphql.compiled.dialects import Dialect
from relgraph.graphql.compiled.selection import Decline, Forbidden, Selected, arguments_of, fields_of
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


@dataclass
class Connection:
    """A list the compiler pages: its rows (`source`: FROM ... WHERE ...) and their order.

    `order` is (sort key, id): what the resolvers order by and put in a cursor (the id twice:
    ordered by the id alone, its cursor [tag, id]); `tag` the ordering's name the resolvers
    put first in a nested list's cursors (db/pagination.OrderKey). `name`: the connection's
    type is `{name}Connection` with edges `{name}Edge` (default: the node type's name);
    `edge` writes the fields such an edge has besides cursor and node (None: declined).
    """

    source: str
    order: tuple[str, str]
    node: Callable[[list[Selected], list[str]], str]  # the node's JSON, given its fields and path
    node_type: GraphQLObjectType
    tag: str | None = None
    name: str | None = None
    edge: Callable[[Selected, list[str]], str | None] | None = None


@dataclass
class Build:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    dialect: Dialect
    conditions: Conditions
    objects: dict[str, ObjectWriter]
    parameters: dict[str, Reader] = field(default_factory=dict)
    forbidden: list[Forbidden] = field(default_factory=list)
    transforms: list[Transform] = field(default_factory=list)
    viewer_ids: list[str] = field(default_factory=list)
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
        """The bind parameter of a connection's `first` (the only paging argument handled);
        `allowed`: the field's arguments the caller handles."""
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

    def connection(self, selected: Selected, list_: Connection, size: str, path: list[str]) -> str:
        """The JSON of a connection field: page, edges, totalCount, pageInfo of a first page."""
        d = self.dialect
        source, (key, pk) = list_.source, list_.order
        connection_type = self.object_type(f"{list_.name or list_.node_type.name}Connection")
        pairs: list[tuple[str, str]] = []
        for item in self.fields(connection_type, selected):
            if item.name == "__typename":
                pairs.append((item.key, d.literal(connection_type.name)))
            elif item.name == "totalCount":
                pairs.append((item.key, f"(SELECT count(*) {source})"))
            elif item.name == "nodes":
                fields = self.fields(list_.node_type, item)
                node = list_.node(fields, [*path, item.key, "*"])
                pairs.append((item.key, d.array(node, source, [key, pk], size)))
            elif item.name == "edges":
                pairs.append((item.key, self._edges(item, list_, size, [*path, item.key, "*"])))
            elif item.name == "pageInfo":
                pairs.append((item.key, self._page_info(item, list_, size)))
            else:
                raise Decline(f"field {connection_type.name}.{item.name}")
        return d.obj(pairs)

    def _edges(self, selected: Selected, list_: Connection, size: str, path: list[str]) -> str:
        d = self.dialect
        edge_type = self.object_type(f"{list_.name or list_.node_type.name}Edge")
        pairs: list[tuple[str, str]] = []
        for item in self.fields(edge_type, selected):
            if item.name == "__typename":
                pairs.append((item.key, d.literal(edge_type.name)))
            elif item.name == "cursor":
                pairs.append((item.key, d.cursor(*list_.order, list_.tag)))
            elif item.name == "node":
                fields = self.fields(list_.node_type, item)
                pairs.append((item.key, list_.node(fields, [*path, item.key])))
            elif list_.edge is not None and (value := list_.edge(item, [*path, item.key])) is not None:
                pairs.append((item.key, value))
            else:
                raise Decline(f"field {edge_type.name}.{item.name}")
        return d.array(d.obj(pairs), list_.source, list(list_.order), size)

    def _page_info(self, selected: Selected, list_: Connection, size: str) -> str:
        d = self.dialect
        source, (key, pk) = list_.source, list_.order
        pairs: list[tuple[str, str]] = []
        for item in self.fields(self.object_type("PageInfo"), selected):
            if item.name == "__typename":
                pairs.append((item.key, d.literal("PageInfo")))
            elif item.name == "hasNextPage":
                more = f"(SELECT count(*) FROM (SELECT 1 AS one {source} LIMIT {size} + 1) z) > {size}"
                pairs.append((item.key, d.boolean(more)))
            elif item.name == "hasPreviousPage":
                pairs.append((item.key, d.boolean("1 = 0")))  # a first page: nothing before it
            elif item.name == "startCursor":
                pairs.append(
                    (
                        item.key,
                        f"(SELECT {d.cursor(key, pk, list_.tag)} {source} ORDER BY {key}, {pk} LIMIT 1)",
                    )
                )
            elif item.name == "endCursor":
                last = (
                    f"(SELECT z.c FROM (SELECT {d.cursor(key, pk, list_.tag)} AS c, {key} AS k0, {pk} AS k1 "
                    f"{source} ORDER BY {key}, {pk} LIMIT {size}) z ORDER BY z.k0 DESC, z.k1 DESC LIMIT 1)"
                )
                pairs.append((item.key, last))
            else:
                raise Decline(f"field PageInfo.{item.name}")
        return d.obj(pairs)

    def id_parameter(self, parent: GraphQLObjectType, selected: Selected, type_name: str) -> str:
        """The primary key of an `id` argument of type `type_name`; NULL (nothing) for another."""
        arguments = arguments_of(parent.fields[selected.name], selected, ["id"])

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
    )


def keys(pairs: Sequence[tuple[str, str]]) -> list[str]:
    return [k for k, _ in pairs]
