"""Migrations that change existing data: a database at the revision before, rows written as
that revision's code wrote them, then the upgrade, then what the rows read as."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from relgraph.db.migrate import upgrade

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _run(url: str, statements: list[tuple[str, dict[str, Any]]], query: str | None = None) -> list[Any]:
    async def go() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                for sql, params in statements:
                    await conn.execute(text(sql), params)
                return list((await conn.execute(text(query))).all()) if query else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _party(kind: str, pk: int) -> list[tuple[str, dict[str, Any]]]:
    rows = [
        (
            "INSERT INTO parties (id, kind, created_at, updated_at, version) VALUES (:id, :kind, :at, :at, 1)",
            {"id": pk, "kind": kind, "at": NOW},
        ),
    ]
    if kind == "ORGANISATION":
        rows.append(
            (
                "INSERT INTO organisations (id, name, name_key, status, checked, creditworthy, archived, search_text,"
                " invoice_uses_postal_address)"
                " VALUES (:id, 'Org', 'org', 'ACTIVE', false, false, false, 'org', false)",
                {"id": pk},
            )
        )
    else:
        rows.append(
            (
                "INSERT INTO persons (id, gender, last_name, sort_key, search_text)"
                " VALUES (:id, 'UNKNOWN', 'Person', 'person', 'person')",
                {"id": pk},
            )
        )
    return rows


def _event(
    pk: int,
    object_type: str,
    object_id: int,
    party_id: int,
    action: str,
    changes: dict[str, Any],
) -> Any:
    return (
        "INSERT INTO audit_events (id, at, object_type, object_id, party_id, action, changes)"
        " VALUES (:id, :at, :type, :object, :party, :action, :changes)",
        {
            "id": pk,
            "at": NOW,
            "type": object_type,
            "object": object_id,
            "party": party_id,
            "action": action,
            "changes": json.dumps(changes),
        },
    )


def _created(**values: Any) -> dict[str, Any]:
    return {k: {"before": None, "after": v} for k, v in values.items()}


def test_audit_events_learn_the_other_party_they_name(empty_database_url: str) -> None:
    """0012: each membership and relation event names its second party, found by what the
    events recorded, also where SQLite gave a deleted membership's id to a new one."""
    url = empty_database_url
    upgrade(url, "0011")
    org, alice, bob, other_org = 1, 2, 3, 4
    seed = [
        *_party("ORGANISATION", org),
        *_party("PERSON", alice),
        *_party("PERSON", bob),
    ]
    seed += _party("ORGANISATION", other_org)
    seed.append(
        (
            "INSERT INTO memberships (id, person_id, organisation_id, active, created_at, updated_at, version)"
            " VALUES (20, :bob, :org, true, :at, :at, 1)",
            {"bob": bob, "org": org, "at": NOW},
        )
    )
    seed += [
        # Membership 10 of Alice, changed, then deleted as a wrong link...
        _event(
            1,
            "Membership",
            10,
            org,
            "CREATE",
            _created(person_id=alice, organisation_id=org, job_title="x"),
        ),
        _event(
            2,
            "Membership",
            10,
            org,
            "UPDATE",
            {"job_title": {"before": "x", "after": "y"}},
        ),
        _event(
            3,
            "Membership",
            10,
            org,
            "DELETE",
            {"person_id": {"before": alice, "after": None}},
        ),
        # ...and the id 10 reused for Bob's membership, which then moved to another organisation.
        _event(
            4,
            "Membership",
            10,
            org,
            "CREATE",
            _created(person_id=bob, organisation_id=org),
        ),
        _event(
            5,
            "Membership",
            10,
            other_org,
            "RELINK",
            {"organisation_id": {"before": org, "after": other_org}},
        ),
        # A membership whose events never named its person (seeded data): today's row tells.
        _event(
            6,
            "Membership",
            20,
            org,
            "DEACTIVATE",
            {"active": {"before": True, "after": False}},
        ),
        # A relation between Alice and the organisation, one event per end.
        _event(7, "Relation", 30, alice, "CREATE", _created(source_id=alice, target_id=org)),
        _event(8, "Relation", 30, org, "CREATE", _created(source_id=alice, target_id=org)),
        _event(9, "Relation", 30, org, "UPDATE", {"note": {"before": None, "after": "n"}}),
        _event(
            10,
            "Relation",
            30,
            alice,
            "UPDATE",
            {"note": {"before": None, "after": "n"}},
        ),
        _event(
            11,
            "Organisation",
            org,
            org,
            "UPDATE",
            {"name": {"before": "A", "after": "B"}},
        ),
    ]
    _run(url, seed)

    upgrade(url, "0012")

    rows = _run(url, [], "SELECT id, other_party_id FROM audit_events ORDER BY id")
    assert dict(rows) == {
        1: alice,
        2: alice,
        3: alice,
        4: bob,
        5: bob,
        6: bob,
        7: org,
        8: alice,
        9: alice,
        10: org,
        11: None,
    }


def test_invoice_address_events_learn_their_kind(empty_database_url: str) -> None:
    """0016: a merge's MOVE events of invoice addresses did not name the kind, which decides
    who may read them (R4); they learn it from the address's other events or its row."""
    url = empty_database_url
    upgrade(url, "0012")
    org, other = 1, 2
    seed = [*_party("ORGANISATION", org), *_party("ORGANISATION", other)]
    insert_address = (
        "INSERT INTO addresses (id, party_id, kind, city, city_key, country, is_head_office, created_at,"
        " updated_at, version) VALUES (:id, :party, :kind, 'x', 'x', 'NL', false, :at, :at, 1)"
    )
    for pk, kind in ((6, "INVOICE"), (7, "VISIT")):
        seed.append((insert_address, {"id": pk, "party": org, "kind": kind, "at": NOW}))
    moved = {"party_id": {"before": other, "after": org}}
    invoice = {"kind": {"before": "INVOICE", "after": "INVOICE"}}
    seed += [
        # Address 5: an invoice address, moved, then deleted (gone from the table).
        _event(1, "Address", 5, other, "CREATE", _created(kind="INVOICE", city="x")),
        _event(2, "Address", 5, org, "MOVE", moved),
        _event(3, "Address", 5, org, "DELETE", {"city": {"before": "x", "after": None}, **invoice}),
        # Address 6: an invoice address that is still there; its events were seeded without it.
        _event(4, "Address", 6, org, "MOVE", moved),
        # Address 7: a visit address keeps its events as they were.
        _event(5, "Address", 7, org, "MOVE", moved),
        _event(6, "Organisation", 5, org, "UPDATE", {"name": {"before": "A", "after": "B"}}),
    ]
    _run(url, seed)

    upgrade(url, "0016")

    stored = _run(url, [], "SELECT id, changes FROM audit_events ORDER BY id")
    rows = {pk: json.loads(changes) if isinstance(changes, str) else changes for pk, changes in stored}
    assert rows[2] == {**moved, **invoice} and rows[4] == {**moved, **invoice}
    assert rows[3]["kind"] == invoice["kind"] and rows[1]["kind"] == {"before": None, "after": "INVOICE"}
    assert rows[5] == moved and rows[6] == {"name": {"before": "A", "after": "B"}}
