"""Query.shortestPath in compiled reads: domain/relations/paths.shortest_path's walk from
both ends, a statement per hop (shortest_path says why).

The walk is at most maxDepth hops (1-8), each written out as its own CTEs over the state
the previous hop left (network.py's way, whose link statements and frontier it reuses),
handed from one statement to the next as JSON:
  x     the walk's state: going on (0) or over (1), each side's step and frontier size,
        and the node where the sides met (NULL: none, yet or ever);
  h     the side this hop widens (the smaller frontier, the start's on a tie), its step;
        no row once the walk is over or beyond maxDepth;
  f     that side's frontier: its nodes at its step, with the IN-list chunk the domain
        would ask each in (network.CHUNK ids of a kind by id);
  l, q  every link of each kind touching it: the domain's own statements (relation_links,
        ...) rendered over the frontier; R1 on a relation's ends is left to `r`, which
        admits no end the rule hides (a frontier node is shown already);
  o     each link from the frontier node it touches (`here`) to its other end (`there`);
  r     per end not reached by this side yet, the first link to it in the order the
        domain finds them (party links chunk by chunk: relations, hierarchy, memberships,
        each by row id; then account managers by row id), admitted when it may be a node;
  v     what each side reached (the domain's `came`): node, step, the link that reached
        it and the node it came from;
  m     the meeting: an admitted node the other side reached, nearest to its own end
        first, then by (kind, id).
The walk stops where the domain's stops: a meeting, no new node (the next hop would find
an empty frontier), more than MAX_VISITED nodes reached. The path is read back from the
meeting through `v` on each side, in the order domain paths._join puts it.
Nodes are (kind, id) with kind 0 a party and 1 a staff user, sorting as the domain sorts.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.values import VariableValues
from sqlalchemy import ColumnElement, literal_column

from relgraph.domain.relations.network import (
    CHUNK,
    party_kind,
    shown_as_node,
)
from relgraph.domain.relations.paths import MAX_VISITED
from relgraph.graphql.compiled.compiler import Build
from relgraph.graphql.compiled.network import edges_json
from relgraph.graphql.compiled.network_walk import KINDS, _render, link_ctes
from relgraph.graphql.compiled.selection import Decline, Selected, arguments_of
from relgraph.graphql.core.as_of import AS_OF
from relgraph.graphql.core.ids import decode_id
from relgraph.graphql.relations.types.network import MAX_PATH_DEPTH

__all__ = ["shortest_path"]

_PARTY_TYPES = ("Organisation", "Person")


def _arguments(
    build: Build, query: GraphQLObjectType, item: Selected
) -> tuple[str, str, str, int, dict[int, str]]:
    """The start's and goal's ids, maxDepth as SQL, how many hops to write, and per kind
    of link followed (by rank) the condition that it is (network._arguments' way: what is
    written in the document is written in the statement)."""
    definition = query.fields[item.name]
    arguments = arguments_of(definition, item, ["fromId", "toId", "maxDepth", "include", AS_OF])
    if build.day_of(query, item) is not None:
        raise Decline("a shortest path as of another day")

    def read(variables: VariableValues) -> dict[str, Any]:
        given = arguments.read(variables)
        # What the resolvers refuse, they word (in their order: maxDepth, fromId, toId).
        if not 1 <= given["maxDepth"] <= MAX_PATH_DEPTH:
            raise Decline("a maxDepth the resolvers refuse")
        for name in ("fromId", "toId"):
            decoded = decode_id(given[name])
            if decoded is None or decoded[0] not in _PARTY_TYPES:
                raise Decline("an ID the resolvers refuse")
        return given

    def party(name: str) -> Any:
        def pk(variables: VariableValues) -> int:
            decoded = decode_id(read(variables)[name])
            assert decoded is not None  # read() declined it otherwise
            return decoded[1]

        return pk

    start, goal = (f"CAST({build.parameter(party(name))} AS BIGINT)" for name in ("fromId", "toId"))

    def constant(name: str) -> tuple[bool, Any]:
        if name not in arguments.given:
            return True, definition.args[name].default_value
        return arguments.literal(name)

    known, value = constant("maxDepth")
    if known and isinstance(value, int):
        if not 1 <= value <= MAX_PATH_DEPTH:
            raise Decline("a maxDepth the resolvers refuse")
        depth, hops = str(value), value
    else:
        depth, hops = build.parameter(lambda variables: int(read(variables)["maxDepth"])), MAX_PATH_DEPTH
    known, value = constant("include")
    if known:
        kinds = {rank: "1 = 1" for rank, kind in enumerate(KINDS) if kind in (value or KINDS)}
    else:

        def included(kind: Any) -> Any:
            return lambda variables: kind in (read(variables)["include"] or KINDS)

        kinds = {rank: build.parameter(included(kind)) for rank, kind in enumerate(KINDS)}
    return start, goal, depth, hops, kinds


# v's columns: the side (0 from the start, 1 from the goal), the node, its step from that
# side's end, the link that reached it (NULL at the end itself) and the node it came from.
_CAME = "side, kind, id, step, sk, s, tk, t, rank, label, rid, hk, hid"
_STATE = "state, st0, st1, f0, f1, mk, mid"


def shortest_path(build: Build, query: GraphQLObjectType, selected: Selected) -> str:
    """The NetworkPath between the parties fromId and toId, or null."""
    if build.dialect.name != "postgresql":
        # The walk gives the same answers on SQLite (its state is written for both), but
        # there a hop's memberships touching the frontier (an IN-subquery, network_walk's
        # _touching) are read by scanning their whole index: 2 s a path on the large bench
        # data against the resolvers' 30 ms, whose IN-lists SQLite reads through the index.
        raise Decline("a shortest path on SQLite")
    start, goal, depth, hops, kinds = _arguments(build, query, selected)
    viewer = build.conditions.viewer
    sp = build.alias("sp")

    def shown(column: str) -> str:
        party: ColumnElement[Any] = literal_column(column)
        # Parenthesised: the rule is an OR, written into ANDs.
        return f"({_render(build, shown_as_node(viewer, party, party_kind(party)))})"

    # Visibility first, as the domain's: even the empty path to itself would betray a hidden end.
    ends = " AND ".join(
        f"EXISTS (SELECT 1 FROM parties {sp}p WHERE {sp}p.id = {end} AND {shown(f'{sp}p.id')})"
        for end in (start, goal)
    )
    # Typed, for PostgreSQL: the later hops' rows are appended to these.
    origin = "CAST(NULL AS INTEGER), CAST(NULL AS BIGINT), " * 2 + (
        "CAST(NULL AS INTEGER), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS INTEGER), CAST(NULL AS BIGINT)"
    )
    ctes = [
        f"{sp}ok(ok) AS MATERIALIZED (SELECT CASE WHEN {ends} THEN 1 ELSE 0 END)",
        (
            f"{sp}v0({_CAME}) AS MATERIALIZED (SELECT 0, 0, {start}, 0, {origin} "
            f"UNION ALL SELECT 1, 0, {goal}, 0, {origin})"
        ),
        (
            # Over at once when an end is hidden (no path) or the ends are one (met there).
            f"{sp}x0({_STATE}) AS MATERIALIZED (SELECT CASE WHEN ok = 1 AND {start} <> {goal} THEN 0 ELSE 1 END, "
            f"0, 0, 1, 1, CASE WHEN ok = 1 AND {start} = {goal} THEN 0 END, "
            f"CASE WHEN ok = 1 AND {start} = {goal} THEN {start} END FROM {sp}ok)"
        ),
    ]
    # Each hop but the last is a statement of its own (Build.step), from the walk so far as
    # JSON to the walk one hop further (network.py's way on SQLite); the last is the
    # operation's statement. SQLite copies a CTE's body into every place that names it:
    # hops naming the hops before them multiply (past its 65,535 table references at six).
    # PostgreSQL prices each hop's links by the tables' statistics, not by the frontier (a
    # staff user looks after thousands): eight hops in one statement went past
    # jit_above_cost, and it spent a second compiling a 5 ms walk to machine code.
    for k in range(1, hops):
        hop = _hop(build, sp, k, depth, kinds, shown)
        state = build.step(f"WITH {', '.join([*ctes, *hop])} SELECT {_state(build, sp, k)}")
        ctes = _read_state(build, sp, k, state)
    ctes += _hop(build, sp, hops, depth, kinds, shown)
    ctes.append(
        # The path back from the meeting to each end, `pos` links away from the meeting.
        f"{sp}b(side, kind, id, pos, sk, s, tk, t, rank, label, hk, hid) AS ("
        f"SELECT v.side, v.kind, v.id, 0, v.sk, v.s, v.tk, v.t, v.rank, v.label, v.hk, v.hid "
        f"FROM {sp}v{hops} v JOIN {sp}x{hops} x ON v.kind = x.mk AND v.id = x.mid "
        f"UNION ALL SELECT v.side, v.kind, v.id, b.pos + 1, v.sk, v.s, v.tk, v.t, v.rank, v.label, v.hk, v.hid "
        f"FROM {sp}b b JOIN {sp}v{hops} v ON v.side = b.side AND v.kind = b.hk AND v.id = b.hid)"
    )
    # From the start to the meeting (side 0, farthest first), then on to the goal (side 1).
    order = ["{0}.side", "CASE WHEN {0}.side = 0 THEN -{0}.pos ELSE {0}.pos END"]
    d = build.dialect
    path_type = build.object_type("NetworkPath")
    pairs: list[tuple[str, str]] = []
    for field in build.fields(path_type, selected):
        at = [selected.key, field.key]
        if field.name == "__typename":
            pairs.append((field.key, d.literal(path_type.name)))
        elif field.name == "length":
            pairs.append((field.key, f"(SELECT count(*) FROM {sp}b b WHERE b.sk IS NOT NULL)"))
        elif field.name == "edges":
            edges = edges_json(
                build, field, f"{sp}b", order, lambda id_: _party_gid(build, id_), where="{}.sk IS NOT NULL"
            )
            pairs.append((field.key, edges))
        elif field.name == "parties":
            pairs.append((field.key, _parties(build, field, f"{sp}b", order, at)))
        else:
            raise Decline(f"field {path_type.name}.{field.name}")
    found = f"SELECT {d.obj(pairs)} FROM {sp}x{hops} WHERE mk IS NOT NULL"
    return d.nested(f"WITH RECURSIVE {', '.join(ctes)} {found}")


def _state(build: Build, sp: str, k: int) -> str:
    """The walk after hop `k` as one JSON value: what each side reached, and the state."""
    if build.dialect.name == "postgresql":
        came = f"(SELECT coalesce(json_agg(json_build_array({_CAME})), '[]') FROM {sp}v{k})"
        # As text: the driver would hand JSON over as Python objects.
        state = f"json_build_object('v', {came}, 'x', (SELECT json_build_array({_STATE}) FROM {sp}x{k}))"
        return f"CAST({state} AS TEXT)"
    came = f"(SELECT json_group_array(json_array({_CAME})) FROM {sp}v{k}) -> '$'"
    return f"json_object('v', {came}, 'x', (SELECT json_array({_STATE}) FROM {sp}x{k}) -> '$')"


# The SQL types of v's and x's columns (PostgreSQL reads JSON values as text).
_CAME_TYPES = (
    "INTEGER INTEGER BIGINT INTEGER INTEGER BIGINT INTEGER BIGINT INTEGER TEXT BIGINT INTEGER BIGINT"
)
_STATE_TYPES = "INTEGER INTEGER INTEGER BIGINT BIGINT INTEGER BIGINT"


def _read_state(build: Build, sp: str, k: int, state: str) -> list[str]:
    """The CTEs v and x after hop `k`, read from the bind parameter `state` (_state's)."""
    if build.dialect.name == "postgresql":
        walk, rows = f"CAST({state} AS JSON)", "json_array_elements"
    else:
        walk, rows = state, "json_each"
    came = ", ".join(f"CAST(value ->> {i} AS {t})" for i, t in enumerate(_CAME_TYPES.split()))
    over = ", ".join(f"CAST(({walk} -> 'x') ->> {i} AS {t})" for i, t in enumerate(_STATE_TYPES.split()))
    return [
        f"{sp}v{k}({_CAME}) AS MATERIALIZED (SELECT {came} FROM {rows}({walk} -> 'v'))",
        f"{sp}x{k}({_STATE}) AS MATERIALIZED (SELECT {over})",
    ]


def _hop(build: Build, sp: str, k: int, depth: str, kinds: dict[int, str], shown: Any) -> list[str]:
    viewer = build.conditions.viewer
    before, came, front = f"{sp}x{k - 1}", f"{sp}v{k - 1}", f"{sp}f{k}"
    links = link_ctes(build, f"{sp}l{k}", f"{front}p", f"{front}u", kinds, viewer)
    found = " UNION ALL ".join(
        f"SELECT 0 AS sk, s, {1 if rank == 3 else 0} AS tk, t, {rank} AS rank, label, rid "
        f"FROM {sp}l{k}_{rank} WHERE {condition}"
        for rank, condition in kinds.items()
    )
    if not kinds:
        found = "SELECT 0, 0, 0, 0, 0, '', 0 WHERE 1 = 0"
    edge = "q.sk, q.s, q.tk, q.t, q.rank, q.label, q.rid"
    # The first link to each end in the domain's order: all party links before the account
    # managers', chunk by chunk, kind by kind, row by row.
    first = "CASE WHEN o.rank = 3 THEN 1 ELSE 0 END, o.chunk, o.rank, o.rid"
    return [
        (
            f"{sp}h{k}(side, step) AS MATERIALIZED (SELECT CASE WHEN f0 <= f1 THEN 0 ELSE 1 END, "
            f"CASE WHEN f0 <= f1 THEN st0 ELSE st1 END FROM {before} WHERE state = 0 AND {k} <= {depth})"
        ),
        (
            f"{front}(kind, id, chunk) AS MATERIALIZED (SELECT v.kind, v.id, "
            f"(row_number() OVER (PARTITION BY v.kind ORDER BY v.id) - 1) / {CHUNK} "
            f"FROM {came} v JOIN {sp}h{k} h ON v.side = h.side AND v.step = h.step)"
        ),
        # Its parties' and staff's ids, as network_walk's frontier is read (_touching).
        f"{front}p(id) AS MATERIALIZED (SELECT id FROM {front} WHERE kind = 0)",
        f"{front}u(id) AS MATERIALIZED (SELECT id FROM {front} WHERE kind = 1)",
        *links,
        f"{sp}q{k}(sk, s, tk, t, rank, label, rid) AS MATERIALIZED ({found})",
        (
            f"{sp}o{k}(kind, id, sk, s, tk, t, rank, label, rid, hk, hid, chunk) AS MATERIALIZED ("
            f"SELECT q.tk, q.t, {edge}, f.kind, f.id, f.chunk FROM {sp}q{k} q JOIN {front} f ON f.kind = q.sk AND f.id = q.s "
            f"UNION ALL SELECT q.sk, q.s, {edge}, f.kind, f.id, f.chunk FROM {sp}q{k} q JOIN {front} f ON f.kind = q.tk AND f.id = q.t)"
        ),
        (
            f"{sp}r{k}(kind, id, sk, s, tk, t, rank, label, rid, hk, hid) AS MATERIALIZED ("
            f"SELECT kind, id, sk, s, tk, t, rank, label, rid, hk, hid FROM (SELECT o.*, "
            f"row_number() OVER (PARTITION BY o.kind, o.id ORDER BY {first}) AS n FROM {sp}o{k} o "
            f"WHERE (o.kind, o.id) NOT IN (SELECT v.kind, v.id FROM {came} v JOIN {sp}h{k} h ON v.side = h.side)) c "
            f"WHERE c.n = 1 AND (c.kind = 1 OR {shown('c.id')}))"
        ),
        (
            f"{sp}v{k}({_CAME}) AS MATERIALIZED (SELECT {_CAME} FROM {came} UNION ALL "
            f"SELECT h.side, r.kind, r.id, h.step + 1, r.sk, r.s, r.tk, r.t, r.rank, r.label, r.rid, r.hk, r.hid "
            f"FROM {sp}r{k} r CROSS JOIN {sp}h{k} h)"
        ),
        (
            f"{sp}m{k}(kind, id) AS MATERIALIZED (SELECT r.kind, r.id FROM {sp}r{k} r "
            f"JOIN {came} v ON v.kind = r.kind AND v.id = r.id JOIN {sp}h{k} h ON v.side = 1 - h.side "
            f"ORDER BY v.step, r.kind, r.id LIMIT 1)"
        ),
        (
            f"{sp}x{k}({_STATE}) AS MATERIALIZED (SELECT CASE WHEN h.side IS NULL THEN x.state "
            f"WHEN EXISTS (SELECT 1 FROM {sp}m{k}) OR NOT EXISTS (SELECT 1 FROM {sp}r{k}) "
            f"OR (SELECT count(*) FROM {sp}v{k}) > {MAX_VISITED} THEN 1 ELSE 0 END, "
            f"CASE WHEN h.side = 0 THEN x.st0 + 1 ELSE x.st0 END, CASE WHEN h.side = 1 THEN x.st1 + 1 ELSE x.st1 END, "
            f"CASE WHEN h.side = 0 THEN (SELECT count(*) FROM {sp}r{k}) ELSE x.f0 END, "
            f"CASE WHEN h.side = 1 THEN (SELECT count(*) FROM {sp}r{k}) ELSE x.f1 END, "
            f"CASE WHEN h.side IS NULL THEN x.mk ELSE (SELECT kind FROM {sp}m{k}) END, "
            f"CASE WHEN h.side IS NULL THEN x.mid ELSE (SELECT id FROM {sp}m{k}) END "
            f"FROM {before} x LEFT JOIN {sp}h{k} h ON 1 = 1)"
        ),
    ]


def _party_gid(build: Build, id_: str) -> str:
    """A party's global ID: an Organisation's or a Person's, as its row says."""
    d = build.dialect
    return (
        f"CASE WHEN EXISTS (SELECT 1 FROM organisations og WHERE og.id = {id_}) "
        f"THEN {d.gid('Organisation', id_)} ELSE {d.gid('Person', id_)} END"
    )


def _parties(build: Build, selected: Selected, back: str, order: list[str], path: list[str]) -> str:
    """The parties along the path, start to goal (staff left out; the meeting once)."""
    d = build.dialect
    n, o, pe = build.alias("n"), build.alias("o"), build.alias("pe")
    at = [*path, "*"]
    organisation = build.object(
        "Organisation", o, build.fields(build.object_type("Organisation"), selected), at
    )
    person = build.object("Person", pe, build.fields(build.object_type("Person"), selected), at)
    source = (
        f"FROM {back} {n} LEFT JOIN organisations {o} ON {o}.id = {n}.id "
        f"LEFT JOIN persons {pe} ON {pe}.id = {n}.id WHERE {n}.kind = 0 AND NOT ({n}.side = 1 AND {n}.pos = 0)"
    )
    return d.array(
        d.either(f"{o}.id IS NOT NULL", organisation, person), source, [c.format(n) for c in order], None
    )
