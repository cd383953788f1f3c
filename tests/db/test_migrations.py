"""Migrations that change existing data: a database at the revision before, rows written as
that revision's code wrote them, then the upgrade, then what the rows read as."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from helpers import IS_POSTGRES
from schema_rows import insert_row, reflect, surrogate_key_tables
from sqlalchemy import Connection, delete, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from relgraph.db.engine import create_engine
from relgraph.db.migrate import alembic_config, upgrade

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
                (
                    "INSERT INTO organisations (id, name, name_key, status, checked, creditworthy, archived, search_text,"
                    " invoice_uses_postal_address)"
                    " VALUES (:id, 'Org', 'org', 'ACTIVE', false, false, false, 'org', false)"
                ),
                {"id": pk},
            )
        )
    else:
        rows.append(
            (
                (
                    "INSERT INTO persons (id, gender, last_name, sort_key, search_text)"
                    " VALUES (:id, 'UNKNOWN', 'Person', 'person', 'person')"
                ),
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
        (
            "INSERT INTO audit_events (id, at, object_type, object_id, party_id, action, changes)"
            " VALUES (:id, :at, :type, :object, :party, :action, :changes)"
        ),
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
            (
                "INSERT INTO memberships (id, person_id, organisation_id, active, created_at, updated_at, version)"
                " VALUES (20, :bob, :org, true, :at, :at, 1)"
            ),
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


def _on(url: str, work: Callable[[Connection], Any]) -> Any:
    """Run `work` on a connection to `url` (relgraph's engine set-up) and commit."""

    async def go() -> Any:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _structure(conn: Connection) -> dict[str, Any]:
    """Every table's columns, keys, references, constraints and indexes (as their SQL)."""
    inspector = inspect(conn)
    tables = {}
    for table in reflect(conn).sorted_tables:
        name = table.name
        tables[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"]) for c in inspector.get_columns(name)
            ],
            "key": inspector.get_pk_constraint(name)["constrained_columns"],
            "references": sorted(
                (
                    fk["name"] or "",
                    fk["constrained_columns"],
                    fk["referred_table"],
                    fk["referred_columns"],
                    sorted(fk["options"].items()),
                )
                for fk in inspector.get_foreign_keys(name)
            ),
            "unique": sorted(
                (u["name"] or "", u["column_names"]) for u in inspector.get_unique_constraints(name)
            ),
            "checks": sorted((c["name"] or "", c["sqltext"]) for c in inspector.get_check_constraints(name)),
        }
    if IS_POSTGRES:
        indexes = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        )
    else:
        indexes = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"))
    return {"tables": tables, "indexes": sorted(tuple(r) for r in indexes)}


def _contents(conn: Connection) -> dict[str, list[Any]]:
    tables = [t for t in reflect(conn).sorted_tables if t.name != "alembic_version"]
    return {t.name: sorted(map(repr, conn.execute(t.select()).all())) for t in tables}


# The object type the audit trail names a row of these tables by (deleting rows of the
# others is no part of relgraph: users and tokens are deactivated and revoked, events stay).
_TRACED = {
    "parties": "Person",
    "addresses": "Address",
    "memberships": "Membership",
    "relation_types": "RelationType",
    "relations": "Relation",
    "internal_relation_categories": "InternalRelationCategory",
    "internal_relations": "InternalRelation",
    "party_types": "PartyType",
    "documents": "Document",
    "bank_accounts": "BankAccount",
    "contact_means": "ContactMean",
    "customer_groups": "CustomerGroup",
    "notes": "Note",
    "activities": "Activity",
}


def _write_and_delete(conn: Connection) -> dict[str, int]:
    """Rows in every table with an integer key, the newest one deleted again as relgraph
    deletes (with an event), and events that name objects deleted long ago: the highest id
    each table ever had, as far as the database can tell."""
    metadata = reflect(conn)
    audit_events = metadata.tables["audit_events"]
    highest = {}
    for table in surrogate_key_tables(metadata):
        highest[table.name] = insert_row(conn, table)
        if table.name in _TRACED:
            newest = insert_row(conn, table)
            conn.execute(delete(table).where(table.c.id == newest))
            insert_row(conn, audit_events, object_type=_TRACED[table.name], object_id=newest, action="DELETE")
            highest[table.name] = newest
    for table_name, object_id in (("memberships", 700), ("documents", 701)):
        insert_row(conn, audit_events, object_type=_TRACED[table_name], object_id=object_id)
        highest[table_name] = object_id
    # A party gone without an event of its own: the second party of another's event.
    insert_row(conn, audit_events, object_type="Membership", object_id=1, other_party_id=800)
    highest["parties"] = 800
    highest["audit_events"] = conn.execute(text("SELECT max(id) FROM audit_events")).scalar()
    return highest


def _new_ids(conn: Connection) -> dict[str, int]:
    return {t.name: insert_row(conn, t) for t in surrogate_key_tables(reflect(conn))}


def _broken_references(conn: Connection) -> list[Any]:
    if IS_POSTGRES:
        return []  # enforced all along: PostgreSQL rebuilds nothing
    assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    return list(conn.execute(text("PRAGMA foreign_key_check")).all())


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_ids_of_deleted_rows_are_never_given_again_after_the_upgrade(empty_database_url: str) -> None:
    """0013: on a database that reused ids (SQLite without AUTOINCREMENT), every table with an
    integer key gives new rows ids above any it ever had, the rows deleted before the upgrade
    and the ones only the audit trail remembers included; data, indexes, constraints and
    references come through the rebuild unchanged."""
    url = empty_database_url
    upgrade(url, "0012")
    highest = _on(url, _write_and_delete)
    if not IS_POSTGRES:  # what 0013 repairs: the deleted newest row's id is given again
        again = _on(url, lambda conn: insert_row(conn, reflect(conn).tables["notes"]))
        assert again == highest["notes"]
        _on(url, lambda conn: conn.execute(text("DELETE FROM notes WHERE id = :id"), {"id": again}))
    before = _on(url, lambda conn: (_structure(conn), _contents(conn)))

    upgrade(url, "0013")

    structure, contents = _on(url, lambda conn: (_structure(conn), _contents(conn)))
    assert contents == before[1]
    assert structure == before[0]
    assert _on(url, _broken_references) == []
    upgrade(url)
    command.check(alembic_config(url))  # the schema is the models' (AUTOINCREMENT included, see test_ids)
    new = _on(url, _new_ids)
    # Tables added by later revisions have no deleted rows: nothing to reuse.
    assert sorted(set(new) - set(highest)) == ["changes", "organisation_parent_periods"]
    new = {name: pk for name, pk in new.items() if name in highest}
    assert sorted(new) == sorted(highest)
    reused = {name: (new[name], highest[name]) for name in new if new[name] <= highest[name]}
    assert reused == {}


def test_invoice_address_events_learn_their_kind(empty_database_url: str) -> None:
    """0014: a merge's MOVE events of invoice addresses did not name the kind, which decides
    who may read them (R4); they learn it from the address's other events or its row."""
    url = empty_database_url
    upgrade(url, "0013")
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

    upgrade(url, "0014")

    stored = _run(url, [], "SELECT id, changes FROM audit_events ORDER BY id")
    rows = {pk: json.loads(changes) if isinstance(changes, str) else changes for pk, changes in stored}
    assert rows[2] == {**moved, **invoice} and rows[4] == {**moved, **invoice}
    assert rows[3]["kind"] == invoice["kind"] and rows[1]["kind"] == {"before": None, "after": "INVOICE"}
    assert rows[5] == moved and rows[6] == {"name": {"before": "A", "after": "B"}}


def test_parent_periods_are_derived_from_the_audit_trail(empty_database_url: str) -> None:
    """0016: every parent link gets its periods from the events that changed it; the open
    period is today's parent, and where the trail missed a change the table wins."""
    url = empty_database_url
    upgrade(url, "0015")
    holding, a, b, c, d = 1, 2, 3, 4, 5
    seed = [*(row for pk in (holding, a, b, c, d) for row in _party("ORGANISATION", pk))]
    seed += [
        ("UPDATE organisations SET parent_id = :p WHERE id = :id", {"p": holding, "id": a}),
        ("UPDATE organisations SET parent_id = :p WHERE id = :id", {"p": a, "id": b}),
        ("UPDATE organisations SET parent_id = :p WHERE id = :id", {"p": holding, "id": d}),
    ]

    def parent_event(pk: int, org: int, at: dt.datetime, before: int | None, after: int | None) -> Any:
        sql, params = _event(
            pk, "Organisation", org, org, "SET_PARENT", {"parent_id": {"before": before, "after": after}}
        )
        return sql, {**params, "at": at}

    day = dt.timedelta(days=1)
    seed += [
        # A: created under the holding (CREATE records the parent).
        _event(1, "Organisation", a, a, "CREATE", _created(name="A", parent_id=holding)),
        # B: under the holding, moved to C, then to A.
        parent_event(2, b, NOW - 300 * day, holding, c),
        parent_event(3, b, NOW - 100 * day, c, a),
        # C: under B for a while, then detached.
        parent_event(4, c, NOW - 50 * day, None, b),
        parent_event(5, c, NOW - 20 * day, b, None),
        # D: the trail never saw it get its parent.
        _event(6, "Organisation", d, d, "UPDATE", {"name": {"before": "X", "after": "Org"}}),
    ]
    _run(url, seed)

    upgrade(url, "0016")

    rows = _run(
        url,
        [],
        "SELECT organisation_id, parent_id, valid_from, valid_to FROM organisation_parent_periods"
        " ORDER BY organisation_id, valid_from",
    )

    def as_day(value: Any) -> dt.date | None:
        return None if value is None else dt.date.fromisoformat(str(value)[:10])

    found = [(org, parent, as_day(start), as_day(end)) for org, parent, start, end in rows]
    today = NOW.date()
    assert sorted(found, key=lambda r: (r[0], r[2] or dt.date.min)) == [
        (a, holding, today, None),
        (b, holding, None, today - 301 * day),
        (b, c, today - 300 * day, today - 101 * day),
        (b, a, today - 100 * day, None),
        (c, b, today - 50 * day, today - 21 * day),
        (d, holding, None, None),
    ]


def test_the_changes_feed_starts_with_every_object_there_is(empty_database_url: str) -> None:
    """0017: the feed starts with a CREATED change per organisation, person, membership and
    relation, and a MERGED or ERASED one for a merged organisation and an erased person, all
    committed before anything later (commit number 0)."""
    url = empty_database_url
    upgrade(url, "0016")
    org, merged, person, erased = 1, 2, 3, 4
    seed = [*(row for pk, kind in ((org, "ORGANISATION"), (merged, "ORGANISATION"), (person, "PERSON"),
                                   (erased, "PERSON")) for row in _party(kind, pk))]  # fmt: skip
    seed += [
        (
            "UPDATE organisations SET merged_into_id = :to, archived = true WHERE id = :id",
            {"to": org, "id": merged},
        ),
        ("UPDATE persons SET deleted_at = :at WHERE id = :id", {"at": NOW, "id": erased}),
        (
            (
                "INSERT INTO memberships (id, person_id, organisation_id, active, created_at, updated_at, version)"
                " VALUES (7, :person, :org, true, :at, :at, 1)"
            ),
            {"person": person, "org": org, "at": NOW},
        ),
        (
            (
                'INSERT INTO relation_types (id, name, inverse_name, "symmetric", source_kinds, target_kinds,'
                " active, created_at, version) VALUES (1, 'partner of', 'partner of', true, :kinds, :kinds, true, :at, 1)"
            ),
            {"at": NOW, "kinds": json.dumps(["ORGANISATION"])},
        ),
        (
            (
                "INSERT INTO relations (id, type_id, source_id, target_id, active, created_at, updated_at, version)"
                " VALUES (9, 1, :a, :b, true, :at, :at, 1)"
            ),
            {"a": org, "b": merged, "at": NOW},
        ),
    ]
    _run(url, seed)

    upgrade(url, "0017_change_feed")

    rows = _run(
        url,
        [],
        "SELECT commit_no, kind, object_type, object_id, survivor_id, party_id, other_party_id FROM changes"
        " ORDER BY id",
    )
    assert [tuple(r) for r in rows] == [
        (0, "CREATED", "Organisation", org, None, org, None),
        (0, "CREATED", "Organisation", merged, None, merged, None),
        (0, "CREATED", "Person", person, None, person, None),
        (0, "CREATED", "Person", erased, None, erased, None),
        (0, "CREATED", "Membership", 7, None, org, person),
        (0, "CREATED", "Relation", 9, None, org, merged),
        (0, "MERGED", "Organisation", merged, org, merged, None),
        (0, "ERASED", "Person", erased, None, erased, None),
    ]
    assert _run(url, [], "SELECT counter FROM locks WHERE name = 'change_feed'") == [(0,)]
