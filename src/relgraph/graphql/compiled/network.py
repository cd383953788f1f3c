"""Party.neighbourhood in compiled reads: domain/relations/network.neighbourhood's
breadth-first walk, hop by hop, in one statement.

The walk is at most three hops (depth 1-3), so each hop is written out as its own CTEs
over the previous hop's nodes (a recursive CTE cannot see the nodes already reached):
  front  the nodes the hop starts from (none once the walk stopped, or beyond `depth`);
  links  every link of each kind touching them: the domain's own statements
         (relation_links, ...) rendered over the frontier, R1 and "in force" inside;
  new    the ends not reached yet that may be nodes (shown_as_node), by (kind, id),
         admitted while there is room (maxNodes);
  edges  the links of the hop with both ends reached, each value once, in the walk's order
         (kind of link, then row id), while there is room (5 per node);
  over   1 when a node or a link found no room: the walk stops (`truncated`).
Nodes are (kind, id) with kind 0 a party and 1 a staff user, so (kind, id) sorts as the
walk sorts them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.values import VariableValues
from sqlalchemy import ColumnElement, column, literal_column, table

from relgraph.domain.relations.network import (
    Link,
    hierarchy_links,
    internal_links,
    membership_links,
    relation_links,
    shown_as_node,
)
from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of
from relgraph.graphql.relations.types.network import LINKS_PER_NODE, MAX_NODES

__all__ = ["neighbourhood", "user"]

HOPS = 3  # the most `depth` allows
# The kinds of link in the order a hop finds them (network._step), by rank.
_KINDS = [Link.RELATIONS, Link.HIERARCHY, Link.MEMBERSHIPS, Link.INTERNAL]


def _render(build: Build, expression: Any) -> str:
    statement = expression.order_by(None) if hasattr(expression, "order_by") else expression
    return str(statement.compile(dialect=build.conditions.dialect, compile_kwargs={"literal_binds": True}))


def _touching(front: str, kind: int) -> Any:
    """The domain's "touches these parties (users)" over the frontier CTE `front`: an
    array, as the resolvers' IN-list, so PostgreSQL reads the links through their indexes
    (an OR of two IN-subqueries would scan the whole table)."""
    nodes: ColumnElement[Any] = literal_column(f"ANY(ARRAY(SELECT id FROM {front} WHERE kind = {kind}))")

    def touching(id_column: Any) -> ColumnElement[bool]:
        return id_column == nodes

    return touching


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
        return lambda variables: kind in (read(variables)["include"] or _KINDS)

    most = build.parameter(lambda variables: int(read(variables)["maxNodes"]))
    room = build.parameter(lambda variables: int(read(variables)["maxNodes"]) * LINKS_PER_NODE)
    known, value = constant("depth")
    if known and isinstance(value, int) and 1 <= value <= HOPS:
        depth, hops = str(value), value
    else:
        depth, hops = build.parameter(lambda variables: int(read(variables)["depth"])), HOPS
    known, value = constant("include")
    if known:
        kinds = {rank: "1 = 1" for rank, kind in enumerate(_KINDS) if kind in (value or _KINDS)}
    else:
        kinds = {rank: build.parameter(included(kind)) for rank, kind in enumerate(_KINDS)}
    return depth, most, room, hops, kinds


def neighbourhood(build: Build, type_: GraphQLObjectType, alias: str, item: Selected, path: list[str]) -> str:
    """The Neighbourhood of the party row `alias`."""
    build.today_only("a neighbourhood")
    if build.dialect.name != "postgresql":
        # SQLite copies a CTE's body into every place that names it: the hops' CTEs name
        # the previous hop's several times, and three hops exceed its limits.
        raise Decline("a neighbourhood on SQLite")
    depth, most, room, hops, kinds = _arguments(build, type_, item)
    viewer, today = build.conditions.viewer, build.conditions.today
    nb = build.alias("nb")
    ctes = [
        f"{nb}n0(kind, id, distance) AS MATERIALIZED (SELECT 0, {alias}.id, 0)",
        f"{nb}e0(sk, s, tk, t, rank, label, hop, rid) AS MATERIALIZED (SELECT 0, 0, 0, 0, 0, '', 0, 0 WHERE 1 = 0)",
        f"{nb}x0(over) AS MATERIALIZED (SELECT 0)",
    ]
    for k in range(1, hops + 1):
        ctes += _hop(build, nb, k, depth, most, room, kinds, viewer, today)
    pairs: list[tuple[str, str]] = []
    d = build.dialect
    for field in build.fields(build.object_type("Neighbourhood"), item):
        at = [*path, field.key]
        if field.name == "__typename":
            pairs.append((field.key, d.literal("Neighbourhood")))
        elif field.name == "truncated":
            overs = " OR ".join(f"(SELECT over FROM {nb}x{k}) = 1" for k in range(1, hops + 1))
            pairs.append((field.key, d.boolean(overs)))
        elif field.name == "nodes":
            pairs.append((field.key, _nodes(build, field, f"{nb}n{hops}", at)))
        elif field.name == "staff":
            pairs.append((field.key, _staff(build, field, f"{nb}n{hops}", at)))
        elif field.name == "edges":
            pairs.append((field.key, _edges(build, field, f"{nb}e{hops}")))
        else:
            raise Decline(f"field Neighbourhood.{field.name}")
    return d.nested(f"WITH {', '.join(ctes)} SELECT {d.obj(pairs)}")


def _hop(
    build: Build,
    nb: str,
    k: int,
    depth: str,
    most: str,
    room: str,
    kinds: dict[int, str],
    viewer: Any,
    today: dt.date,
) -> list[str]:
    before, front = f"{nb}n{k - 1}", f"{nb}f{k}"
    parties, users = _touching(front, 0), _touching(front, 1)
    statements = {
        0: lambda: relation_links(viewer, parties, None, today),
        1: lambda: hierarchy_links(parties, today),
        2: lambda: membership_links(parties, today),
        3: lambda: internal_links(viewer, parties, users, today),
    }
    links = [f"{nb}l{k}_{rank}(s, t, label, rid) AS ({_render(build, statements[rank]())})" for rank in kinds]
    found = " UNION ALL ".join(
        f"SELECT 0 AS sk, s, {1 if rank == 3 else 0} AS tk, t, {rank} AS rank, label, rid "
        f"FROM {nb}l{k}_{rank} WHERE {condition}"
        for rank, condition in kinds.items()
    )
    if not kinds:
        found = "SELECT 0, 0, 0, 0, 0, '', 0 WHERE 1 = 0"
    candidate = table(f"{nb}c{k}", column("id"))
    shown = _render(build, shown_as_node(viewer, candidate.c.id))
    room_for_nodes = f"(SELECT {most} - count(*) FROM {before})"
    room_for_edges = f"(SELECT {room} - count(*) FROM {nb}e{k - 1})"
    same = " AND ".join(f"e.{c} = q.{c}" for c in ("sk", "s", "tk", "t", "rank", "label"))
    return [
        (
            f"{front}(kind, id) AS MATERIALIZED (SELECT kind, id FROM {before} WHERE distance = {k - 1} "
            f"AND {k} <= {depth} AND (SELECT over FROM {nb}x{k - 1}) = 0)"
        ),
        *links,
        f"{nb}found{k}(sk, s, tk, t, rank, label, rid) AS MATERIALIZED ({found})",
        f"{nb}c{k}(kind, id) AS MATERIALIZED (SELECT sk, s FROM {nb}found{k} UNION SELECT tk, t FROM {nb}found{k})",
        (
            f"{nb}r{k}(kind, id, n) AS MATERIALIZED (SELECT {nb}c{k}.kind, {nb}c{k}.id, "
            f"row_number() OVER (ORDER BY {nb}c{k}.kind, {nb}c{k}.id) FROM {nb}c{k} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {before} p WHERE p.kind = {nb}c{k}.kind AND p.id = {nb}c{k}.id) "
            f"AND ({nb}c{k}.kind = 1 OR {shown}))"
        ),
        (
            f"{nb}n{k}(kind, id, distance) AS MATERIALIZED (SELECT kind, id, distance FROM {before} UNION ALL "
            f"SELECT kind, id, {k} FROM {nb}r{k} WHERE n <= {room_for_nodes})"
        ),
        # The hop's links between nodes reached, each value once (its first row), not shown before.
        (
            f"{nb}q{k}(sk, s, tk, t, rank, label, rid) AS MATERIALIZED (SELECT q.sk, q.s, q.tk, q.t, q.rank, q.label, min(q.rid) "
            f"FROM {nb}found{k} q WHERE EXISTS (SELECT 1 FROM {nb}n{k} a WHERE a.kind = q.sk AND a.id = q.s) "
            f"AND EXISTS (SELECT 1 FROM {nb}n{k} b WHERE b.kind = q.tk AND b.id = q.t) "
            f"AND NOT EXISTS (SELECT 1 FROM {nb}e{k - 1} e WHERE {same}) "
            f"GROUP BY q.sk, q.s, q.tk, q.t, q.rank, q.label)"
        ),
        (
            f"{nb}qr{k}(sk, s, tk, t, rank, label, rid, n) AS MATERIALIZED (SELECT sk, s, tk, t, rank, label, rid, "
            f"row_number() OVER (ORDER BY rank, rid) FROM {nb}q{k})"
        ),
        (
            f"{nb}e{k}(sk, s, tk, t, rank, label, hop, rid) AS MATERIALIZED (SELECT sk, s, tk, t, rank, label, hop, rid "
            f"FROM {nb}e{k - 1} UNION ALL SELECT sk, s, tk, t, rank, label, {k}, rid FROM {nb}qr{k} "
            f"WHERE n <= {room_for_edges})"
        ),
        (
            f"{nb}x{k}(over) AS MATERIALIZED (SELECT CASE WHEN EXISTS (SELECT 1 FROM {nb}r{k} WHERE n > {room_for_nodes}) "
            f"OR EXISTS (SELECT 1 FROM {nb}qr{k} WHERE n > {room_for_edges}) THEN 1 ELSE 0 END)"
        ),
    ]


def _party_gid(build: Build, id_: str) -> str:
    d = build.dialect
    return (
        f"CASE WHEN EXISTS (SELECT 1 FROM organisations og WHERE og.id = {id_}) "
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
            organisation = build.object(
                "Organisation", o, build.fields(build.object_type("Organisation"), field), at
            )
            person = build.object("Person", pe, build.fields(build.object_type("Person"), field), at)
            pairs.append((field.key, d.either(f"{o}.id IS NOT NULL", organisation, person)))
        else:
            raise Decline(f"field {node_type.name}.{field.name}")
    source = (
        f"FROM {nodes} {n} LEFT JOIN organisations {o} ON {o}.id = {n}.id "
        f"LEFT JOIN persons {pe} ON {pe}.id = {n}.id WHERE {n}.kind = 0"
    )
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


def _edges(build: Build, selected: Selected, edges: str) -> str:
    d = build.dialect
    edge_type = build.object_type("NeighbourhoodEdge")
    e = build.alias("e")
    kind = (
        "CASE "
        + " ".join(f"WHEN {e}.rank = {r} THEN {d.literal(k.name)}" for r, k in enumerate(_KINDS))
        + " END"
    )
    pairs: list[tuple[str, str]] = []
    for field in build.fields(edge_type, selected):
        if field.name == "__typename":
            pairs.append((field.key, d.literal(edge_type.name)))
        elif field.name == "source":
            pairs.append((field.key, _party_gid(build, f"{e}.s")))  # always a party
        elif field.name == "target":
            user_gid = d.gid("User", f"{e}.t")
            pairs.append(
                (field.key, f"CASE WHEN {e}.tk = 1 THEN {user_gid} ELSE {_party_gid(build, f'{e}.t')} END")
            )
        elif field.name == "kind":
            pairs.append((field.key, kind))
        elif field.name == "label":
            pairs.append((field.key, f"{e}.label"))
        else:
            raise Decline(f"field {edge_type.name}.{field.name}")
    return d.array(d.obj(pairs), f"FROM {edges} {e}", [f"{e}.hop", f"{e}.rank", f"{e}.rid"], None)


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
