"""Compiled reads of a party's relations, an organisation's account managers, its VAT
number (formatted in Python after the statement) and a party's email and phone answer as
the resolvers do, as every demo user, with a person hidden from BUSINESS and READONLY (R1)
at the other end of a relation."""

from __future__ import annotations

from typing import Any

import pytest
from compared import both, card_id
from sqlalchemy import update

from relgraph.db.models import Organisation
from relgraph.graphql.core.ids import decode_id

RELATIONS = """query Relations($id: ID!) {
  organisation(id: $id) {
    vatNumber email phone
    accountManagers { __typename id name email role active }
    relations(first: 50) {
      __typename totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        __typename cursor label direction
        otherParty { __typename id kind displayName ... on Person { lastName email phone } ... on Organisation { code email } }
        node { id active startDate endDate note version type { id name inverseName symmetric active } }
        relation { source { id } target { ... on Party { displayName } } }
      }
      nodes { id }
    }
    few: relations(first: 1) { totalCount pageInfo { hasNextPage endCursor } edges { cursor } }
  }
}"""

PERSON_RELATIONS = """query PersonRelations($id: ID!) {
  person(id: $id) {
    displayName email phone
    relations { totalCount edges { label direction otherParty { id displayName ...Code } } }
  }
}
fragment Code on Organisation { code accountManagers { name } }"""


async def _admin_mutation(caller: Any, mutation: str, variables: dict[str, Any]) -> dict[str, Any]:
    data = await caller.gql(mutation, variables)
    [result] = data.values()
    assert not result.get("userErrors"), result
    return result


@pytest.fixture
async def hidden_relation(demo_data, demo_users) -> tuple[str, str]:
    """The card's organisation and a person without memberships (hidden from BUSINESS and
    READONLY) related to it: (organisation id, person id)."""
    admin = demo_users[0]
    card = await card_id(admin)
    created = await _admin_mutation(
        admin,
        "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id } userErrors { message } } }",
        {"i": {"firstName": "Quirijn", "lastName": "Verborgenheim"}},
    )
    person = created["person"]["id"]
    types = await admin.gql("{ relationTypes { id sourceKinds targetKinds } }")
    [type_id, *_] = [
        t["id"]
        for t in types["relationTypes"]
        if "PERSON" in t["sourceKinds"] and "ORGANISATION" in t["targetKinds"]
    ]
    await _admin_mutation(
        admin,
        "mutation($i: AddRelationInput!) { addRelation(input: $i) { userErrors { message } } }",
        {"i": {"typeId": type_id, "sourceId": person, "targetId": card}},
    )
    return card, person


async def test_relations_account_managers_and_vat_number_read_as_the_resolvers_read_them(
    hidden_relation, demo_users, resolvers_client, answered, sessionmaker
) -> None:
    card, person = hidden_relation
    totals = {}
    for caller in demo_users:
        answered.clear()
        answer = await both(caller, resolvers_client, RELATIONS, {"id": card})
        assert answered == ["Relations"], caller.email
        relations = answer["data"]["organisation"]["relations"]
        others = [edge["otherParty"]["id"] for edge in relations["edges"]]
        totals[caller.email] = relations["totalCount"]
        # R1: the hidden person is left out of the list and of its count, not shown as null.
        assert (person in others) == (caller is demo_users[0] or caller is demo_users[1]), caller.email
        assert None not in others and relations["totalCount"] == len(others)
    admin, _, business, _ = demo_users
    assert totals[admin.email] == totals[business.email] + 1
    # The VAT number is the stored one as python-stdnum writes it (a transform after the
    # statement): one its country writes with spaces.
    async with sessionmaker() as session:
        await session.execute(
            update(Organisation).where(Organisation.id == decode_id(card)[1]).values(vat_number="GB980780684")  # type: ignore[index]
        )
        await session.commit()
    for caller in demo_users:
        answered.clear()
        answer = await both(caller, resolvers_client, RELATIONS, {"id": card})
        assert answered == ["Relations"], caller.email
        shown = answer["data"]["organisation"]["vatNumber"]
        assert shown == ("GB 980 7806 84" if caller is admin else None), caller.email


async def test_a_persons_relations_read_as_the_resolvers_read_them(
    hidden_relation, demo_users, resolvers_client, answered
) -> None:
    _, person = hidden_relation
    for caller in demo_users:
        answered.clear()
        answer = await both(caller, resolvers_client, PERSON_RELATIONS, {"id": person})
        assert answered == ["PersonRelations"], caller.email
        found = answer["data"]["person"]
        # Hidden from BUSINESS and READONLY (R1): no person, so no relations either.
        assert (found is not None) == (caller is demo_users[0] or caller is demo_users[1]), caller.email
        if found is not None:
            assert found["relations"]["totalCount"] == 1
            assert found["relations"]["edges"][0]["otherParty"]["code"]


SORTED_RELATIONS = """query SortedRelations($id: ID!) {
  organisation(id: $id) {
    byType: relations(orderBy: { field: TYPE }, last: 5) {
      totalCount
      pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
      edges { cursor label otherParty { id displayName } node { id startDate } }
    }
    newest: relations(orderBy: { field: START_DATE, direction: DESC }, first: 3, includeInactive: true) {
      edges { cursor node { id startDate endDate active } }
    }
    recorded: relations(orderBy: { direction: DESC }, last: 2) { edges { cursor } }
  }
}"""


async def test_sorted_relations_paged_backwards_read_as_the_resolvers_read_them(
    hidden_relation, demo_users, resolvers_client, answered
) -> None:
    """recent-joiners' relations (by type, the last page), by start date and recorded order
    descending: compiled for every demo user, the hidden person (R1) left out of each."""
    card, person = hidden_relation
    for caller in demo_users:
        answered.clear()
        answer = await both(caller, resolvers_client, SORTED_RELATIONS, {"id": card})
        assert answered == ["SortedRelations"], caller.email
        by_type = answer["data"]["organisation"]["byType"]
        assert by_type["edges"] and by_type["pageInfo"]["hasPreviousPage"] == (by_type["totalCount"] > 5)
        others = [edge["otherParty"]["id"] for edge in by_type["edges"]]
        assert None not in others
        if caller is not demo_users[0] and caller is not demo_users[1]:
            assert person not in others
