"""The large demo dataset (issue 10), loaded by the very same code at a tiny scale.

`factor=0.003` gives 300 organisations, 1,500 persons and 3,000 memberships, with the
fixed parts at full size: the card organisation's 50 subsidiaries of 25 memberships each.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.models import Address, Organisation, Person
from relgraph.demo.bulk_load import seed_large
from relgraph.demo.large import (
    BIG_BRANCHING,
    BIG_GROUP_CODE,
    CARD_CODE,
    MAX_DEPTH,
    Counts,
)
from relgraph.domain.party_data import search_text
from relgraph.errors import Conflict
from relgraph.text import fold

FACTOR = 0.003

SNAPSHOT = {
    "organisations": "SELECT id, name, name_key, code, kvk_number, parent_id, search_text FROM organisations",
    "persons": "SELECT id, first_name, infix, last_name, sort_key, search_text FROM persons",
    "memberships": "SELECT id, person_id, organisation_id, job_title, role, active, start_date, end_date FROM memberships",
    "addresses": "SELECT party_id, street, postcode, city, city_key FROM addresses",
    "relations": "SELECT id, type_id, source_id, target_id, active, start_date FROM relations",
    # By email: the caller of the test is a user too, in the first database only.
    "internal": "SELECT u.email, r.party_id, r.category_id, r.since, r.until FROM internal_relations r"
    " JOIN users u ON u.id = r.user_id",
}
# References the load cannot leave dangling (it bypasses foreign key checks on PostgreSQL).
DANGLING = """
SELECT (SELECT count(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = m.person_id))
     + (SELECT count(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = m.organisation_id))
     + (SELECT count(*) FROM organisations o WHERE o.parent_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM organisations p WHERE p.id = o.parent_id))
     + (SELECT count(*) FROM relations r WHERE NOT EXISTS (SELECT 1 FROM parties p WHERE p.id = r.source_id)
          OR NOT EXISTS (SELECT 1 FROM parties p WHERE p.id = r.target_id))
     + (SELECT count(*) FROM internal_relations r WHERE NOT EXISTS (SELECT 1 FROM parties p WHERE p.id = r.party_id))
     + (SELECT count(*) FROM parties p WHERE NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = p.id)
          AND NOT EXISTS (SELECT 1 FROM persons s WHERE s.id = p.id))
"""

CARD = """
query($search: String!) {
  organisations(filter: { search: $search }, first: 2) {
    totalCount
    nodes {
      name depth
      parent { name }
      accountManagers { id }
      memberships(first: 50) { totalCount nodes { jobTitle role person { firstName infix lastName } } }
      subsidiaries(first: 50) {
        totalCount
        nodes { name memberships(first: 50) { totalCount nodes { jobTitle person { lastName } } } }
      }
    }
  }
}"""

GROUP = """
query($search: String!) {
  organisations(filter: { search: $search }, first: 1) {
    nodes { descendants(first: 100) { totalCount edges { depth } } }
  }
}"""


async def _snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        return {name: sorted(map(tuple, await conn.execute(text(sql)))) for name, sql in SNAPSHOT.items()}


INDEXES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger', 'table') AND name NOT LIKE 'sqlite%' ORDER BY name",
    "postgresql": "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname",
}


async def _indexes(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(text(INDEXES[conn.dialect.name])))


async def test_large_dataset_loads_consistently_and_the_api_reads_it(
    engine, database_template, admin
) -> None:
    indexes = await _indexes(engine)
    summary = await seed_large(engine, seed=5, factor=FACTOR)
    # The load drops indexes and search triggers for speed; all of them are back.
    assert await _indexes(engine) == indexes
    counts = Counts.at(FACTOR)
    first = await _snapshot(engine)
    assert (summary.organisations, summary.persons, summary.memberships) == (
        counts.organisations,
        counts.persons,
        counts.memberships,
    )
    assert [len(first[t]) for t in ("organisations", "persons", "memberships", "relations", "internal")] == [
        counts.organisations,
        counts.persons,
        counts.memberships,
        counts.relations,
        counts.internal_relations,
    ]
    inactive = sum(1 for m in first["memberships"] if not m[5]) / counts.memberships
    assert 0.15 < inactive < 0.25
    async with engine.connect() as conn:
        assert await conn.scalar(text(DANGLING)) == 0
    with pytest.raises(Conflict):
        await seed_large(engine, seed=5, factor=FACTOR)

    # The derived columns are what the domain computes from the stored rows.
    async with make_sessionmaker(engine)() as session:
        orgs = list(await session.scalars(select(Organisation).order_by(Organisation.id).limit(40)))
        for org in orgs:
            stored = (org.name_key, org.search_text)
            await search_text.refresh_organisation(session, org)
            assert (org.name_key, org.search_text) == stored
        people = list(await session.scalars(select(Person).order_by(Person.id.desc()).limit(40)))
        for person in people:
            stored = (person.sort_key, person.search_text)
            await search_text.refresh_person(session, person)
            assert (person.sort_key, person.search_text) == stored
        await session.rollback()
        assert all(a.city_key == fold(a.city) for a in await session.scalars(select(Address)))

    # The same seed gives the same rows in another database.
    url = database_template.make()
    other = create_engine(url)
    try:
        await seed_large(other, seed=5, factor=FACTOR)
        assert await _snapshot(other) == first
    finally:
        await other.dispose()
        database_template.drop(url)

    # The card organisation through the API (and through the search index, by its code).
    data = await admin.gql(CARD, {"search": CARD_CODE.lower()})
    card = data["organisations"]
    assert card["totalCount"] == 1
    org = card["nodes"][0]
    assert org["depth"] == 1 and org["parent"]["name"] and len(org["accountManagers"]) == 1
    assert org["memberships"]["totalCount"] == 20
    assert all(m["person"]["lastName"] for m in org["memberships"]["nodes"])
    subsidiaries = org["subsidiaries"]["nodes"]
    assert org["subsidiaries"]["totalCount"] == len(subsidiaries) == 50
    assert {s["memberships"]["totalCount"] for s in subsidiaries} == {20}

    # The big group: every planned descendant, as deep as its heap shape makes it (five
    # levels below the root at full scale, three here).
    group = (await admin.gql(GROUP, {"search": BIG_GROUP_CODE.lower()}))["organisations"]["nodes"][0]
    depth, node = 0, counts.big_group
    while node:
        depth, node = depth + 1, (node - 1) // BIG_BRANCHING
    assert group["descendants"]["totalCount"] == counts.big_group
    assert max(e["depth"] for e in group["descendants"]["edges"]) == depth
    assert Counts.at(1.0).big_group == 10_000 and MAX_DEPTH == 5
