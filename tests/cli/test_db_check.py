"""`relgraph db check`: the stored identifiers today's rules refuse, listed with a count; they
stay readable through the API, and writing the field again asks for a valid value."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers import insert_organisation, insert_person, mutate, organisation_id, pk
from sqlalchemy import text

from relgraph.db.models import Address, BankAccount, ContactMean
from relgraph.graphql.core.ids import encode_id

RELGRAPH = Path(sys.executable).parent / "relgraph"
BAD_BSN = "987654321"


def _check(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RELGRAPH_DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run(
        [str(RELGRAPH), "db", "check"], capture_output=True, text=True, env=env, timeout=120, check=False
    )


async def _store_what_the_old_rules_let_in(session: Any) -> dict[str, int]:
    """Values the hand-written checks accepted and the libraries refuse, written as they were."""
    wrong_digit = await insert_organisation(session, "Oud BV", vat_number="NL123456789B01")
    abroad = await insert_organisation(session, "Grens BV", vat_number="DE136695976")
    session.add(
        Address(party_id=abroad.id, kind="VISIT", country="NL", postcode="1234 AB", is_head_office=True)
    )
    person = await insert_person(session, "Oud")
    await session.execute(
        text("UPDATE persons SET bsn = :bsn WHERE id = :id"), {"bsn": BAD_BSN, "id": person.id}
    )
    session.add(Address(party_id=person.id, kind="VISIT", country="NL", postcode="1234 SS"))
    session.add(
        ContactMean(party_id=person.id, kind="EMAIL", value="jan..jansen@example.nl", is_primary=True)
    )
    # The BE IBAN's own check digits fit; its account number's Belgian ones do not.
    session.add(BankAccount(party_id=wrong_digit.id, iban="BE23096123456760", is_primary=True, active=True))
    await session.commit()
    return {"wrong digit": wrong_digit.id, "abroad": abroad.id, "person": person.id}


async def test_db_check_lists_each_refused_value_and_counts_them(database_url, sessionmaker) -> None:
    clean = await asyncio.to_thread(_check, database_url)
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stderr
    assert "0 stored value(s) the current rules refuse" in clean.stderr

    async with sessionmaker() as session:
        ids = await _store_what_the_old_rules_let_in(session)
    found = await asyncio.to_thread(_check, database_url)
    assert found.returncode == 1, found.stderr
    lines = found.stdout.splitlines()
    assert len(lines) == 6, lines
    assert "6 stored value(s) the current rules refuse" in found.stderr
    by_field = {line.split(" ")[2]: line for line in lines}
    assert f"organisations {ids['wrong digit']} vatNumber 'NL123456789B01': Wrong check digit" in found.stdout
    assert (
        f"organisations {ids['abroad']} vatNumber 'DE136695976': A VAT number from Germany (DE)"
        in found.stdout
    )
    assert f"persons {ids['person']} bsn '(not shown: SENSITIVE)': Wrong check digit" in found.stdout
    assert BAD_BSN not in found.stdout + found.stderr
    assert "addresses" in by_field["postcode"] and "'1234 SS'" in by_field["postcode"]
    assert "contact_means" in by_field["value"] and "two periods in a row" in by_field["value"]
    assert "bank_accounts" in by_field["iban"] and "national check of Belgium (BE)" in by_field["iban"]


async def test_a_refused_stored_value_stays_readable_and_asks_for_a_valid_one_when_written(
    admin, sessionmaker
) -> None:
    async with sessionmaker() as session:
        ids = await _store_what_the_old_rules_let_in(session)
    org, person = organisation_id(ids["wrong digit"]), encode_id("Person", ids["person"])
    read = await admin.gql(
        "query($o: ID!, $p: ID!) { o: node(id: $o) { ... on Organisation { vatNumber"
        " bankAccounts { iban bankName } } } p: node(id: $p) { ... on Person { bsn email } } }",
        {"o": org, "p": person},
    )
    assert read["o"] == {
        "vatNumber": "NL123456789B01",
        "bankAccounts": [{"iban": "BE23 0961 2345 6760", "bankName": "BELFIUS BANK"}],
    }
    assert read["p"] == {"bsn": BAD_BSN, "email": "jan..jansen@example.nl"}
    # Another field changes as before; the refused one only for a valid value.
    renamed = await mutate(
        admin, "updateOrganisation", "organisation { name vatNumber }", id=org, name="Nieuw BV"
    )
    assert renamed["userErrors"] == [] and renamed["organisation"]["vatNumber"] == "NL123456789B01"
    again = await mutate(
        admin, "updateOrganisation", "organisation { id }", id=org, vatNumber="NL123456789B01"
    )
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["vatNumber"], "INVALID")]
    fixed = await mutate(
        admin, "updateOrganisation", "organisation { vatNumber }", id=org, vatNumber="NL004495445B01"
    )
    assert fixed["userErrors"] == [] and fixed["organisation"]["vatNumber"] == "NL004495445B01"
    assert pk(org) == ids["wrong digit"]
