"""Party types (koppelingen) and type-specific data: sales, purchase and employee data."""

from __future__ import annotations

from typing import Any

from helpers import create_organisation, create_person, mutate

TYPE_FIELDS = "id code name partyKind description builtIn active"
SALES_FIELDS = "vatLiable creditLimit { amount currency } currency paymentTermDays discountPercent orderStop"

# What each mutation selects (helpers.mutate adds the userErrors).
CREATE_TYPE = f"partyType {{ {TYPE_FIELDS} }}"
SET_TYPES = "types { code }"
SET_SALES = f"salesRelation {{ {SALES_FIELDS} }}"
SET_PURCHASE = "purchaseRelation { paymentTermDays ourAccountNumber }"
SET_EMPLOYEE = "employee { employeeNumber salary { amount currency } }"

PARTY_TYPES = f"query($all: Boolean!) {{ partyTypes(includeInactive: $all) {{ {TYPE_FIELDS} }} }}"
PARTY_TYPE_CODES = "query($id: ID!) { node(id: $id) { ... on Party { types { code name partyKind } } } }"
SALES = (
    f"query($id: ID!) {{ organisation(id: $id) {{ types {{ code }} salesRelation {{ {SALES_FIELDS} }} }} }}"
)
FINANCIALS = """
query($org: ID!, $person: ID!) {
  organisation(id: $org) {
    viewerCanSeeFinancials
    types { code }
    salesRelation { creditLimit { amount } }
    purchaseRelation { paymentTermDays }
  }
  person(id: $person) {
    viewerCanSeeFinancials
    types { code }
    employee { employeeNumber salary { amount currency } }
  }
}"""

BUILT_INS = {
    "CUSTOMER": "ORGANISATION",
    "SUPPLIER": "ORGANISATION",
    "MANUFACTURER": "ORGANISATION",
    "EMPLOYEE": "PERSON",
    "TAX_CLIENT": "PERSON",
}


# --- helpers -----------------------------------------------------------------------------


async def set_types(caller: Any, party: str, types: list[str]) -> dict[str, Any]:
    return await mutate(caller, "setPartyTypes", SET_TYPES, partyId=party, types=types)


async def codes_of(caller: Any, party: str) -> list[str]:
    data = await caller.gql(PARTY_TYPE_CODES, {"id": party})
    return sorted(t["code"] for t in data["node"]["types"])


async def list_types(caller: Any, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    return (await caller.gql(PARTY_TYPES, {"all": include_inactive}))["partyTypes"]


def fields_of(payload: dict[str, Any]) -> dict[tuple[str, ...], set[str]]:
    found: dict[tuple[str, ...], set[str]] = {}
    for error in payload["userErrors"]:
        found.setdefault(tuple(error["field"]), set()).add(error["code"])
    return found


# --- the types -----------------------------------------------------------------------------


async def test_party_types_lists_the_built_ins_with_their_kinds(make_caller) -> None:
    readonly = await make_caller("READONLY")
    listed = await list_types(readonly)
    assert {t["code"]: t["partyKind"] for t in listed} == BUILT_INS
    assert all(t["builtIn"] and t["active"] and t["name"] for t in listed)


async def test_admin_creates_party_types_with_unique_codes(admin, make_caller) -> None:
    payload = await mutate(
        admin,
        "createPartyType",
        CREATE_TYPE,
        code="PARTNER",
        name="Partner",
        partyKind="ORGANISATION",
        description="A partner company.",
    )
    assert payload["userErrors"] == []
    created = payload["partyType"]
    assert (created["code"], created["name"], created["partyKind"]) == ("PARTNER", "Partner", "ORGANISATION")
    assert (created["builtIn"], created["active"], created["description"]) == (
        False,
        True,
        "A partner company.",
    )
    assert "PARTNER" in {t["code"] for t in await list_types(admin)}

    for code in ("PARTNER", "CUSTOMER"):
        duplicate = await mutate(
            admin, "createPartyType", CREATE_TYPE, code=code, name="Again", partyKind="ORGANISATION"
        )
        assert fields_of(duplicate) == {("code",): {"CONFLICT"}}, code
        assert duplicate["partyType"] is None

    for role in ("TEAM", "BUSINESS", "READONLY"):
        caller = await make_caller(role, ("FINANCE",))
        refused = await mutate(
            caller, "createPartyType", CREATE_TYPE, code=f"BY_{role}", name="x", partyKind="PERSON"
        )
        assert fields_of(refused) == {(): {"FORBIDDEN"}}, role
    codes = [t["code"] for t in await list_types(admin, include_inactive=True)]
    assert sorted(codes) == sorted([*BUILT_INS, "PARTNER"])

    # The new type can be given to an organisation.
    org = await create_organisation(admin, "Alfa BV")
    assert (await set_types(admin, org, ["PARTNER", "CUSTOMER"]))["userErrors"] == []
    assert await codes_of(admin, org) == ["CUSTOMER", "PARTNER"]


async def test_set_party_types_makes_them_exactly_so(admin, make_caller) -> None:
    org = await create_organisation(admin, "Alfa BV")
    business = await make_caller("BUSINESS")
    payload = await set_types(business, org, ["CUSTOMER", "SUPPLIER"])
    assert payload["userErrors"] == []
    assert sorted(t["code"] for t in payload["types"]) == ["CUSTOMER", "SUPPLIER"]
    data = await admin.gql(PARTY_TYPE_CODES, {"id": org})
    assert data["node"]["types"] == [
        {"code": "CUSTOMER", "name": "Customer", "partyKind": "ORGANISATION"},
        {"code": "SUPPLIER", "name": "Supplier", "partyKind": "ORGANISATION"},
    ]
    assert (await set_types(admin, org, ["MANUFACTURER", "SUPPLIER"]))["userErrors"] == []
    assert await codes_of(admin, org) == ["MANUFACTURER", "SUPPLIER"]
    assert (await set_types(admin, org, []))["userErrors"] == []
    assert await codes_of(admin, org) == []

    person = await create_person(admin, "Jansen")
    assert (await set_types(admin, person, ["TAX_CLIENT"]))["userErrors"] == []
    assert await codes_of(admin, person) == ["TAX_CLIENT"]


async def test_wrong_kind_or_unknown_type_is_invalid(admin) -> None:
    org = await create_organisation(admin, "Alfa BV")
    assert (await set_types(admin, org, ["CUSTOMER"]))["userErrors"] == []
    for types in (["CUSTOMER", "EMPLOYEE"], ["CUSTOMER", "NO_SUCH_TYPE"]):
        payload = await set_types(admin, org, types)
        assert fields_of(payload) == {("types",): {"INVALID"}}, types
        assert payload["types"] is None
    person = await create_person(admin, "Jansen")
    assert fields_of(await set_types(admin, person, ["SUPPLIER"])) == {("types",): {"INVALID"}}
    assert await codes_of(admin, org) == ["CUSTOMER"]
    assert await codes_of(admin, person) == []


async def test_readonly_may_not_set_party_types(admin, make_caller) -> None:
    org = await create_organisation(admin, "Alfa BV")
    readonly = await make_caller("READONLY", ("FINANCE",))
    payload = await set_types(readonly, org, ["CUSTOMER"])
    assert fields_of(payload) == {(): {"FORBIDDEN"}}
    assert await codes_of(admin, org) == []


async def test_business_may_not_type_a_hidden_person(admin, make_caller) -> None:
    hidden = await create_person(admin, "Verborgen")  # no membership: hidden from BUSINESS (R1)
    business = await make_caller("BUSINESS", ("FINANCE",))
    assert fields_of(await set_types(business, hidden, ["TAX_CLIENT"])) == {("partyId",): {"NOT_FOUND"}}
    assert await codes_of(admin, hidden) == []


# --- type-specific data ---------------------------------------------------------------------


async def test_sales_relation_round_trips_decimal_strings_and_adds_customer(admin) -> None:
    org = await create_organisation(admin, "Alfa BV")
    payload = await mutate(
        admin,
        "setSalesRelation",
        SET_SALES,
        partyId=org,
        creditLimit="25000.00",
        paymentTermDays=30,
        discountPercent="2.50",
        currency="EUR",
    )
    assert payload["userErrors"] == []
    expected = {
        "vatLiable": True,
        "creditLimit": {"amount": "25000.00", "currency": "EUR"},
        "currency": "EUR",
        "paymentTermDays": 30,
        "discountPercent": "2.50",
        "orderStop": False,
    }
    assert payload["salesRelation"] == expected
    data = await admin.gql(SALES, {"id": org})
    assert data["organisation"]["salesRelation"] == expected
    assert data["organisation"]["types"] == [{"code": "CUSTOMER"}]

    # Fields left out keep their value; null clears; other currencies and large amounts stay exact.
    payload = await mutate(
        admin,
        "setSalesRelation",
        SET_SALES,
        partyId=org,
        creditLimit="999999999999.99",
        currency="usd",
        discountPercent=None,
        orderStop=True,
    )
    assert payload["userErrors"] == []
    data = await admin.gql(SALES, {"id": org})
    assert data["organisation"]["salesRelation"] == {
        **expected,
        "creditLimit": {"amount": "999999999999.99", "currency": "USD"},
        "currency": "USD",
        "discountPercent": None,
        "orderStop": True,
    }
    assert data["organisation"]["types"] == [{"code": "CUSTOMER"}]


async def test_purchase_relation_adds_supplier(admin) -> None:
    org = await create_organisation(admin, "Alfa BV")
    assert (await set_types(admin, org, ["MANUFACTURER"]))["userErrors"] == []
    payload = await mutate(
        admin, "setPurchaseRelation", SET_PURCHASE, partyId=org, paymentTermDays=14, ourAccountNumber="K-1234"
    )
    assert payload == {
        "purchaseRelation": {"paymentTermDays": 14, "ourAccountNumber": "K-1234"},
        "userErrors": [],
    }
    assert await codes_of(admin, org) == ["MANUFACTURER", "SUPPLIER"]


async def test_employee_data_on_a_person_adds_employee_with_money_salary(admin) -> None:
    person = await create_person(admin, "Jansen")
    payload = await mutate(
        admin, "setEmployeeData", SET_EMPLOYEE, personId=person, employeeNumber="E-007", salary="3150.5"
    )
    assert payload == {
        "employee": {"employeeNumber": "E-007", "salary": {"amount": "3150.50", "currency": "EUR"}},
        "userErrors": [],
    }
    assert await codes_of(admin, person) == ["EMPLOYEE"]
    data = await admin.gql(FINANCIALS, {"org": await create_organisation(admin, "Alfa BV"), "person": person})
    assert data["person"]["employee"] == payload["employee"]


async def test_employee_data_on_an_organisation_is_invalid(admin) -> None:
    org = await create_organisation(admin, "Alfa BV")
    payload = await mutate(admin, "setEmployeeData", SET_EMPLOYEE, personId=org, employeeNumber="E-1")
    assert payload["employee"] is None
    assert {code for codes in fields_of(payload).values() for code in codes} == {"INVALID"}
    assert await codes_of(admin, org) == []


async def test_set_employee_data_errors_point_at_person_id(admin, make_caller) -> None:
    """SetEmployeeDataInput has no partyId: errors about the party belong at personId."""
    org = await create_organisation(admin, "Alfa BV")
    wrong_kind = await mutate(admin, "setEmployeeData", SET_EMPLOYEE, personId=org, employeeNumber="E-1")
    assert fields_of(wrong_kind) == {("personId",): {"INVALID"}}
    hidden = await create_person(admin, "Verborgen")  # no membership: hidden from BUSINESS (R1)
    business = await make_caller("BUSINESS", ("FINANCE",))
    not_visible = await mutate(
        business, "setEmployeeData", SET_EMPLOYEE, personId=hidden, employeeNumber="E-1"
    )
    assert fields_of(not_visible) == {("personId",): {"NOT_FOUND"}}
    assert await codes_of(admin, hidden) == []


async def test_sales_data_on_a_person_is_invalid(admin) -> None:
    person = await create_person(admin, "Jansen")
    payload = await mutate(admin, "setSalesRelation", SET_SALES, partyId=person, paymentTermDays=30)
    assert fields_of(payload) == {("partyId",): {"INVALID"}}
    assert await codes_of(admin, person) == []


async def test_a_type_with_data_cannot_be_removed(admin) -> None:
    org = await create_organisation(admin, "Alfa BV")
    assert (await set_types(admin, org, ["MANUFACTURER"]))["userErrors"] == []
    assert (await mutate(admin, "setSalesRelation", SET_SALES, partyId=org, paymentTermDays=30))[
        "userErrors"
    ] == []
    assert await codes_of(admin, org) == ["CUSTOMER", "MANUFACTURER"]
    for types in (["MANUFACTURER"], []):
        payload = await set_types(admin, org, types)
        assert fields_of(payload) == {("types",): {"CONFLICT"}}, types
    assert await codes_of(admin, org) == ["CUSTOMER", "MANUFACTURER"]
    # Removing a type without data while keeping CUSTOMER is fine.
    assert (await set_types(admin, org, ["CUSTOMER", "SUPPLIER"]))["userErrors"] == []
    assert await codes_of(admin, org) == ["CUSTOMER", "SUPPLIER"]
    data = await admin.gql(SALES, {"id": org})
    assert data["organisation"]["salesRelation"]["paymentTermDays"] == 30


async def test_bad_sales_values_are_invalid_at_their_fields(admin) -> None:
    org = await create_organisation(admin, "Alfa BV")
    cases = [
        ({"paymentTermDays": 400}, "paymentTermDays"),
        ({"paymentTermDays": -1}, "paymentTermDays"),
        ({"discountPercent": "101"}, "discountPercent"),
        ({"discountPercent": "2.505"}, "discountPercent"),
        ({"creditLimit": "-5"}, "creditLimit"),
        ({"creditLimit": "10.001"}, "creditLimit"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "E1"}, "currency"),
    ]
    for values, field in cases:
        payload = await mutate(admin, "setSalesRelation", SET_SALES, partyId=org, **values)
        assert fields_of(payload) == {(field,): {"INVALID"}}, values
        assert payload["salesRelation"] is None
    everything = await mutate(
        admin,
        "setSalesRelation",
        SET_SALES,
        partyId=org,
        paymentTermDays=400,
        discountPercent="101",
        creditLimit="-5",
        currency="EURO",
    )
    assert fields_of(everything) == {
        ("paymentTermDays",): {"INVALID"},
        ("discountPercent",): {"INVALID"},
        ("creditLimit",): {"INVALID"},
        ("currency",): {"INVALID"},
    }
    data = await admin.gql(SALES, {"id": org})
    assert data["organisation"] == {"types": [], "salesRelation": None}


async def test_bad_purchase_and_employee_values_are_invalid_at_their_fields(admin) -> None:
    org = await create_organisation(admin, "Alfa BV")
    person = await create_person(admin, "Jansen")
    payload = await mutate(admin, "setPurchaseRelation", SET_PURCHASE, partyId=org, paymentTermDays=366)
    assert fields_of(payload) == {("paymentTermDays",): {"INVALID"}}
    for values, field in (
        ({"salary": "-1"}, "salary"),
        ({"salary": "1.234"}, "salary"),
        ({"currency": "EURO"}, "currency"),
    ):
        payload = await mutate(admin, "setEmployeeData", SET_EMPLOYEE, personId=person, **values)
        assert fields_of(payload) == {(field,): {"INVALID"}}, values
    assert await codes_of(admin, org) == []
    assert await codes_of(admin, person) == []


# --- R4: financial values need FINANCE --------------------------------------------------------


async def test_financial_data_without_finance_is_null_with_forbidden_errors(admin, make_caller) -> None:
    org = await create_organisation(admin, "Alfa BV")
    person = await create_person(admin, "Jansen")
    assert (await mutate(admin, "setSalesRelation", SET_SALES, partyId=org, creditLimit="25000.00"))[
        "userErrors"
    ] == []
    assert (await mutate(admin, "setPurchaseRelation", SET_PURCHASE, partyId=org, paymentTermDays=14))[
        "userErrors"
    ] == []
    assert (
        await mutate(
            admin, "setEmployeeData", SET_EMPLOYEE, personId=person, employeeNumber="E-1", salary="4000"
        )
    )["userErrors"] == []

    team = await make_caller("TEAM", ("SENSITIVE",))
    response = await team.post(FINANCIALS, {"org": org, "person": person})
    assert response.status_code == 200
    body = response.json()
    organisation, employee = body["data"]["organisation"], body["data"]["person"]
    assert organisation["viewerCanSeeFinancials"] is False
    assert employee["viewerCanSeeFinancials"] is False
    assert organisation["salesRelation"] is None
    assert organisation["purchaseRelation"] is None
    assert sorted(t["code"] for t in organisation["types"]) == ["CUSTOMER", "SUPPLIER"]
    assert employee["employee"] == {"employeeNumber": "E-1", "salary": None}
    assert employee["types"] == [{"code": "EMPLOYEE"}]
    errors = {tuple(e["path"]): e["extensions"]["code"] for e in body["errors"]}
    assert errors == {
        ("organisation", "salesRelation"): "FORBIDDEN",
        ("organisation", "purchaseRelation"): "FORBIDDEN",
        ("person", "employee", "salary"): "FORBIDDEN",
    }
    assert "25000" not in response.text and "4000" not in response.text

    finance = await make_caller("TEAM", ("FINANCE",))
    data = await finance.gql(FINANCIALS, {"org": org, "person": person})
    assert data["organisation"]["viewerCanSeeFinancials"] is True
    assert data["organisation"]["salesRelation"] == {"creditLimit": {"amount": "25000.00"}}
    assert data["organisation"]["purchaseRelation"] == {"paymentTermDays": 14}
    assert data["person"]["employee"]["salary"] == {"amount": "4000.00", "currency": "EUR"}


async def test_writing_financial_data_needs_finance(admin, make_caller) -> None:
    org = await create_organisation(admin, "Alfa BV")
    person = await create_person(admin, "Jansen")
    team = await make_caller("TEAM")
    sales = await mutate(team, "setSalesRelation", SET_SALES, partyId=org, creditLimit="1.00")
    assert fields_of(sales) == {(): {"FORBIDDEN"}}
    assert sales["salesRelation"] is None
    purchase = await mutate(team, "setPurchaseRelation", SET_PURCHASE, partyId=org, paymentTermDays=14)
    assert fields_of(purchase) == {(): {"FORBIDDEN"}}
    # Employee data is financial in its salary only (R4 as policy classifies it): the
    # personnel number, which every viewer reads, every writer may write.
    employee = await mutate(
        team, "setEmployeeData", SET_EMPLOYEE, personId=person, employeeNumber="E-1", salary="1.00"
    )
    assert fields_of(employee) == {("salary",): {"FORBIDDEN"}}
    data = await admin.gql(FINANCIALS, {"org": org, "person": person})
    assert data["organisation"]["types"] == [] and data["organisation"]["salesRelation"] is None
    assert data["organisation"]["purchaseRelation"] is None
    assert data["person"]["types"] == [] and data["person"]["employee"] is None
    without_salary = SET_EMPLOYEE.replace(" salary { amount currency }", "")
    plain = await mutate(team, "setEmployeeData", without_salary, personId=person, employeeNumber="E-1")
    assert plain["userErrors"] == [] and plain["employee"] == {"employeeNumber": "E-1"}
