"""The headers every answer carries, the pages' Content-Security-Policy, and downloads that stay downloads.

tests/web/test_browser.py checks in Chromium that the policy leaves GraphiQL and the network view
working and that an uploaded HTML, SVG or XML file is downloaded, not rendered.
"""

from __future__ import annotations

import pytest
from helpers import create_organisation, upload

GRAPHIQL = {"accept": "text/html"}


async def _answers(admin) -> dict[str, object]:
    auth = {"Authorization": f"Bearer {admin.token}"}
    client = admin.client
    return {
        "a query": await admin.post("{ viewer { email } }"),
        "GraphiQL": await client.get("/graphql", headers=GRAPHIQL),
        "the network view": await client.get("/explore"),
        "health": await client.get("/healthz"),
        "a script": await client.get("/static/graphiql/relgraph-graphiql.js"),
        "no such route": await client.get("/nowhere"),
        "no token": await client.post("/graphql", json={"query": "{ viewer { email } }"}),
        "no such document": await client.get("/documents/RG9jdW1lbnQ6OTk5", headers=auth),
        "a token in the URL": await client.get(
            "/graphql", params={"query": "{ viewer { id } }", "access_token": "x"}
        ),
        "a bad method": await client.put("/graphql", headers=auth),
    }


async def test_every_answer_says_nosniff_and_may_not_be_framed(admin) -> None:
    for what, response in (await _answers(admin)).items():
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", what
        assert "frame-ancestors 'none'" in headers["content-security-policy"], what
        assert headers["x-frame-options"] == "DENY", what


async def test_the_pages_may_run_only_relgraphs_own_scripts(admin) -> None:
    answers = await _answers(admin)
    for what in ("GraphiQL", "the network view"):
        policy = dict(
            part.strip().split(" ", 1) for part in answers[what].headers["content-security-policy"].split(";")
        )
        assert policy["script-src"] == "'self'", what  # no inline script, no eval, no other host
        assert policy["connect-src"] == "'self'", what
        assert policy["default-src"] == "'none'", what
        assert "http" not in answers[what].headers["content-security-policy"], what
    assert (
        answers["a query"].headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )


# (declared type, type it is sent with): active kinds become opaque bytes, passive ones stay.
DOWNLOADS = [
    ("text/html", "application/octet-stream"),
    ("TEXT/HTML; charset=utf-8", "application/octet-stream"),
    ("image/svg+xml", "application/octet-stream"),
    ("application/xml", "application/octet-stream"),
    ("text/xml", "application/octet-stream"),
    ("application/xhtml+xml", "application/octet-stream"),
    ("text/javascript", "application/octet-stream"),
    ("application/x-made-up", "application/octet-stream"),
    ("application/pdf", "application/pdf"),
    ("image/png", "image/png"),
    ("text/plain", "text/plain; charset=utf-8"),
]


@pytest.mark.parametrize(("declared", "sent"), DOWNLOADS, ids=[d for d, _ in DOWNLOADS])
async def test_a_download_is_an_attachment_in_a_sandbox(admin, declared: str, sent: str) -> None:
    org = await create_organisation(admin, "Bijlagen B.V.")
    payload = await upload(
        admin, org, b"<script>alert(1)</script>", filename="bijlage", content_type=declared
    )
    document = payload["document"]
    assert document["contentType"] == declared.split(";")[0].lower(), "the API still says what was uploaded"
    response = await admin.client.get(
        document["downloadUrl"], headers={"Authorization": f"Bearer {admin.token}"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == sent
    assert response.headers["content-disposition"] == 'attachment; filename="bijlage"'
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
