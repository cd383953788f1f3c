"""IDs are never reused (issue 18): not after a delete, not after a bulk load or an import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import IS_POSTGRES, ok, pk
from schema_rows import insert_row, reflect, surrogate_key_tables
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from relgraph import transfer
from relgraph.db.models import Base, Membership
from relgraph.demo.bulk_load import seed_large


async def test_every_table_gives_a_new_id_after_its_newest_row_was_deleted(engine: AsyncEngine) -> None:
    """For every table with an integer key, driven by the schema: insert, delete the newest
    row, insert again: the new row gets an id never seen before."""
    async with engine.begin() as conn:
        tables = await conn.run_sync(lambda c: surrogate_key_tables(reflect(c)))
    assert len(tables) >= 15, [t.name for t in tables]  # not a check that looks at nothing
    reused = []
    for table in tables:
        async with engine.begin() as conn:
            await conn.run_sync(insert_row, table)
            newest = await conn.run_sync(insert_row, table)
            await conn.execute(delete(table).where(table.c.id == newest))
        async with engine.begin() as conn:
            again = await conn.run_sync(insert_row, table)
        if again <= newest:
            reused.append((table.name, newest, again))
    assert reused == []


def _models_with_surrogate_keys() -> set[str]:
    return {
        t.name
        for t in Base.metadata.sorted_tables
        if len(t.primary_key.columns) == 1
        and not next(iter(t.primary_key.columns)).foreign_keys
        and next(iter(t.primary_key.columns)).type.python_type is int
    }


async def test_every_integer_key_counts_up_from_a_counter_that_never_goes_back(engine: AsyncEngine) -> None:
    """SQLite: AUTOINCREMENT on every such table, in the migrated database (a migration that
    adds a table without it fails here) and in the models (create_all); PostgreSQL: every
    id from a sequence or identity."""
    async with engine.begin() as conn:
        tables = await conn.run_sync(lambda c: [t.name for t in surrogate_key_tables(reflect(c))])
        assert set(tables) == _models_with_surrogate_keys()
        if IS_POSTGRES:
            rows = await conn.execute(
                text(
                    "SELECT table_name FROM information_schema.columns WHERE column_name = 'id'"
                    " AND table_schema = current_schema() AND table_name = ANY(:tables)"
                    " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
                ),
                {"tables": tables},
            )
        else:
            rows = await conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")
            )
        counted = {r[0] for r in rows}
    assert sorted(set(tables) - counted) == []
    from_models = [
        t.name
        for t in Base.metadata.sorted_tables
        if t.name in tables and not t.dialect_options["sqlite"]["autoincrement"]
    ]
    assert from_models == []


async def _import(sessionmaker: Any, kind: str, path: Path) -> transfer.ImportResult:
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        result = await transfer.import_csv(session, kind, path)
        if result.applied:
            await session.commit()
        return result


async def test_bulk_relinks_and_imports_never_give_a_deleted_rows_id(admin, sessionmaker, tmp_path) -> None:
    """Writers that number rows themselves (bulk relink, CSV import) start above every id
    the table ever gave, and an import refuses a given id that belonged to a deleted row."""
    orgs = [
        (await ok(admin, "createOrganisation", "organisation { id }", name=name))["organisation"]["id"]
        for name in ("Oud BV", "Nieuw BV")
    ]
    person = (await ok(admin, "createPerson", "person { id }", lastName="Verhuizer"))["person"]["id"]
    kept = await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=orgs[0])
    wrong = await ok(
        admin, "addMembership", "membership { id }", personId=person, organisationId=orgs[1], role="x"
    )
    deleted = pk(wrong["membership"]["id"])
    await ok(
        admin, "deleteMembership", "deletedMembershipId", id=wrong["membership"]["id"], reason="Vergissing"
    )

    relinked = await ok(
        admin,
        "bulkRelinkMemberships",
        "applied results { newMembership { id } }",
        items=[{"membershipId": kept["membership"]["id"], "organisationId": orgs[1], "keepHistory": True}],
    )
    assert relinked["applied"]
    copy = pk(relinked["results"][0]["newMembership"]["id"])
    assert copy > deleted

    person_pk, org_pk = pk(person), pk(orgs[0])
    path = tmp_path / "memberships.csv"
    path.write_text(
        f"id,person_id,organisation_id,role\n{deleted},{person_pk},{org_pk},a\n,{person_pk},{org_pk},b\n"
    )
    refused = await _import(sessionmaker, "memberships", path)
    assert [(row.line, [c for c, _ in row.errors]) for row in refused.rejected] == [(2, ["id"])]
    path.write_text(f"person_id,organisation_id,role\n{person_pk},{org_pk},b\n")
    assert (await _import(sessionmaker, "memberships", path)).applied
    async with sessionmaker() as session:
        imported = await session.scalar(select(Membership.id).where(Membership.role == "b"))
    assert imported > copy


async def test_the_large_load_numbers_rows_above_the_ids_deleted_before_it(engine: AsyncEngine) -> None:
    """The bulk load numbers rows itself: above the ids of rows deleted before it, and
    PostgreSQL's sequences end past its rows, never behind where they were."""
    async with engine.begin() as conn:
        tables = {t.name: t for t in await conn.run_sync(lambda c: surrogate_key_tables(reflect(c)))}
        before = {}
        for name in ("parties", "memberships", "relations", "addresses", "internal_relations"):
            for _ in range(3):
                before[name] = await conn.run_sync(insert_row, tables[name])
        # Everything deleted again, the party rows last: the database is empty once more.
        for name in ("memberships", "relations", "addresses", "internal_relations"):
            await conn.execute(delete(tables[name]))
        for name in ("persons", "organisations", "parties"):
            await conn.execute(text(f"DELETE FROM {name}"))
    await seed_large(engine, seed=3, factor=0.001)
    async with engine.begin() as conn:
        for name, deleted in before.items():
            lowest = await conn.scalar(text(f"SELECT min(id) FROM {name}"))
            assert lowest > deleted, name
            newest = await conn.run_sync(insert_row, tables[name])
            assert newest > await conn.scalar(
                text(f"SELECT max(id) FROM {name} WHERE id <> :id"), {"id": newest}
            )
