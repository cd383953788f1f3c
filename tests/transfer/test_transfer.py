"""CSV import and export (`relgraph import|export`): round trip, errors by line and column, rejects."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from relgraph import demo, transfer
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.models import (
    AuditEvent,
    ContactMean,
    Membership,
    MembershipTag,
    Organisation,
    Person,
    User,
)
from relgraph.domain import users
from relgraph.transfer.formats import from_cell, to_cell

RELGRAPH = Path(sys.executable).parent / "relgraph"
KINDS = ("organisations", "persons", "memberships")


@pytest.fixture
def other_url(database_template: Any) -> Iterator[str]:
    """A second empty database, to import into (made outside the event loop, like the first)."""
    url = database_template.make()
    yield url
    database_template.drop(url)


@pytest.fixture
async def other_db(other_url: str) -> AsyncIterator[Any]:
    engine = create_engine(other_url)
    yield other_url, make_sessionmaker(engine)
    await engine.dispose()


async def export_all(sessionmaker: Any) -> dict[str, str]:
    files = {}
    async with sessionmaker() as session:
        for kind in KINDS:
            out = io.StringIO()
            await transfer.export_csv(session, kind, out)
            files[kind] = out.getvalue()
    return files


async def run_import(sessionmaker: Any, kind: str, path: Path, **kwargs: Any) -> transfer.ImportResult:
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        result = await transfer.import_csv(session, kind, path, **kwargs)
        if result.applied:
            await session.commit()
        return result


async def count(sessionmaker: Any, model: Any) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def errors(result: transfer.ImportResult) -> list[tuple[int, str]]:
    return sorted((row.line, column) for row in result.rejected for column, _ in row.errors)


# --- round trip --------------------------------------------------------------------------


async def test_export_then_import_into_an_empty_database_gives_the_same_files(
    sessionmaker, other_db, tmp_path
) -> None:
    async with sessionmaker() as session:
        await demo.seed(session, organisations=40, persons=90, staff=3, seed=7)
        await session.commit()
        staff = [(u.email, u.name) for u in await session.scalars(select(User))]
    first = await export_all(sessionmaker)
    assert first["organisations"].count("\n") == 41 and first["memberships"].count("\n") > 50

    _, target = other_db
    async with target() as session:  # account managers are named by email: the staff must exist
        for email, name in staff:
            await users.create(session, email=email, name=name, role="TEAM")
        await session.commit()
    for kind in KINDS:
        result = await run_import(target, kind, write(tmp_path / f"{kind}.csv", first[kind]))
        assert result.applied and not result.rejected, [(r.line, r.errors) for r in result.rejected[:5]]
    second = await export_all(target)
    for kind in KINDS:
        assert second[kind] == first[kind], kind

    # What the importer wrote is what the API reads and searches.
    async with target() as session:
        org = await session.scalar(select(Organisation).order_by(Organisation.id).limit(1))
        assert org is not None and org.name_key and org.search_text
        assert (
            await session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "CREATE")
            )
            > 100
        )


# What a spreadsheet runs as a formula when a cell starts with it (OWASP, CSV Injection).
FORMULA_START = re.compile(r"^\s*[=+\-@\t\r]")


async def test_formula_like_cells_are_neutralised_and_read_back_unchanged(
    admin, sessionmaker, other_db, tmp_path
) -> None:
    org = await admin.gql(
        "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { organisation { id } } }",
        {
            "i": {
                "name": "=SUM(A1)",
                "legalName": "-",
                "industry": "+31 20 123 4567",
                "description": "@home\n=1+1",
                "phone": "+31 20 123 4567",
                "visitAddress": {"street": "Acme;=1+1", "city": "'=quoted already", "houseNumber": "-1"},
            }
        },
    )
    org_id = org["createOrganisation"]["organisation"]["id"]
    made = await admin.gql(
        "mutation($i: AddBusinessRelationInput!) { addBusinessRelation(input: $i) { membership { id } } }",
        {
            "i": {
                "person": {"lastName": "@home", "firstName": "-", "infix": "''+x"},
                "organisationId": org_id,
                "membership": {
                    "department": '=HYPERLINK("http://x.example";"klik")',
                    "tags": ["-5", "@team"],
                },
            }
        },
    )
    assert made["addBusinessRelation"]["membership"]["id"]
    first = await export_all(sessionmaker)

    for kind, text in first.items():
        rows = list(csv.reader(io.StringIO(text)))
        assert not [c for row in rows for c in row if FORMULA_START.match(c)], (kind, text)
        quoted = io.StringIO()
        csv.writer(quoted, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
        assert quoted.getvalue() == text, "every cell is quoted, so no separator inside one splits it"
    organisations = list(csv.DictReader(io.StringIO(first["organisations"])))
    assert organisations[0]["name"] == "'=SUM(A1)" and organisations[0]["phone"] == "'+31201234567"
    assert organisations[0]["city"] == "''=quoted already", "a quote before a formula is escaped as well"

    _, target = other_db
    for kind in KINDS:
        result = await run_import(target, kind, write(tmp_path / f"{kind}.csv", first[kind]))
        assert result.applied and not result.rejected, [(r.line, r.errors) for r in result.rejected[:5]]
    assert await export_all(target) == first
    async with target() as session:
        names = (
            await session.execute(select(Organisation.name, Organisation.legal_name, Organisation.industry))
        ).one()
        person = (await session.execute(select(Person.last_name, Person.first_name, Person.infix))).one()
        tags = sorted(await session.scalars(select(MembershipTag.tag)))
    assert tuple(names) == ("=SUM(A1)", "-", "+31 20 123 4567")
    assert tuple(person) == ("@home", "-", "''+x")
    assert tags == ["-5", "@team"]


@pytest.mark.parametrize(
    "value", ["=1", " =1", "\t=1", "\r", " \t@x", "'=1", "''-1", "'", "'hello", "a=1", "", " plain", "+"]
)
def test_a_cell_reads_back_as_it_was_written(value: str) -> None:
    written = to_cell(value)
    assert not FORMULA_START.match(written)
    assert from_cell(written) == value


async def test_the_cli_round_trip_and_its_messages(database_url, tmp_path) -> None:
    env = {**os.environ, "RELGRAPH_DATABASE_URL": database_url, "COLUMNS": "200"}

    def relgraph(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RELGRAPH), *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    source = write(
        tmp_path / "orgs.csv",
        "name,code,kvk_number,email,phone,parent_id,id,city\n"
        "Dochter BV,D1,,,,1,2,Zwolle\n"  # the parent comes later in the file
        "Moeder BV,M1,12345678,info@moeder.nl,020 123 4567,,1,Utrecht\n",
    )
    imported = await asyncio.to_thread(relgraph, "import", "organisations", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 organisations" in imported.stderr
    exported = await asyncio.to_thread(relgraph, "export", "organisations")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["id"], r["name"], r["parent_id"], r["phone"], r["city"]) for r in rows] == [
        ("1", "Moeder BV", "", "'+31201234567", "Utrecht"),  # neutralised: a spreadsheet would add it up
        ("2", "Dochter BV", "1", "", "Zwolle"),
    ]
    to_file = await asyncio.to_thread(relgraph, "export", "organisations", str(tmp_path / "out.csv"))
    assert to_file.returncode == 0 and (tmp_path / "out.csv").read_text() == exported.stdout

    bad = write(tmp_path / "bad.csv", "name,kvk_number\nGoed BV,\nFout BV,123\n,87654321\n")
    refused = await asyncio.to_thread(relgraph, "import", "organisations", str(bad))
    assert refused.returncode == 1 and refused.stdout == ""
    assert "Traceback" not in refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert lines == [
        f"{bad}, line 3, column kvk_number: A KvK number is exactly 8 digits.",
        f"{bad}, line 4, column name: This field is required.",
        "error: 2 invalid rows; nothing was imported (--skip-invalid imports the others)",
    ]
    unknown = await asyncio.to_thread(
        relgraph, "import", "organisations", str(write(tmp_path / "h.csv", "naam\nx\n"))
    )
    assert unknown.returncode == 1
    [line] = [line for line in unknown.stderr.splitlines() if line.strip()]
    assert line.startswith("error:") and "line 1: unknown column(s) naam" in line

    skipped = await asyncio.to_thread(relgraph, "import", "organisations", str(bad), "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert "imported 1 organisation from" in skipped.stderr
    rejects = list(csv.DictReader((tmp_path / "bad.rejects.csv").open(encoding="utf-8")))
    assert [(r["name"], r["kvk_number"]) for r in rejects] == [("Fout BV", "123"), ("", "87654321")]
    assert "line 3, kvk_number: A KvK number is exactly 8 digits." in rejects[0]["errors"]


# --- checks ------------------------------------------------------------------------------


async def test_invalid_rows_are_reported_by_line_and_column_and_nothing_is_written(
    sessionmaker, tmp_path
) -> None:
    path = write(
        tmp_path / "orgs.csv",
        "name,code,status,checked,website,vat_number,postcode,country,parent_id\n"
        "Eerste BV,A1,ACTIVE,true,https://eerste.nl,NL004495445B01,1234 AB,NL,\n"
        "Tweede BV,A1,WEIRD,misschien,ftp://x,NL12,XX,Nederland,\n"
        "Derde BV,A3,,,,,,,999\n",
    )
    result = await run_import(sessionmaker, "organisations", path)
    assert result.applied is False and result.imported == 0
    assert errors(result) == [
        (3, "checked"),
        (3, "country"),
        (3, "postcode"),
        (3, "status"),
        (3, "vat_number"),
        (3, "website"),
        (4, "parent_id"),
    ]
    assert await count(sessionmaker, Organisation) == 0
    assert await count(sessionmaker, AuditEvent) == 0


async def test_skip_invalid_leaves_out_the_rows_that_lean_on_rejected_ones(sessionmaker, tmp_path) -> None:
    path = write(
        tmp_path / "orgs.csv",
        "id,name,parent_id,code\n"
        "10,Top BV,,T\n"
        "11,,10,X\n"  # no name: rejected ...
        "12,Klein BV,11,K\n"  # ... and so its subsidiary, whose parent is gone
        "13,=1+1 BV,10,T\n",  # a customer number that line 2 has
    )
    result = await run_import(sessionmaker, "organisations", path, skip_invalid=True)
    assert result.applied and result.imported == 1
    assert errors(result) == [(3, "name"), (4, "parent_id"), (5, "code")]
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Organisation.name))) == ["Top BV"]
    target = tmp_path / "rejects.csv"
    transfer.write_rejects(result, target)
    rejected = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["id"] for r in rejected] == ["11", "12", "13"]
    assert rejected[1]["errors"] == "line 4, parent_id: No organisation 11, in the database or in this file."
    assert rejected[2]["name"] == "'=1+1 BV", "the rejects file is opened in spreadsheets too"
    assert from_cell(rejected[2]["name"]) == "=1+1 BV", "and reads back as it was"


async def test_dates_outside_1900_to_2199_are_refused_at_their_column(sessionmaker, tmp_path) -> None:
    path = write(
        tmp_path / "m.csv",
        "person_id,organisation_id,start_date,end_date\n"
        "1,1,1899-12-31,\n"
        "1,1,,2200-01-01\n"
        "1,1,0001-01-01,9999-12-31\n",
    )
    result = await run_import(sessionmaker, "memberships", path)
    assert errors(result) == [(2, "start_date"), (3, "end_date"), (4, "end_date"), (4, "start_date")]
    assert {m for r in result.rejected for _, m in r.errors} == {
        "Dates lie between 1900-01-01 and 2199-12-31."
    }
    people = await run_import(
        sessionmaker, "persons", write(tmp_path / "p.csv", "last_name,birth_date\nA,1899-12-31\n")
    )
    assert errors(people) == [(2, "birth_date")]


async def test_parent_cycles_in_a_file_are_refused(sessionmaker, tmp_path) -> None:
    path = write(tmp_path / "orgs.csv", "id,name,parent_id\n1,A,3\n2,B,1\n3,C,2\n4,D,4\n5,E,\n")
    result = await run_import(sessionmaker, "organisations", path)
    assert errors(result) == [(2, "parent_id"), (3, "parent_id"), (4, "parent_id"), (5, "parent_id")]


async def test_given_ids_are_kept_and_new_ones_come_after_them(sessionmaker, admin, tmp_path) -> None:
    path = write(tmp_path / "persons.csv", "id,last_name,email\n500,Vijfhonderd,v@x.nl\n,Zonder,\n")
    result = await run_import(sessionmaker, "persons", path)
    assert result.applied
    async with sessionmaker() as session:
        ids = dict((await session.execute(select(Person.last_name, Person.id))).all())
    assert ids["Vijfhonderd"] == 500 and ids["Zonder"] > 500
    again = await run_import(sessionmaker, "persons", path)
    assert errors(again) == [(2, "id")]
    # Rows created through the API afterwards do not collide (PostgreSQL's sequence moved on).
    data = await admin.gql(
        'mutation { createOrganisation(input: {name: "Na import"}) { organisation { id } userErrors { message } } }'
    )
    assert data["createOrganisation"]["userErrors"] == []
    # The imported person is found by the email of its contact mean.
    found = await admin.gql('{ persons(filter: {search: "v@x.nl"}) { nodes { lastName email } } }')
    assert found["persons"]["nodes"] == [{"lastName": "Vijfhonderd", "email": "v@x.nl"}]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ContactMean)) == 1


async def test_memberships_need_existing_people_and_no_active_duplicates(
    sessionmaker, admin, tmp_path
) -> None:
    orgs = await run_import(
        sessionmaker, "organisations", write(tmp_path / "o.csv", "id,name\n1,Werkgever BV\n")
    )
    people = await run_import(
        sessionmaker, "persons", write(tmp_path / "p.csv", "id,last_name\n2,Werknemer\n")
    )
    assert orgs.applied and people.applied
    async with sessionmaker() as session:
        await users.create(session, email="am@x.nl", name="Account Manager", role="TEAM")
        await session.commit()
    path = write(
        tmp_path / "m.csv",
        "person_id,organisation_id,role,tags,account_manager,business_email,start_date,end_date,active\n"
        "2,1,Beslisser,a|b,AM@x.nl,werk@werkgever.nl,2020-01-01,,\n"
        "2,1,Beslisser,,,,,,true\n"  # the same active membership again
        "2,1,Beslisser,,,,2010-01-01,2012-01-01,false\n"  # an ended one is fine
        "3,1,,,,,,,\n"  # no such person
        "2,1,Gebruiker,,nobody@x.nl,,2020-01-01,2019-01-01,\n",  # unknown staff, end before start
    )
    result = await run_import(sessionmaker, "memberships", path)
    assert errors(result) == [(3, "role"), (5, "person_id"), (6, "end_date")]
    result = await run_import(sessionmaker, "memberships", path, skip_invalid=True)
    # Line 6's account manager is only checked once its own row checks pass; it stays out anyway.
    assert result.imported == 2
    async with sessionmaker() as session:
        manager = await session.scalar(select(User.id).where(User.email == "am@x.nl"))
        rows = (
            await session.execute(select(Membership.role, Membership.active, Membership.account_manager_id))
        ).all()
    assert sorted(rows, key=str) == sorted(
        [("Beslisser", True, manager), ("Beslisser", False, None)], key=str
    )
    found = await admin.gql('{ persons(filter: {search: "werk@werkgever.nl"}) { nodes { lastName } } }')
    assert found["persons"]["nodes"] == [{"lastName": "Werknemer"}], "search finds people by business email"
    card = await admin.gql(
        "query($id: ID!) { person(id: $id) { memberships { nodes { tags accountManager { email } } } } }",
        {"id": _person_id(2)},
    )
    assert card["person"]["memberships"]["nodes"] == [
        {"tags": ["a", "b"], "accountManager": {"email": "am@x.nl"}}
    ]


def _person_id(pk: int) -> str:
    from relgraph.graphql.core.ids import encode_id

    return encode_id("Person", pk)


async def test_a_file_of_many_chunks_goes_in_parents_first_with_an_event_per_object(
    sessionmaker, admin, tmp_path, monkeypatch
) -> None:
    from relgraph.transfer import writing

    monkeypatch.setattr(writing, "CHUNK", 2)  # five chunks, parents in earlier ones
    path = write(
        tmp_path / "orgs.csv",
        "id,name,parent_id,email\n"
        "1,Kleindochter BV,2,\n"  # its parent and grandparent come later in the file
        "2,Dochter BV,5,dochter@groep.nl\n"
        "3,Los BV,,\n"
        "4,Ander Los BV,,\n"
        "5,Moeder BV,,moeder@groep.nl\n"
        "6,Zus BV,5,\n"
        "7,Nicht BV,6,\n"
        "8,Laatste BV,,\n"
        "9,Na Laatste BV,8,\n",
    )
    reported: list[tuple[str, int, int]] = []
    async with sessionmaker() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        result = await transfer.import_csv(
            session, "organisations", path, progress=lambda *step: reported.append(step)
        )
        assert result.applied and result.imported == 9
        await session.commit()
    written = [done for stage, done, total in reported if stage == "writing" and total == 9]
    assert written == [2, 4, 6, 8, 9]
    async with sessionmaker() as session:
        parents = dict((await session.execute(select(Organisation.id, Organisation.parent_id))).all())
        events = list(
            await session.scalars(
                select(AuditEvent.object_id).where(AuditEvent.object_type == "Organisation")
            )
        )
    assert parents == {1: 2, 2: 5, 3: None, 4: None, 5: None, 6: 5, 7: 6, 8: None, 9: 8}
    assert sorted(events) == list(range(1, 10))
    found = await admin.gql('{ organisations(filter: {search: "@groep.nl"}) { nodes { name } } }')
    assert sorted(n["name"] for n in found["organisations"]["nodes"]) == ["Dochter BV", "Moeder BV"]
