"""Bank accounts: IBAN checks, the primary account, possible duplicates, FINANCE only (R4)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import create_organisation, create_person, errors, mutate
from sqlalchemy.exc import IntegrityError

from relgraph.db.models import BankAccount
from relgraph.graphql.core.ids import decode_id

ACCOUNT = "id iban ibanCompact bic holderName primary active version"

# What each mutation selects (helpers.mutate adds the userErrors).
ADD = f"bankAccount {{ {ACCOUNT} }} possibleDuplicates {{ id displayName }}"
UPDATE = f"bankAccount {{ {ACCOUNT} }} possibleDuplicates {{ id }}"
REMOVE = "deletedId"
SET_PRIMARY = f"bankAccount {{ {ACCOUNT} }}"

ACCOUNTS = f"""
query($id: ID!, $all: Boolean!) {{
  node(id: $id) {{
    ... on Party {{ viewerCanSeeFinancials bankAccounts(includeInactive: $all) {{ {ACCOUNT} }} }}
  }}
}}"""

# Valid IBANs (check digits computed by the mod-97 rule).
ABN = "NL91ABNA0417164300"
RABO = "NL44RABO0123456789"
INGB = "NL20INGB0001234567"


async def add(caller: Any, party: str, iban: str, **fields: Any) -> dict[str, Any]:
    return await mutate(caller, "addBankAccount", ADD, partyId=party, iban=iban, **fields)


async def add_ok(caller: Any, party: str, iban: str, **fields: Any) -> dict[str, Any]:
    payload = await add(caller, party, iban, **fields)
    assert payload["userErrors"] == [], payload
    return payload


async def accounts(caller: Any, party: str, include_inactive: bool = False) -> list[dict[str, Any]]:
    return (await caller.gql(ACCOUNTS, {"id": party, "all": include_inactive}))["node"]["bankAccounts"]


async def test_an_iban_is_stored_compact_and_shown_in_groups_of_four(admin) -> None:
    org = await create_organisation(admin, "Acme")
    payload = await add_ok(admin, org, "nl91 abna 0417 1643 00", bic="abnanl2a", holderName="Acme B.V.")
    account = payload["bankAccount"]
    assert account == {
        "id": account["id"],
        "iban": "NL91 ABNA 0417 1643 00",
        "ibanCompact": ABN,
        "bic": "ABNANL2A",
        "holderName": "Acme B.V.",
        "primary": True,  # the party's first account
        "active": True,
        "version": 1,
    }
    assert payload["possibleDuplicates"] == []
    assert await accounts(admin, org) == [account]
    foreign = await add_ok(admin, org, "GB82 WEST 1234 5698 7654 32")
    assert foreign["bankAccount"]["iban"] == "GB82 WEST 1234 5698 7654 32"
    assert foreign["bankAccount"]["primary"] is False


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("NL91ABNA0417164301", "check digits"),
        ("NL91ABNA041716430", "18 characters"),
        ("XX91ABNA0417164300", "Unknown country"),
        ("1234567", "starts with a country code"),
        ("", "required"),
    ],
)
async def test_an_invalid_iban_is_invalid_at_iban(admin, iban: str, message: str) -> None:
    org = await create_organisation(admin, "Acme")
    payload = await add(admin, org, iban)
    assert errors(payload) == [(["iban"], "INVALID")]
    assert message in payload["userErrors"][0]["message"]
    assert payload["bankAccount"] is None
    assert await accounts(admin, org, True) == []


async def test_a_bad_bic_is_invalid_and_nothing_is_added(admin) -> None:
    org = await create_organisation(admin, "Acme")
    payload = await add(admin, org, ABN, bic="ABN")
    assert errors(payload) == [(["bic"], "INVALID")]
    assert await accounts(admin, org, True) == []


async def test_the_same_iban_on_another_party_is_allowed_and_reported(admin, make_caller) -> None:
    holding = await create_organisation(admin, "Holding BV")
    subsidiary = await create_organisation(admin, "Dochter BV")
    private = await create_person(admin, "Jansen")
    await add_ok(admin, holding, ABN)
    await add_ok(admin, private, ABN)
    payload = await add_ok(admin, subsidiary, "NL91 ABNA 0417 1643 00")
    assert {d["id"] for d in payload["possibleDuplicates"]} == {holding, private}
    # The person has no membership: a BUSINESS user with FINANCE does not see them (R1).
    business = await make_caller("BUSINESS", ("FINANCE",))
    other = await create_organisation(admin, "Neef BV")
    seen = await add_ok(business, other, ABN)
    assert {d["id"] for d in seen["possibleDuplicates"]} == {holding, subsidiary}
    # The same IBAN twice on one party is a mistake.
    assert errors(await add(admin, holding, ABN)) == [(["iban"], "CONFLICT")]


async def test_reading_bank_accounts_needs_finance(admin, make_caller) -> None:
    org = await create_organisation(admin, "Acme")
    account = (await add_ok(admin, org, ABN))["bankAccount"]
    for role in ("ADMIN", "TEAM", "BUSINESS", "READONLY"):
        caller = await make_caller(role)
        response = await caller.post(ACCOUNTS, {"id": org, "all": True})
        body = response.json()
        assert body["data"]["node"] == {"viewerCanSeeFinancials": False, "bankAccounts": None}, role
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["node", "bankAccounts"], "FORBIDDEN")
        ]
        assert ABN not in response.text
        hidden = await caller.gql("query($id: ID!) { node(id: $id) { id } }", {"id": account["id"]})
        assert hidden["node"] is None, role
        finance = await make_caller(role, ("FINANCE",))
        assert [a["ibanCompact"] for a in await accounts(finance, org)] == [ABN], role
    node = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on BankAccount { ibanCompact party { id } } } }",
        {"id": account["id"]},
    )
    assert node["node"] == {"ibanCompact": ABN, "party": {"id": org}}


async def test_writing_bank_accounts_needs_finance(admin, make_caller) -> None:
    org = await create_organisation(admin, "Acme")
    account = (await add_ok(admin, org, ABN))["bankAccount"]
    for role in ("ADMIN", "TEAM", "BUSINESS"):
        caller = await make_caller(role)
        assert errors(await add(caller, org, RABO)) == [([], "FORBIDDEN")], role
        refused = await mutate(caller, "updateBankAccount", UPDATE, id=account["id"], holderName="x")
        assert errors(refused) == [([], "FORBIDDEN")]
        assert errors(await mutate(caller, "removeBankAccount", REMOVE, id=account["id"])) == [
            ([], "FORBIDDEN")
        ]
    readonly = await make_caller("READONLY", ("FINANCE",))
    assert errors(await add(readonly, org, RABO)) == [([], "FORBIDDEN")]
    assert [a["version"] for a in await accounts(admin, org, True)] == [1]


async def test_set_primary_switches_and_the_database_allows_one_primary(admin, session) -> None:
    org = await create_organisation(admin, "Acme")
    first = (await add_ok(admin, org, ABN))["bankAccount"]
    second = (await add_ok(admin, org, RABO))["bankAccount"]
    payload = await mutate(admin, "setPrimaryBankAccount", SET_PRIMARY, id=second["id"], expectedVersion=1)
    assert payload["userErrors"] == []
    assert [(a["ibanCompact"], a["primary"]) for a in await accounts(admin, org)] == [
        (RABO, True),
        (ABN, False),
    ]
    third = (await add_ok(admin, org, INGB, primary=True))["bankAccount"]
    assert [a["id"] for a in await accounts(admin, org) if a["primary"]] == [third["id"]]
    assert first["id"] != third["id"]

    party_id = decode_id(org)[1]  # type: ignore[index]
    session.add(BankAccount(party_id=party_id, iban="NL39RABO0300065264", is_primary=True))
    with pytest.raises(IntegrityError):
        await session.flush()
    await session.rollback()


async def test_update_deactivate_and_remove(admin) -> None:
    org = await create_organisation(admin, "Acme")
    account = (await add_ok(admin, org, ABN, holderName="Acme"))["bankAccount"]
    assert errors(
        await mutate(admin, "updateBankAccount", UPDATE, id=account["id"], iban="NL00ABNA0000000000")
    ) == [(["iban"], "INVALID")]
    changed = await mutate(
        admin, "updateBankAccount", UPDATE, id=account["id"], iban=RABO, bic="RABONL2U", expectedVersion=1
    )
    assert changed["userErrors"] == []
    assert (changed["bankAccount"]["ibanCompact"], changed["bankAccount"]["version"]) == (RABO, 2)
    stale = await mutate(
        admin, "updateBankAccount", UPDATE, id=account["id"], holderName="x", expectedVersion=1
    )
    assert errors(stale) == [(["expectedVersion"], "CONFLICT")]

    closed = await mutate(admin, "updateBankAccount", UPDATE, id=account["id"], active=False)
    assert (closed["bankAccount"]["active"], closed["bankAccount"]["primary"]) == (False, False)
    assert await accounts(admin, org) == []
    assert [a["active"] for a in await accounts(admin, org, True)] == [False]
    assert errors(await mutate(admin, "setPrimaryBankAccount", SET_PRIMARY, id=account["id"])) == [
        (["id"], "INVALID")
    ]
    removed = await mutate(admin, "removeBankAccount", REMOVE, id=account["id"])
    assert removed == {"deletedId": account["id"], "userErrors": []}
    assert await accounts(admin, org, True) == []


async def test_bank_accounts_of_a_hidden_person_are_not_found(admin, make_caller) -> None:
    hidden = await create_person(admin, "Verborgen")
    account = (await add_ok(admin, hidden, ABN))["bankAccount"]
    business = await make_caller("BUSINESS", ("FINANCE",))
    assert errors(await add(business, hidden, RABO)) == [(["partyId"], "NOT_FOUND")]
    refused = await mutate(business, "updateBankAccount", UPDATE, id=account["id"], holderName="x")
    assert errors(refused) == [(["id"], "NOT_FOUND")]
    assert (await business.gql("query($id: ID!) { node(id: $id) { id } }", {"id": account["id"]}))[
        "node"
    ] is None
