"""Secrets: tokens only as hashes, compared by hash; no token, BSN or document content in the logs.

(tests/users/test_auth.py covers storage as SHA-256 and that a revoked token fails at once.)
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text

from relgraph.domain import users
from relgraph.domain.persons import persons

BSN, OTHER_BSN = "123456782", "111222333"
# The API shows a BSN formatted; the logs may hold neither spelling.
BSN_SHOWN, OTHER_BSN_SHOWN = "1234.56.782", "1112.22.333"
CONTENT = b"VERTROUWELIJK: offerte Noorderlicht, korting 37 procent, kenmerk Q7X-2291"


def _log_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in records)


async def test_a_full_run_logs_no_token_bsn_or_document_content(
    make_caller, client, sessionmaker, monkeypatch, caplog
) -> None:
    # Everything at DEBUG, and SQLAlchemy's statement log as echo=True turns it on (SQLAlchemy
    # holds its loggers at WARNING otherwise). Not echo="debug": that logs result rows, and
    # rows hold what they hold (a BSN, for a SENSITIVE reader); nothing in relgraph sets it.
    caplog.set_level(logging.DEBUG)
    for name in (
        "sqlalchemy.pool",
        "uvicorn",
        "uvicorn.access",
        "uvicorn.error",
        "python_multipart",
        "httpx",
    ):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")

    admin = await make_caller("ADMIN", ("FINANCE", "SENSITIVE"))
    team = await make_caller("TEAM")
    secrets = [admin.token, team.token, BSN, OTHER_BSN, BSN_SHOWN, OTHER_BSN_SHOWN, CONTENT.decode()]

    org = (
        await admin.gql(
            'mutation { createOrganisation(input: {name: "Logboek B.V."}) { organisation { id } } }'
        )
    )["createOrganisation"]["organisation"]["id"]
    upload = await client.post(
        "/graphql",
        data={
            "operations": (
                '{"query": "mutation($f: Upload!, $p: ID!) { uploadDocument(input: {partyId: $p, file: $f}) '
                '{ document { id } userErrors { message } } }", "variables": {"f": null, "p": "' + org + '"}}'
            ),
            "map": '{"0": ["variables.f"]}',
        },
        files={"0": ("offerte.txt", CONTENT, "text/plain")},
        headers={"Authorization": f"Bearer {team.token}"},
    )
    document = upload.json()["data"]["uploadDocument"]["document"]["id"]
    downloaded = await client.get(f"/documents/{document}", headers={"Authorization": f"Bearer {team.token}"})
    assert downloaded.content == CONTENT

    created = await admin.gql(
        'mutation { createPerson(input: {lastName: "Geheim", bsn: "' + BSN + '"}) { person { id bsn } } }'
    )
    person = created["createPerson"]["person"]
    assert person["bsn"] == BSN_SHOWN

    # A masked 500 whose database error carries the BSN as a statement parameter.
    async def failing_update(session: Any, **kwargs: Any) -> Any:
        await session.execute(
            text("INSERT INTO no_such_table (bsn) VALUES (:bsn)"), {"bsn": kwargs["data"]["bsn"]}
        )

    monkeypatch.setattr(persons, "update", failing_update)
    failed = await admin.post(
        'mutation { updatePerson(input: {id: "'
        + person["id"]
        + '", bsn: "'
        + OTHER_BSN
        + '"}) { userErrors { code } } }'
    )
    assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    monkeypatch.undo()

    # Tokens that fail: unknown, then revoked.
    assert (
        await client.post(
            "/graphql",
            json={"query": "{ viewer { id } }"},
            headers={"Authorization": "Bearer rg_" + "z" * 43},
        )
    ).status_code == 401
    async with sessionmaker() as session:
        await users.revoke_tokens(session, email=team.email)
        await session.commit()
    assert (await team.post("{ viewer { id } }")).status_code == 401
    secrets.append("rg_" + "z" * 43)

    logged = _log_text(caplog.records)
    # The capture saw the run: the statements, and the masked error with its trace.
    assert "INSERT INTO persons" in logged
    assert "no_such_table" in logged and "Traceback" in logged
    for secret in secrets:
        assert secret not in logged, f"{secret[:12]}... is in the logs"
    # Neither the token's hash (it is what the database looks a token up by).
    assert users.hash_token(admin.token) not in logged


async def test_tokens_are_looked_up_by_hash_and_compared_in_constant_time(
    make_caller, session, monkeypatch
) -> None:
    caller = await make_caller("READONLY")
    compared: list[tuple[Any, Any]] = []
    real = users.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(users.hmac, "compare_digest", spy)
    viewer = await users.authenticate(session, token=caller.token)
    assert viewer is not None and viewer.id == caller.user_id
    # Only hashes meet: the SQL lookup and the comparison see the digest, never the token.
    assert compared == [(users.hash_token(caller.token), users.hash_token(caller.token))]
    near_miss = caller.token[:-1] + ("A" if caller.token[-1] != "A" else "B")
    assert await users.authenticate(session, token=near_miss) is None
