"""examples/scripts/mirror.py against a live server: run twice with changes between, its
copy must be what the API shows its token, compared through the `gql` client."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from helpers import REPO, Caller, add_membership, create_organisation, create_person, ok
from server import free_port

from relgraph.config import Settings
from relgraph.web import create_app

SCRIPT = REPO / "examples" / "scripts" / "mirror.py"

LISTS = {
    "organisations": (
        "organisations(first: 100, after: $after, filter: {includeArchived: true})",
        "id name code kvkNumber status archived mergedInto { id } version updatedAt",
    ),
    "persons": (
        "persons(first: 100, after: $after, filter: {includeInactive: true})",
        "id displayName firstName infix lastName active deletedAt version updatedAt",
    ),
    "memberships": (
        "memberships(first: 100, after: $after, filter: {includeInactive: true})",
        "id person { id } organisation { id } role jobTitle startDate endDate active version updatedAt",
    ),
    "relations": (
        "relations(first: 100, after: $after, filter: {includeInactive: true})",
        "id type { name } source { id } target { id } startDate endDate note active version updatedAt",
    ),
}


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """relgraph on the test's database, served by uvicorn on a free port."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=20)


async def run_mirror(server: str, token: str, db: Path) -> subprocess.CompletedProcess[str]:
    # Only the standard library: the script must run without relgraph's dependencies.
    command = [sys.executable, "-S", "-I", str(SCRIPT), "--url", server, "--token", token, "--db", str(db),
               "--page-size", "7"]  # fmt: skip
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def flat(table: str, node: dict[str, Any]) -> tuple[Any, ...]:
    """A node of the API as the mirror's row."""
    ref = {k: (v["id"] if isinstance(v, dict) and "id" in v else v) for k, v in node.items()}
    if table == "relations":
        ref["type"] = node["type"]["name"]
    return tuple(ref.values())


async def api_rows(server: str, token: str) -> dict[str, set[tuple[Any, ...]]]:
    """Everything the token may see, listed by the API (through gql, as a sync script would)."""
    transport = HTTPXAsyncTransport(url=f"{server}/graphql", headers={"Authorization": f"Bearer {token}"})
    rows: dict[str, set[tuple[Any, ...]]] = {}
    async with Client(transport=transport, fetch_schema_from_transport=True) as session:
        for table, (field, selection) in LISTS.items():
            query = f"query($after: String) {{ {field} {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }}"
            rows[table], after = set(), None
            while True:
                data = await session.execute(GraphQLRequest(query, variable_values={"after": after}))
                page = data[table]
                rows[table] |= {flat(table, n) for n in page["nodes"]}
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
    return rows


def mirror_rows(db: Path) -> dict[str, set[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        rows = {table: set(conn.execute(f"SELECT * FROM {table}")) for table in LISTS}
    # The API lists no tombstones (they are only where something refers to them).
    rows["persons"] = {r for r in rows["persons"] if r[6] is None}
    rows = {t: {tuple(bool(v) if isinstance(v, int) and i in _BOOLEANS[t] else v for i, v in enumerate(r))
                for r in rs} for t, rs in rows.items()}  # fmt: skip
    return rows


# The columns the mirror stores as SQLite's 0/1, by table.
_BOOLEANS = {"organisations": {5}, "persons": {5}, "memberships": {7}, "relations": {7}}


async def relation_type(admin: Caller, name: str, source: str, target: str) -> str:
    payload = await ok(
        admin,
        "createRelationType",
        "relationType { id }",
        name=name,
        inverseName=f"{name} (inverse)",
        sourceKinds=[source],
        targetKinds=[target],
    )
    return str(payload["relationType"]["id"])


@pytest.fixture
async def world(admin: Caller) -> AsyncIterator[dict[str, str]]:
    ids = {
        "a": await create_organisation(admin, "Anker BV", kvkNumber="12345678"),
        "b": await create_organisation(admin, "Boei BV"),
        "c": await create_organisation(admin, "Anker Dubbel BV"),
        "p1": await create_person(admin, "Pieters", firstName="Piet"),
        "p2": await create_person(admin, "Klaassen", firstName="Klaas"),
        "hidden": await create_person(admin, "Verborgen", firstName="Hanna"),
    }
    ids["m1"] = await add_membership(admin, ids["p1"], ids["a"], role="inkoper")
    ids["m2"] = await add_membership(admin, ids["p2"], ids["b"])
    supplies = await relation_type(admin, "supplier of", "ORGANISATION", "ORGANISATION")
    advises = await relation_type(admin, "adviser of", "PERSON", "ORGANISATION")
    ids["advises"] = advises
    add = "relation { id }"
    # A relation of a person no BUSINESS token sees yet, before changes it does see: its
    # change lies behind the cursor of a BUSINESS mirror when the person becomes visible.
    ids["hb"] = (
        await ok(admin, "addRelation", add, typeId=advises, sourceId=ids["hidden"], targetId=ids["b"])
    )["relation"]["id"]
    ids["ab"] = (await ok(admin, "addRelation", add, typeId=supplies, sourceId=ids["a"], targetId=ids["b"]))[
        "relation"
    ]["id"]
    ids["p1a"] = (await ok(admin, "addRelation", add, typeId=advises, sourceId=ids["p1"], targetId=ids["b"]))[
        "relation"
    ]["id"]
    yield ids


@pytest.mark.parametrize("role", ["BUSINESS", "ADMIN"])
async def test_the_mirror_keeps_what_its_token_sees(
    server, admin, make_caller, world, tmp_path, role
) -> None:
    viewer = admin if role == "ADMIN" else await make_caller(role)
    db = tmp_path / "mirror.sqlite"
    first = await run_mirror(server, viewer.token, db)
    assert "up to date" in first.stdout
    assert mirror_rows(db) == await api_rows(server, viewer.token)
    persons = {r[0] for r in mirror_rows(db)["persons"]}
    assert (world["hidden"] in persons) is (role == "ADMIN")

    # Created, updated, merged, deleted, erased; a person becomes a business relation
    # (bringing the relation it had) and another stops being one.
    d = await create_organisation(admin, "Dok BV")
    await ok(admin, "updateOrganisation", "organisation { id }", id=world["a"], name="Anker Groep BV")
    await ok(admin, "mergeOrganisations", "target { id }", sourceId=world["c"], targetId=world["a"])
    await ok(admin, "deleteRelation", "deletedId", id=world["ab"])
    await ok(admin, "updateRelation", "relation { id }", id=world["p1a"], note="Sinds 2020")
    await add_membership(admin, world["hidden"], d, role="directeur")
    await ok(admin, "deleteMembership", "deletedMembershipId", id=world["m2"], reason="verkeerd gekoppeld")
    await ok(admin, "deletePerson", "person { id }", id=world["p1"], confirm=True)

    second = await run_mirror(server, viewer.token, db)
    assert "up to date" in second.stdout
    expected = await api_rows(server, viewer.token)
    assert mirror_rows(db) == expected
    relations = {r[0] for r in expected["relations"]}
    assert world["hb"] in relations and world["ab"] not in relations
    persons = {r[0] for r in expected["persons"]}
    assert world["hidden"] in persons and world["p1"] not in persons
    assert (world["p2"] in persons) is (role == "ADMIN")
    # The erased person's tombstone holds nothing personal; nothing else does either.
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
        tombstone = conn.execute(
            "SELECT first_name, last_name, deleted_at FROM persons WHERE id = ?", (world["p1"],)
        )
        first_name, _last_name, deleted_at = tombstone.fetchone()
    assert first_name is None and deleted_at is not None
    assert "Piet" not in dump and "Pieters" not in dump
    # Nothing new: a third run reads nothing and changes nothing.
    third = await run_mirror(server, viewer.token, db)
    assert third.stdout.startswith("0 change(s)")
    assert mirror_rows(db) == expected


def test_the_mirror_says_what_is_wrong_without_a_token_or_server(tmp_path) -> None:
    command = [sys.executable, str(SCRIPT), "--db", str(tmp_path / "m.sqlite")]
    env = {k: v for k, v in os.environ.items() if k != "RELGRAPH_TOKEN"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2 and "token" in done.stderr
    port = free_port()
    done = subprocess.run(
        [*command, "--token", "rg_x", "--url", f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "cannot reach" in done.stderr
