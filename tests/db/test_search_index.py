"""The search index (migration 0010) answers exactly what the plain LIKE did, after writes.

SQLite reads an FTS5 trigram table kept in step by triggers; PostgreSQL a pg_trgm index.
The terms cover what trigrams cannot serve alone (one and two characters) and LIKE's own
wildcards, which must stay literal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import IS_POSTGRES, Caller, create_organisation, create_person, mutate, ok, pk
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph import transfer
from relgraph.db.models import Membership, Person
from relgraph.db.search import SearchIndexBatch

SEARCH = """query($org: String!, $person: String!) {
  organisations(filter: { search: $org }, first: 100) { totalCount nodes { name } }
  persons(filter: { search: $person }, first: 100) { totalCount nodes { lastName } }
}"""


async def found(caller: Caller, org: str, person: str = "-") -> tuple[list[str], list[str]]:
    data = await caller.gql(SEARCH, {"org": org, "person": person})
    orgs, people = data["organisations"], data["persons"]
    assert orgs["totalCount"] == len(orgs["nodes"]) and people["totalCount"] == len(people["nodes"])
    return sorted(n["name"] for n in orgs["nodes"]), sorted(n["lastName"] for n in people["nodes"])


async def create(caller: Caller, name: str) -> dict[str, Any]:
    return (await ok(caller, "createOrganisation", "organisation { id version }", name=name))["organisation"]


async def test_search_index_follows_writes_and_keeps_like_semantics(admin: Caller) -> None:
    zon = await create(admin, "Zonnestraal Logistiek B.V.")
    await create(admin, "100% Groen_Energie")
    await create(admin, "Société Générale Nederland")
    for last_name in ("Ibáñez", "Jansen"):
        await create_person(admin, last_name)

    assert await found(admin, "straal lo", "ibanez") == (["Zonnestraal Logistiek B.V."], ["Ibáñez"])
    assert (await found(admin, "GENERALE"))[0] == ["Société Générale Nederland"]
    # One and two characters: below a trigram, still the same answers.
    assert (await found(admin, "z"))[0] == ["Zonnestraal Logistiek B.V."]
    assert await found(admin, "nn", "an") == (["Zonnestraal Logistiek B.V."], ["Ibáñez", "Jansen"])
    # LIKE's wildcards are literal characters in a search term.
    assert (await found(admin, "0%"))[0] == ["100% Groen_Energie"]
    assert (await found(admin, "n_e"))[0] == ["100% Groen_Energie"]
    assert (await found(admin, "%"))[0] == ["100% Groen_Energie"]

    # A rename re-indexes: the old name no longer matches, the new one does.
    await ok(
        admin,
        "updateOrganisation",
        "organisation { id }",
        id=zon["id"],
        name="Maanlicht Transport",
        expectedVersion=zon["version"],
    )
    assert (await found(admin, "straal"))[0] == []
    assert (await found(admin, "maanlicht t"))[0] == ["Maanlicht Transport"]


# --- imports keep the index themselves (transfer/writing.py, search.SearchIndexBatch) -----


async def _search_objects(session: AsyncSession) -> tuple[list[str], dict[str, set[tuple[str, int]]]]:
    """SQLite: the search triggers, and what each FTS5 index holds (term, row) as the index
    itself reads it back."""
    triggers = sorted(await session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    held = {}
    for name in ("organisations_search", "persons_search"):
        await session.execute(
            text(f"CREATE VIRTUAL TABLE temp.{name}_terms USING fts5vocab(main, {name}, 'instance')")
        )
        held[name] = set((await session.execute(text(f"SELECT term, doc FROM temp.{name}_terms"))).all())
        await session.execute(text(f"DROP TABLE temp.{name}_terms"))
    return triggers, held


async def _rebuilt(session: AsyncSession) -> dict[str, set[tuple[str, int]]]:
    """What the indexes hold when rebuilt from the tables' search text (rolled back after)."""
    for name in ("organisations_search", "persons_search"):
        await session.execute(text(f"INSERT INTO {name}({name}) VALUES ('rebuild')"))
    _triggers, held = await _search_objects(session)
    await session.rollback()
    return held


ALL_TRIGGERS = sorted(
    f"{t}_search_{w}" for t in ("organisations", "persons") for w in ("delete", "insert", "update")
)


async def test_an_import_indexes_its_rows_as_the_triggers_would(
    sessionmaker: Any, admin: Caller, tmp_path: Path
) -> None:
    # Rows indexed by the triggers before: the memberships import changes one's search text.
    await create(admin, "Bestaand BV")
    earlier_id = await create_person(admin, "Eerder")
    earlier = pk(earlier_id)
    files = {
        "organisations": "id,name,email,phone,city\n9001,Kwartel Installaties,post@kwartel.nl,020 555 0101,Zwolle\n",
        "persons": "id,last_name,first_name,email,phone\n9002,Fazant,Els,els@fazant.nl,06 1234 5678\n",
        "memberships": (
            "person_id,organisation_id,business_email\n"
            f"9002,9001,els@kwartel.nl\n{earlier},9001,inkoop@kwartel.nl\n"
        ),
    }
    for kind, content in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(content, encoding="utf-8")
        async with sessionmaker() as session:
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            result = await transfer.import_csv(session, kind, path)
            assert result.applied and result.imported == content.count("\n") - 1
            await session.commit()

    # Found right after the import, by name, email, phone and business email.
    assert await found(admin, "kwartel inst", "fazant") == (["Kwartel Installaties"], ["Fazant"])
    assert (await found(admin, "post@kwartel"))[0] == ["Kwartel Installaties"]
    assert (await found(admin, "205550101"))[0] == ["Kwartel Installaties"]
    assert (await found(admin, "-", "els@fazant.nl"))[1] == ["Fazant"]
    assert (await found(admin, "-", "612345678"))[1] == ["Fazant"]
    assert (await found(admin, "-", "@kwartel.nl"))[1] == ["Eerder", "Fazant"]
    assert (await found(admin, "-", "eerder"))[1] == ["Eerder"]

    if IS_POSTGRES:
        return  # PostgreSQL maintains its trigram index itself
    async with sessionmaker() as session:
        triggers, held = await _search_objects(session)
        assert triggers == ALL_TRIGGERS
        assert held == await _rebuilt(session)
        assert ("ins", 9001) in held["organisations_search"] and ("rde", earlier) in held["persons_search"]

    # The triggers work on after the import: a change through the API re-indexes.
    await ok(admin, "updatePerson", "person { id }", id=earlier_id, lastName="Later")
    assert (await found(admin, "-", "eerder"))[1] == []
    assert (await found(admin, "-", "inkoop@kwartel"))[1] == ["Later"]
    async with sessionmaker() as session:
        assert (await _search_objects(session))[1] == await _rebuilt(session)


async def test_an_import_that_fails_while_writing_leaves_triggers_and_index_as_they_were(
    sessionmaker: Any, admin: Caller, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = pk(await create_person(admin, "Gans"))
    org = pk((await create(admin, "Vijver BV"))["id"])
    path = tmp_path / "m.csv"
    path.write_text(
        f"person_id,organisation_id,business_email\n{person},{org},gans@vijver.nl\n", encoding="utf-8"
    )
    async with sessionmaker() as session:
        before = None if IS_POSTGRES else await _search_objects(session)
        text_before = await session.scalar(select(Person.search_text).where(Person.id == person))

    index = SearchIndexBatch.index

    async def index_then_fail(self: SearchIndexBatch, ids: Any) -> None:
        await index(self, ids)  # the person's new search text is indexed, then the disk fills up
        raise OSError("disk full")

    monkeypatch.setattr(SearchIndexBatch, "index", index_then_fail)
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        with pytest.raises(OSError, match="disk full"):
            await transfer.import_csv(session, "memberships", path)
        if not IS_POSTGRES:
            # Rolled back to the savepoint already: the caller's transaction has its triggers.
            assert (await _search_objects(session))[0] == ALL_TRIGGERS
        await session.rollback()
    monkeypatch.undo()

    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Membership)) == 0
        assert await session.scalar(select(Person.search_text).where(Person.id == person)) == text_before
        if not IS_POSTGRES:
            assert before is not None and await _search_objects(session) == before
            assert before[1] == await _rebuilt(session)
    assert (await found(admin, "-", "gans@vijver"))[1] == []
    assert (await found(admin, "-", "gans"))[1] == ["Gans"]


async def test_a_phone_number_search_keeps_the_other_conditions(admin: Caller, make_caller) -> None:
    """A term that looks like a phone number is matched by several patterns (its text, its
    digits, its E.164 form); the search must still leave out whom the viewer may not see
    (R1) and what the list leaves out unless asked (R3: archived, deactivated)."""
    await create_person(admin, "Verborgen", phone="06 1234 5678")
    inactive = await create_person(admin, "Gestopt", phone="06 8765 4321")
    await mutate(admin, "updatePerson", "", id=inactive, active=False)
    archived = await create_organisation(admin, "Opgeheven BV", phone="020 765 4321")
    await mutate(admin, "archiveOrganisation", "", id=archived)
    business = await make_caller("BUSINESS")
    for term in ("06 1234 5678", "0612345678", "+31 6 12345678"):
        assert await found(business, "-", term) == ([], []), term
    assert await found(admin, "-", "06 1234 5678") == ([], ["Verborgen"]), "ADMIN sees every person"
    assert await found(admin, "020 765 4321", "06 8765 4321") == ([], [])
    listed = await admin.gql(
        """query($q: String!) {
          organisations(filter: {search: $q, includeArchived: true}) { totalCount nodes { name } }
          persons(filter: {search: "0687654321", includeInactive: true}) { totalCount nodes { lastName } }
        }""",
        {"q": "020 765 4321"},
    )
    assert listed == {
        "organisations": {"totalCount": 1, "nodes": [{"name": "Opgeheven BV"}]},
        "persons": {"totalCount": 1, "nodes": [{"lastName": "Gestopt"}]},
    }
