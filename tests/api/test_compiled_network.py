"""Compiled reads of the analysts' network: descendants (breadth first) and neighbourhoods
answer exactly as the resolvers do, as every demo user, on both databases."""

from __future__ import annotations

from typing import Any

import test_compiled
from sqlalchemy import update
from test_compiled import _both

from relgraph.db.models import Organisation

DESCENDANTS = """query Descendants($id: ID!, $first: Int, $maxDepth: Int, $archived: Boolean! = false) {
  organisation(id: $id) {
    name
    descendants(first: $first, maxDepth: $maxDepth, includeArchived: $archived) {
      __typename totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename cursor depth node { id name parent { name } } }
      nodes { name memberships { totalCount } }
    }
    two: descendants(first: 2) { totalCount edges { depth cursor } pageInfo { hasNextPage endCursor } }
  }
}"""

# test_compiled.py's fixtures: the demo data, its users, the resolvers-only client.
answered = test_compiled.answered
demo_data = test_compiled.demo_data
demo_users = test_compiled.demo_users
resolvers_client = test_compiled.resolvers_client


async def _organisations(caller: Any) -> list[str]:
    found = await caller.gql(
        "{ organisations(first: 100, filter: { includeArchived: true }) { nodes { id } } }"
    )
    return [node["id"] for node in found["organisations"]["nodes"]]


async def test_descendants_as_the_resolvers_page_them(
    demo_data,
    demo_users,
    resolvers_client,
    answered,
    sessionmaker,
) -> None:
    admin = demo_users[0]
    ids = await _organisations(admin)
    # An archived organisation in a group hides its branch unless includeArchived.
    async with sessionmaker() as session:
        parents = (
            await session.execute(Organisation.__table__.select().where(Organisation.parent_id.is_not(None)))
        ).all()
        await session.execute(
            update(Organisation).where(Organisation.id == parents[0].parent_id).values(archived=True)
        )
        await session.commit()
    answered.clear()
    deepest = 0
    cases = [{}, {"first": 1}, {"first": 3, "maxDepth": 1}, {"maxDepth": 2, "archived": True}, {"first": 100}]
    for pk in ids:
        for variables in cases:
            answer = await _both(admin, resolvers_client, DESCENDANTS, {"id": pk, **variables})
            edges = answer["data"]["organisation"]["descendants"]["edges"]
            deepest = max([deepest, *(edge["depth"] for edge in edges)])
    assert set(answered) == {"Descendants"}
    assert deepest >= 2  # the demo groups are deep enough to show the breadth-first order
    # What the resolvers refuse or the compiler does not know: the resolvers answer it.
    answered.clear()
    for variables in ({"maxDepth": 0}, {"first": 101}):
        await _both(admin, resolvers_client, DESCENDANTS, {"id": ids[0], **variables})
    assert answered == []
