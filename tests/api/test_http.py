"""GraphQL over HTTP: methods, media types, status codes, limits, masking, GraphiQL and health."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from helpers import EXAMPLE_QUERIES, Caller
from sqlalchemy.ext.asyncio import AsyncEngine

from relgraph.config import Settings
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.domain import users
from relgraph.graphql.compiled import execution as compiled_execution
from relgraph.web import create_app

GRAPHQL_RESPONSE = "application/graphql-response+json"
VIEWER = "{ viewer { email } }"


@dataclass
class Server:
    settings: Settings
    engine: AsyncEngine
    client: httpx.AsyncClient
    admin: Caller


@pytest.fixture(scope="module")
def module_database_url(database_template) -> Iterator[str]:
    url = database_template.make()
    yield url
    database_template.drop(url)


@pytest.fixture(scope="module")
async def server(module_database_url) -> AsyncIterator[Server]:
    """One app and database for this module: these tests look at HTTP, not at data."""
    settings = Settings(database_url=module_database_url)
    engine = create_engine(module_database_url)
    try:
        email = f"admin-{uuid.uuid4().hex[:8]}@test.example"
        async with make_sessionmaker(engine)() as session:
            user = await users.create(session, email=email, name="Admin", role="ADMIN")
            token = await users.create_token(session, email=email)
            await session.commit()
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://relgraph.test") as client:
            yield Server(
                settings, engine, client, Caller(client=client, token=token, user_id=user.id, email=email)
            )
    finally:
        await engine.dispose()


@pytest.fixture
def admin(server: Server) -> Caller:
    return server.admin


@pytest.fixture
def client(server: Server) -> httpx.AsyncClient:
    return server.client


def auth(caller: Caller, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {caller.token}", **headers}


async def post_raw(
    caller: Caller, content: str | bytes, content_type: str = "application/json", **headers: str
):
    return await caller.client.post(
        "/graphql", content=content, headers=auth(caller, **{"Content-Type": content_type}, **headers)
    )


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


async def count_organisations(caller: Caller) -> int:
    return (await caller.gql("{ organisations(filter: {includeArchived: true}) { totalCount } }"))[
        "organisations"
    ]["totalCount"]


# --- requests that work ---------------------------------------------------------------------


async def test_post_json_runs_the_query_and_answers_in_json(admin) -> None:
    response = await admin.post(VIEWER)
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    assert response.json()["data"] == {"viewer": {"email": admin.email}}

    charset = await post_raw(admin, json.dumps({"query": VIEWER}), "application/json; charset=utf-8")
    assert charset.json()["data"] == {"viewer": {"email": admin.email}}

    preferred = await admin.post(VIEWER, headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"})
    assert preferred.status_code == 200
    assert media_type(preferred) == GRAPHQL_RESPONSE
    assert preferred.json()["data"] == {"viewer": {"email": admin.email}}


async def test_get_runs_a_query_with_variables_and_operation_name(admin) -> None:
    response = await admin.client.get("/graphql", params={"query": "{viewer{email}}"}, headers=auth(admin))
    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": {"email": admin.email}}

    document = "query A { viewer { email } } query B($id: ID!) { node(id: $id) { id } }"
    response = await admin.client.get(
        "/graphql",
        params={"query": document, "operationName": "B", "variables": json.dumps({"id": "garbage"})},
        headers=auth(admin),
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"node": None}


async def test_a_mutation_over_get_is_405_and_changes_nothing(admin) -> None:
    mutation = 'mutation { createOrganisation(input: {name: "Via GET"}) { userErrors { code } } }'
    before = await count_organisations(admin)
    response = await admin.client.get("/graphql", params={"query": mutation}, headers=auth(admin))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "errors" in response.json()
    assert await count_organisations(admin) == before
    # The same mutation over POST works.
    assert (await admin.gql(mutation))["createOrganisation"]["userErrors"] == []
    assert await count_organisations(admin) == before + 1


async def test_other_methods_are_405(admin) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = await admin.client.request(method, "/graphql", json={"query": VIEWER}, headers=auth(admin))
        assert response.status_code == 405, method
        assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


# --- requests that are not GraphQL requests ----------------------------------------------------


async def test_a_body_that_is_not_json_is_415(admin) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/graphql"):
        response = await post_raw(admin, json.dumps({"query": VIEWER}), content_type)
        assert response.status_code == 415, content_type
        assert response.json()["errors"][0]["message"]
    response = await admin.client.post(
        "/graphql", content=b'{"query": "{ viewer { email } }"}', headers=auth(admin)
    )
    assert response.status_code == 415


BAD_BODIES = [
    ('{"query": "{ viewer { email } }"', "malformed JSON"),
    (b'{"query": "\xff\xfe"}', "not UTF-8"),
    ("", "empty body"),
    ('[{"query": "{ viewer { email } }"}]', "a batch"),
    ('"{ viewer { email } }"', "a bare string"),
    ("{}", "no query"),
    ('{"query": ""}', "empty query"),
    ('{"query": 42}', "query is a number"),
    ('{"query": {"a": 1}}', "query is an object"),
    ('{"query": "{ viewer { email } }", "variables": [1]}', "variables is a list"),
    ('{"query": "{ viewer { email } }", "variables": "{oops"}', "variables is broken JSON"),
    ('{"query": "{ viewer { email } }", "operationName": 1}', "operationName is a number"),
]


async def test_a_bad_request_body_is_400(admin) -> None:
    for body, why in BAD_BODIES:
        for accept in ("application/json", GRAPHQL_RESPONSE):
            response = await post_raw(admin, body, Accept=accept)
            assert response.status_code == 400, (why, accept, response.text)
            assert "data" not in response.json(), why
            assert response.json()["errors"][0]["message"], why


async def test_a_get_without_query_is_400(admin) -> None:
    response = await admin.client.get("/graphql", headers=auth(admin))
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_an_unsupported_accept_is_406(admin) -> None:
    for accept in ("text/csv", "text/html;q=1, application/xml"):
        response = await admin.post(VIEWER, headers={"Accept": accept})
        assert response.status_code == 406, accept
    for accept in ("*/*", "application/*", "text/csv, application/json;q=0.1"):
        assert (await admin.post(VIEWER, headers={"Accept": accept})).status_code == 200, accept


# --- documents that do not parse or validate ---------------------------------------------------


async def test_a_syntax_error_is_400_without_data_under_graphql_response_json(admin) -> None:
    response = await admin.post("{ viewer { email ", headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert body["errors"] and "Syntax Error" in body["errors"][0]["message"]


async def test_a_syntax_error_is_200_with_errors_under_application_json(admin) -> None:
    response = await admin.post("{ viewer { email ", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    body = response.json()
    assert body.get("data") is None
    assert "Syntax Error" in body["errors"][0]["message"]


async def test_a_request_error_has_no_data_entry_under_application_json(admin) -> None:
    # GraphQL spec, Response > Data: "If an error was raised before execution begins,
    # the data entry should not be present in the result."
    for query in ("{ viewer { email ", "{ viewer { nope } }"):
        body = (await admin.post(query, headers={"Accept": "application/json"})).json()
        assert "data" not in body, (query, body)


async def test_a_validation_error_is_400_under_graphql_response_json(admin) -> None:
    before = await count_organisations(admin)
    for query, fragment in [
        ("{ viewer { nope } }", "nope"),
        ("query($id: ID!) { node(id: $id) { id } }", "$id"),  # a required variable is missing
        ("mutation { createOrganisation(input: {}) { userErrors { code } } }", "name"),
    ]:
        response = await admin.post(query, headers={"Accept": GRAPHQL_RESPONSE})
        assert response.status_code == 400, (query, response.text)
        assert media_type(response) == GRAPHQL_RESPONSE
        body = response.json()
        assert "data" not in body
        assert fragment in body["errors"][0]["message"]
    assert await count_organisations(admin) == before


def error_codes(response: httpx.Response) -> list[str | None]:
    return [e.get("extensions", {}).get("code") for e in response.json()["errors"]]


@pytest.mark.parametrize("accept, status", [(GRAPHQL_RESPONSE, 400), ("application/json", 200)])
@pytest.mark.parametrize(
    "query, variables, code",
    [
        ("{ viewer { email ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { email } } }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ " + "viewer { email } " * 2000 + "}", None, "GRAPHQL_PARSE_FAILED"),  # over the token limit
        ("{ viewer { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ('{ organisations(first: "ten") { totalCount } }', None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($unused: Int) { viewer { email } }", None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "{ organisations { nodes { " + "parent { " * 11 + "id" + " }" * 11 + " } } }",
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),  # deeper than the limit
        ("query($f: Int) { organisations(first: $f) { totalCount } }", {"f": "ten"}, "BAD_USER_INPUT"),
        ("query($id: ID!) { node(id: $id) { id } }", {}, "BAD_USER_INPUT"),
        ("query($id: ID!) { node(id: $id) { id } }", {"id": {"an": "object"}}, "BAD_USER_INPUT"),
        (
            "query($o: OrganisationOrder) { organisations(orderBy: $o) { totalCount } }",
            {"o": {"field": "SHOE_SIZE"}},
            "BAD_USER_INPUT",
        ),
        (
            "mutation($i: AddMembershipInput!) { addMembership(input: $i) { userErrors { code } } }",
            {"i": {"personId": "x", "organisationId": "y", "startDate": "31-12-2026"}},
            "BAD_USER_INPUT",
        ),
    ],
)
async def test_request_errors_carry_the_code_apollo_and_yoga_give(
    admin, query, variables, code, accept, status
) -> None:
    response = await admin.post(query, variables, headers={"Accept": accept})
    # The status codes stay as GraphQL over HTTP has them: no data, so 400 under the new media type.
    assert response.status_code == status, response.text
    assert "data" not in response.json()
    assert error_codes(response) == [code], response.text


async def test_a_get_request_errors_carry_their_codes_too(admin) -> None:
    for params, code in [
        ({"query": "{ viewer { email "}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ viewer { nope } }"}, "GRAPHQL_VALIDATION_FAILED"),
        (
            {
                "query": "query($f: Int) { organisations(first: $f) { totalCount } }",
                "variables": '{"f": "x"}',
            },
            "BAD_USER_INPUT",
        ),
    ]:
        response = await admin.client.get("/graphql", params=params, headers=auth(admin))
        assert response.status_code == 200 and error_codes(response) == [code], response.text


async def test_errors_that_have_a_code_keep_it(admin) -> None:
    # A field error has its own code, and a refused query its own: neither becomes a request code.
    business = (await admin.post("{ organisations(first: 0) { totalCount } }")).json()
    costly = await admin.post(
        "{ organisations(first: 100) { nodes { memberships(first: 100) { nodes { person { "
        "memberships(first: 100) { nodes { id } } } } } } } }"
    )
    assert [e["extensions"]["code"] for e in business["errors"]] == ["BAD_USER_INPUT"]
    assert error_codes(costly) == ["QUERY_TOO_COSTLY"]


async def test_field_errors_keep_status_200_under_graphql_response_json(admin) -> None:
    # A resolver error after execution began is a partial result, not a bad request.
    response = await admin.post(
        "{ organisations(first: 0) { totalCount } }", headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- protection -----------------------------------------------------------------------------


def nested_parents(levels: int) -> str:
    """organisations > nodes > `levels` x parent > id: the leaf sits at depth levels + 2 (root field = 0)."""
    selection = "id"
    for _ in range(levels):
        selection = f"parent {{ {selection} }}"
    return f"{{ organisations {{ nodes {{ {selection} }} }} }}"


async def test_queries_deeper_than_the_limit_are_refused_before_running(admin) -> None:
    allowed = (await admin.post(nested_parents(10))).json()
    assert "errors" not in allowed and "organisations" in allowed["data"]
    for levels in (11, 40):
        response = await admin.post(nested_parents(levels), headers={"Accept": GRAPHQL_RESPONSE})
        assert response.status_code == 400, levels
        body = response.json()
        assert "data" not in body
        assert "depth" in body["errors"][0]["message"]


async def test_more_than_30_aliases_are_refused(admin) -> None:
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: viewer {{ email }}" for i in range(count)) + " }"

    allowed = await admin.gql(aliased(30))
    assert len(allowed) == 30
    response = await admin.post(aliased(31), headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert "alias" in body["errors"][0]["message"].lower()


# --- masking of unexpected errors --------------------------------------------------------------


async def test_unexpected_exceptions_are_masked_and_logged_with_the_request_id(
    admin, monkeypatch, caplog
) -> None:
    from relgraph.domain.organisations import organisations

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(organisations, "list_page", broken)
    # A resolver's failure: the resolvers answer this one.
    monkeypatch.setattr(compiled_execution, "compiled_for", lambda *args: "a resolver fails here")
    caplog.set_level(logging.ERROR, logger="relgraph.errors")
    response = await admin.post("{ organisations { nodes { id } } }")

    assert response.status_code == 200
    assert "secret detail" not in response.text
    assert "RuntimeError" not in response.text
    request_id = response.headers["x-request-id"]
    assert request_id
    body = response.json()
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["message"] == f"Internal error (request id {request_id})."
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["path"] == ["organisations"]

    records = [r for r in caplog.records if r.name == "relgraph.errors"]
    assert len(records) == 1
    logged = logging.Formatter().format(records[0])
    assert request_id in logged
    assert "Traceback" in logged
    assert "RuntimeError: secret detail" in logged


async def test_expected_errors_are_not_masked(admin) -> None:
    response = await admin.post("{ organisations(first: 0) { totalCount } }")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Internal error" not in error["message"]


async def test_a_failing_root_field_next_to_one_still_loading_gives_a_graphql_response(server) -> None:
    # A transport that hands back the server's 500 instead of raising the app's exception.
    transport = httpx.ASGITransport(
        app=create_app(server.settings, engine=server.engine), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://relgraph.test") as client:
        # `viewer` is still waiting for its loader when the non-null `organisations` fails.
        response = await client.post(
            "/graphql",
            json={"query": "{ viewer { email } organisations(first: 0) { totalCount } }"},
            headers=auth(server.admin),
        )
    assert response.status_code == 200, response.text
    assert media_type(response) == "application/json"
    body = response.json()
    assert body["data"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["organisations"], "BAD_USER_INPUT")
    ]
    assert response.headers.get("x-request-id")


async def test_an_unexpected_exception_outside_execution_is_masked_too(server, monkeypatch, caplog) -> None:
    # E.g. the database failing while the token is checked: still a GraphQL error body with a
    # request id, never a bare "Internal Server Error" page or the exception's text.
    from relgraph.domain import users as users_module

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(users_module, "authenticate", broken)
    caplog.set_level(logging.ERROR)
    transport = httpx.ASGITransport(
        app=create_app(server.settings, engine=server.engine), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://relgraph.test") as client:
        response = await client.post("/graphql", json={"query": VIEWER}, headers=auth(server.admin))
    assert response.status_code == 500
    assert "secret detail" not in response.text
    request_id = response.headers.get("x-request-id")
    assert request_id
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL"
    assert request_id in error["message"]
    assert any(request_id in record.getMessage() for record in caplog.records)


async def test_an_exception_in_a_schema_extension_is_masked_too(admin, monkeypatch, caplog) -> None:
    # Strawberry turns an exception raised by an extension's hook into an error carrying the
    # exception's text, after the masking extension has had its turn.
    from relgraph.graphql.core import limits

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(limits, "query_cost", broken)
    caplog.set_level(logging.ERROR, logger="relgraph.errors")
    response = await admin.post(VIEWER)
    assert response.status_code == 500
    assert "secret detail" not in response.text
    request_id = response.headers["x-request-id"]
    assert response.json()["errors"] == [
        {
            "message": f"Internal error (request id {request_id}).",
            "extensions": {"code": "INTERNAL", "requestId": request_id},
        }
    ]
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


# --- GraphiQL, health, request ids ---------------------------------------------------------------


async def test_a_browser_gets_graphiql_with_only_local_assets(client) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    page = response.text
    assert "http://" not in page
    assert "https://" not in page
    assert not re.search(r"""(src|href)=["']//""", page)

    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    local = [a for a in assets if not a.startswith("data:")]
    assert any(a.endswith(".js") for a in local) and any(a.endswith(".css") for a in local)
    for asset in local:
        assert asset.startswith("/static/"), asset
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert fetched.content, asset


async def test_graphiql_ships_the_example_queries(client) -> None:
    page = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    match = re.search(
        r'<script type="application/json" id="relgraph-examples">(.*?)</script>', page, re.DOTALL
    )
    assert match is not None
    examples = json.loads(match.group(1))
    expected = sorted(p.stem for p in EXAMPLE_QUERIES.glob("*.graphql"))
    assert expected
    assert [e["name"] for e in examples] == expected
    assert all(e["query"].strip() for e in examples)


async def test_every_graphql_response_carries_a_fresh_request_id(admin, client) -> None:
    responses = [
        await admin.post(VIEWER),
        await admin.post("{ nope }", headers={"Accept": GRAPHQL_RESPONSE}),
        await client.post("/graphql", json={"query": VIEWER}),
        await post_raw(admin, "not json"),
        await admin.client.get(
            "/graphql",
            params={"query": 'mutation { createOrganisation(input: {name: "X"}) { userErrors { code } } }'},
            headers=auth(admin),
        ),
    ]
    assert [r.status_code for r in responses] == [200, 400, 401, 400, 405]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(re.fullmatch(r"[0-9a-f]{8,}", i or "") for i in ids), ids
    assert len(set(ids)) == len(ids)
