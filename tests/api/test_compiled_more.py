"""Compiled reads of relations filtered by type name, of staff users (the viewer, the staff
list, their customer files) and of a party's internal relations answer as the resolvers
do, as every demo user, with a person hidden from BUSINESS and READONLY (R1) at the other
end of a relation and looked after by a staff member; each in one statement."""

from __future__ import annotations

from typing import Any

import pytest
from compared import both
from helpers import EXAMPLE_QUERIES
from test_compiled_relations import _admin_mutation, hidden_relation

from relgraph.db.engine import StatementCounter

__all__ = ["hidden_relation"]  # a fixture of test_compiled_relations, used by name

TYPED = """query Typed($id: ID!) {
  organisation(id: $id) {
    relations(typeNames: [%s], first: 50%s) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor label direction otherParty { __typename id displayName }
              relation { startDate note active type { name inverseName symmetric } } }
    }
  }
}"""

STAFF = """query Staff {
  users%s {
    __typename totalCount
    pageInfo { hasNextPage hasPreviousPage }
    edges { cursor node { id name } }
    nodes {
      __typename id name email role permissions active customerFileCount
      internalRelations(first: 3) {
        totalCount
        pageInfo { hasNextPage startCursor endCursor }
        edges { cursor node { id } }
        nodes { id since until version category { id code name active }
                party { __typename id displayName ... on Organisation { code } }
                employee { name } }
      }
      ended: internalRelations(includeEnded: true) { totalCount }
    }
  }
}"""

FILES = """query Files($id: ID!) {
  organisation(id: $id) {
    internalRelations(first: 10) { totalCount nodes { since category { name } employee { email customerFileCount } } }
    accountManagers { name internalRelations { totalCount nodes { party { displayName } } } }
  }
  person(id: $id) { internalRelations { totalCount nodes { since employee { name } } } }
}"""

VIEWER = "query Viewer { viewer { __typename id name email role permissions active customerFileCount } }"


@pytest.fixture
async def hidden_file(hidden_relation, demo_users) -> tuple[str, str]:
    """hidden_relation's organisation and person, the person looked after by the admin
    (a customer file BUSINESS and READONLY may not see: R1 in every count)."""
    card, person = hidden_relation
    admin = demo_users[0]
    categories = await admin.gql("{ internalRelationCategories { id code } }")
    [category] = [c["id"] for c in categories["internalRelationCategories"] if c["code"] == "ACCOUNT_MANAGER"]
    me = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    for party in (person, card):
        await _admin_mutation(
            admin,
            "mutation($i: AddInternalRelationInput!) { addInternalRelation(input: $i) { userErrors { message } } }",
            {"i": {"employeeId": me, "partyId": party, "categoryId": category, "since": "2020-01-01"}},
        )
    return card, person


async def _all_compiled(
    callers: list[Any], resolvers_client: Any, answered: list[str], query: str, variables: dict[str, Any]
) -> list[Any]:
    answers = []
    for caller in callers:
        answered.clear()
        answers.append(await both(caller, resolvers_client, query, variables))
        assert answered, caller.email
    return answers


@pytest.mark.parametrize(
    ("names", "more"),
    [
        ('"competitor of"', ""),
        ('"supplier of", "partner of"', ""),
        ('" Supplier OF ", "supplier of", "no such type"', ", includeInactive: true"),
        ("", ""),
    ],
    ids=["one", "two", "spaces, case, unknown, inactive", "none"],
)
async def test_relations_by_type_name_read_as_the_resolvers_read_them(
    names, more, hidden_relation, demo_users, resolvers_client, answered
) -> None:
    card, _ = hidden_relation
    await _all_compiled(demo_users, resolvers_client, answered, TYPED % (names, more), {"id": card})


async def test_type_names_of_the_hidden_persons_relation_leave_it_out_for_business(
    hidden_relation, demo_users, resolvers_client, answered
) -> None:
    card, person = hidden_relation
    admin, team, _, _ = demo_users
    listed = await admin.gql(
        "query($id: ID!) { organisation(id: $id) { relations(first: 100) { edges { "
        "otherParty { id } relation { type { name } } } } } }",
        {"id": card},
    )
    edges = listed["organisation"]["relations"]["edges"]
    [name] = {e["relation"]["type"]["name"] for e in edges if e["otherParty"]["id"] == person}
    query = TYPED % (f'"{name}"', "")
    seen = await _all_compiled(demo_users, resolvers_client, answered, query, {"id": card})
    for caller, answer in zip(demo_users, seen, strict=True):
        others = {e["otherParty"]["id"] for e in answer["data"]["organisation"]["relations"]["edges"]}
        assert (person in others) == (caller in (admin, team)), caller.email


async def test_type_names_in_variables_are_left_to_the_resolvers(
    hidden_relation, demo_users, resolvers_client, answered
) -> None:
    card, _ = hidden_relation
    query = TYPED.replace("Typed($id: ID!)", "Typed($id: ID!, $n: [String!])") % ("$n", "")
    query = query.replace("typeNames: [$n]", "typeNames: $n")
    answered.clear()
    await both(demo_users[2], resolvers_client, query, {"id": card, "n": ["competitor of"]})
    assert answered == []


@pytest.mark.parametrize(
    "arguments",
    [
        "",
        "first: 2",
        "orderBy: { field: CUSTOMER_FILES, direction: DESC }, first: 5",
        "orderBy: { field: CUSTOMER_FILES }, includeInactive: true",
        "orderBy: { direction: DESC }, includeInactive: false, first: 3",
    ],
)
async def test_the_staff_list_reads_as_the_resolvers_read_it(
    arguments, hidden_file, demo_users, resolvers_client, answered
) -> None:
    query = STAFF % (f"({arguments})" if arguments else "")
    answers = await _all_compiled(demo_users, resolvers_client, answered, query, {})
    admin_id = (await demo_users[0].gql("{ viewer { id } }"))["viewer"]["id"]
    counts = [
        {n["id"]: n["customerFileCount"] for n in answer["data"]["users"]["nodes"]}.get(admin_id)
        for answer in answers
    ]
    if counts[0] is not None:  # R1: the hidden person's file counts only for ADMIN and TEAM
        assert counts[0] == counts[1] == counts[2] + 1 == counts[3] + 1


async def test_a_partys_internal_relations_and_its_account_managers_files(
    hidden_file, demo_users, resolvers_client, answered
) -> None:
    card, person = hidden_file
    for party in (card, person):
        await _all_compiled(demo_users, resolvers_client, answered, FILES, {"id": party})


async def test_the_viewer_is_the_callers_own_user(
    demo_data, demo_users, make_caller, resolvers_client, answered
) -> None:
    # Two callers of one role share the compiled operation: the user is bound per request.
    twin = await make_caller("BUSINESS", ())
    callers = [*demo_users, twin]
    answers = await _all_compiled(callers, resolvers_client, answered, VIEWER, {})
    assert [a["data"]["viewer"]["email"] for a in answers] == [c.email for c in callers]


@pytest.mark.parametrize(
    "example",
    [
        "competitors-people",
        "relations-of-two-types",
        "viewer",
        "busiest-staff",
        "account-manager-files",
        "group-contacts",
    ],
)
async def test_one_statement_after_authentication(example, demo_data, demo_users, answered) -> None:
    business = demo_users[2]
    query = (EXAMPLE_QUERIES / f"{example}.graphql").read_text()
    answered.clear()
    await business.post(query, {})
    with StatementCounter() as counted:
        await business.post(query, {})
    with StatementCounter() as authentication_only:
        await business.gql("{ __typename }")
    assert len(answered) == 2
    assert counted.count == authentication_only.count + 1, counted.statements


GROUPS = """query Groups {
  customerGroups(search: "%s"%s) {
    __typename id name description active version
    members(first: 50%s) {
      __typename totalCount
      edges { cursor node { __typename ... on Party { id displayName } } }
      nodes { __typename ... on Organisation { id name email phone
                contactMeans(kinds: [PHONE, MOBILE]) { id kind value formatted label primary active } }
              ... on Person { id displayName contactMeans(includeInactive: true, first: 3) { kind formatted primary } } }
    }
  }
}"""


@pytest.mark.parametrize(
    ("search", "more", "members"),
    [
        ("Key accounts", "", ", kind: ORGANISATION"),
        ("", ", includeInactive: true, first: 3", ""),
        ("key", "", ", kind: PERSON, includeInactive: true, includeArchived: true"),
    ],
)
async def test_customer_groups_their_members_and_contact_means_read_as_the_resolvers_read_them(
    search, more, members, hidden_relation, demo_users, resolvers_client, answered
) -> None:
    _, person = hidden_relation
    admin = demo_users[0]
    # The hidden person (R1) in every active group.
    for group in (await admin.gql("{ customerGroups(first: 100) { id } }"))["customerGroups"]:
        await _admin_mutation(
            admin,
            "mutation($i: GroupPartiesInput!) { addPartiesToGroup(input: $i) { userErrors { message } } }",
            {"i": {"groupId": group["id"], "partyIds": [person]}},
        )
    query = GROUPS % (search, more, members)
    await _all_compiled(demo_users, resolvers_client, answered, query, {})
