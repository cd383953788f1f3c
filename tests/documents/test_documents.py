"""Documents: multipart upload, listing, download, shielding (R2), storage and cleanup."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import Caller, codes, create_organisation, make_account_manager, upload
from sqlalchemy import text

from relgraph.config import Settings
from relgraph.graphql.core.ids import decode_id, encode_id
from relgraph.storage import DocumentStore

DOCUMENTS = """
query($id: ID!) { node(id: $id) { ... on Party { documents(first: 10) { totalCount nodes { id filename } } } } }
"""
DELETE = "mutation($id: ID!) { deleteDocument(input: {id: $id}) { deletedId userErrors { field code } } }"


def stored_files(settings: Settings) -> list[Path]:
    root = settings.document_root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_upload_list_and_download_round_trip(admin, settings) -> None:
    org = await create_organisation(admin, "Archief BV")
    content = b"%PDF-1.4 quote for \xe2\x82\xac 1.000"
    payload = await upload(admin, org, content, filename="C:\\fakepath\\offerte 2026 €.pdf")
    assert payload["userErrors"] == []
    document = payload["document"]
    assert document["filename"] == "offerte 2026 €.pdf"
    assert document["size"] == len(content)
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert document["contentType"] == "application/pdf"
    assert document["uploadedBy"]["name"] == "Admin Tester"

    listed = (await admin.gql(DOCUMENTS, {"id": org}))["node"]["documents"]
    assert listed["totalCount"] == 1 and listed["nodes"][0]["id"] == document["id"]

    response = await admin.client.get(
        document["downloadUrl"], headers={"Authorization": f"Bearer {admin.token}"}
    )
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "offerte" in response.headers["content-disposition"]
    # Content-addressed: the file on disk is named by its hash.
    assert [p.name for p in stored_files(settings)] == [document["sha256"]]


async def test_download_needs_a_token_and_hides_unknown_documents(admin) -> None:
    org = await create_organisation(admin, "Archief BV")
    document = (await upload(admin, org, b"abc"))["document"]
    assert (await admin.client.get(document["downloadUrl"])).status_code == 401
    missing = document["downloadUrl"][:-2] + "zz"
    assert (
        await admin.client.get(missing, headers={"Authorization": f"Bearer {admin.token}"})
    ).status_code == 404


async def test_documents_of_a_party_with_account_managers_are_shielded(admin, make_caller) -> None:
    manager = await make_caller("TEAM")
    colleague = await make_caller("TEAM")
    business = await make_caller("BUSINESS")
    open_org = await create_organisation(admin, "Open BV")
    shielded = await create_organisation(admin, "Geheim BV")
    open_doc = (await upload(admin, open_org, b"open"))["document"]
    secret = (await upload(admin, shielded, b"secret"))["document"]
    await make_account_manager(admin, shielded, manager)

    for caller, sees_secret in ((admin, True), (manager, True), (colleague, False), (business, False)):
        listed = (await caller.gql(DOCUMENTS, {"id": shielded}))["node"]["documents"]
        assert listed["totalCount"] == (1 if sees_secret else 0), caller.email
        assert [n["id"] for n in listed["nodes"]] == ([secret["id"]] if sees_secret else [])
        assert (await caller.gql(DOCUMENTS, {"id": open_org}))["node"]["documents"]["totalCount"] == 1
        download = await caller.client.get(
            secret["downloadUrl"], headers={"Authorization": f"Bearer {caller.token}"}
        )
        assert download.status_code == (200 if sees_secret else 404), caller.email
        node = await caller.gql("query($id: ID!) { node(id: $id) { id } }", {"id": secret["id"]})
        assert (node["node"] is not None) == sees_secret
    assert (
        await colleague.client.get(
            open_doc["downloadUrl"], headers={"Authorization": f"Bearer {colleague.token}"}
        )
    ).status_code == 200

    # Shielded for uploads and deletes too.
    refused = await upload(colleague, shielded, b"more")
    assert codes(refused) == ["FORBIDDEN"]
    deleted = (await colleague.gql(DELETE, {"id": secret["id"]}))["deleteDocument"]
    assert codes(deleted) == ["NOT_FOUND"]
    assert (await upload(manager, shielded, b"more"))["userErrors"] == []


async def test_business_and_readonly_may_not_upload_and_nothing_is_stored(
    admin, make_caller, settings
) -> None:
    org = await create_organisation(admin, "Archief BV")
    for role in ("BUSINESS", "READONLY"):
        caller = await make_caller(role)
        payload = await upload(caller, org, b"not allowed")
        assert payload["document"] is None
        assert codes(payload) == ["FORBIDDEN"]
    assert stored_files(settings) == []


async def test_a_file_over_the_limit_is_refused_and_leaves_no_file(admin, client, engine, tmp_path) -> None:
    import httpx

    from relgraph.web import create_app

    small = Settings(
        database_url=str(engine.url.render_as_string(hide_password=False)),
        documents_dir=tmp_path / "docs",
        max_document_bytes=1000,
    )
    app = create_app(small, engine=engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as limited:
        caller = Caller(client=limited, token=admin.token, user_id=admin.user_id, email=admin.email)
        org = await create_organisation(caller, "Archief BV")
        payload = await upload(caller, org, b"x" * 1001)
        assert payload["document"] is None
        assert payload["userErrors"][0]["field"] == ["file"] and payload["userErrors"][0]["code"] == "INVALID"
        assert (await upload(caller, org, b"x" * 1000))["userErrors"] == []
        assert (await caller.gql(DOCUMENTS, {"id": org}))["node"]["documents"]["totalCount"] == 1
    files = [p for p in (tmp_path / "docs").rglob("*") if p.is_file()]
    assert len(files) == 1, "the refused upload left no file, not even a temporary one"


async def test_a_refused_row_leaves_an_orphan_that_cleanup_removes(admin, settings, sessionmaker) -> None:
    from relgraph.domain import documents

    # A party that does not exist: the file is stored first, the row is refused.
    payload = await upload(admin, "UGVyc29uOjk5OTk5", b"orphan")
    assert codes(payload) == ["NOT_FOUND"]
    org = await create_organisation(admin, "Archief BV")
    kept = (await upload(admin, org, b"kept"))["document"]
    assert len(stored_files(settings)) == 2

    store = DocumentStore(settings.document_root, settings.max_document_bytes)
    async with sessionmaker() as session:
        referenced = await documents.referenced_hashes(session)
    assert store.orphans(referenced, older_than_seconds=3600) == [], "a fresh file may be an upload in flight"
    for path in stored_files(settings):
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    orphans = store.orphans(referenced, older_than_seconds=3600)
    assert orphans == [hashlib.sha256(b"orphan").hexdigest()]
    assert kept["sha256"] not in orphans


@pytest.mark.parametrize(
    "body", [{"operations": "{", "map": "{}"}, {"operations": "{}", "map": '{"0": ["variables.x"]}'}]
)
async def test_malformed_multipart_requests_are_400(admin, body) -> None:
    response = await admin.client.post(
        "/graphql",
        data=body,
        files={"1": ("a.txt", b"a", "text/plain")},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert response.status_code == 400


async def test_cleanup_command_removes_only_old_unreferenced_files(admin, settings, database_url) -> None:
    import subprocess
    import sys

    deleted = (await upload(admin, await create_organisation(admin, "Archief BV"), b"deleted later"))[
        "document"
    ]
    kept = (await upload(admin, await create_organisation(admin, "Bewaar BV"), b"kept"))["document"]
    assert (await admin.gql(DELETE, {"id": deleted["id"]}))["deleteDocument"]["userErrors"] == []
    for path in stored_files(settings):
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    env = {
        **os.environ,
        "RELGRAPH_DATABASE_URL": database_url,
        "RELGRAPH_DOCUMENTS_DIR": str(settings.document_root),
    }
    command = [str(Path(sys.executable).parent / "relgraph"), "documents", "cleanup"]
    dry = await asyncio.to_thread(
        subprocess.run, [*command, "--dry-run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0 and "would remove 1 unreferenced" in dry.stderr, dry.stderr
    assert len(stored_files(settings)) == 2
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "removed 1 unreferenced" in done.stderr, done.stderr
    assert [p.name for p in stored_files(settings)] == [kept["sha256"]]
    response = await admin.client.get(kept["downloadUrl"], headers={"Authorization": f"Bearer {admin.token}"})
    assert response.content == b"kept"


async def test_removing_keeps_a_file_an_upload_wants_meanwhile(
    admin, settings, sessionmaker, monkeypatch
) -> None:
    """Between finding that nothing refers to an old file and deleting it, an upload of the
    same content may touch it, store it anew, or commit its row: each of those files stays."""
    from relgraph.domain import documents

    store = DocumentStore(settings.document_root, settings.max_document_bytes)
    org = await create_organisation(admin, "Archief BV")
    contents = {name: name.encode() for name in ("touched", "stored again", "committed", "gone")}
    sha = {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}
    for content in contents.values():
        document = (await upload(admin, org, content))["document"]
        assert (await admin.gql(DELETE, {"id": document["id"]}))["deleteDocument"]["userErrors"] == []
    for path in stored_files(settings):
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    # All four are now old and unreferenced: what a cleanup lists. Then, before it deletes:
    os.utime(store.path(sha["touched"]))  # an upload's row not committed yet
    assert (await upload(admin, org, contents["committed"]))["userErrors"] == []
    os.utime(store.path(sha["committed"]), (time.time() - 7200, time.time() - 7200))  # only its row tells
    withdraw = store.withdraw

    def withdraw_then_upload(digest: str) -> Path | None:
        aside = withdraw(digest)
        if digest == sha["stored again"]:  # an upload publishes right after the withdrawal
            store.path(digest).write_bytes(contents["stored again"])
        return aside

    monkeypatch.setattr(store, "withdraw", withdraw_then_upload)
    async with sessionmaker() as session:
        removed = await documents.remove_unreferenced(
            session, store, sha.values(), untouched_since=time.time() - 3600
        )
    assert removed == 1
    assert {name for name in sha if store.exists(sha[name])} == {"touched", "stored again", "committed"}
    for name in ("touched", "stored again", "committed"):
        assert store.path(sha[name]).read_bytes() == contents[name]
    assert store.withdrawn() == [], "nothing is left aside"


async def test_two_cleanups_at_once_do_not_trip_over_each_other(settings, sessionmaker, monkeypatch) -> None:
    from relgraph.domain import documents

    store = DocumentStore(settings.document_root, settings.max_document_bytes)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"orphan"

    orphan = (await store.put(chunks())).sha256
    os.utime(store.path(orphan), (time.time() - 7200, time.time() - 7200))
    withdraw = store.withdraw

    def withdraw_then_lose_it(digest: str) -> Path | None:
        aside = withdraw(digest)
        store.discard(digest)  # the other cleanup, holding it too, deletes it now
        return aside

    monkeypatch.setattr(store, "withdraw", withdraw_then_lose_it)
    async with sessionmaker() as session:
        assert await documents.remove_unreferenced(session, store, [orphan], untouched_since=time.time()) == 0
    store.put_back(orphan)  # nothing to put back: no error either
    assert not store.exists(orphan) and store.withdrawn() == []


async def test_an_upload_whose_file_is_withdrawn_while_it_publishes_stores_its_own_copy(
    settings, monkeypatch
) -> None:
    import relgraph.storage as storage

    store = DocumentStore(settings.document_root, settings.max_document_bytes)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"same bytes"

    stored = await store.put(chunks())
    touch = storage.os.utime

    def withdrawn_before_the_touch(path: Any, *args: Any) -> None:
        store.withdraw(stored.sha256)  # a cleanup got there between exists() and utime()
        touch(path, *args)

    monkeypatch.setattr(storage.os, "utime", withdrawn_before_the_touch)
    again = await store.put(chunks())
    assert again == stored and store.path(stored.sha256).read_bytes() == b"same bytes"
    assert store.withdrawn() == [stored.sha256]


async def test_cleanup_finishes_what_a_killed_cleanup_withdrew(admin, settings, database_url) -> None:
    import subprocess
    import sys

    store = DocumentStore(settings.document_root, settings.max_document_bytes)
    deleted = (await upload(admin, await create_organisation(admin, "Archief BV"), b"deleted later"))[
        "document"
    ]
    kept = (await upload(admin, await create_organisation(admin, "Bewaar BV"), b"kept"))["document"]
    assert (await admin.gql(DELETE, {"id": deleted["id"]}))["deleteDocument"]["userErrors"] == []
    for path in stored_files(settings):
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    # Killed after withdrawing both: the kept one because its row committed only afterwards.
    assert store.withdraw(deleted["sha256"]) and store.withdraw(kept["sha256"])
    env = {
        **os.environ,
        "RELGRAPH_DATABASE_URL": database_url,
        "RELGRAPH_DOCUMENTS_DIR": str(settings.document_root),
    }
    command = [str(Path(sys.executable).parent / "relgraph"), "documents", "cleanup"]
    dry = await asyncio.to_thread(
        subprocess.run, [*command, "--dry-run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0 and "would remove 1 unreferenced" in dry.stderr, dry.stderr
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "removed 1 unreferenced" in done.stderr, done.stderr
    assert [p.name for p in stored_files(settings)] == [kept["sha256"]] and store.withdrawn() == []
    response = await admin.client.get(kept["downloadUrl"], headers={"Authorization": f"Bearer {admin.token}"})
    assert response.content == b"kept"


NEVER_EXISTED = encode_id("Document", 987_654_321)


async def answer(caller: Caller, url: str) -> tuple[int, bytes, list[tuple[str, str]]]:
    """A download's whole answer, but for what differs between any two requests."""
    response = await caller.client.get(url, headers={"Authorization": f"Bearer {caller.token}"})
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("date", "x-request-id"))
    return response.status_code, response.content, headers


async def assert_never_existed(caller: Caller, *urls: str) -> None:
    nothing = await answer(caller, f"/documents/{NEVER_EXISTED}")
    assert nothing[0] == 404
    assert nothing == await answer(caller, f"/documents/{NEVER_EXISTED}?sha256={'0' * 64}")
    for url in urls:
        assert await answer(caller, url) == nothing, url


async def test_a_deleted_documents_url_never_serves_the_next_upload(admin) -> None:
    """IDs are never reused: after deleteDocument, the old URL (with or without its hash)
    answers as for a document that never existed, while another organisation uploads."""
    first, second = (
        await create_organisation(admin, "Eerste BV"),
        await create_organisation(admin, "Tweede BV"),
    )
    old = (await upload(admin, first, b"%PDF eerste"))["document"]
    deleted = await admin.gql(DELETE, {"id": old["id"]})
    assert deleted["deleteDocument"]["userErrors"] == []
    new = (await upload(admin, second, b"%PDF van een ander"))["document"]
    assert new["id"] != old["id"]
    await assert_never_existed(admin, old["downloadUrl"], f"/documents/{old['id']}")
    # A URL without the hash, as handed out before, still serves a document no other ever shared its id with.
    assert (await answer(admin, f"/documents/{new['id']}"))[1] == b"%PDF van een ander"


async def test_an_erased_persons_document_url_answers_as_none_also_where_its_id_was_reused(
    admin, sessionmaker
) -> None:
    """After an erasure the old URL is dead; where SQLite gave the id to another
    organisation's upload before ids were never reused, neither the old URL (which carried
    no hash then) nor one with the old hash serves that file, and the new one's URL does."""
    person = await admin.gql('mutation { createPerson(input: {lastName: "Weg"}) { person { id } } }')
    person_id = person["createPerson"]["person"]["id"]
    private = (await upload(admin, person_id, b"%PDF paspoort"))["document"]
    erased = await admin.gql(
        "mutation($id: ID!) { deletePerson(input: {id: $id, confirm: true}) { userErrors { code } } }",
        {"id": person_id},
    )
    assert erased["deletePerson"]["userErrors"] == []
    bare = f"/documents/{private['id']}"
    await assert_never_existed(admin, private["downloadUrl"], bare)

    org = await create_organisation(admin, "Ander BV")
    other = (await upload(admin, org, b"%PDF offerte van een ander"))["document"]
    old_pk, new_pk = decode_id(private["id"])[1], decode_id(other["id"])[1]  # type: ignore[index]
    async with sessionmaker() as session:  # what SQLite did before migration 0013
        await session.execute(
            text("UPDATE documents SET id = :old WHERE id = :new"), {"old": old_pk, "new": new_pk}
        )
        await session.execute(
            text(
                "UPDATE audit_events SET object_id = :old WHERE object_type = 'Document' AND object_id = :new"
            ),
            {"old": old_pk, "new": new_pk},
        )
        await session.commit()
    await assert_never_existed(admin, private["downloadUrl"], bare)
    listed = await admin.gql(DOCUMENTS.replace("id filename", "id filename downloadUrl"), {"id": org})
    [now] = listed["node"]["documents"]["nodes"]
    assert now["id"] == private["id"] and now["downloadUrl"] != private["downloadUrl"]
    assert (await answer(admin, now["downloadUrl"]))[1] == b"%PDF offerte van een ander"
