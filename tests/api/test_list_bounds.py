"""Every list is bounded, and the query cost counts it by that bound (README "Limits").

Driven by the schema: a new list field of objects without a bound fails here. Then, on data
that exceeds every bound, each list a query returns is no longer than the size the cost
model gave it, and the cost is at least the number of nodes returned.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    parse,
)
from graphql.execution.values import get_argument_values, get_variable_values
from helpers import Caller
from sqlalchemy import select

from relgraph.db.models import (
    Address,
    BankAccount,
    ContactMean,
    CustomerGroup,
    InternalRelation,
    InternalRelationCategory,
    Organisation,
    PartyGroup,
    Relation,
    RelationType,
    User,
)
from relgraph.errors import ErrorCode, FieldError
from relgraph.graphql.core.cost import (
    DEFAULT_PAGE_SIZE,
    _has_objects,
    _is_connection,
    passed_down,
)
from relgraph.graphql.core.errors import MAX_USER_ERRORS, user_errors
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.list_bounds import bound_of
from relgraph.graphql.schema import build_schema

SCHEMA = build_schema()._schema


def _object_types(schema: GraphQLSchema) -> list[GraphQLObjectType]:
    return [
        t
        for name, t in sorted(schema.type_map.items())
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
    ]


def test_every_list_of_objects_has_a_bound() -> None:
    """A list of objects is a connection's page, or declares its bound (list_bounds.py)."""
    unbounded = []
    for type_ in _object_types(SCHEMA):
        if _is_connection(type_):
            continue  # nodes and edges: the page the connection field asked for
        for name, field in type_.fields.items():
            listed = get_nullable_type(field.type)
            named = get_named_type(field.type)
            if is_list_type(listed) and not is_leaf_type(named) and bound_of(field, named.name) is None:
                unbounded.append(f"{type_.name}.{name}")
    assert unbounded == []


def test_every_connection_takes_a_page_size() -> None:
    without = [
        f"{type_.name}.{name}"
        for type_ in _object_types(SCHEMA)
        for name, field in type_.fields.items()
        if _is_connection(get_named_type(field.type)) and "first" not in field.args
    ]
    assert without == []


def test_the_bounds_are_stated_in_the_descriptions() -> None:
    """A fixed cap is part of the contract: the frontend reads it in the field's description."""
    silent = []
    for type_ in _object_types(SCHEMA):
        for name, field in type_.fields.items():
            named = get_named_type(field.type)
            bound = bound_of(field, named.name) if is_list_type(get_nullable_type(field.type)) else None
            if bound is None or bound.argument or bound.per_item or named.name == "UserError":
                continue
            if f"{bound.most}" not in (field.description or "") and f"{bound.most:,}" not in (
                field.description or ""
            ):
                silent.append(f"{type_.name}.{name} ({bound.most})")
    assert silent == []


# --- what comes back is never more than what was costed ---------------------------------


class _Returned:
    """Walks a response beside its query: every list against the size the cost model gave it."""

    def __init__(self, query: str, variables: dict[str, Any]) -> None:
        self.document = parse(query)
        [operation] = self.document.definitions
        self.variables = get_variable_values(SCHEMA, operation.variable_definitions or (), variables)
        self.nodes = 0
        self.too_long: list[str] = []

    def walk(
        self, type_: Any, selection: SelectionSetNode, value: Any, inherited: int | None, path: str
    ) -> None:
        if value is None:
            return
        if is_abstract_type(type_):
            type_ = SCHEMA.get_type(value["__typename"])
        for node in self._fields(selection, type_):
            key = node.alias.value if node.alias else node.name.value
            if node.name.value.startswith("__"):
                continue
            field = type_.fields[node.name.value]
            self._field(field, node, value[key], inherited, f"{path}.{key}")

    def _fields(self, selection: SelectionSetNode, type_: GraphQLObjectType) -> list[FieldNode]:
        found: list[FieldNode] = []
        for s in selection.selections:
            if isinstance(s, FieldNode):
                found.append(s)
            elif isinstance(s, InlineFragmentNode):
                condition = SCHEMA.get_type(s.type_condition.name.value) if s.type_condition else type_
                if condition is type_ or (
                    is_abstract_type(condition) and SCHEMA.is_sub_type(condition, type_)
                ):
                    found.extend(self._fields(s.selection_set, type_))
        return found

    def _field(self, field: Any, node: FieldNode, value: Any, inherited: int | None, path: str) -> None:
        named = get_named_type(field.type)
        if is_leaf_type(named) or value is None:
            return
        args = get_argument_values(field, node, self.variables)
        if _is_connection(named):
            page = args.get("first") if args.get("first") is not None else args.get("last")
            size = page if page is not None else DEFAULT_PAGE_SIZE
            for inner in node.selection_set.selections:
                assert isinstance(inner, FieldNode)
                items = value[inner.alias.value if inner.alias else inner.name.value]
                if isinstance(items, list):
                    self._check(len(items), size, f"{path}.{inner.name.value}")
                    item_type = get_named_type(named.fields[inner.name.value].type)
                    for item in items:
                        self.nodes += 1 if inner.name.value == "nodes" else 0
                        self.walk(item_type, inner.selection_set, item, None, path)
            return
        if is_list_type(get_nullable_type(field.type)):
            bound = bound_of(field, named.name)
            assert bound is not None, path
            self._check(len(value), bound.size(args, inherited), path)
            for item in value:
                self.nodes += 1 if _has_objects(named, SCHEMA) else 0
                self.walk(named, node.selection_set, item, None, path)
            return
        self.walk(named, node.selection_set, value, passed_down(args), path)

    def _check(self, length: int, size: int, path: str) -> None:
        if length > size:
            self.too_long.append(f"{path}: {length} > {size}")


async def returned_within_cost(
    caller: Caller, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run `query`; assert no list is longer than costed and the cost covers every node."""
    variables = variables or {}
    response = await caller.post(query, variables)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    walker = _Returned(query, variables)
    [operation] = walker.document.definitions
    root = SCHEMA.mutation_type if operation.operation.value == "mutation" else SCHEMA.query_type
    walker.walk(root, operation.selection_set, body["data"], None, "")
    assert walker.too_long == []
    assert walker.nodes <= body["extensions"]["cost"]["requestedQueryCost"]
    return body["data"]


MOVE = """
mutation($input: MoveSubsidiariesInput!) {
  moveSubsidiaries(input: $input) {
    movedCount
    movedOrganisations { id name memberships(first: 5) { nodes { id } } }
    userErrors { field message code }
  }
}"""


@pytest.mark.parametrize("count", [60, 130])
async def test_moving_many_subsidiaries_returns_no_more_than_it_costs(admin, sessionmaker, count) -> None:
    async with sessionmaker() as session:
        old = Organisation(name="Oud", name_key="oud", search_text="oud")
        new = Organisation(name="Nieuw", name_key="nieuw", search_text="nieuw")
        session.add_all([old, new])
        await session.flush()
        session.add_all(
            Organisation(
                name=f"Dochter {i:03}", name_key=f"dochter {i:03}", search_text="d", parent_id=old.id
            )
            for i in range(count)
        )
        await session.commit()
    ids = {
        "fromOrganisationId": encode_id("Organisation", old.id),
        "toOrganisationId": encode_id("Organisation", new.id),
    }
    for dry_run in (True, False):
        data = await returned_within_cost(admin, MOVE, {"input": {**ids, "dryRun": dry_run}})
        payload = data["moveSubsidiaries"]
        assert payload["movedCount"] == count
        assert len(payload["movedOrganisations"]) == min(count, 100)


# Every growing list of one organisation holds more than a default page (20).
MANY = 25


async def _crowded_organisation(sessionmaker: Any) -> dict[str, Any]:
    """An organisation with MANY of everything a plain list shows, deep in a group, related
    to another one in MANY ways, and MANY namesakes and customer groups."""

    def org(name: str, **values: Any) -> Organisation:
        return Organisation(name=name, name_key=name.lower(), search_text=name.lower(), **values)

    async with sessionmaker() as session:
        parent = None
        for level in range(30):  # ancestors: 30 levels above it
            parent = org(f"Niveau {level}", parent_id=parent.id if parent else None)
            session.add(parent)
            await session.flush()
        crowded = org("Vol BV", parent_id=parent.id)
        other = org("Ander BV")
        session.add_all([crowded, other, *(org("Vol BV") for _ in range(MANY))])
        groups = [CustomerGroup(name=f"Groep {i:02}", name_key=f"groep {i:02}") for i in range(MANY)]
        staff = [
            User(email=f"am{i}@x.nl", name=f"Beheerder {i:02}", role="TEAM", permissions=[])
            for i in range(MANY)
        ]
        types = [
            RelationType(
                name=f"soort {i:02}",
                inverse_name=f"omgekeerd {i:02}",
                symmetric=False,
                source_kinds=["ORGANISATION"],
                target_kinds=["ORGANISATION"],
            )
            for i in range(MANY)
        ]
        session.add_all([*groups, *staff, *types])
        await session.flush()
        category = await session.scalar(
            select(InternalRelationCategory.id).where(InternalRelationCategory.code == "ACCOUNT_MANAGER")
        )
        session.add_all(
            [
                *(
                    Address(party_id=crowded.id, kind="VISIT", city=f"Stad {i}", is_head_office=i == 0)
                    for i in range(MANY)
                ),
                *(
                    ContactMean(party_id=crowded.id, kind="EMAIL", value=f"info{i}@vol.nl", is_primary=i == 0)
                    for i in range(MANY)
                ),
                *(
                    BankAccount(party_id=crowded.id, iban=f"NL{i:02}TEST0000000000", is_primary=i == 0)
                    for i in range(MANY)
                ),
                *(PartyGroup(group_id=g.id, party_id=crowded.id) for g in groups),
                *(InternalRelation(user_id=u.id, party_id=crowded.id, category_id=category) for u in staff),
                *(
                    Relation(type_id=t.id, source_id=crowded.id, target_id=other.id, active=True)
                    for t in types
                ),
            ]
        )
        await session.commit()
    return {"crowded": crowded.id, "other": other.id}


CROWDED = [
    ("addresses", "organisation(id: $id) { addresses { city } }", 20),
    ("contact means", "organisation(id: $id) { contactMeans { value } }", 20),
    ("bank accounts", "organisation(id: $id) { bankAccounts { iban } }", 20),
    ("groups", "organisation(id: $id) { groups { name } }", 20),
    ("account managers", "organisation(id: $id) { accountManagers { name } }", 20),
    (
        "asked for more",
        "organisation(id: $id) { addresses(first: 100) { city } accountManagers(first: 3) { name } }",
        None,
    ),
    ("ancestors", "organisation(id: $id) { ancestors { name } }", 30),
    ("customer groups", "customerGroups { name }", 20),
    ("nodes", "nodes(ids: [$id, $id, $id]) { __typename id }", 3),
]


@pytest.mark.parametrize(("what", "selection", "expected"), CROWDED, ids=[c[0] for c in CROWDED])
async def test_a_returned_list_is_never_longer_than_its_cost(
    admin, sessionmaker, what, selection, expected
) -> None:
    ids = await _crowded_organisation(sessionmaker)
    if "$id" in selection:
        query, variables = (
            f"query($id: ID!) {{ {selection} }}",
            {"id": encode_id("Organisation", ids["crowded"])},
        )
    else:
        query, variables = f"{{ {selection} }}", {}
    data = await returned_within_cost(admin, query, variables)
    if expected is not None:
        [listed] = list(_lists(data))
        assert len(listed) == expected, what


def _lists(value: Any) -> list[list[Any]]:
    """The innermost lists of objects in an answer."""
    if isinstance(value, dict):
        return [found for v in value.values() for found in _lists(v)]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        inner = [found for v in value for found in _lists(v)]
        return inner or [value]
    return []


async def test_payload_lists_are_never_longer_than_their_cost(admin, sessionmaker) -> None:
    ids = await _crowded_organisation(sessionmaker)
    created = await returned_within_cost(
        admin,
        'mutation { createOrganisation(input: {name: "Vol BV"}) { possibleDuplicates { id name } userErrors { code } } }',
    )
    assert len(created["createOrganisation"]["possibleDuplicates"]) == 10
    items = [
        {"membershipId": encode_id("Membership", 999_000 + i), "organisationId": "nope"} for i in range(3)
    ]
    relinked = await returned_within_cost(
        admin,
        """mutation($items: [RelinkMembershipItemInput!]!) {
          bulkRelinkMemberships(input: {items: $items, dryRun: true}) {
            results { index userErrors { field code } oldMembership { id } } userErrors { code }
          }
        }""",
        {"items": items},
    )
    assert len(relinked["bulkRelinkMemberships"]["results"]) == 3
    # A neighbourhood stops at its links as at its nodes, and says so.
    walked = await returned_within_cost(
        admin,
        "query($id: ID!) { organisation(id: $id) { neighbourhood(maxNodes: 2, include: [RELATIONS]) { truncated edges { label } } } }",
        {"id": encode_id("Organisation", ids["crowded"])},
    )
    neighbourhood = walked["organisation"]["neighbourhood"]
    assert neighbourhood["truncated"] is True and len(neighbourhood["edges"]) == 10


def test_a_payload_lists_at_most_a_hundred_user_errors() -> None:
    errors = [FieldError(("items", str(i)), "Not an ID.", ErrorCode.INVALID) for i in range(250)]
    shown = user_errors(errors)
    assert len(shown) == MAX_USER_ERRORS == 100
    assert shown[-1].field == [] and shown[-1].message == "151 more problems with this input are not listed."
    assert [e.field for e in shown[:99]] == [["items", str(i)] for i in range(99)]
    assert len(user_errors(errors[:100])) == 100 and user_errors(errors[:100])[-1].field == ["items", "99"]
