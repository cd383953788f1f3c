"""Party.neighbourhood in compiled reads: domain/relations/network.neighbourhood's
breadth-first walk (network_walk.py writes it as CTEs), and its nodes, staff and edges as JSON.

Each node carries whether it is an organisation (asked once, when the walk reaches it): a
node's party is read from its one table, an edge's ends are written as the IDs of their
types without looking the parties up again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.values import VariableValues

from relgraph.domain.relations.network import Link
from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.network_walk import KINDS, walk
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of
from relgraph.graphql.relations.types.network import LINKS_PER_NODE, MAX_NODES

__all__ = ["edges_json", "neighbourhood", "user"]

HOPS = 3  # the most `depth` allows


def _arguments(
    build: Build, type_: GraphQLObjectType, item: Selected
) -> tuple[str, str, str, int, dict[int, str]]:
    """depth, maxNodes and the links' room as SQL; how many hops to write; and per kind of
    link followed (by rank) the condition that it is. A depth or `include` written in the
    document is written into the statement (fewer hops and kinds to plan); from variables,
    every hop and kind is written and the parameters choose."""
    # relationTypes and asOf: the resolvers.
    definition = type_.fields[item.name]
    arguments = arguments_of(definition, item, ["depth", "include", "maxNodes"])

    def constant(name: str) -> tuple[bool, Any]:
        if name not in arguments.given:
            return True, definition.args[name].default_value
        return arguments.literal(name)

    def read(variables: VariableValues) -> dict[str, Any]:
        given = arguments.read(variables)
        if not 1 <= given["depth"] <= HOPS or not 1 <= given["maxNodes"] <= MAX_NODES:
            raise Decline("a depth or maxNodes the resolvers refuse")  # they word the error
        return given

    def included(kind: Link) -> Any:
        return lambda variables: kind in (read(variables)["include"] or KINDS)

    most = build.parameter(lambda variables: int(read(variables)["maxNodes"]))
    room = build.parameter(lambda variables: int(read(variables)["maxNodes"]) * LINKS_PER_NODE)
    known, value = constant("depth")
    if known and isinstance(value, int) and 1 <= value <= HOPS:
        depth, hops = str(value), value
    else:
        depth, hops = build.parameter(lambda variables: int(read(variables)["depth"])), HOPS
    known, value = constant("include")
    if known:
        kinds = {rank: "1 = 1" for rank, kind in enumerate(KINDS) if kind in (value or KINDS)}
    else:
        kinds = {rank: build.parameter(included(kind)) for rank, kind in enumerate(KINDS)}
    return depth, most, room, hops, kinds


def neighbourhood(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    """The Neighbourhood of the party row `alias`."""
    build.today_only("a neighbourhood")
    sqlite = build.dialect.name != "postgresql"
    if sqlite and alias not in build.row_ids:
        raise Decline("a neighbourhood on SQLite but of a party asked by ID")
    depth, most, room, hops, kinds = _arguments(build, type_, item)
    nb = build.alias("nb")
    start = f"CAST({build.row_ids[alias]} AS INTEGER)" if sqlite else f"{alias}.id"
    walked = walk(build, nb, start, hops, depth, most, room, kinds)
    pairs: list[tuple[str, str]] = []
    d = build.dialect
    for field in build.fields(build.object_type("Neighbourhood"), item):
        at = [*path, field.key]
        if field.name == "__typename":
            pairs.append((field.key, d.literal("Neighbourhood")))
        elif field.name == "truncated":
            pairs.append((field.key, d.boolean(walked.truncated)))
        elif field.name == "nodes":
            pairs.append((field.key, _nodes(build, field, walked.nodes, at)))
        elif field.name == "staff":
            pairs.append((field.key, _staff(build, field, walked.nodes, at)))
        elif field.name == "edges":
            pairs.append(
                (
                    field.key,
                    edges_json(
                        build,
                        field,
                        walked.edges,
                        ["{}.hop", "{}.rank", "{}.rid"],
                        lambda id_: _party_gid(build, id_, walked.nodes),
                    ),
                )
            )
        else:
            raise Decline(f"field Neighbourhood.{field.name}")
    return d.nested(f"WITH {', '.join(walked.ctes)} SELECT {d.obj(pairs)}")


def _party_gid(build: Build, id_: str, nodes: str) -> str:
    """The global ID of party `id_`, a node of `nodes` (which says whether it is an organisation)."""
    d = build.dialect
    return (
        f"CASE WHEN {id_} IN (SELECT id FROM {nodes} WHERE kind = 0 AND org = 1) "
        f"THEN {d.gid('Organisation', id_)} ELSE {d.gid('Person', id_)} END"
    )


def _nodes(build: Build, selected: Selected, nodes: str, path: list[str]) -> str:
    d = build.dialect
    node_type = build.object_type("NeighbourhoodNode")
    n, o, pe = build.alias("n"), build.alias("o"), build.alias("pe")
    pairs: list[tuple[str, str]] = []
    for field in build.fields(node_type, selected):
        if field.name == "__typename":
            pairs.append((field.key, d.literal(node_type.name)))
        elif field.name == "distance":
            pairs.append((field.key, f"{n}.distance"))
        elif field.name == "party":
            at = [*path, "*", field.key]
            fields = build.fields(build.object_type("Organisation"), field)
            organisation = build.object("Organisation", o, fields, at)
            person = build.object("Person", pe, build.fields(build.object_type("Person"), field), at)
            # Read from its one table: the node knows which.
            pairs.append(
                (
                    field.key,
                    d.either(
                        f"{n}.org = 1",
                        d.nested(f"SELECT {organisation} FROM organisations {o} WHERE {o}.id = {n}.id"),
                        d.nested(f"SELECT {person} FROM persons {pe} WHERE {pe}.id = {n}.id"),
                    ),
                )
            )
        else:
            raise Decline(f"field {node_type.name}.{field.name}")
    source = f"FROM {nodes} {n} WHERE {n}.kind = 0"
    return d.array(d.obj(pairs), source, [f"{n}.distance", f"{n}.id"], None)


def _staff(build: Build, selected: Selected, nodes: str, path: list[str]) -> str:
    d = build.dialect
    staff_type = build.object_type("NeighbourhoodStaff")
    n, u = build.alias("n"), build.alias("u")
    pairs: list[tuple[str, str]] = []
    for field in build.fields(staff_type, selected):
        if field.name == "__typename":
            pairs.append((field.key, d.literal(staff_type.name)))
        elif field.name == "distance":
            pairs.append((field.key, f"{n}.distance"))
        elif field.name == "user":
            fields = build.fields(build.object_type("User"), field)
            pairs.append((field.key, user(build, u, fields, [*path, "*", field.key])))
        else:
            raise Decline(f"field {staff_type.name}.{field.name}")
    source = f"FROM {nodes} {n} JOIN users {u} ON {u}.id = {n}.id WHERE {n}.kind = 1"
    return d.array(d.obj(pairs), source, [f"{n}.distance", f"{n}.id"], None)


def edges_json(
    build: Build,
    selected: Selected,
    rows: str,
    order: list[str],
    party_gid: Callable[[str], str],
    where: str = "",
) -> str:
    """The NeighbourhoodEdges' JSON of the CTE `rows` (s, tk, t, rank, label, ...): `order`
    and `where` name its alias as "{}"; `party_gid` writes the global ID of a party end."""
    d = build.dialect
    edge_type = build.object_type("NeighbourhoodEdge")
    e = build.alias("e")
    kind = (
        "CASE "
        + " ".join(f"WHEN {e}.rank = {r} THEN {d.literal(k.name)}" for r, k in enumerate(KINDS))
        + " END"
    )
    pairs: list[tuple[str, str]] = []
    for field in build.fields(edge_type, selected):
        if field.name == "__typename":
            pairs.append((field.key, d.literal(edge_type.name)))
        elif field.name == "source":
            pairs.append((field.key, party_gid(f"{e}.s")))  # always a party
        elif field.name == "target":
            user_gid = d.gid("User", f"{e}.t")
            pairs.append((field.key, f"CASE WHEN {e}.tk = 1 THEN {user_gid} ELSE {party_gid(f'{e}.t')} END"))
        elif field.name == "kind":
            pairs.append((field.key, kind))
        elif field.name == "label":
            pairs.append((field.key, f"{e}.label"))
        else:
            raise Decline(f"field {edge_type.name}.{field.name}")
    source = f"FROM {rows} {e}" + (f" WHERE {where.format(e)}" if where else "")
    return d.array(d.obj(pairs), source, [c.format(e) for c in order], None)


# User fields read as the columns are (graphql/users/types.User.from_row).
_USER_COLUMNS = {"name": "name", "email": "email"}


def user(build: Build, alias: str, fields: list[Selected], path: list[str]) -> str:
    """A staff user's JSON: its plain fields; the others are the resolvers'."""
    d = build.dialect
    pairs: list[tuple[str, str]] = []
    for field in fields:
        if field.name == "__typename":
            pairs.append((field.key, d.literal("User")))
        elif field.name == "id":
            pairs.append((field.key, d.gid("User", f"{alias}.id")))
        elif field.name in _USER_COLUMNS:
            pairs.append((field.key, f"{alias}.{_USER_COLUMNS[field.name]}"))
        elif field.name == "active":
            pairs.append((field.key, d.boolean(f"{alias}.active")))
        else:
            raise Decline(f"field User.{field.name}")
    del path
    return d.obj(pairs)
