"""Benchmark: relink 10,000 memberships, against the same change in plain SQL.

Runs on SQLite (a temporary file) and, when reachable, on PostgreSQL (it creates and drops
its own databases). For each backend it prints:

  baseline   the change as a hand-written script would make it: one SELECT of the
             memberships and their tags, then executemany UPDATE / INSERT statements
             through SQLAlchemy Core (no validation, no locks, no duplicate check)
  relink     relgraph's domain service, relinking.relink() (validation, locks, duplicate
             rule on the final state, audit), in one committed transaction
  dry run    the same, rolled back
  API        the bulkRelinkMemberships mutation through the ASGI app (JSON, GraphQL
             input coercion and all), asking for totals only: once with 10,000 `items`
             objects, once with the same relinks as `columns` (parallel lists, what
             examples/scripts/relink_memberships.py sends)

    .venv/bin/python bench/bulk_relink.py [--items 10000] [--repeat 3] [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from scratch_databases import (  # bench/
    PG_DEFAULT,
    MakeDatabase,
    on_postgres,
    sqlite_databases,
)
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from relgraph.config import Settings
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.migrate import upgrade
from relgraph.db.models import (
    AuditEvent,
    Membership,
    MembershipTag,
    Organisation,
    Person,
)
from relgraph.domain import users
from relgraph.domain.memberships.relinking import relink as relinking
from relgraph.graphql.core.ids import encode_id
from relgraph.web import create_app

START = dt.date(2026, 1, 1)
_m, _tags, _audit = Membership.__table__, MembershipTag.__table__, AuditEvent.__table__
_COPIED = (
    "person_id",
    "department",
    "job_title",
    "business_email",
    "phone1",
    "phone2",
    "role",
    "account_manager_id",
)


async def _begin(session: AsyncSession) -> None:
    # As Context.write() does: SQLite takes the write lock up front.
    await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


async def seed(engine: AsyncEngine, size: int) -> dict[str, Any]:
    """`size` people, each with one tagged membership at one organisation; a target; a user."""
    now = dt.datetime.now(dt.UTC)
    async with make_sessionmaker(engine)() as session:
        user = await users.create(session, email="bench@example.com", name="Bench", role="BUSINESS")
        token = await users.create_token(session, email="bench@example.com")
        source = Organisation(name="Van BV", name_key="van bv", search_text="van bv")
        target = Organisation(name="Naar BV", name_key="naar bv", search_text="naar bv")
        people = [
            Person(last_name=f"Persoon {i}", sort_key=f"persoon {i}", search_text="") for i in range(size)
        ]
        session.add_all([source, target, *people])
        await session.flush()
        rows = [
            {
                "id": i + 1,
                "person_id": p.id,
                "organisation_id": source.id,
                "department": "Inkoop",
                "job_title": "Inkoper",
                "business_email": f"p{i}@van.example",
                "phone1": "020 123 4567",
                "phone2": None,
                "role": "Contact",
                "account_manager_id": user.id,
                "active": True,
                "start_date": dt.date(2020, 1, 1),
                "end_date": None,
                "created_at": now,
                "created_by_id": user.id,
                "updated_at": now,
                "updated_by_id": user.id,
                "version": 1,
            }
            for i, p in enumerate(people)
        ]
        await session.execute(insert(_m), rows)
        await session.execute(
            insert(_tags), [{"membership_id": r["id"], "tag": t} for r in rows for t in ("a", "b")]
        )
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                text("SELECT setval(pg_get_serial_sequence('memberships', 'id'), :n)"), {"n": size}
            )
        await session.commit()
        return {
            "user": users.viewer_of(user),
            "token": token,
            "target": target.id,
            "ids": [r["id"] for r in rows],
        }


async def baseline(engine: AsyncEngine, world: dict[str, Any]) -> None:
    """The same change in plain SQL: what a one-off script without checks would send."""
    actor, target, now = world["user"], world["target"], dt.datetime.now(dt.UTC)
    end = START - dt.timedelta(days=1)
    async with make_sessionmaker(engine)() as session:
        await _begin(session)
        rows = (await session.execute(select(_m).where(_m.c.id.in_(world["ids"])))).all()
        tags: dict[int, list[str]] = {}
        for membership_id, tag in (
            await session.execute(select(_tags).where(_tags.c.membership_id.in_(world["ids"])))
        ).all():
            tags.setdefault(membership_id, []).append(tag)
        await session.execute(
            update(_m)
            .where(_m.c.id == bindparam("b_id"))
            .values(
                active=False, end_date=end, version=_m.c.version + 1, updated_at=now, updated_by_id=actor.id
            ),
            [{"b_id": r.id} for r in rows],
        )
        first = (await session.scalar(select(_m.c.id).order_by(_m.c.id.desc()).limit(1))) + 1
        new = [
            {
                "id": first + n,
                **{k: getattr(r, k) for k in _COPIED},
                "organisation_id": target,
                "active": True,
                "start_date": START,
                "end_date": None,
                "created_at": now,
                "created_by_id": actor.id,
                "updated_at": now,
                "updated_by_id": actor.id,
                "version": 1,
            }
            for n, r in enumerate(rows)
        ]
        await session.execute(insert(_m), new)
        await session.execute(
            insert(_tags),
            [
                {"membership_id": n["id"], "tag": t}
                for n, r in zip(new, rows, strict=True)
                for t in tags[r.id]
            ],
        )
        events = []
        for n, r in zip(new, rows, strict=True):
            for object_id, party_id, action in (
                (r.id, r.organisation_id, "DEACTIVATE"),
                (n["id"], target, "CREATE"),
            ):
                events.append(
                    {
                        "at": now,
                        "actor_id": actor.id,
                        "object_type": "Membership",
                        "object_id": object_id,
                        "party_id": party_id,
                        "action": action,
                        "changes": {},
                        "reason": None,
                    }
                )
        await session.execute(insert(_audit), events)
        await session.commit()


def _items(world: dict[str, Any]) -> list[relinking.RelinkItem]:
    return [relinking.RelinkItem(i, world["target"], start_date=START) for i in world["ids"]]


async def service(engine: AsyncEngine, world: dict[str, Any], *, dry_run: bool = False) -> None:
    async with make_sessionmaker(engine)() as session:
        await _begin(session)
        outcome = await relinking.relink(session, actor=world["user"], items=_items(world))
        assert not outcome.failed, [r.errors for r in outcome.results if r.errors][:3]
        await (session.rollback() if dry_run else session.commit())


async def api(engine: AsyncEngine, world: dict[str, Any], url: str, *, columns: bool = False) -> None:
    app = create_app(Settings(database_url=url, documents_dir=Path(tempfile.mkdtemp())), engine=engine)
    query = """mutation($input: BulkRelinkMembershipsInput!) {
      bulkRelinkMemberships(input: $input) { applied totals { relinked failed } } }"""
    target = encode_id("Organisation", world["target"])
    relinks: dict[str, Any]
    if columns:
        relinks = {
            "columns": {
                "membershipIds": [encode_id("Membership", i) for i in world["ids"]],
                "organisationIds": [target],
                "startDates": [START.isoformat()],
            }
        }
    else:
        relinks = {
            "items": [
                {
                    "membershipId": encode_id("Membership", i),
                    "organisationId": target,
                    "startDate": START.isoformat(),
                }
                for i in world["ids"]
            ]
        }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": {"input": relinks}},
            headers={"Authorization": f"Bearer {world['token']}"},
            timeout=120,
        )
    await app.state.runtime.aclose()  # the rate limit's counts, as on shutdown
    payload = response.json()["data"]["bulkRelinkMemberships"]
    assert payload["applied"], payload


async def run_backend(name: str, make_db: MakeDatabase, size: int, repeat: int) -> None:
    print(f"{name}: relinking {size:,} memberships (keepHistory, 2 tags each), best of {repeat}")
    template = await make_db("template")
    await asyncio.to_thread(upgrade, template)
    engine = create_engine(template)
    world = await seed(engine, size)
    await engine.dispose()
    runs: dict[str, tuple[str, Callable[[AsyncEngine, str], Awaitable[None]]]] = {
        "baseline": ("baseline (plain SQL, Core)", lambda e, u: baseline(e, world)),
        "relink": ("relinking.relink()", lambda e, u: service(e, world)),
        "dry run": ("relinking.relink(), rolled back", lambda e, u: service(e, world, dry_run=True)),
        "API": ("bulkRelinkMemberships, items", lambda e, u: api(e, world, u)),
        "API columns": ("bulkRelinkMemberships, columns", lambda e, u: api(e, world, u, columns=True)),
    }
    # Rounds of every variant in turn, so that a busy moment of the machine hits all of them.
    wall = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    for attempt in range(repeat):
        for key, (_, run) in runs.items():
            url = await make_db(f"{key} {attempt}", template)  # a fresh copy of the seeded database
            engine = create_engine(url)
            try:
                started, cpu_started = time.perf_counter(), time.process_time()
                await run(engine, url)
                wall[key] = min(wall[key], time.perf_counter() - started)
                cpu[key] = min(cpu[key], time.process_time() - cpu_started)
            finally:
                await engine.dispose()
    print(f"  {'':<34} {'wall':>8}    {'CPU':>8}   (CPU: this process; for PostgreSQL without the server)")
    for key, (label, _) in runs.items():
        print(f"  {label:<34} {wall[key] * 1000:8.0f} ms {cpu[key] * 1000:8.0f} ms")
    for key in ("relink", "dry run", "API", "API columns"):
        print(
            f"  ratio {key + ' / baseline':<28} {wall[key] / wall['baseline']:8.2f}x"
            f"   {cpu[key] / cpu['baseline']:8.2f}x"
        )


async def run_postgres(url: str, size: int, repeat: int) -> None:
    await on_postgres(url, "relgraph_bench", lambda make: run_backend("PostgreSQL", make, size, repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts")
    parser.add_argument("--pg", default=PG_DEFAULT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run_backend("SQLite", sqlite_databases(Path(folder)), args.items, args.repeat))
    asyncio.run(run_postgres(args.pg, args.items, args.repeat))


if __name__ == "__main__":
    main()
