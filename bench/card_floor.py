"""The floor of benchmark 1: the organisation card without relgraph's machinery.

A minimal ASGI app on the same HTTP stack (uvicorn, JSON) that answers the card query with
three hand-written SQL statements (the organisation with its parent, its subsidiaries, the
active memberships of all of them with their persons) and graphql-core executing the same
query document (parsed and validated once) over plain dicts. No authentication, no
visibility rules, no loaders: what the card costs at the least in Python. It runs with
the same garbage-collector settings as `relgraph serve` (relgraph.gc_tuning).

    RELGRAPH_DATABASE_URL=... .venv/bin/uvicorn --app-dir bench card_floor:app --port 8001
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any

from graphql import build_schema, parse, validate
from graphql.execution import execute
from sqlalchemy import bindparam, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from relgraph.config import Settings
from relgraph.db.engine import create_engine
from relgraph.gc_tuning import tune_for_serving
from relgraph.graphql.core.ids import decode_id, encode_id

SCHEMA = build_schema(
    """
    type Query { organisation(id: ID!): Organisation }
    type Organisation {
      id: ID! name: String! code: String kvkNumber: String
      parent: Organisation
      memberships(first: Int): MembershipConnection!
      subsidiaries(first: Int): OrganisationConnection!
    }
    type OrganisationConnection { nodes: [Organisation!]! }
    type MembershipConnection { nodes: [Membership!]! }
    type Membership { id: ID! jobTitle: String role: String person: Person }
    type Person { id: ID! firstName: String infix: String lastName: String! }
    """
)

ORG = text(
    "SELECT o.id, o.name, o.code, o.kvk_number, p.id AS pid, p.name AS pname "
    "FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id WHERE o.id = :id"
)
SUBS = text(
    "SELECT id, name, code, kvk_number FROM organisations WHERE parent_id = :id AND archived = false "
    "ORDER BY name_key, id LIMIT 50"
)
MEMBERS = text(
    "SELECT m.id, m.organisation_id, m.job_title, m.role, p.id AS pid, p.first_name, p.infix, p.last_name "
    "FROM memberships m JOIN persons p ON p.id = m.person_id "
    "WHERE m.organisation_id IN :ids AND m.active "
    # In force today, as relgraph asks it (db/models/in_force.py).
    "AND (m.start_date IS NULL OR m.start_date <= CURRENT_DATE) AND (m.end_date IS NULL OR m.end_date >= CURRENT_DATE) "
    "ORDER BY m.organisation_id, p.sort_key, m.id"
).bindparams(bindparam("ids", expanding=True))

engine = create_engine(os.environ["RELGRAPH_DATABASE_URL"])
documents: dict[str, Any] = {}


def _org(row: Any) -> dict[str, Any]:
    return {
        "id": encode_id("Organisation", row.id),
        "name": row.name,
        "code": row.code,
        "kvkNumber": row.kvk_number,
        "memberships": {"nodes": []},
        "subsidiaries": {"nodes": []},
    }


async def card(pk: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        top = (await conn.execute(ORG, {"id": pk})).one_or_none()
        if top is None:
            return None
        subs = list(await conn.execute(SUBS, {"id": pk}))
        members = list(await conn.execute(MEMBERS, {"ids": [pk, *(s.id for s in subs)]}))
    org = _org(top)
    org["parent"] = None if top.pid is None else {"id": encode_id("Organisation", top.pid), "name": top.pname}
    by_id = {pk: org}
    for row in subs:
        by_id[row.id] = sub = _org(row)
        org["subsidiaries"]["nodes"].append(sub)
    for m in members:
        nodes = by_id[m.organisation_id]["memberships"]["nodes"]
        if len(nodes) < 50:
            nodes.append(
                {
                    "id": encode_id("Membership", m.id),
                    "jobTitle": m.job_title,
                    "role": m.role,
                    "person": {
                        "id": encode_id("Person", m.pid),
                        "firstName": m.first_name,
                        "infix": m.infix,
                        "lastName": m.last_name,
                    },
                }
            )
    return org


async def graphql_endpoint(request: Request) -> Response:
    body = await request.json()
    query = body["query"]
    document = documents.get(query)
    if document is None:
        document = parse(query)
        errors = validate(SCHEMA, document)
        if errors:
            return Response(
                json.dumps({"errors": [e.formatted for e in errors]}),
                400,
                media_type="application/json",
            )
        documents[query] = document
    decoded = decode_id(body["variables"]["id"])
    root = {"organisation": await card(decoded[1]) if decoded else None}
    # In a worker thread: graphql-core 3.3's synchronous execution runs ~3-4x slower on the
    # thread of uvicorn's event loop (measured: 120 ms instead of 30-40 ms for the big card,
    # all of it CPU time; the pitfall PEERS.md reports). A floor must not carry that.
    result = await asyncio.to_thread(
        execute, SCHEMA, document, root_value=root, variable_values=body.get("variables")
    )
    if not isinstance(result, dict) and hasattr(result, "__await__"):
        result = await result
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [e.formatted for e in result.errors]
    return Response(json.dumps(payload, separators=(",", ":")), media_type="application/json")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # The same garbage-collector settings as `relgraph serve`: the comparison is about the
    # work per request, not about the collector.
    tune_for_serving(Settings().gc_threshold)
    yield


app = Starlette(routes=[Route("/graphql", graphql_endpoint, methods=["POST"])], lifespan=lifespan)
