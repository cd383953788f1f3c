"""The importer, sped up for issue 25, writes exactly the rows it wrote before, and refuses
exactly the rows it refused: the same files go through it and through the frozen copy of
the importer before the speed-up (bench/import_before/, the before line of bench/import.py)
into two databases in the same state, and every table they write reads back the same,
but for the time of writing; the results (counts, rejects with line, column and message,
possible duplicates) are the same too."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from relgraph import transfer
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.models import Organisation
from relgraph.errors import InvalidInput
from relgraph.transfer import writing
from relgraph.transfer.tables import ORDER

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
import import_before  # bench/, put on the path above

_WRITTEN_AT = {"created_at", "updated_at", "at"}

ORGANISATIONS = """id,name,legal_name,code,kvk_number,vat_number,industry,website,email,phone,status,checked,parent_id,street,house_number,postcode,city,country
1,Moeder B.V.,Moeder Holding B.V.,C001,10000001,NL004495445B01,Bouw,https://moeder.nl,Info@Moeder.NL,020 123 4567,active,true,,Hoofdstraat,1,1012 AB,Amsterdam,NL
2,Dochter Één,,C002,10000002,nl 0044.95.445.b01,Zorg,,jan.jansen+crm@dochter-x.co.uk,+31 6 12345678,,yes,1,Kade,2a,3011 BB,Rotterdam,
3,Kleindochter,,C003,,NL002455799B11,,,post@bücher.de,+49 30 1234567,INACTIVE,false,2,,,,,
,Zonder id,,C004,10000004,DE136695976,,http://zonder.de,,0031 20 123 4567,,,5,Straße,9,10115,Berlin,DE
5,Later ouder,,C005,,,,,x@y.nl,06-1234 5678,,,,,,,,
,Société Générale,,,,,,,SOCIETE@generale.FR,,,,,Rue 1,1,75001,Paris,FR
"""

PERSONS = """id,gender,title,initials,first_name,infix,last_name,email,phone,birth_date
101,female,dr.,J.,Jana,van der,Berg,Jana@Berg.NL,06 12345678,1980-05-01
102,,,,Piet,,Één,,+32 470 12 34 56,
,MALE,,P.,,de,Vries,p.de.vries@example.com,,1975-12-31
"""

MEMBERSHIPS = """person_id,organisation_id,department,job_title,business_email,phone1,role,tags,active,start_date,end_date
101,1,Inkoop,Inkoper,Jana@Werk.NL,020 1234567,Contact,nieuwsbrief|beurs,true,2020-01-01,
101,2,,,,,,,false,2019-01-01,2019-12-31
102,1,Verkoop,,piet@werk.nl,,Contact, a | b ,,,
"""

BAD_ORGANISATIONS = """id,name,code,kvk_number,vat_number,email,phone,parent_id,postcode,country,status
1,Goed,C1,10000001,NL004495445B01,a@b.nl,020 1234567,,1012 AB,NL,
2,,C1,123,NL004495445B02,not-an-email,12,99,12345,NL,SLEEPING
3,Lus,C3,,DE136695976,a@localhost,,3,,,
4,Te lang,C4,,,"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.nl",,,,,
"""


def _without_ids(text: str) -> str:
    header, *lines = text.splitlines()
    return "\n".join([header, *("," + line.split(",", 1)[1] for line in lines)]) + "\n"


@pytest.fixture
def other_url(database_template: Any) -> Iterator[str]:
    url = database_template.make()
    yield url
    database_template.drop(url)


@pytest.fixture
async def before_db(other_url: str) -> AsyncIterator[Any]:
    engine = create_engine(other_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _import(sessionmaker: Any, kind: str, path: Path, before: bool, **options: Any) -> Any:
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        if before:
            with import_before.old_identifiers():
                result = await import_before.import_csv(session, kind, path, **options)
        else:
            result = await transfer.import_csv(session, kind, path, **options)
        if result.applied:
            await session.commit()
    return (
        result.rows,
        result.imported,
        result.applied,
        [(r.line, r.errors) for r in result.rejected],
        [(r.line, [(d.id, d.name, d.same) for d in found]) for r, found in result.duplicates],
    )


async def _tables(sessionmaker: Any) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    async with sessionmaker() as session:
        for table in ORDER:
            columns = [c for c in table.c if c.name not in _WRITTEN_AT]
            rows = (await session.execute(select(*columns))).all()
            found[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return found


@pytest.mark.parametrize("options", [{}, {"skip_invalid": True}, {"skip_duplicates": True}])
@pytest.mark.parametrize("chunk", [writing.CHUNK, 2], ids=["one chunk", "chunks of 2"])
async def test_the_same_files_write_the_same_rows(
    sessionmaker: Any,
    before_db: Any,
    tmp_path: Path,
    options: dict[str, Any],
    chunk: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Chunks of 2 made a row at a time: several writes in turn, each beside the next's making.
    monkeypatch.setattr(writing, "CHUNK", chunk)
    monkeypatch.setattr(writing, "SLICE", min(writing.SLICE, chunk // 2))
    files = [
        ("organisations", ORGANISATIONS),
        ("persons", PERSONS),
        ("memberships", MEMBERSHIPS),
        # Again without ids (new ones, under the parents of the first): possible duplicates.
        ("organisations", _without_ids(ORGANISATIONS.replace("C00", "D00"))),
        ("organisations", BAD_ORGANISATIONS),
    ]
    for n, (kind, text) in enumerate(files):
        path = tmp_path / f"{n}-{kind}.csv"
        path.write_text(text, encoding="utf-8")
        now = await _import(sessionmaker, kind, path, before=False, **options)
        then = await _import(before_db, kind, path, before=True, **options)
        assert now == then, path.name
        if n < 3 and not options:
            assert now[2] and not now[3], (path.name, now)
    now_tables, then_tables = await _tables(sessionmaker), await _tables(before_db)
    assert sum(len(rows) for rows in now_tables.values()) > 50
    assert now_tables == then_tables


async def test_a_failed_write_stops_the_import_with_nothing_written(
    sessionmaker: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk's write that fails while the next chunk is being made ends the import with
    its error, no write left running on the connection, and nothing committed."""
    monkeypatch.setattr(writing, "CHUNK", 2)
    monkeypatch.setattr(writing, "SLICE", 1)
    written: list[str] = []
    copy_records = writing.copy_records

    async def failing(session: Any, table: Any, columns: Any, records: Any, **options: Any) -> None:
        written.append(table.name)
        if len(written) == 8:  # in the second chunk
            raise RuntimeError("disk full")
        await copy_records(session, table, columns, records, **options)

    monkeypatch.setattr(writing, "copy_records", failing)
    path = tmp_path / "orgs.csv"
    path.write_text(ORGANISATIONS, encoding="utf-8")
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        with pytest.raises(RuntimeError, match="disk full"):
            await transfer.import_csv(session, "organisations", path)
        await session.rollback()
    assert written[:2] == ["parties", "organisations"] and len(written) == 8
    async with sessionmaker() as session:
        assert (await session.execute(select(Organisation.id))).all() == []


async def test_the_import_gives_the_collector_its_settings_back(tmp_path: Path, sessionmaker: Any) -> None:
    """An import collects less often while it runs (transfer.importing), and leaves the
    process's collector as it found it, also when it fails."""
    kept = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
        good.write_text(PERSONS, encoding="utf-8")
        bad.write_text("no_such_column\n1\n", encoding="utf-8")
        async with sessionmaker() as session:
            await transfer.import_csv(session, "persons", good)
            assert gc.get_threshold() == (700, 10, 10)
            with pytest.raises(InvalidInput):
                await transfer.import_csv(session, "persons", bad)
            assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*kept)
