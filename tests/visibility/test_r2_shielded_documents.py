"""R2 of the authorization matrix: the documents of a party with account managers are for them
and ADMIN only: in lists, counts, nodes, the download route (404, never 403) and writes.

The matrix's scenario and plumbing: tests/support/authorization.py.
"""

from __future__ import annotations

import hashlib
import re

from authorization import (
    DOC_NODE,
    PARTY_DOCUMENTS,
    SEES_ALL_PERSONS,
    build_scenario,
    document_ids,
    download,
    outcome,
    report,
)
from helpers import mutate, upload

from relgraph.graphql.core.ids import encode_id

DOC_VIEWERS = (
    "ADMIN",
    "TEAM",
    "TEAM_AM",
    "TEAM_EX_AM",
    "TEAM_FUTURE_AM",
    "BUSINESS",
    "BUSINESS_AM",
    "READONLY",
)
# viewer -> which of the documents it may see
DOCS_EXPECTED: dict[str, set[str]] = {
    "ADMIN": {"alfa", "beta", "gamma", "delta", "hidden", "member"},
    "TEAM": {"beta", "gamma", "delta", "hidden"},
    "TEAM_AM": {"alfa", "beta", "gamma", "delta", "hidden", "member"},
    "TEAM_EX_AM": {"beta", "gamma", "delta", "hidden"},  # an ended account manager is no longer one
    "TEAM_FUTURE_AM": {"beta", "gamma", "delta", "hidden"},
    "BUSINESS": {"beta", "gamma", "delta"},  # hidden person: R1
    "BUSINESS_AM": {"alfa", "beta", "gamma", "delta"},
    "READONLY": {"beta", "gamma", "delta"},
}


async def test_r2_document_lists_counts_and_nodes_follow_shielding(admin, make_caller, client) -> None:
    s = await (await build_scenario(admin, make_caller, client)).with_documents()
    parties = {
        "alfa": s.alfa,
        "beta": s.beta,
        "gamma": s.gamma,
        "delta": s.delta,
        "hidden": s.hidden,
        "member": s.member,
    }
    problems: list[str] = []
    for viewer in DOC_VIEWERS:
        caller = s.viewers[viewer]
        expected = DOCS_EXPECTED[viewer]
        for key, party in parties.items():
            # The hidden person itself is null for BUSINESS and READONLY (R1): no list to ask.
            if key != "hidden" or SEES_ALL_PERSONS[viewer.split("_")[0]]:
                ids, total = await document_ids(caller, party)
                want = {s.docs[key].id} if key in expected else set()
                if ids != want or total != len(want):
                    problems.append(
                        f"{viewer}: documents of {key} = {ids} (totalCount {total}), expected {want}"
                    )
            node = (await caller.gql(DOC_NODE, {"id": s.docs[key].id}))["node"]
            want_node = {"id": s.docs[key].id} if key in expected else None
            if node != want_node:
                problems.append(f"{viewer}: node({key} document) = {node}, expected {want_node}")
    report(problems)


def _normal(text: str) -> str:
    """A response body without per-request noise (request ids)."""
    return re.sub(r"[0-9a-f]{12,}", "<id>", text)


async def test_r2_download_route_follows_shielding_with_404_never_403(admin, make_caller, client) -> None:
    s = await (await build_scenario(admin, make_caller, client)).with_documents()
    missing_doc = encode_id("Document", 987_654_321)
    problems: list[str] = []
    for viewer in DOC_VIEWERS:
        token = s.viewers[viewer].token
        missing = await download(client, token, missing_doc)
        if missing.status_code != 404:
            problems.append(f"{viewer}: a missing document gives {missing.status_code}, expected 404")
        for key, doc in s.docs.items():
            response = await download(client, token, doc.id)
            if key in DOCS_EXPECTED[viewer]:
                if response.status_code != 200:
                    problems.append(
                        f"{viewer}: GET {key} document gives {response.status_code}, expected 200"
                    )
                    continue
                disposition = response.headers.get("content-disposition", "")
                if (
                    response.content != doc.content
                    or not response.headers.get("content-type", "").startswith(doc.content_type)
                    or "attachment" not in disposition
                    or doc.filename not in disposition
                ):
                    problems.append(
                        f"{viewer}: GET {key} document: wrong body or headers {dict(response.headers)}"
                    )
            else:
                if response.status_code != 404:
                    problems.append(
                        f"{viewer}: GET {key} document gives {response.status_code}, expected 404"
                    )
                # Indistinguishable from a document that does not exist.
                if (
                    _normal(response.text.replace(doc.id, missing_doc)) != _normal(missing.text)
                    or doc.filename in response.text
                ):
                    problems.append(
                        f"{viewer}: the 404 for {key} differs from a missing one: {response.text!r}"
                    )
    for label, token in (("no token", None), ("a bad token", "not-a-real-token")):
        for key, doc in s.docs.items():
            response = await download(client, token, doc.id)
            if response.status_code != 401 or doc.content in response.content:
                problems.append(f"{label}: GET {key} document gives {response.status_code}, expected 401")
    for bad_id in ("nonsense", encode_id("Person", 1), encode_id("Organisation", 1)):
        response = await download(client, admin.token, bad_id)
        if response.status_code != 404:
            problems.append(f"ADMIN: GET /documents/{bad_id} gives {response.status_code}, expected 404")
    report(problems)


async def test_r2_r5_document_writes(admin, make_caller, client) -> None:
    """Upload and delete: TEAM and ADMIN only; on a shielded party only its account managers and ADMIN."""
    s = await build_scenario(admin, make_caller, client)
    UPLOAD_EXPECTED = {  # viewer -> (on unshielded Beta, on shielded Alfa)
        "ADMIN": ("ok", "ok"),
        "TEAM": ("ok", "FORBIDDEN"),
        "TEAM_AM": ("ok", "ok"),
        "TEAM_EX_AM": ("ok", "FORBIDDEN"),
        "BUSINESS": ("FORBIDDEN", "FORBIDDEN"),
        "BUSINESS_AM": ("FORBIDDEN", "FORBIDDEN"),
        "READONLY": ("FORBIDDEN", "FORBIDDEN"),
    }
    DELETE_EXPECTED = {  # viewer -> (on unshielded Beta, on shielded Alfa)
        "ADMIN": ("ok", "ok"),
        "TEAM": ("ok", "NOT_FOUND"),  # it cannot see the document
        "TEAM_AM": ("ok", "ok"),
        "TEAM_EX_AM": ("ok", "NOT_FOUND"),
        "BUSINESS": ("FORBIDDEN", "FORBIDDEN"),
        "BUSINESS_AM": ("FORBIDDEN", "FORBIDDEN"),
        "READONLY": ("FORBIDDEN", "FORBIDDEN"),
    }
    problems: list[str] = []
    for viewer, expected in UPLOAD_EXPECTED.items():
        caller = s.viewers[viewer]
        for party_key, party, want in (("Beta", s.beta, expected[0]), ("Alfa", s.alfa, expected[1])):
            filename = f"{viewer.lower()}-{party_key.lower()}.pdf"
            content = f"upload by {viewer}".encode()
            payload = await upload(caller, party, content, filename, description=viewer)
            got = outcome(payload)
            if got != want:
                problems.append(
                    f"{viewer}: uploadDocument to {party_key} -> {got}, expected {want}: {payload['userErrors']}"
                )
            listed = (await admin.gql(PARTY_DOCUMENTS, {"id": party}))["node"]["documents"]["nodes"]
            stored = {d["id"] for d in listed}
            names = {d["filename"] for d in listed}
            if (filename in names) != (want == "ok"):
                problems.append(
                    f"{viewer}: after uploadDocument to {party_key} ({got}) the stored files are {names}"
                )
            if want == "ok" and got == "ok":
                document = payload["document"]
                facts = (
                    document["filename"],
                    document["contentType"],
                    document["size"],
                    document["sha256"],
                    document["description"],
                )
                if facts != (
                    filename,
                    "application/pdf",
                    len(content),
                    hashlib.sha256(content).hexdigest(),
                    viewer,
                ):
                    problems.append(f"{viewer}: uploaded document reads back as {document}")
                if (
                    document["id"] not in stored
                    or document["downloadUrl"] != f"/documents/{document['id']}?sha256={document['sha256']}"
                ):
                    problems.append(f"{viewer}: uploaded document id/downloadUrl wrong: {document}")
                if document["uploadedBy"] is None:
                    problems.append(f"{viewer}: uploadedBy is null")
            elif payload.get("document") is not None:
                problems.append(f"{viewer}: a refused upload returned a document: {payload['document']}")

    for viewer, expected in DELETE_EXPECTED.items():
        caller = s.viewers[viewer]
        for party_key, party, want in (("Beta", s.beta, expected[0]), ("Alfa", s.alfa, expected[1])):
            doc = await s.add_document(f"del-{viewer}-{party_key}", party, f"delete-me-{viewer.lower()}.pdf")
            payload = await mutate(caller, "deleteDocument", "deletedId", id=doc.id)
            got = outcome(payload)
            if got != want:
                problems.append(
                    f"{viewer}: deleteDocument on {party_key} -> {got}, expected {want}: {payload['userErrors']}"
                )
            if want == "NOT_FOUND":
                missing = await mutate(
                    caller, "deleteDocument", "deletedId", id=encode_id("Document", 987_654_321)
                )
                if missing["userErrors"] != payload["userErrors"]:
                    problems.append(f"{viewer}: deleting an unseen document differs from a missing one")
            still_there = doc.id in (await document_ids(admin, party))[0]
            if still_there != (want != "ok"):
                problems.append(
                    f"{viewer}: after deleteDocument on {party_key} ({got}) the document is {'still there' if still_there else 'gone'}"
                )
            if want == "ok" and (await download(client, admin.token, doc.id)).status_code != 404:
                problems.append(f"{viewer}: a deleted document can still be downloaded")
    report(problems)
