"""A catalogue of bad input: each gets a userError or a GraphQL error, never a 500.

One table; each row is a request and what must come back. `{org}`, `{person}` and `{membership}`
stand for real IDs of a module-wide organisation, person and membership (a person's ID
where an organisation's belongs is a foreign-type ID).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fuzzing import UNMASKED
from helpers import Caller

from relgraph.config import Settings
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.domain import users
from relgraph.graphql.core.ids import encode_id
from relgraph.web import create_app

USER_ERRORS = "{ userErrors { field message code } }"


@dataclass(frozen=True)
class Bad:
    why: str
    query: str
    variables: dict[str, Any] | None = None
    # "user error <CODE>": the payload's userErrors carry CODE; "error": a GraphQL error
    # (validation, coercion, a request or a field error); "error <CODE>": GraphQL errors
    # coded CODE that name the argument `field`; "null": the field is null, no error;
    # "data": an answer without errors (harmless input, for contrast); "clean": any answer
    # without a 500 or an unmasked error.
    expect: str = "error"
    # For a user error: the input field it must name; for "error <CODE>": the argument.
    field: tuple[str, ...] | None = None


LONG = "x" * 100_000
CATALOGUE: list[Bad] = [
    # --- IDs -------------------------------------------------------------------------------------
    Bad("malformed ID in node()", '{ node(id: "not an id") { id } }', expect="null"),
    Bad("base64 of garbage", '{ node(id: "Zm9vOmJhcg==") { id } }', expect="null"),
    Bad("an ID of an unknown type", '{ node(id: "TmVidWxhOjE=") { id } }', expect="null"),
    Bad(
        "an ID with a huge number",
        '{ node(id: "T3JnYW5pc2F0aW9uOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5") { id } }',
        expect="null",
    ),
    Bad("an ID with a negative number", '{ node(id: "T3JnYW5pc2F0aW9uOi0x") { id } }', expect="null"),
    Bad("a person's ID as organisation()", '{ organisation(id: "{person}") { id } }', expect="null"),
    Bad("an empty ID", '{ person(id: "") { id } }', expect="null"),
    Bad("101 IDs in nodes()", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["x"] * 101}),
    Bad(
        "malformed ID in a mutation",
        'mutation { updateOrganisation(input: {id: "garbage", name: "X"}) ' + USER_ERRORS + " }",
        expect="user error INVALID",
    ),
    Bad(
        "a person's ID as the organisation to update",
        'mutation { updateOrganisation(input: {id: "{person}", name: "X"}) ' + USER_ERRORS + " }",
        expect="user error INVALID",
    ),
    Bad(
        "an organisation's ID as the person of a membership",
        'mutation { addMembership(input: {personId: "{org}", organisationId: "{org}"}) ' + USER_ERRORS + " }",
        expect="user error INVALID",
    ),
    Bad(
        "a membership's ID as a relation type",
        'mutation { addRelation(input: {typeId: "{membership}", sourceId: "{org}", targetId: "{person}"}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad("an ID that is a number literal", "{ node(id: 12) { id } }", expect="null"),
    Bad("an ID that is an object", "{ node(id: {a: 1}) { id } }"),
    # --- page sizes ----------------------------------------------------------------------------
    Bad("first: 0", "{ organisations(first: 0) { totalCount } }"),
    Bad("first: -1", "{ organisations(first: -1) { nodes { id } } }"),
    Bad("first: 101", "{ organisations(first: 101) { nodes { id } } }"),
    Bad("first: int32 max", "{ organisations(first: 2147483647) { nodes { id } } }"),
    Bad("first: int32 overflow", "{ organisations(first: 2147483648) { nodes { id } } }"),
    Bad("first and last", "{ organisations(first: 5, last: 5) { nodes { id } } }"),
    Bad("a cursor that is not ours", '{ organisations(after: "bm9wZQ==") { nodes { id } } }'),
    Bad(
        "a nested connection with first: -5",
        '{ organisation(id: "{org}") { memberships(first: -5) { totalCount } } }',
    ),
    Bad("neighbourhood depth 0", '{ organisation(id: "{org}") { neighbourhood(depth: 0) { truncated } } }'),
    Bad(
        "neighbourhood maxNodes huge",
        '{ organisation(id: "{org}") { neighbourhood(maxNodes: 2000000000) { truncated } } }',
    ),
    Bad(
        "descendants maxDepth -1",
        '{ organisation(id: "{org}") { descendants(maxDepth: -1) { totalCount } } }',
    ),
    Bad(
        "shortestPath maxDepth 99",
        '{ shortestPath(fromId: "{org}", toId: "{person}", maxDepth: 99) { length } }',
    ),
    # --- strings -------------------------------------------------------------------------------
    Bad(
        "an overlong name",
        "mutation($n: String!) { createOrganisation(input: {name: $n}) " + USER_ERRORS + " }",
        {"n": LONG},
        expect="user error INVALID",
    ),
    Bad(
        "an overlong search",
        "query($s: String) { organisations(filter: {search: $s}) { totalCount } }",
        {"s": LONG},
    ),
    Bad(
        "a NUL character in a name",
        "mutation($n: String!) { createOrganisation(input: {name: $n}) " + USER_ERRORS + " }",
        {"n": "Acme\x00 B.V."},
        expect="user error INVALID",
    ),
    Bad(
        "a NUL character in a party type code (a lookup, not a stored value)",
        'mutation($t: [String!]!) { setPartyTypes(input: {partyId: "{org}", types: $t}) '
        + USER_ERRORS
        + " }",
        {"t": ["CUSTOMER", "SUPPLIER\x00"]},
        expect="user error INVALID",
    ),
    Bad(
        "a NUL character in a literal",
        'mutation { setPartyTypes(input: {partyId: "{org}", types: ["SUPPLIER\\u0000"]}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad(
        "a NUL character in filters that look things up",
        "query($s: String) { organisations(filter: {kvkNumber: $s, city: $s}) { totalCount } "
        "persons(filter: {search: $s}) { totalCount } customerGroups(search: $s) { id } "
        'organisation(id: "{org}") { memberships(filter: {role: $s, tag: $s}) { totalCount } '
        "relations(typeNames: [$s]) { totalCount } neighbourhood(relationTypes: [$s]) { truncated } } }",
        {"s": "x\x00"},
        expect="clean",
    ),
    Bad(
        "a lone surrogate in a literal",
        'mutation { createOrganisation(input: {name: "Acme \\uD800"}) ' + USER_ERRORS + " }",
    ),
    Bad(
        "control characters in a last name",
        "mutation($n: String!) { createPerson(input: {lastName: $n}) " + USER_ERRORS + " }",
        {"n": "Jansen\x07\x1b[31m"},
        expect="user error INVALID",
    ),
    Bad(
        "a lone surrogate in a name",
        "mutation($n: String!) { createOrganisation(input: {name: $n}) " + USER_ERRORS + " }",
        {"n": "Acme \ud800 B.V."},
    ),
    Bad(
        "a NUL character in a search",
        "query($s: String) { organisations(filter: {search: $s}) { totalCount } }",
        {"s": "a\x00b"},
    ),
    Bad(
        "a tab in a search",
        "query($s: String) { organisations(filter: {search: $s}) { totalCount } }",
        {"s": "a\tb"},
        "data",
    ),
    Bad(
        "a lone surrogate in a search",
        "query($s: String) { persons(filter: {search: $s}) { totalCount } }",
        {"s": "\udfff"},
    ),
    Bad(
        "an overlong tag",
        'mutation($t: [String!]) { addMembership(input: {personId: "{person}", organisationId: "{org}", tags: $t}) '
        + USER_ERRORS
        + " }",
        {"t": [LONG[:5000]]},
        expect="user error INVALID",
    ),
    # --- enums ---------------------------------------------------------------------------------
    Bad(
        "an unknown enum value", "{ organisations(orderBy: {field: SALARY, direction: ASC}) { totalCount } }"
    ),
    Bad("an enum as a string", '{ organisations(orderBy: {field: "NAME"}) { totalCount } }'),
    Bad(
        "an unknown enum value in a variable",
        "query($o: OrganisationOrder) { organisations(orderBy: $o) { totalCount } }",
        {"o": {"field": "name", "direction": "UP"}},
    ),
    Bad(
        "an unknown status",
        'mutation { updateOrganisation(input: {id: "{org}", status: BANKRUPT}) ' + USER_ERRORS + " }",
    ),
    # --- dates ---------------------------------------------------------------------------------
    Bad(
        "year 0",
        'mutation { createPerson(input: {lastName: "Jansen", birthDate: "0000-01-01"}) ' + USER_ERRORS + " }",
    ),
    Bad(
        "year 10000",
        'mutation { createPerson(input: {lastName: "Jansen", birthDate: "10000-01-01"}) '
        + USER_ERRORS
        + " }",
    ),
    Bad(
        "February 30",
        'mutation { addMembership(input: {personId: "{person}", organisationId: "{org}", startDate: "2024-02-30"}) '
        + USER_ERRORS
        + " }",
    ),
    Bad(
        "a birth date in the future",
        'mutation { createPerson(input: {lastName: "Jansen", birthDate: "9999-12-31"}) ' + USER_ERRORS + " }",
        expect="user error INVALID",
    ),
    Bad(
        "an end before the start",
        'mutation { addMembership(input: {personId: "{person}", organisationId: "{org}", '
        'startDate: "2024-05-01", endDate: "2024-04-01"}) ' + USER_ERRORS + " }",
        expect="user error INVALID",
    ),
    Bad(
        "February 30 in a variable",
        'mutation($d: Date) { createPerson(input: {lastName: "J", birthDate: $d}) ' + USER_ERRORS + " }",
        {"d": "2024-02-30"},
    ),
    Bad(
        "a time zone past +14:00 in a variable",
        'mutation($d: DateTime) { addActivity(input: {partyId: "{org}", subject: "Bellen", dueAt: $d}) '
        + USER_ERRORS
        + " }",
        {"d": "2026-01-01T10:00:00+25:00"},
    ),
    Bad(
        "a time without its UTC offset",
        'mutation { addActivity(input: {partyId: "{org}", subject: "Bellen", doneAt: "2026-01-01T10:00:00"}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad(
        "a date as a number",
        'mutation { createPerson(input: {lastName: "J", birthDate: 20240101}) ' + USER_ERRORS + " }",
    ),
    # --- numbers -------------------------------------------------------------------------------
    Bad(
        "an int32 overflow",
        'mutation { setPurchaseRelation(input: {partyId: "{org}", paymentTermDays: 2147483648}) '
        + USER_ERRORS
        + " }",
    ),
    Bad(
        "a negative payment term",
        'mutation { setPurchaseRelation(input: {partyId: "{org}", paymentTermDays: -30}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad(
        "int32 max as a payment term",
        'mutation { setPurchaseRelation(input: {partyId: "{org}", paymentTermDays: 2147483647}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad(
        "a huge decimal",
        'mutation { setSalesRelation(input: {partyId: "{org}", creditLimit: "1e400"}) ' + USER_ERRORS + " }",
        expect="user error INVALID",
    ),
    Bad(
        "a decimal with 30 digits",
        'mutation { setSalesRelation(input: {partyId: "{org}", creditLimit: "123456789012345678901234567890"}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad(
        "NaN as a decimal",
        'mutation { setSalesRelation(input: {partyId: "{org}", discountPercent: "NaN"}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad(
        "Infinity as a decimal",
        'mutation { setSalesRelation(input: {partyId: "{org}", discountPercent: "-Infinity"}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad(
        "a decimal that is not a number",
        'mutation { setSalesRelation(input: {partyId: "{org}", creditLimit: "lots"}) ' + USER_ERRORS + " }",
    ),
    Bad(
        "a discount over 100 percent",
        'mutation { setSalesRelation(input: {partyId: "{org}", discountPercent: "250"}) '
        + USER_ERRORS
        + " }",
        expect="user error INVALID",
    ),
    Bad(
        "a negative expectedVersion",
        'mutation { updateOrganisation(input: {id: "{org}", expectedVersion: -1, name: "X"}) '
        + USER_ERRORS
        + " }",
        expect="user error CONFLICT",
    ),
    Bad(
        "a decimal overflow in a variable",
        'mutation($d: Decimal) { setSalesRelation(input: {partyId: "{org}", creditLimit: $d}) '
        + USER_ERRORS
        + " }",
        {"d": "1e999999"},
        expect="user error INVALID",
    ),
    Bad("a float where an Int goes", "{ organisations(first: 1.5) { totalCount } }"),
    Bad("a string where an Int goes", '{ organisations(first: "10") { totalCount } }'),
    Bad("a 400-digit int", "{ organisations(first: " + "9" * 400 + ") { totalCount } }"),
]

# --- dates and times outside 1900-2199 ----------------------------------------------------------------
# Every Date and DateTime input of the schema (test_every_date_input_is_in_the_catalogue keeps
# this complete): the mutation that takes it, with $v where the value goes, and the field its
# userError names.
DATE_INPUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "AddActivityInput.dueAt": (
        'addActivity(input: {partyId: "{org}", subject: "Bellen", dueAt: $v})',
        ("dueAt",),
    ),
    "AddActivityInput.doneAt": (
        'addActivity(input: {partyId: "{org}", subject: "Bellen", doneAt: $v})',
        ("doneAt",),
    ),
    "UpdateActivityInput.dueAt": ('updateActivity(input: {id: "{activity}", dueAt: $v})', ("dueAt",)),
    "UpdateActivityInput.doneAt": ('updateActivity(input: {id: "{activity}", doneAt: $v})', ("doneAt",)),
    "AddInternalRelationInput.since": (
        'addInternalRelation(input: {employeeId: "{user}", partyId: "{org}", categoryId: "{category}", since: $v})',
        ("since",),
    ),
    "AddInternalRelationInput.until": (
        'addInternalRelation(input: {employeeId: "{user}", partyId: "{org}", categoryId: "{category}", until: $v})',
        ("until",),
    ),
    "UpdateInternalRelationInput.since": (
        'updateInternalRelation(input: {id: "{internal}", since: $v})',
        ("since",),
    ),
    "UpdateInternalRelationInput.until": (
        'updateInternalRelation(input: {id: "{internal}", until: $v})',
        ("until",),
    ),
    "AddMembershipInput.startDate": (
        'addMembership(input: {personId: "{person}", organisationId: "{org}", role: "Datum", startDate: $v})',
        ("startDate",),
    ),
    "AddMembershipInput.endDate": (
        'addMembership(input: {personId: "{person}", organisationId: "{org}", role: "Datum", endDate: $v})',
        ("endDate",),
    ),
    "MembershipFieldsInput.startDate": (
        'addBusinessRelation(input: {person: {lastName: "D"}, organisationId: "{org}", membership: {startDate: $v}})',
        ("membership", "startDate"),
    ),
    "MembershipFieldsInput.endDate": (
        'addBusinessRelation(input: {person: {lastName: "D"}, organisationId: "{org}", membership: {endDate: $v}})',
        ("membership", "endDate"),
    ),
    "UpdateMembershipInput.startDate": (
        'updateMembership(input: {id: "{membership}", startDate: $v})',
        ("startDate",),
    ),
    "UpdateMembershipInput.endDate": (
        'updateMembership(input: {id: "{membership}", endDate: $v})',
        ("endDate",),
    ),
    "DeactivateMembershipInput.endDate": (
        'deactivateMembership(input: {id: "{membership}", endDate: $v})',
        ("endDate",),
    ),
    "AddRelationInput.startDate": (
        'addRelation(input: {typeId: "{type}", sourceId: "{org}", targetId: "{other}", startDate: $v})',
        ("startDate",),
    ),
    "AddRelationInput.endDate": (
        'addRelation(input: {typeId: "{type}", sourceId: "{org}", targetId: "{other}", endDate: $v})',
        ("endDate",),
    ),
    "UpdateRelationInput.startDate": (
        'updateRelation(input: {id: "{relation}", startDate: $v})',
        ("startDate",),
    ),
    "UpdateRelationInput.endDate": ('updateRelation(input: {id: "{relation}", endDate: $v})', ("endDate",)),
    "CreatePersonInput.birthDate": ('createPerson(input: {lastName: "D", birthDate: $v})', ("birthDate",)),
    "UpdatePersonInput.birthDate": ('updatePerson(input: {id: "{person}", birthDate: $v})', ("birthDate",)),
    "RelinkMembershipItemInput.startDate": (
        (
            'bulkRelinkMemberships(input: {dryRun: true, items: [{membershipId: "{membership}", '
            'organisationId: "{other}", startDate: $v}]})'
        ),
        ("items", "0", "startDate"),
    ),
    "RelinkMembershipColumnsInput.startDates": (
        (
            'bulkRelinkMemberships(input: {dryRun: true, columns: {membershipIds: ["{membership}"], '
            'organisationIds: ["{other}"], startDates: [$v]}})'
        ),
        ("columns", "startDates", "0"),
    ),
}
OUT_OF_RANGE = {
    "Date": ["1899-12-31", "2200-01-01", "0001-01-01", "9999-12-31"],
    "DateTime": [
        "9999-12-31T23:59:59-14:00",  # past Python's last year once in UTC
        "0001-01-01T00:00:00+14:00",  # before its first
        "2200-01-01T00:00:00Z",
        "1900-01-01T00:30:00+01:00",  # 1899 in UTC
    ],
}


def _date_type(name: str) -> str:
    return "DateTime" if name.split(".")[1] in ("dueAt", "doneAt") else "Date"


def _cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


# Cursors are opaque, but a client can make one: a time in one that is past year 9999 (or
# before year 1) in UTC is a bad cursor, not an overflow.
CATALOGUE += [
    Bad(
        f"{field} after a cursor at {at}",
        'query($c: String) { organisation(id: "{org}") { ' + field + "(after: $c) { totalCount } } }",
        {"c": _cursor(at, *rest)},
    )
    for field, rest in (("notes", [1]), ("activities", [1]), ("auditTrail", [1]), ("timeline", ["NOTE", 1]))
    for at in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00")
]
CATALOGUE.append(
    Bad(
        "timeline after a cursor with a 70-bit id",
        'query($c: String) { organisation(id: "{org}") { timeline(after: $c) { totalCount } } }',
        {"c": _cursor("2026-01-01T00:00:00+00:00", "NOTE", 2**70)},
    )
)

# Every Date argument of a query (asOf, issue 21): the query with $v where the value goes.
# Out of range, literal or variable, it is a GraphQL error coded INVALID naming the argument.
_SELECTIONS = {
    "parent": "{ id }",
    "ancestors": "{ id }",
    "root": "{ id }",
    "depth": "",
    "subsidiaries": "{ totalCount }",
    "descendants": "{ totalCount }",
    "accountManagers": "{ id }",
    "memberships": "{ totalCount }",
    "relations": "{ totalCount }",
    "internalRelations": "{ totalCount }",
    "neighbourhood": "{ truncated }",
}
DATE_ARGUMENTS: dict[str, str] = {
    "Query.organisation(asOf)": 'organisation(id: "{org}", asOf: $v) { id }',
    "Query.shortestPath(asOf)": 'shortestPath(fromId: "{org}", toId: "{other}", asOf: $v) { length }',
    **{
        f"Organisation.{name}(asOf)": f'organisation(id: "{{org}}") {{ {name}(asOf: $v) {selection} }}'
        for name, selection in _SELECTIONS.items()
    },
    **{
        f"Person.{name}(asOf)": f'person(id: "{{person}}") {{ {name}(asOf: $v) {_SELECTIONS[name]} }}'
        for name in ("memberships", "relations", "internalRelations", "neighbourhood")
    },
}

# The sync filters of the root lists (issue 20): an error coded INVALID naming the filter's field.
FILTER_TIMES: dict[str, str] = {
    f"{input_type}.{name}": f"{field}(filter: {{{name}: $v}}) {{ totalCount }}"
    for input_type, field in (
        ("OrganisationFilter", "organisations"),
        ("PersonFilter", "persons"),
        ("LinkListFilter", "memberships"),
    )
    for name in ("updatedSince", "createdSince")
}

CATALOGUE += [
    Bad(
        f"{name} {value}",
        f"query($v: DateTime) {{ {call} }}",
        {"v": value},
        expect="error INVALID",
        field=(f"filter.{name.split('.')[1]}",),
    )
    for name, call in FILTER_TIMES.items()
    for value in [*OUT_OF_RANGE["DateTime"], "2026-01-01T12:00:00"]  # the last without an offset
]

CATALOGUE += [
    Bad(
        f"{name} {value}{' as a literal' if literal else ''}",
        (
            "query { " + call.replace("$v", json.dumps(value)) + " }"
            if literal
            else f"query($v: Date) {{ {call} }}"
        ),
        None if literal else {"v": value},
        expect="error INVALID",
        field=("asOf",),
    )
    for name, call in DATE_ARGUMENTS.items()
    for value in OUT_OF_RANGE["Date"]
    for literal in (False, True)
]

# A bulk relink reports an item's errors in its result.
_ITEM_ERRORS = "{ userErrors { field message code } results { userErrors { field message code } } }"

CATALOGUE += [
    Bad(
        f"{name} {value}",
        f"mutation($v: {_date_type(name)}) {{ {call} {_ITEM_ERRORS if 'Relink' in name else USER_ERRORS} }}",
        {"v": value},
        expect="user error INVALID",
        field=field,
    )
    for name, (call, field) in DATE_INPUTS.items()
    for value in OUT_OF_RANGE[_date_type(name)]
]


@dataclass
class World:
    caller: Caller
    ids: dict[str, str]


@pytest.fixture(scope="module")
def module_database_url(database_template) -> Any:
    url = database_template.make()
    yield url
    database_template.drop(url)


@pytest.fixture(scope="module")
async def world(module_database_url, tmp_path_factory) -> AsyncIterator[World]:
    """One database for the module: bad input must change nothing worth isolating."""
    settings = Settings(database_url=module_database_url, documents_dir=tmp_path_factory.mktemp("documents"))
    engine = create_engine(module_database_url)
    try:
        email = f"admin-{uuid.uuid4().hex[:8]}@test.example"
        async with make_sessionmaker(engine)() as session:
            user = await users.create(
                session, email=email, name="Admin", role="ADMIN", permissions=("FINANCE",)
            )
            token = await users.create_token(session, email=email)
            await session.commit()
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://relgraph.test") as client:
            caller = Caller(client=client, token=token, user_id=user.id, email=email)
            made = await caller.gql(
                'mutation { addBusinessRelation(input: {person: {lastName: "Jansen"}, '
                'newOrganisation: {name: "Catalogus B.V."}}) { membership { id person { id } organisation { id } } } }'
            )
            membership = made["addBusinessRelation"]["membership"]
            ids = {
                "org": membership["organisation"]["id"],
                "person": membership["person"]["id"],
                "membership": membership["id"],
                "user": encode_id("User", user.id),
            }
            ids.update(await _more_objects(caller, ids))
            yield World(caller, ids)
    finally:
        await engine.dispose()


async def _more_objects(caller: Caller, ids: dict[str, str]) -> dict[str, str]:
    """A second organisation, a relation, an internal relation and an activity to change."""
    made = await caller.gql(
        """mutation($org: ID!) {
            other: createOrganisation(input: {name: "Andere B.V."}) { organisation { id } }
            type: createRelationType(input: {name: "levert aan", sourceKinds: [ORGANISATION],
                                             targetKinds: [ORGANISATION], inverseName: "koopt van"}) { relationType { id } }
            activity: addActivity(input: {partyId: $org, subject: "Bellen"}) { activity { id } }
        }""",
        {"org": ids["org"]},
    )
    found = {
        "other": made["other"]["organisation"]["id"],
        "type": made["type"]["relationType"]["id"],
        "activity": made["activity"]["activity"]["id"],
    }
    [category] = (await caller.gql("{ internalRelationCategories { id } }"))["internalRelationCategories"]
    linked = await caller.gql(
        """mutation($org: ID!, $other: ID!, $type: ID!, $user: ID!, $category: ID!) {
            relation: addRelation(input: {typeId: $type, sourceId: $org, targetId: $other}) { relation { id } }
            internal: addInternalRelation(input: {employeeId: $user, partyId: $other, categoryId: $category}) {
                internalRelation { id }
            }
        }""",
        {**ids, **found, "category": category["id"]},
    )
    return {
        **found,
        "category": category["id"],
        "relation": linked["relation"]["relation"]["id"],
        "internal": linked["internal"]["internalRelation"]["id"],
    }


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, id_ in ids.items():
            value = value.replace("{" + name + "}", id_)
    return value


@pytest.mark.parametrize("bad", CATALOGUE, ids=[b.why for b in CATALOGUE])
async def test_bad_input_gets_a_user_error_or_a_graphql_error(world, bad: Bad) -> None:
    # Serialised here: ensure_ascii keeps a lone surrogate as its \\uD800 escape, as a client would send it.
    response = await world.caller.client.post(
        "/graphql",
        content=json.dumps({"query": _fill(bad.query, world.ids), "variables": bad.variables or {}}),
        headers={"Authorization": f"Bearer {world.caller.token}", "Content-Type": "application/json"},
    )
    assert response.status_code in (200, 400), (response.status_code, response.text[:500])
    body = response.json()
    errors = body.get("errors") or []
    assert all(e.get("extensions", {}).get("code") != "INTERNAL" for e in errors), errors
    assert not [e for e in errors if UNMASKED.search(e["message"])], errors
    if bad.expect == "null":
        assert errors == [] and list(body["data"].values()) == [None], body
    elif bad.expect == "data":
        assert errors == [] and body["data"], body
    elif bad.expect == "clean":
        pass  # data, errors or both: whatever it is, it passed the checks above
    elif bad.expect.startswith("user error"):
        code = bad.expect.split()[-1]
        assert errors == [], errors
        [payload] = body["data"].values()
        found = payload["userErrors"] + [e for r in payload.get("results") or () for e in r["userErrors"]]
        assert code in [e["code"] for e in found], payload
        if bad.field is not None:
            assert [e for e in found if e["code"] == code and tuple(e["field"]) == bad.field], payload
    elif bad.expect.startswith("error "):
        code = bad.expect.split()[-1]
        assert errors, body
        assert [e["extensions"] for e in errors] == [{"code": code, "argument": bad.field[-1]}] * len(
            errors
        ), errors
    else:
        assert errors, body
        assert all(e["message"] for e in errors)


RAW_BODIES = [
    (
        b'{"query": "{ viewer { email } }", "variables": {"x": "\xff\xfe"}}',
        "invalid UTF-8 in a variable",
        400,
    ),
    (b'{"query": "{ viewer { email \xc3\x28 } }"}', "an invalid UTF-8 sequence in the query", 400),
    (b'{"query": "{ viewer { email } }"}\x00', "a NUL after the JSON", 400),
    (
        b'{"query": "{ viewer { email } }", "variables": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "deeply nested JSON",
        400,
    ),
    (json.dumps([{"query": "{ viewer { email } }"}] * 50).encode(), "a batch of 50", 400),
    (b"\xef\xbb\xbf" + b'{"query": "{ viewer { email } }"}', "a byte order mark (allowed by RFC 8259)", 200),
    (
        b'{"query": "query($x: Float) { viewer { email } }", "variables": {"x": 1e999999}}',
        "a float overflow",
        200,
    ),
    (
        b'{"query": "query($x: Int) { organisations(first: $x) { totalCount } }", "variables": {"x": 1e999999}}',
        "a float overflow as an Int",
        200,
    ),
]


@pytest.mark.parametrize(("content", "why", "status"), RAW_BODIES, ids=[w for _, w, _ in RAW_BODIES])
async def test_a_broken_raw_body_is_a_clean_400(world, content: bytes, why: str, status: int) -> None:
    response = await world.caller.client.post(
        "/graphql",
        content=content,
        headers={"Authorization": f"Bearer {world.caller.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == status, (why, response.status_code, response.text[:300])
    errors = response.json().get("errors") or []
    assert all(e.get("extensions", {}).get("code") != "INTERNAL" for e in errors), errors
    if status == 400:
        assert [e["extensions"]["code"] for e in errors] == ["BAD_REQUEST"]


def _date_inputs() -> set[str]:
    """Every argument and input field of the schema that takes a Date or a DateTime."""
    from graphql import GraphQLInputObjectType, GraphQLObjectType, get_named_type

    from relgraph.graphql.schema import build_schema

    schema = build_schema()._schema
    found = set()
    for name, named in schema.type_map.items():
        if isinstance(named, GraphQLObjectType):
            for field_name, field in named.fields.items():
                found |= {
                    f"{name}.{field_name}({arg_name})"
                    for arg_name, arg in field.args.items()
                    if get_named_type(arg.type).name in OUT_OF_RANGE
                }
        elif isinstance(named, GraphQLInputObjectType):
            found |= {
                f"{name}.{field_name}"
                for field_name, field in named.fields.items()
                if get_named_type(field.type).name in OUT_OF_RANGE
            }
    return found


def test_every_date_input_is_in_the_catalogue() -> None:
    # A new date argument or input field gets its out-of-range cases here (an argument of a
    # query: a GraphQL error coded INVALID that names it).
    assert _date_inputs() == set(DATE_INPUTS) | set(DATE_ARGUMENTS) | set(FILTER_TIMES)
