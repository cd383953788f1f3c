"""Identifiers checked by their own libraries (domain/identifiers.py, party_data/iban.py):
a table of published numbers and the same with a check digit altered, through the API on
the real database; the VAT number's country against the head office's; the same message
from a CSV import as from the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import create_organisation, mutate, ok
from sqlalchemy import text

from relgraph import transfer

ORG = "organisation { vatNumber visitAddress { country postcode } }"
PERSON = "person { bsn }"
ACCOUNT = "bankAccount { iban ibanCompact bic bankName }"

# Published VAT numbers (the examples of each country's python-stdnum module, from its tax
# authority or VIES), as people type them; what is stored; what the API shows.
VALID_VAT = [
    ("AT", "ATU13585627", "ATU13585627", "ATU13585627"),
    ("BE", "BE 428759497", "BE0428759497", "BE0428759497"),
    ("BG", "BG 175 074 752", "BG175074752", "BG175074752"),
    ("CH", "CHE-107.787.577 IVA", "CHE107787577IVA", "CHE-107.787.577 IVA"),
    ("CY", "CY-10259033P", "CY10259033P", "CY10259033P"),
    ("CZ", "CZ 25123891", "CZ25123891", "CZ25123891"),
    ("DE", "DE 136,695 976", "DE136695976", "DE136695976"),
    ("DK", "DK 13585628", "DK13585628", "DK13585628"),
    ("EE", "EE 100 931 558", "EE100931558", "EE100931558"),
    ("GR", "EL 094259216", "EL094259216", "EL094259216"),
    ("ES", "ES B-58378431", "ESB58378431", "ESB58378431"),
    ("FI", "FI 20774740", "FI20774740", "FI20774740"),
    ("FR", "FR 40 303 265 045", "FR40303265045", "FR40303265045"),
    ("GB", "GB 980 7806 84", "GB980780684", "GB 980 7806 84"),
    ("HR", "HR 33392005961", "HR33392005961", "HR33392005961"),
    ("HU", "HU-12892312", "HU12892312", "HU12892312"),
    ("IE", "IE 6433435F", "IE6433435F", "IE6433435F"),
    ("IT", "IT 00743110157", "IT00743110157", "IT00743110157"),
    ("LT", "LT 119511515", "LT119511515", "LT119511515"),
    ("LU", "LU 150 274 42", "LU15027442", "LU15027442"),
    ("LV", "LV 4000 3521 600", "LV40003521600", "LV40003521600"),
    ("MT", "MT 1167-9112", "MT11679112", "MT11679112"),
    ("NL", "nl 0044.95.445.b01", "NL004495445B01", "NL004495445B01"),
    ("NO", "NO 995 525 828 MVA", "NO995525828MVA", "NO 995 525 828 MVA"),
    ("PL", "PL 856-734-62-15", "PL8567346215", "PL 856-734-62-15"),
    ("PT", "PT 501 964 843", "PT501964843", "PT501964843"),
    ("RO", "RO 18547290", "RO18547290", "RO18547290"),
    ("SE", "SE 123456789701", "SE123456789701", "SE123456789701"),
    ("SI", "SI 5022 3054", "SI50223054", "SI50223054"),
    ("SK", "SK 202 274 96 19", "SK2022749619", "SK2022749619"),
    ("GB", "XI 980 7806 84", "XI980780684", "XI 980 7806 84"),
]

# The same numbers with one digit of the number altered, and numbers of the wrong length,
# the wrong shape or no known country: each an INVALID at vatNumber that says which.
INVALID_VAT = [
    *[
        (typed, "Wrong check digit")
        for typed in (
            "ATU13585628",
            "BE 428759498",
            "BG 175 074 753",
            "CHE-107.787.578 IVA",
            "CY-10259034P",
            "CZ 25123892",
            "DE 136,695 977",
            "DK 13585629",
            "EE 100 931 559",
            "EL 094259217",
            "ES B-58378432",
            "FI 20774741",
            "FR 40 303 265 046",
            "GB 980 7806 85",
            "HR 33392005962",
            "HU-12892313",
            "IE 6433436F",
            "IT 00743110158",
            "LT 119511516",
            "LU 150 274 43",
            "LV 4000 3521 601",
            "MT 1167-9113",
            "NL 0044.95.446.B01",
            "NL123456789B01",
            "NO 995 525 829 MVA",
            "PL 856-734-62-16",
            "PT 501 964 844",
            "RO 18547291",
            "SI 5022 3055",
            "SK 202 274 96 10",
        )
    ],
    ("DE13669597", "Wrong length for a VAT number from Germany (DE)"),
    ("FR 40 303 265 04", "Wrong length for a VAT number from France (FR)"),
    ("ATU1358562", "Wrong length for a VAT number from Austria (AT)"),
    ("NL004495445X01", "wrong format"),
    ("US123456789", "Unknown country for a VAT number: US"),
    ("XX123456789", "Unknown country for a VAT number: XX"),
    ("123456789", "starts with its country's code"),
]

# Published IBANs (ECBS and the banks' own examples) and what the bank registry says.
VALID_IBAN = [
    ("NL91 ABNA 0417 1643 00", "NL91ABNA0417164300", "ABNANL2A", "ABN AMRO BANK N.V."),
    ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "COBADEFFXXX", "Commerzbank"),
    (
        "GB29 NWBK 6016 1331 9268 19",
        "GB29NWBK60161331926819",
        "NWBKGB2LXXX",
        "NATIONAL WESTMINSTER BANK PUBLIC LIMITED COMPANY",
    ),
    ("BE71 0961 2345 6769", "BE71096123456769", "GKCCBEBB", "BELFIUS BANK"),
    ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606", "PSSTFRPP", "LA BANQUE POSTALE"),
    ("ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332", "CAIXESBB", "CAIXABANK, S.A."),
    ("NO93 8601 1117 947", "NO9386011117947", "DABANO22", "Danske Bank"),
    ("CH93 0076 2011 6238 5295 7", "CH9300762011623852957", None, None),
    ("AT61 1904 3002 3457 3201", "AT611904300234573201", None, None),
    (
        "IT60 X054 2811 1010 0000 0123 456",
        "IT60X0542811101000000123456",
        "BLOPIT22",
        "Unione Di Banche Italiane SpA",
    ),
]

INVALID_IBAN = [
    ("NL91 ABNA 0417 1643 01", "Wrong check digits"),
    ("DE89 3704 0044 0532 0130 01", "Wrong check digits"),
    ("GB29 NWBK 6016 1331 9268 18", "Wrong check digits"),
    # The IBAN's own check digits fit, the account number's Belgian ones do not.
    ("BE23 0961 2345 6760", "Wrong check digit in the account number (the national check of Belgium (BE))"),
    (
        "NL91 ABNA 0417 1643 0",
        "Wrong length for an IBAN from Netherlands (NL): it has 18 characters, this one has 17",
    ),
    ("DE89 3704 0044 0532 0130 000", "it has 22 characters, this one has 23"),
    ("XX91 ABNA 0417 1643 00", "Unknown country for an IBAN: XX"),
    ("NL91 1234 0417 1643 00", "wrong format"),
    ("1234567", "starts with a country code"),
]


async def _create_org(admin: Any, **fields: Any) -> dict[str, Any]:
    return await mutate(admin, "createOrganisation", ORG, name="Identiteit BV", **fields)


@pytest.mark.parametrize(("country", "typed", "stored", "shown"), VALID_VAT, ids=[v[1] for v in VALID_VAT])
async def test_a_published_vat_number_is_stored_compact_and_shown_as_its_country_writes_it(
    admin, sessionmaker, country: str, typed: str, stored: str, shown: str
) -> None:
    # With a head office in the number's own country: the two agree.
    payload = await _create_org(
        admin, vatNumber=typed, visitAddress={"city": "Hoofdstad", "country": country}
    )
    assert payload["userErrors"] == []
    assert payload["organisation"]["vatNumber"] == shown
    async with sessionmaker() as session:
        assert (await session.execute(text("SELECT vat_number FROM organisations"))).scalar_one() == stored


async def test_every_invalid_vat_number_is_invalid_at_vat_number_with_what_is_wrong(admin) -> None:
    wrong = []
    for typed, message in INVALID_VAT:
        payload = await _create_org(admin, vatNumber=typed)
        found = [(e["field"], e["code"], e["message"]) for e in payload["userErrors"]]
        if (
            payload["organisation"] is not None
            or len(found) != 1
            or found[0][:2] != (["vatNumber"], "INVALID")
        ):
            wrong.append((typed, found))
        elif message not in found[0][2]:
            wrong.append((typed, found[0][2]))
    assert wrong == []
    assert len(INVALID_VAT) >= 30


async def test_the_vat_number_must_be_of_the_head_offices_country(admin) -> None:
    refused = await _create_org(admin, vatNumber="DE136695976", visitAddress={"city": "Utrecht"})
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["vatNumber"], "INVALID")]
    assert refused["userErrors"][0]["message"] == (
        "A VAT number from Germany (DE) does not fit the organisation's country, Netherlands (NL), "
        "where its head office is."
    )
    # Greece writes EL, Monaco is in the French VAT area.
    await ok(
        admin,
        "createOrganisation",
        ORG,
        name="Athene AE",
        vatNumber="EL094259216",
        visitAddress={"country": "GR"},
    )
    await ok(
        admin,
        "createOrganisation",
        ORG,
        name="Monaco SA",
        vatNumber="FR40303265045",
        visitAddress={"country": "MC"},
    )
    # Updating the VAT number alone compares it with the stored head office.
    org = await create_organisation(admin, "Utrechts BV", visitAddress={"city": "Utrecht", "country": "NL"})
    update = await mutate(admin, "updateOrganisation", ORG, id=org, vatNumber="BE 428759497")
    assert [(e["field"], e["code"]) for e in update["userErrors"]] == [(["vatNumber"], "INVALID")]
    assert "Belgium (BE)" in update["userErrors"][0]["message"]
    # Both changed together: the new address counts.
    both = await ok(
        admin, "updateOrganisation", ORG, id=org, vatNumber="BE 428759497", visitAddress={"country": "BE"}
    )
    assert both["organisation"]["vatNumber"] == "BE0428759497"
    # Without a head office there is no country to disagree with.
    await ok(admin, "createOrganisation", ORG, name="Zwerver BV", vatNumber="DE136695976")


@pytest.mark.parametrize(("typed", "compact", "bic", "bank"), VALID_IBAN, ids=[v[1] for v in VALID_IBAN])
async def test_a_valid_iban_shows_its_banks_bic_and_name_where_the_registry_knows_them(
    admin, typed: str, compact: str, bic: str | None, bank: str | None
) -> None:
    org = await create_organisation(admin, "Bankier BV")
    account = (await ok(admin, "addBankAccount", ACCOUNT, partyId=org, iban=typed))["bankAccount"]
    assert (account["iban"], account["ibanCompact"]) == (typed, compact)
    # Unknown to the registry (the Swiss and Austrian examples): no BIC, no name, no error.
    assert (account["bic"], account["bankName"]) == (bic, bank)


async def test_every_invalid_iban_is_invalid_at_iban_with_what_is_wrong(admin) -> None:
    org = await create_organisation(admin, "Bankier BV")
    wrong = []
    for typed, message in INVALID_IBAN:
        payload = await mutate(admin, "addBankAccount", ACCOUNT, partyId=org, iban=typed)
        found = [(e["field"], e["code"], e["message"]) for e in payload["userErrors"]]
        if payload["bankAccount"] is not None or [f[:2] for f in found] != [(["iban"], "INVALID")]:
            wrong.append((typed, found))
        elif message not in found[0][2]:
            wrong.append((typed, found[0][2]))
    assert wrong == []


async def test_a_bic_given_is_kept_and_a_new_iban_brings_its_own(admin) -> None:
    org = await create_organisation(admin, "Bankier BV")
    given = await ok(
        admin, "addBankAccount", ACCOUNT, partyId=org, iban="NL91ABNA0417164300", bic="abna nl 2a"
    )
    assert given["bankAccount"]["bic"] == "ABNANL2A"
    account = (await ok(admin, "addBankAccount", "bankAccount { id }", partyId=org, iban="BE71096123456769"))[
        "bankAccount"
    ]["id"]
    moved = await ok(admin, "updateBankAccount", ACCOUNT, id=account, iban="DE89370400440532013000")
    assert (moved["bankAccount"]["bic"], moved["bankAccount"]["bankName"]) == ("COBADEFFXXX", "Commerzbank")
    for bic, message in (
        ("ABNA", "Wrong length"),
        ("ABNAXX2A", "Unknown country"),
        ("ABNANL2!", "wrong format"),
    ):
        refused = await mutate(admin, "updateBankAccount", ACCOUNT, id=account, bic=bic)
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["bic"], "INVALID")], bic
        assert message in refused["userErrors"][0]["message"], bic


@pytest.mark.parametrize(
    ("typed", "shown", "message"),
    [
        ("111222333", "1112.22.333", None),
        ("1234.56.782", "1234.56.782", None),
        ("123456789", None, "Wrong check digit"),
        ("111222334", None, "Wrong check digit"),
        ("1234567890", None, "Wrong length: a BSN has 9 digits"),
        ("12345678a", None, "wrong format"),
    ],
)
async def test_a_bsn_passes_the_11_check_and_is_shown_as_printed(
    admin, typed: str, shown: str | None, message: str | None
) -> None:
    payload = await mutate(admin, "createPerson", PERSON, lastName="Burger", bsn=typed)
    if message is None:
        assert payload["userErrors"] == [] and payload["person"]["bsn"] == shown
    else:
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["bsn"], "INVALID")]
        assert message in payload["userErrors"][0]["message"]


@pytest.mark.parametrize(
    ("country", "typed", "stored", "message"),
    [
        ("NL", "1234ab", "1234 AB", None),
        ("NL", "NL-2611ET", "2611 ET", None),
        ("NL", "1234 SS", None, "does not exist"),
        ("NL", "0123 AB", None, "wrong format"),
        ("SE", "11455", "114 55", None),
        ("AT", "1010", "1010", None),
        ("AT", "9999", None, "Not a valid postcode in Austria (AT)"),
        ("ES", "28001", "28001", None),
        ("ES", "60001", None, "Spain (ES)"),
        ("GB", "sw1a 1aa", "SW1A 1AA", None),
        ("GB", "!!", None, "Not a valid postcode for United Kingdom (GB)"),
    ],
)
async def test_a_postcode_follows_its_countrys_rules(
    admin, country: str, typed: str, stored: str | None, message: str | None
) -> None:
    payload = await _create_org(admin, visitAddress={"postcode": typed, "country": country})
    if message is None:
        assert payload["userErrors"] == []
        assert payload["organisation"]["visitAddress"] == {"country": country, "postcode": stored}
    else:
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["visitAddress", "postcode"], "INVALID")
        ]
        assert message in payload["userErrors"][0]["message"]


@pytest.mark.parametrize(
    ("typed", "stored", "message"),
    [
        ("Jan.Jansen@Example.COM", "jan.jansen@example.com", None),
        ("info@bücher.de", "info@bücher.de", None),
        ("info@xn--bcher-kva.de", "info@bücher.de", None),
        ("jürgen@bücher.de", "jürgen@bücher.de", None),
        ("a..b@example.com", None, "two periods in a row"),
        ("a@-example.com", None, "hyphen"),
        (f"{'a' * 65}@example.com", None, "too long before the @-sign"),
        ("a@b", None, "It should have a period"),
        ("a@printer.local", None, "special-use or reserved name"),
        ("info@@acme.nl", None, "Not a valid email address"),
    ],
)
async def test_an_email_address_follows_the_standards_and_is_stored_normalised(
    admin, typed: str, stored: str | None, message: str | None
) -> None:
    payload = await mutate(admin, "createPerson", "person { email }", lastName="Post", email=typed)
    if message is None:
        assert payload["userErrors"] == [] and payload["person"]["email"] == stored
    else:
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["email"], "INVALID")]
        assert message in payload["userErrors"][0]["message"]


async def test_the_normal_form_makes_one_address_of_two_spellings(admin) -> None:
    person = (await ok(admin, "createPerson", "person { id }", lastName="Dubbel", email="info@bücher.de"))[
        "person"
    ]["id"]
    again = await mutate(
        admin,
        "addContactMean",
        "contactMean { id }",
        partyId=person,
        kind="EMAIL",
        value="INFO@xn--bcher-kva.de",
    )
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["value"], "CONFLICT")]


async def test_an_import_refuses_a_value_with_the_apis_own_message(
    admin, sessionmaker, tmp_path: Path
) -> None:
    rows = [
        ("NL123456789B01", "NL", "1234 AB", "facturen@acme.nl"),
        ("DE136695976", "NL", "1234 AB", "facturen@acme.nl"),
        ("NL004495445B01", "NL", "1234 SS", "facturen@acme.nl"),
        ("NL004495445B01", "NL", "1234 AB", "facturen@@acme.nl"),
    ]
    path = tmp_path / "orgs.csv"
    path.write_text(
        "name,vat_number,country,postcode,invoice_email\n"
        + "".join(
            f"Import {i},{vat},{country},{postcode},{email}\n"
            for i, (vat, country, postcode, email) in enumerate(rows)
        ),
        encoding="utf-8",
    )
    async with sessionmaker() as session:
        result = await transfer.import_csv(session, "organisations", path)
    assert result.applied is False
    imported = {row.line: row.errors for row in result.rejected}
    columns = {
        "vatNumber": "vat_number",
        "visitAddress.postcode": "postcode",
        "invoiceEmail": "invoice_email",
    }
    for line, (vat, country, postcode, email) in enumerate(rows, start=2):
        payload = await _create_org(
            admin, vatNumber=vat, invoiceEmail=email, visitAddress={"country": country, "postcode": postcode}
        )
        from_api = [(columns[".".join(e["field"])], e["message"]) for e in payload["userErrors"]]
        assert len(from_api) == 1 and imported[line] == from_api, (line, imported[line], from_api)
