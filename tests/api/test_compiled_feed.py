"""The changes feed through compiled reads: the same pages as the resolvers for every demo
role, read both ways, each change with its object as it is now (gone, hidden, merged,
erased, withheld invoice data), and no change or object a viewer may not see."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from compared import both
from helpers import Caller, add_membership, create_organisation, create_person, ok

from relgraph.cli import DEMO_USERS

FEED = """query Feed($first: Int, $after: String, $last: Int, $before: String) {
  changes(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename kind objectType objectId at survivorId
      node {
        __typename id
        ... on Organisation { name archived invoiceCompanyName }
        ... on Person { displayName lastName }
        ... on Membership { role active person { displayName } organisation { name } }
        ... on Relation { note startDate type { name } source { displayName } target { displayName } }
      } } }
  }
}"""


@pytest.fixture
async def feed(demo_users: list[Caller]) -> None:
    """Organisations (one merged into another), persons (one no business user sees, one
    erased), memberships (one deleted) and relations (one to the hidden person, one deleted)."""
    admin = demo_users[0]
    a = await create_organisation(admin, "Feed Eerste B.V.", invoiceCompanyName="MARKER-INVOICE")
    b = await create_organisation(admin, "Feed Tweede B.V.")
    c = await create_organisation(admin, "Feed Derde B.V.")
    member = await create_person(admin, "Lid")
    hidden = await create_person(admin, "MARKER-HIDDEN")
    erased = await create_person(admin, "Gewist")
    await add_membership(admin, member, a, role="Beslisser")
    gone = await add_membership(admin, erased, b)
    await ok(admin, "deleteMembership", "", id=gone, reason="Vertrokken")
    await ok(admin, "deletePerson", "", id=erased, confirm=True)
    kind = await ok(
        admin,
        "createRelationType",
        "relationType { id }",
        name="feed van",
        inverseName="feed naar",
        sourceKinds=["ORGANISATION"],
        targetKinds=["ORGANISATION", "PERSON"],
    )
    type_id = kind["relationType"]["id"]
    await ok(admin, "addRelation", "", typeId=type_id, sourceId=a, targetId=hidden)
    kept = await ok(admin, "addRelation", "relation { id }", typeId=type_id, sourceId=a, targetId=member)
    await ok(admin, "updateRelation", "", id=kept["relation"]["id"], note="Bijgewerkt")
    dropped = await ok(admin, "addRelation", "relation { id }", typeId=type_id, sourceId=b, targetId=c)
    await ok(admin, "deleteRelation", "", id=dropped["relation"]["id"])
    await ok(admin, "mergeOrganisations", "", sourceId=c, targetId=b)


async def _walk(
    caller: Caller, resolvers_client: Any, answered: list[str], backwards: bool
) -> list[dict[str, Any]]:
    """The whole feed, 4 changes at a time, forwards or from the end; each page compared
    and compiled. The changes in the order shown."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        variables: dict[str, Any] = (
            {"last": 4, "before": cursor} if backwards else {"first": 4, "after": cursor}
        )
        answered.clear()
        answer = await both(caller, resolvers_client, FEED, variables)
        assert answered == ["Feed"], caller.email
        changes = answer["data"]["changes"]
        page = [edge["node"] for edge in changes["edges"]]
        found = page + found if backwards else found + page
        info = changes["pageInfo"]
        if not (info["hasPreviousPage"] if backwards else info["hasNextPage"]):
            assert len(found) == changes["totalCount"]
            return found
        cursor = info["startCursor"] if backwards else info["endCursor"]


async def test_the_feed_is_read_both_ways_as_the_resolvers_read_it(
    feed, demo_users, resolvers_client, answered
) -> None:
    for caller, (_, _, role, permissions) in zip(demo_users, DEMO_USERS, strict=True):
        forwards = await _walk(caller, resolvers_client, answered, False)
        assert forwards == await _walk(caller, resolvers_client, answered, True)
        kinds = {(c["objectType"], c["kind"]) for c in forwards}
        assert {("ORGANISATION", "MERGED"), ("RELATION", "DELETED"), ("RELATION", "UPDATED")} <= kinds
        # The erased person and its membership's changes: hidden from those who do not see it.
        erasure = {("PERSON", "ERASED"), ("MEMBERSHIP", "DELETED")}
        assert (erasure <= kinds) == (role in ("ADMIN", "TEAM")), (caller.email, kinds)
        types = {c["node"]["__typename"] for c in forwards if c["node"] is not None}
        assert types == {"Organisation", "Person", "Membership", "Relation"}
        assert any(c["node"] is None for c in forwards)  # deleted ones
        text = orjson.dumps(forwards)
        assert (b"MARKER-HIDDEN" in text) == (role in ("ADMIN", "TEAM")), caller.email
        assert (b"MARKER-INVOICE" in text) == ("FINANCE" in permissions), caller.email


async def test_a_page_of_the_feed_with_forbidden_fields_has_their_errors(
    feed, demo_users, resolvers_client, answered
) -> None:
    """Invoice data of the organisations on a page: null with FORBIDDEN where the resolvers put it."""
    for caller in demo_users[1:]:
        answered.clear()
        answer = await both(caller, resolvers_client, FEED, {"first": 100})
        assert answered == ["Feed"]
        assert answer["errors"] and {e["extensions"]["code"] for e in answer["errors"]} == {"FORBIDDEN"}
