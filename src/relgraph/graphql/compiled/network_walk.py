"""The breadth-first walk of a compiled Party.neighbourhood (network.py writes its JSON):
domain/relations/network.neighbourhood's walk, hop by hop, as CTEs.

The walk is at most three hops (depth 1-3), so each hop is written out as its own CTEs
over the previous hop's nodes (a recursive CTE cannot see the nodes already reached):
  f      the nodes the hop starts from (none once the walk stopped, or beyond `depth`);
  l      every link of each kind touching them: the domain's own statements
         (relation_links, ...) rendered over the frontier, "in force" inside (R1 on a
         relation's ends is left to `r`, which admits no end the rule hides);
  found  those links; a link's source is always a party, its target a party or (INTERNAL)
         a staff user (tk 1);
  c, a   their ends, and those not reached yet, each party with its party_kind (read
         once: whether it may be a node, and whether its node and its edges' IDs are an
         organisation's);
  r      those that may be nodes (shown_as_node; R1 with the rest);
  n      the nodes: those before, and the first of `r` by (kind, id) while there is room
         (maxNodes);
  q, e   the hop's links with both ends reached and neither end reached before the
         frontier, each value once (its first row), in the walk's order (kind of link, then
         row id), while there is room (5 per node). A link with an end reached before the
         frontier was found, with the same value, by an earlier hop, which added it (both
         ends were nodes then) or stopped the walk: no comparison with the edges before;
  x      1 when a node or a link found no room: the walk stops (`truncated`).
Nodes are (kind, id) with kind 0 a party and 1 a staff user, so (kind, id) sorts as the
walk sorts them. Whether a node or an end was reached is asked of the ids of one kind
(`id IN`/`NOT IN` a CTE's ids: never NULL), which both databases answer with a hash or an
index; SQLite answers a row value NOT IN (kind, id) by reading the whole list for every
row that is not in it.

On SQLite each hop but the last is a statement of its own (walk() says why), run before
the operation's statement, which walks the last: the walk so far goes from one to the next
as a JSON bind parameter, and starts from the ID of a party asked by ID (organisation(id:),
person(id:): Build.row_ids). The hops' SQL is the same on both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, literal_column, select, table

from relgraph.domain.relations.network import (
    Link,
    hierarchy_links,
    internal_links,
    membership_links,
    party_kind,
    relation_links,
    shown_as_node,
)
from relgraph.graphql.compiled.compiler import Build

__all__ = ["KINDS", "Walk", "link_ctes", "walk"]

# The kinds of link in the order a hop finds them (network.step), by rank.
KINDS = [Link.RELATIONS, Link.HIERARCHY, Link.MEMBERSHIPS, Link.INTERNAL]
_INTERNAL = KINDS.index(Link.INTERNAL)

_NODE = ("kind", "id", "distance", "org")
_EDGE = ("s", "tk", "t", "rank", "label", "hop", "rid")


@dataclass
class Walk:
    """The walk written: its CTEs; the CTEs of its nodes and edges once it ended (columns
    as _NODE and _EDGE); and the condition that it stopped for want of room."""

    ctes: list[str]
    nodes: str
    edges: str
    truncated: str


def _render(build: Build, expression: Any) -> str:
    if isinstance(expression, Select):
        return str(
            expression.order_by(None).compile(
                dialect=build.conditions.dialect, compile_kwargs={"literal_binds": True}
            )
        )
    # An expression goes into SQL text written around it (`... AND {rule}`): in parentheses,
    # so that a rule that is an OR stays one term whatever the text beside it.
    return f"({expression.compile(dialect=build.conditions.dialect, compile_kwargs={'literal_binds': True})})"


def _touching(build: Build, front: str) -> Any:
    """The domain's "touches these parties (users)" over the frontier CTE `front` (its ids).
    PostgreSQL: an array, as the resolvers' IN-list, so it reads the links through their
    indexes (an OR of two IN-subqueries would scan the whole table). SQLite: an
    IN-subquery, which it reads through the indexes as it would a list."""
    if build.dialect.name != "postgresql":
        nodes: Select[Any] = select(literal_column("id")).select_from(table(front))
        return lambda id_column: id_column.in_(nodes)
    array: ColumnElement[Any] = literal_column(f"ANY(ARRAY(SELECT id FROM {front}))")

    def touching(id_column: Any) -> ColumnElement[bool]:
        return id_column == array

    return touching


def link_ctes(
    build: Build, name: str, parties: str, users: str, kinds: Iterable[int], viewer: Any
) -> list[str]:
    """Per kind of link asked (by rank), the CTE `{name}_{rank}(s, t, label, rid)`: the
    domain's statement of the links in force touching the parties (staff users) of the
    frontier CTE `parties` (`users`)."""
    today: dt.date = build.conditions.today
    touching_parties, touching_users = _touching(build, parties), _touching(build, users)
    statements = {
        # Each end becomes a node only through shown_as_node (R1 with the rest), and only
        # links between nodes become edges: R1 on the relation's ends would ask it twice.
        0: lambda: relation_links(viewer, touching_parties, None, today, ends_checked_later=True),
        1: lambda: hierarchy_links(touching_parties, today),
        2: lambda: membership_links(touching_parties, today),
        3: lambda: internal_links(viewer, touching_parties, touching_users, today),
    }
    return [f"{name}_{rank}(s, t, label, rid) AS ({_render(build, statements[rank]())})" for rank in kinds]


def walk(
    build: Build,
    nb: str,
    start: str,
    hops: int,
    depth: str,
    most: str,
    room: str,
    kinds: dict[int, str],
) -> Walk:
    """The walk from party `start` (SQL); `hops` hops written, `depth` of them walked;
    `most` nodes and `room` links at most; `kinds`: per kind of link followed (by rank)
    the condition that it is (network._arguments)."""
    viewer = build.conditions.viewer
    kind = _render(build, party_kind(literal_column(start)))
    ctes = [
        f"{nb}n0({', '.join(_NODE)}) AS MATERIALIZED (SELECT 0, {start}, 0, CASE WHEN {kind} IS NULL THEN 0 ELSE 1 END)",
        f"{nb}e0({', '.join(_EDGE)}) AS MATERIALIZED (SELECT 0, 0, 0, 0, '', 0, 0 WHERE 1 = 0)",
        f"{nb}x0(over) AS MATERIALIZED (SELECT 0)",
    ]
    if build.dialect.name != "postgresql":
        # SQLite copies a CTE's body into every place that names it when it prepares a
        # statement: the hops name each other's, and the copies multiply hop after hop
        # (three hops took seconds to prepare). So each hop is a statement of its own
        # (Build.step), from the walk so far as JSON to the walk one hop further; the walk
        # starts from the party's ID parameter, known before the statements run.
        # The last hop is the operation statement's own: `hops` statements in all.
        for k in range(1, hops):
            hop = _hop(build, nb, k, depth, most, room, kinds, viewer)
            state = build.step(f"WITH {', '.join([*ctes, *hop])} SELECT {_state(nb, k)}")
            ctes = _read_state(nb, k, state)
        ctes += _hop(build, nb, hops, depth, most, room, kinds, viewer)
        # x of the state read is the walk's until then, carried hop by hop.
        overs = f"(SELECT over FROM {nb}x{hops - 1}) = 1 OR (SELECT over FROM {nb}x{hops}) = 1"
    else:
        for k in range(1, hops + 1):
            ctes += _hop(build, nb, k, depth, most, room, kinds, viewer)
        overs = " OR ".join(f"(SELECT over FROM {nb}x{k}) = 1" for k in range(1, hops + 1))
    return Walk(ctes, f"{nb}n{hops}", f"{nb}e{hops}", overs)


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


def _reached(column: str, kind: int | str, nodes: str, where: str = "") -> str:
    """SQL: node (`kind`, `column`) is among `nodes` (those `where` holds of). `kind` a
    number, or the SQL of a column holding one (0 or 1). As NOT ... NOT IN: PostgreSQL
    hashes a NOT IN subquery whatever it guesses of the CTE's size, where an IN becomes a
    join that it may plan as a nested loop (rows x nodes)."""
    if isinstance(kind, str):
        return f"({kind} = 0 AND {_reached(column, 0, nodes, where)} OR {kind} = 1 AND {_reached(column, 1, nodes, where)})"
    return f"NOT {column} NOT IN (SELECT id FROM {nodes} WHERE kind = {kind}{where})"


def _hop(
    build: Build,
    nb: str,
    k: int,
    depth: str,
    most: str,
    room: str,
    kinds: dict[int, str],
    viewer: Any,
) -> list[str]:
    before, front = f"{nb}n{k - 1}", f"{nb}f{k}"
    links = link_ctes(build, f"{nb}l{k}", f"{front}_0", f"{front}_1", kinds, viewer)
    found = " UNION ALL ".join(
        f"SELECT s, {1 if rank == _INTERNAL else 0} AS tk, t, {rank} AS rank, label, rid "
        f"FROM {nb}l{k}_{rank} WHERE {condition}"
        for rank, condition in kinds.items()
    )
    if not kinds:
        found = "SELECT 0, 0, 0, 0, '', 0 WHERE 1 = 0"
    c, a = f"{nb}c{k}", f"{nb}a{k}"
    # Bare columns (no table): the rules are correlated to each candidate row, not joined
    # with the candidates.
    party = _render(build, party_kind(literal_column(f"{c}.id")))
    shown = _render(build, shown_as_node(viewer, literal_column(f"{a}.id"), literal_column(f"{a}.party")))
    room_for_nodes = f"(SELECT {most} - count(*) FROM {before})"
    room_for_edges = f"(SELECT {room} - count(*) FROM {nb}e{k - 1})"
    # The hop's edges: both ends reached, neither before the frontier (distance k - 1).
    ends = f" AND distance >= {k - 1}"
    going = f"{k} <= {depth} AND (SELECT over FROM {nb}x{k - 1}) = 0"  # the walk goes on
    return [
        *(
            f"{front}_{kind}(id) AS MATERIALIZED (SELECT id FROM {before} WHERE kind = {kind} "
            f"AND distance = {k - 1} AND {going})"
            for kind in (0, 1)
        ),
        *links,
        f"{nb}found{k}(s, tk, t, rank, label, rid) AS MATERIALIZED ({found})",
        f"{c}(kind, id) AS MATERIALIZED (SELECT 0, s FROM {nb}found{k} UNION SELECT tk, t FROM {nb}found{k})",
        # The ends not reached yet, each party with its party_kind (read once).
        (
            f"{a}(kind, id, party) AS MATERIALIZED (SELECT {c}.kind, {c}.id, CASE WHEN {c}.kind = 0 THEN {party} END "
            f"FROM {c} WHERE NOT {_reached(f'{c}.id', f'{c}.kind', before)})"
        ),
        (
            f"{nb}r{k}(kind, id, org) AS MATERIALIZED (SELECT {a}.kind, {a}.id, "
            f"CASE WHEN {a}.party = 1 THEN 1 ELSE 0 END FROM {a} WHERE {a}.kind = 1 OR {shown})"
        ),
        # The first of them in the walk's order while there is room (ORDER BY and LIMIT: a
        # window's row_number cost SQLite twice the sort).
        (
            f"{nb}n{k}({', '.join(_NODE)}) AS MATERIALIZED (SELECT {', '.join(_NODE)} FROM {before} UNION ALL "
            f"SELECT kind, id, {k}, org FROM (SELECT kind, id, org FROM {nb}r{k} "
            f"ORDER BY kind, id LIMIT {room_for_nodes}) y)"
        ),
        # A link's value once (its first row).
        (
            f"{nb}q{k}(s, tk, t, rank, label, rid) AS MATERIALIZED (SELECT q.s, q.tk, q.t, q.rank, q.label, min(q.rid) "
            f"FROM {nb}found{k} q WHERE {_reached('q.s', 0, f'{nb}n{k}', ends)} "
            f"AND {_reached('q.t', 'q.tk', f'{nb}n{k}', ends)} "
            f"GROUP BY q.s, q.tk, q.t, q.rank, q.label)"
        ),
        (
            f"{nb}e{k}({', '.join(_EDGE)}) AS MATERIALIZED (SELECT {', '.join(_EDGE)} "
            f"FROM {nb}e{k - 1} UNION ALL SELECT s, tk, t, rank, label, {k}, rid FROM (SELECT s, tk, t, rank, label, rid "
            f"FROM {nb}q{k} ORDER BY rank, rid LIMIT {room_for_edges}) y)"
        ),
        (
            f"{nb}x{k}(over) AS MATERIALIZED (SELECT CASE WHEN (SELECT count(*) FROM {nb}r{k}) > {room_for_nodes} "
            f"OR (SELECT count(*) FROM {nb}q{k}) > {room_for_edges} THEN 1 ELSE 0 END)"
        ),
    ]
