"""R4 of the authorization matrix: financial fields need FINANCE and sensitive ones SENSITIVE,
whatever the role.

The matrix's scenario and plumbing: tests/support/authorization.py.
"""

from __future__ import annotations

from typing import Any

from authorization import (
    ACCOUNT_NUMBER,
    COMMISSION,
    CREDIT_LIMIT,
    INVOICE_CITY,
    INVOICE_EMAIL,
    MEMBER_BSN,
    MEMBER_BSN_SHOWN,
    ROLES,
    SALARY,
    build_scenario,
    report,
)

FIELDS_QUERY = """
query($org: ID!, $person: ID!) {
  organisation(id: $org) {
    viewerCanSeeFinancials
    viewerCanSeeSensitive
    salesRelation { creditLimit { amount } }
    purchaseRelation { ourAccountNumber }
    internalRelations(first: 100) { nodes { id commissionPercent } }
    vatNumber
    invoiceEmail
    invoiceAddress { city }
    addresses { city }
  }
  person(id: $person) {
    viewerCanSeeFinancials
    viewerCanSeeSensitive
    bsn
    employee { employeeNumber salary { amount } }
  }
}"""
PERMISSION_SETS = ((), ("FINANCE",), ("SENSITIVE",), ("FINANCE", "SENSITIVE"))


async def test_r4_financial_and_sensitive_fields_need_their_permission(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    # (role, permissions) -> (sees financials, sees the BSN): the role does not matter.
    EXPECTED = {
        (role, perms): ("FINANCE" in perms, "SENSITIVE" in perms)
        for role in ROLES
        for perms in PERMISSION_SETS
    }
    problems: list[str] = []
    for (role, perms), (finance, sensitive) in EXPECTED.items():
        who = f"{role}+{'+'.join(perms) or 'nothing'}"
        caller = await make_caller(role, perms)
        response = await caller.post(FIELDS_QUERY, {"org": s.alfa, "person": s.member})
        assert response.status_code == 200, (who, response.text)
        body = response.json()
        org, person = body["data"]["organisation"], body["data"]["person"]
        errors = {tuple(e["path"]): e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        nodes = org["internalRelations"]["nodes"]
        want_errors: dict[tuple[Any, ...], str] = {}
        if not finance:
            want_errors |= {
                ("organisation", "salesRelation"): "FORBIDDEN",
                ("organisation", "purchaseRelation"): "FORBIDDEN",
                ("organisation", "vatNumber"): "FORBIDDEN",
                ("organisation", "invoiceEmail"): "FORBIDDEN",
                ("organisation", "invoiceAddress"): "FORBIDDEN",
                ("person", "employee", "salary"): "FORBIDDEN",
            }
            want_errors |= {
                ("organisation", "internalRelations", "nodes", i, "commissionPercent"): "FORBIDDEN"
                for i in range(len(nodes))
            }
        if not sensitive:
            want_errors[("person", "bsn")] = "FORBIDDEN"
        if errors != want_errors:
            problems.append(f"{who}: errors at {errors}, expected {want_errors}")
        flags = (
            org["viewerCanSeeFinancials"],
            person["viewerCanSeeFinancials"],
            org["viewerCanSeeSensitive"],
            person["viewerCanSeeSensitive"],
        )
        if flags != (finance, finance, sensitive, sensitive):
            problems.append(f"{who}: viewerCanSeeFinancials/Sensitive (org, person) = {flags}")
        commissions = {n["id"]: n["commissionPercent"] for n in nodes}
        want_sales = {"creditLimit": {"amount": CREDIT_LIMIT}} if finance else None
        want_purchase = {"ourAccountNumber": ACCOUNT_NUMBER} if finance else None
        want_salary = {"amount": SALARY} if finance else None
        if org["salesRelation"] != want_sales or org["purchaseRelation"] != want_purchase:
            problems.append(
                f"{who}: salesRelation/purchaseRelation = {org['salesRelation']} {org['purchaseRelation']}"
            )
        if commissions.get(s.ir_commission) != (COMMISSION if finance else None):
            problems.append(f"{who}: commissionPercent = {commissions}")
        if person["employee"] != {"employeeNumber": "E-1", "salary": want_salary}:
            problems.append(f"{who}: employee = {person['employee']}")
        if person["bsn"] != (MEMBER_BSN_SHOWN if sensitive else None):
            problems.append(f"{who}: bsn = {person['bsn']}")
        invoice = (org["invoiceEmail"], org["invoiceAddress"], org["addresses"])
        want_invoice = (
            (INVOICE_EMAIL, {"city": INVOICE_CITY}, [{"city": INVOICE_CITY}]) if finance else (None, None, [])
        )
        if invoice != want_invoice:
            problems.append(f"{who}: invoiceEmail/invoiceAddress/addresses = {invoice}")
        for secret, allowed in (
            (CREDIT_LIMIT, finance),
            (ACCOUNT_NUMBER, finance),
            (SALARY, finance),
            (COMMISSION, finance),
            (INVOICE_EMAIL, finance),
            (INVOICE_CITY, finance),
            (MEMBER_BSN, sensitive),
            (MEMBER_BSN_SHOWN, sensitive),
        ):
            if not allowed and secret in response.text:
                problems.append(f"{who}: {secret} appears in the response")
    report(problems)
