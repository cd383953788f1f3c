"""What tests send and read back: the caller, mutations by name, their userErrors, uploads, common objects.

`mutate(admin, "addNote", "note { id }", partyId=org, body="Hallo")` sends
`mutation($input: AddNoteInput!) { addNote(input: $input) { note { id } userErrors { field message code } } }`
and returns the payload. The input type is read from schema.graphql (generated, and checked
for drift by test_schema.py), so names that do not follow <Mutation>Input (addPartiesToGroup
takes a GroupPartiesInput) need no table here.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphql
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.engine import StatementCounter
from relgraph.db.models import Organisation, Person
from relgraph.graphql.core.ids import decode_id, encode_id

__all__ = [
    "DOCUMENT",
    "EXAMPLE_QUERIES",
    "IS_POSTGRES",
    "REPO",
    "SCHEMA_FILE",
    "TEST_URL",
    "USER_ERRORS",
    "Caller",
    "MakeCaller",
    "add_membership",
    "codes",
    "create_organisation",
    "create_person",
    "errors",
    "insert_organisation",
    "insert_person",
    "make_account_manager",
    "mutate",
    "ok",
    "only_error",
    "organisation_id",
    "pk",
    "upload",
    "upload_ok",
]

USER_ERRORS = "userErrors { field message code }"
DOCUMENT = "id filename contentType size sha256 description uploadedAt uploadedBy { name } downloadUrl"
# The only place that knows how deep tests/support/ lies in the repository.
REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "schema.graphql"
EXAMPLE_QUERIES = REPO / "examples" / "queries"


@functools.cache
def _input_types() -> dict[str, str]:
    """Each mutation's input type as a query declares it, e.g. 'GroupPartiesInput!'."""
    schema = graphql.build_schema(SCHEMA_FILE.read_text())
    assert schema.mutation_type is not None
    return {name: str(field.args["input"].type) for name, field in schema.mutation_type.fields.items()}


# --- the database under test and the caller --------------------------------------------------

# RELGRAPH_TEST_DATABASE_URL picks the backend; conftest.py makes each test a database on it.
TEST_URL = os.environ.get("RELGRAPH_TEST_DATABASE_URL", "")
IS_POSTGRES = TEST_URL.startswith("postgresql")


@dataclass
class Caller:
    """A staff user with a token, able to send GraphQL requests."""

    client: httpx.AsyncClient
    token: str
    user_id: int
    email: str

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})},
            **kwargs,
        )

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run `query`; fail the test on any error; return `data`."""
        response = await self.post(query, variables)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def counted(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], int]:
        """Run `query` and count the SQL statements it sent (authentication included)."""
        with StatementCounter() as counter:
            data = await self.gql(query, variables)
        return data, counter.count


MakeCaller = Callable[..., Awaitable[Caller]]


# --- mutations and their userErrors ----------------------------------------------------------


async def mutate(caller: Caller, name: str, selection: str = "", /, **input: Any) -> dict[str, Any]:
    """Run mutation `name` with `input`, selecting `selection` and the userErrors; the payload."""
    assert name in _input_types(), f"schema.graphql has no mutation {name!r}"
    input_type = _input_types()[name]
    query = f"mutation($input: {input_type}) {{ {name}(input: $input) {{ {selection} {USER_ERRORS} }} }}"
    return (await caller.gql(query, {"input": input}))[name]


async def ok(caller: Caller, name: str, selection: str = "", /, **input: Any) -> dict[str, Any]:
    """Run mutation `name` as `mutate` does, failing the test on any userError; the payload."""
    payload = await mutate(caller, name, selection, **input)
    assert payload["userErrors"] == [], (name, input, payload)
    return payload


def errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    """The payload's userErrors as (field, code) pairs, in the order given."""
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


def codes(payload: dict[str, Any]) -> list[str]:
    """The payload's userError codes, in the order given."""
    return [e["code"] for e in payload["userErrors"]]


def only_error(payload: dict[str, Any]) -> tuple[list[str], str]:
    """The (field, code) of the first userError; all of them must share that one code."""
    assert len(payload["userErrors"]) >= 1, payload
    assert len({e["code"] for e in payload["userErrors"]}) == 1, payload
    error = payload["userErrors"][0]
    return error["field"], error["code"]


def pk(global_id: str) -> int:
    """The primary key a global ID names."""
    decoded = decode_id(global_id)
    assert decoded is not None, global_id
    return decoded[1]


# --- documents (the GraphQL multipart request spec) -------------------------------------------


async def upload(
    caller: Caller,
    party_id: str,
    content: bytes,
    filename: str = "offerte.pdf",
    content_type: str = "application/pdf",
    description: str | None = None,
) -> dict[str, Any]:
    """uploadDocument as a multipart request, selecting the DOCUMENT fields; the payload."""
    query = f"""
    mutation($input: UploadDocumentInput!) {{
      uploadDocument(input: $input) {{ document {{ {DOCUMENT} }} {USER_ERRORS} }}
    }}"""
    variables = {"input": {"partyId": party_id, "file": None, "description": description}}
    operations = {"query": query, "variables": variables}
    response = await caller.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (filename, content, content_type)},
        headers={"Authorization": f"Bearer {caller.token}"},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]["uploadDocument"]


async def upload_ok(
    caller: Caller, party_id: str, content: bytes, filename: str = "offerte.pdf", **fields: Any
) -> dict[str, Any]:
    """Upload as `upload` does, failing the test on any userError; the document."""
    payload = await upload(caller, party_id, content, filename, **fields)
    assert payload["userErrors"] == [], payload
    return payload["document"]


# --- common objects, through the API ----------------------------------------------------------


async def create_organisation(caller: Caller, name: str, /, **fields: Any) -> str:
    """A new organisation called `name`; its global ID."""
    payload = await ok(caller, "createOrganisation", "organisation { id }", name=name, **fields)
    return payload["organisation"]["id"]


async def create_person(caller: Caller, last_name: str, /, **fields: Any) -> str:
    """A new person called `last_name`; its global ID."""
    return (await ok(caller, "createPerson", "person { id }", lastName=last_name, **fields))["person"]["id"]


async def add_membership(caller: Caller, person_id: str, organisation_id: str, /, **fields: Any) -> str:
    """The person made a member of the organisation; the membership's global ID."""
    membership = {"personId": person_id, "organisationId": organisation_id, **fields}
    return (await ok(caller, "addMembership", "membership { id }", **membership))["membership"]["id"]


async def make_account_manager(admin: Caller, organisation_id: str, user: Caller) -> None:
    """Give `user` the built-in ACCOUNT_MANAGER internal relation to the organisation."""
    data = await admin.gql("{ internalRelationCategories { id code } }")
    category = next(c["id"] for c in data["internalRelationCategories"] if c["code"] == "ACCOUNT_MANAGER")
    user_id = (await user.gql("{ viewer { id } }"))["viewer"]["id"]
    relation = {"employeeId": user_id, "partyId": organisation_id, "categoryId": category}
    await ok(admin, "addInternalRelation", "", **relation)


# --- common objects, straight into the database -----------------------------------------------


def organisation_id(primary_key: int) -> str:
    """The global ID of the organisation row `primary_key`."""
    return encode_id("Organisation", primary_key)


async def insert_organisation(session: AsyncSession, name: str, **values: Any) -> Organisation:
    """An organisation row called `name`, flushed (it has its id), with no audit trail."""
    organisation = Organisation(name=name, name_key=name.lower(), search_text=name.lower(), **values)
    session.add(organisation)
    await session.flush()
    return organisation


async def insert_person(session: AsyncSession, last_name: str) -> Person:
    """A person row called `last_name`, flushed (it has its id), with no audit trail."""
    person = Person(last_name=last_name, sort_key=last_name.lower(), search_text=last_name.lower())
    session.add(person)
    await session.flush()
    return person
