"""Search is no oracle for invoice data (issue 18, item 6; R4).

`organisations(filter: {search})` and `{city}` find an organisation by the city of its
INVOICE address only for viewers with FINANCE, who could before; without FINANCE neither
that city nor the invoice company name, invoice email or VAT number finds anything, also
after the invoice address changes, and on a database migrated from before the fix.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import pytest
from alembic import command
from helpers import ok
from sqlalchemy import select, text

from relgraph.db.migrate import MIGRATIONS_DIR, alembic_config, upgrade
from relgraph.db.models import Organisation
from relgraph.graphql.core.ids import decode_id

FIND = """
query($search: String, $city: String) {
  organisations(filter: {search: $search, city: $city, includeArchived: true}) { totalCount nodes { id } }
}"""
INVOICE_CITY = "Zq7factuurstad"
VISIT_CITY = "Amersfoort"
NO_FINANCE = [("ADMIN", ("SENSITIVE",)), ("TEAM", ()), ("BUSINESS", ()), ("READONLY", ())]
FINANCE = [("ADMIN", ("FINANCE", "SENSITIVE")), ("TEAM", ("FINANCE",)), ("BUSINESS", ("FINANCE",))]
_spec = importlib.util.spec_from_file_location(
    "migration_0015", MIGRATIONS_DIR / "versions" / "0015_invoice_cities_out_of_search.py"
)
assert _spec is not None and _spec.loader is not None
migration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(migration)


async def _found(caller: Any, *, search: str | None = None, city: str | None = None) -> list[str]:
    connection = (await caller.gql(FIND, {"search": search, "city": city}))["organisations"]
    assert connection["totalCount"] == len(connection["nodes"]), connection
    return [n["id"] for n in connection["nodes"]]


async def _organisation_with_invoice_data(admin: Any) -> tuple[str, str]:
    """An organisation with a visit address, invoice data and an INVOICE address; its ids."""
    org = (
        await ok(
            admin,
            "createOrganisation",
            "organisation { id }",
            name="Gieterij Oost",
            vatNumber="NL004495445B01",
            invoiceCompanyName="Zq7 Facturatie Holding",
            invoiceEmail="zq7facturen@example.nl",
            visitAddress={"city": VISIT_CITY},
        )
    )["organisation"]["id"]
    address = await ok(
        admin,
        "addAddress",
        "address { id }",
        partyId=org,
        kind="INVOICE",
        street="Postweg",
        houseNumber="1",
        city=INVOICE_CITY,
    )
    return org, address["address"]["id"]


async def test_search_and_city_filter_match_invoice_data_only_with_finance(admin, make_caller) -> None:
    org, invoice_address = await _organisation_with_invoice_data(admin)
    # Another organisation visits in that city: the city itself stays searchable for all.
    neighbour = (
        await ok(
            admin,
            "createOrganisation",
            "organisation { id }",
            name="Smederij West",
            visitAddress={"city": INVOICE_CITY},
        )
    )["organisation"]["id"]
    invoice_values = ["zq7 facturatie", "zq7facturen@example.nl", "NL004495445B01"]

    for role, permissions in NO_FINANCE:
        viewer = await make_caller(role, permissions)
        who = f"{role} {permissions}"
        assert await _found(viewer, search="zq7factuur") == [neighbour], who
        assert await _found(viewer, search=INVOICE_CITY) == [neighbour], who
        assert await _found(viewer, city=INVOICE_CITY.upper()) == [neighbour], who
        assert await _found(viewer, search="gieterij", city=INVOICE_CITY) == [], who
        for value in invoice_values:
            assert await _found(viewer, search=value) == [], (who, value)
        assert await _found(viewer, search=VISIT_CITY) == [org], who
        assert await _found(viewer, city=VISIT_CITY) == [org], who

    finance = [await make_caller(role, permissions) for role, permissions in FINANCE]
    for viewer in finance:
        assert sorted(await _found(viewer, search="zq7factuur")) == sorted([org, neighbour])
        assert sorted(await _found(viewer, city=INVOICE_CITY)) == sorted([org, neighbour])
        assert await _found(viewer, search="gieterij", city=INVOICE_CITY) == [org]
        assert await _found(viewer, search=VISIT_CITY) == [org]
        # Short terms take the scan instead of the index: the same answers.
        assert await _found(viewer, search="zq") == [org, neighbour]

    # The invoice address moves: its old city finds it for nobody, its new one for FINANCE only.
    await ok(admin, "updateAddress", "address { id }", id=invoice_address, city="Zq7nieuwstad")
    plain = await make_caller("BUSINESS")
    assert await _found(plain, search="zq7nieuw") == []
    assert await _found(plain, city="Zq7nieuwstad") == []
    assert await _found(finance[0], search="zq7nieuw") == [org]
    assert await _found(finance[0], city="Zq7nieuwstad") == [org]
    assert await _found(finance[0], search="gieterij", city=INVOICE_CITY) == []
    await ok(admin, "removeAddress", "deletedId", id=invoice_address)
    assert await _found(finance[0], search="zq7nieuw") == []


async def test_a_merge_takes_the_source_invoice_city_along_for_finance_only(admin, make_caller) -> None:
    source, _ = await _organisation_with_invoice_data(admin)
    target = (await ok(admin, "createOrganisation", "organisation { id }", name="Doel BV"))["organisation"][
        "id"
    ]
    await ok(
        admin,
        "mergeOrganisations",
        "counts { addressesMoved }",
        sourceId=source,
        targetId=target,
        dryRun=False,
    )
    assert await _found(await make_caller("TEAM"), search=INVOICE_CITY) == []
    assert await _found(admin, search=INVOICE_CITY) == [target]


async def test_the_migration_takes_invoice_cities_out_of_existing_search_texts(
    admin, make_caller, database_url, session
) -> None:
    """A database from before the fix: its search texts hold invoice cities until 0015 runs."""
    org, _ = await _organisation_with_invoice_data(admin)
    pk = decode_id(org)[1]
    texts = select(Organisation.search_text, Organisation.invoice_search_text).where(Organisation.id == pk)
    fixed = (await session.execute(texts)).one()
    assert "zq7factuurstad" not in fixed[0] and "amersfoort" in fixed[0] and fixed[1] == "zq7factuurstad"
    await session.rollback()

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0014")
    # The search text as the code before this revision wrote it: every address's city.
    old = await session.scalar(text("SELECT search_text FROM organisations WHERE id = :id"), {"id": pk})
    assert old == fixed[0].replace("amersfoort", "amersfoort | zq7factuurstad")
    await session.rollback()
    await asyncio.to_thread(upgrade, database_url)
    assert tuple((await session.execute(texts)).one()) == tuple(fixed)
    business = await make_caller("BUSINESS")
    assert await _found(business, search=INVOICE_CITY) == []
    assert await _found(business, search=VISIT_CITY) == [org]
    assert await _found(admin, search=INVOICE_CITY) == [org]


@pytest.mark.parametrize(
    ("text_before", "cities", "text_after"),
    [
        (
            "acme | amsterdam | utrecht | info@acme.nl",
            [("VISIT", "amsterdam"), ("INVOICE", "utrecht")],
            "acme | amsterdam | info@acme.nl",
        ),
        # The same city twice (visit and invoice): the visit address keeps it.
        ("acme | utrecht | utrecht", [("INVOICE", "utrecht"), ("VISIT", "utrecht")], "acme | utrecht"),
        # A name that is a city: only the address's part goes.
        ("utrecht | utrecht", [("INVOICE", "utrecht")], "utrecht"),
        # A text that does not list the cities as this code wrote them: one equal part goes.
        ("acme | zwolle | x", [("VISIT", "delft"), ("INVOICE", "zwolle")], "acme | x"),
    ],
)
def test_the_migration_removes_exactly_the_invoice_cities(text_before, cities, text_after) -> None:
    assert migration._without_invoice_cities(text_before, cities) == text_after
