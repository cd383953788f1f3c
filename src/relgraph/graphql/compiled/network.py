"""Party.neighbourhood in compiled reads: domain/relations/network.neighbourhood's
breadth-first walk, hop by hop, in one statement.

The walk is at most three hops (depth 1-3), so each hop is written out as its own CTEs
over the previous hop's nodes (a recursive CTE cannot see the nodes already reached):
  front  the nodes the hop starts from (none once the walk stopped, or beyond `depth`);
  links  every link of each kind touching them: the domain's own statements
         (relation_links, ...) rendered over the frontier, "in force" inside (R1 on a
         relation's ends is left to `new`, which admits no end the rule hides);
  new    the ends not reached yet that may be nodes (shown_as_node), by (kind, id),
         admitted while there is room (maxNodes);
  edges  the links of the hop with both ends reached, each value once, in the walk's order
         (kind of link, then row id), while there is room (5 per node);
  over   1 when a node or a link found no room: the walk stops (`truncated`).
Nodes are (kind, id) with kind 0 a party and 1 a staff user, so (kind, id) sorts as the
walk sorts them. Membership of the nodes or edges reached is written as row-value IN /
NOT IN (never NULL), which both databases answer with a hash or an index on the CTE.

On SQLite each hop but the last is a statement of its own (neighbourhood() says why), run
before the operation's statement, which walks the last: the walk so far goes from one to
the next as a JSON bind parameter,
and starts from the ID of a party asked by ID (organisation(id:), person(id:):
Build.row_ids); below a list the resolvers answer. The hops' SQL is the same on both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.values import VariableValues
from sqlalchemy import ColumnElement, Select, literal_column, select, table

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


def _touching(build: Build, front: str, kind: int) -> Any:
    """The domain's "touches these parties (users)" over the frontier CTE `front`.
    PostgreSQL: an array, as the resolvers' IN-list, so it reads the links through their
    indexes (an OR of two IN-subqueries would scan the whole table). SQLite: an
    IN-subquery, which it reads through the indexes as it would a list."""
    nodes: Select[Any] = (
        select(literal_column("id")).select_from(table(front)).where(literal_column("kind") == kind)
    )
    if build.dialect.name != "postgresql":
        return lambda id_column: id_column.in_(nodes)
    array: ColumnElement[Any] = literal_column(f"ANY(ARRAY(SELECT id FROM {front} WHERE kind = {kind}))")

    def touching(id_column: Any) -> ColumnElement[bool]:
        return id_column == array

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
    sqlite = build.dialect.name != "postgresql"
    if sqlite and alias not in build.row_ids:
        raise Decline("a neighbourhood on SQLite but of a party asked by ID")
    depth, most, room, hops, kinds = _arguments(build, type_, item)
    viewer, today = build.conditions.viewer, build.conditions.today
    nb = build.alias("nb")
    start = f"CAST({build.row_ids[alias]} AS INTEGER)" if sqlite else f"{alias}.id"
    ctes = [
        f"{nb}n0(kind, id, distance) AS MATERIALIZED (SELECT 0, {start}, 0)",
        f"{nb}e0(sk, s, tk, t, rank, label, hop, rid) AS MATERIALIZED (SELECT 0, 0, 0, 0, 0, '', 0, 0 WHERE 1 = 0)",
        f"{nb}x0(over) AS MATERIALIZED (SELECT 0)",
    ]
    if sqlite:
        # SQLite copies a CTE's body into every place that names it (and evaluates it again
        # there when it refers to an outer row): the hops name each other's, and the copies
        # multiply hop after hop. So each hop is a statement of its own (Build.step), from
        # the walk so far as JSON to the walk one hop further; the walk starts from the
        # party's ID parameter, known before the statements run.
        # The last hop is the operation statement's own: `hops` statements in all.
        for k in range(1, hops):
            hop = _hop(build, nb, k, depth, most, room, kinds, viewer, today)
            state = build.step(f"WITH {', '.join([*ctes, *hop])} SELECT {_state(nb, k)}")
            ctes = _read_state(nb, k, state)
        ctes += _hop(build, nb, hops, depth, most, room, kinds, viewer, today)
        # x of the state read is the walk's until then, carried hop by hop.
        overs = f"(SELECT over FROM {nb}x{hops - 1}) = 1 OR (SELECT over FROM {nb}x{hops}) = 1"
    else:
        for k in range(1, hops + 1):
            ctes += _hop(build, nb, k, depth, most, room, kinds, viewer, today)
        overs = " OR ".join(f"(SELECT over FROM {nb}x{k}) = 1" for k in range(1, hops + 1))
    pairs: list[tuple[str, str]] = []
    d = build.dialect
    for field in build.fields(build.object_type("Neighbourhood"), item):
        at = [*path, field.key]
        if field.name == "__typename":
            pairs.append((field.key, d.literal("Neighbourhood")))
        elif field.name == "truncated":
            pairs.append((field.key, d.boolean(overs)))
        elif field.name == "nodes":
            pairs.append((field.key, _nodes(build, field, f"{nb}n{hops}", at)))
        elif field.name == "staff":
            pairs.append((field.key, _staff(build, field, f"{nb}n{hops}", at)))
        elif field.name == "edges":
            # Every end of an edge is a node: which are organisations is asked once a node
            # (once, however many times `edges` is selected).
            organisations = (
                f"{nb}o(id) AS MATERIALIZED (SELECT og.id FROM {nb}n{hops} n "
                f"JOIN organisations og ON og.id = n.id WHERE n.kind = 0)"
            )
            if organisations not in ctes:
                ctes.append(organisations)
            pairs.append((field.key, _edges(build, field, f"{nb}e{hops}", f"{nb}o")))
        else:
            raise Decline(f"field Neighbourhood.{field.name}")
    return d.nested(f"WITH {', '.join(ctes)} SELECT {d.obj(pairs)}")


_NODE = ("kind", "id", "distance")
_EDGE = ("sk", "s", "tk", "t", "rank", "label", "hop", "rid")


def _state(nb: str, k: int) -> str:
    """SQLite: the walk after hop `k` as one JSON value: its nodes, its edges, and whether
    it stopped (at this hop or before)."""

    def rows(columns: tuple[str, ...], cte: str) -> str:
        return f"(SELECT json_group_array(json_array({', '.join(columns)})) FROM {cte}) -> '$'"

    over = f"(SELECT max(over) FROM (SELECT over FROM {nb}x{k} UNION ALL SELECT over FROM {nb}x{k - 1}))"
    return f"json_object('n', {rows(_NODE, f'{nb}n{k}')}, 'e', {rows(_EDGE, f'{nb}e{k}')}, 'x', {over})"


def _read_state(nb: str, k: int, state: str) -> list[str]:
    """SQLite: the CTEs of the walk after hop `k` (n, e, x), read from the bind parameter
    `state` that _state wrote."""

    def rows(columns: tuple[str, ...], key: str) -> str:
        values = ", ".join(f"value ->> {i}" for i in range(len(columns)))
        return f"SELECT {values} FROM json_each({state}, '$.{key}')"

    return [
        f"{nb}n{k}({', '.join(_NODE)}) AS MATERIALIZED ({rows(_NODE, 'n')})",
        f"{nb}e{k}({', '.join(_EDGE)}) AS MATERIALIZED ({rows(_EDGE, 'e')})",
        f"{nb}x{k}(over) AS MATERIALIZED (SELECT {state} ->> '$.x')",
    ]


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
    parties, users = _touching(build, front, 0), _touching(build, front, 1)
    statements = {
        # Each end becomes a node only through `shown` below (R1 with the rest), and only
        # links between nodes become edges: R1 on the relation's ends would ask it twice.
        0: lambda: relation_links(viewer, parties, None, today, ends_checked_later=True),
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
    # A bare column (no table): the rule is correlated to each candidate row, not joined
    # with the candidates.
    shown = _render(build, shown_as_node(viewer, literal_column(f"{nb}c{k}.id")))
    room_for_nodes = f"(SELECT {most} - count(*) FROM {before})"
    room_for_edges = f"(SELECT {room} - count(*) FROM {nb}e{k - 1})"
    same = "sk, s, tk, t, rank, label"  # an edge's value (never NULL: NOT IN is safe)
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
            f"WHERE ({nb}c{k}.kind, {nb}c{k}.id) NOT IN (SELECT kind, id FROM {before}) "
            f"AND ({nb}c{k}.kind = 1 OR {shown}))"
        ),
        (
            f"{nb}n{k}(kind, id, distance) AS MATERIALIZED (SELECT kind, id, distance FROM {before} UNION ALL "
            f"SELECT kind, id, {k} FROM {nb}r{k} WHERE n <= {room_for_nodes})"
        ),
        # The hop's links between nodes reached, each value once (its first row), not shown before.
        (
            f"{nb}q{k}(sk, s, tk, t, rank, label, rid) AS MATERIALIZED (SELECT q.sk, q.s, q.tk, q.t, q.rank, q.label, min(q.rid) "
            # NOT NOT IN: PostgreSQL hashes a NOT IN subquery whatever it guesses of the CTE's
            # size, where an IN becomes a join that it may plan as a nested loop (rows x nodes).
            f"FROM {nb}found{k} q WHERE NOT (q.sk, q.s) NOT IN (SELECT kind, id FROM {nb}n{k}) "
            f"AND NOT (q.tk, q.t) NOT IN (SELECT kind, id FROM {nb}n{k}) "
            f"AND ({same}) NOT IN (SELECT {same} FROM {nb}e{k - 1}) "
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


def _party_gid(build: Build, id_: str, organisations: str) -> str:
    d = build.dialect
    return (
        f"CASE WHEN {id_} IN (SELECT id FROM {organisations}) "
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


def _edges(build: Build, selected: Selected, edges: str, organisations: str) -> str:
    """The edges' JSON; `organisations` the CTE of the nodes that are organisations."""
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
            pairs.append((field.key, _party_gid(build, f"{e}.s", organisations)))  # always a party
        elif field.name == "target":
            user_gid = d.gid("User", f"{e}.t")
            pairs.append(
                (
                    field.key,
                    f"CASE WHEN {e}.tk = 1 THEN {user_gid} ELSE {_party_gid(build, f'{e}.t', organisations)} END",
                )
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
