"""R5 of the authorization matrix: which role may make which change, and a refused change
changes nothing.

The matrix's scenario and plumbing: tests/support/authorization.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from authorization import PERSONS, ROLES, Scenario, build_scenario, outcome, report
from helpers import mutate, ok

from relgraph.graphql.core.ids import encode_id

WRITE_ROLES = {  # kind of change -> roles that may make it
    "organisation": {"ADMIN", "TEAM", "BUSINESS"},
    "person": {"ADMIN", "TEAM", "BUSINESS"},
    "membership": {"ADMIN", "TEAM", "BUSINESS"},
    "relation": {"ADMIN", "TEAM", "BUSINESS"},
    "internal relation": {"ADMIN", "TEAM"},
    "domain data": {"ADMIN"},
    "note": {"ADMIN", "TEAM", "BUSINESS"},
    "activity": {"ADMIN", "TEAM", "BUSINESS"},
    "person deletion": {"ADMIN"},
    "user": {"ADMIN"},
}


@dataclass
class WriteCase:
    """One mutation: `prepare` (as ADMIN) makes what it needs, `run` tries it, `changed` reads back."""

    name: str
    kind: str
    run: Callable[[Any, dict[str, Any]], Awaitable[dict[str, Any]]]
    changed: Callable[[Any, dict[str, Any]], Awaitable[bool]]
    prepare: Callable[[Scenario, str], Awaitable[dict[str, Any]]] | None = None


async def _org_search_count(admin: Any, text: str) -> int:
    query = "query($s: String!) { organisations(filter: {search: $s, includeArchived: true}) { totalCount } }"
    return (await admin.gql(query, {"s": text}))["organisations"]["totalCount"]


async def _person_search_count(admin: Any, text: str) -> int:
    return (await admin.gql(PERSONS, {"search": text}))["persons"]["totalCount"]


async def _read(admin: Any, query: str, **variables: Any) -> Any:
    return await admin.gql(query, variables)


def _base(s: Scenario, role: str) -> dict[str, Any]:
    return {"s": s, "role": role, "tag": role.title()}


async def _fresh_org(s: Scenario, role: str) -> dict[str, Any]:
    return {**_base(s, role), "org": await s.new_org(f"W5 {role.title()} Org")}


async def _fresh_membership(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Werkgever")
    return {**_base(s, role), "org": org, "membership": await s.new_membership(s.member, org)}


async def _fresh_business_person(s: Scenario, role: str) -> dict[str, Any]:
    """A person with a membership: every role sees it (R1)."""
    person = await s.new_person(f"W5 {role.title()} Persoon")
    await s.new_membership(person, s.beta)
    return {**_base(s, role), "person": person}


async def _fresh_archived_org(s: Scenario, role: str) -> dict[str, Any]:
    context = await _fresh_org(s, role)
    await ok(s.admin, "archiveOrganisation", "organisation { id }", id=context["org"])
    return context


async def _fresh_inactive_membership(s: Scenario, role: str) -> dict[str, Any]:
    context = await _fresh_membership(s, role)
    await ok(s.admin, "deactivateMembership", "membership { id }", id=context["membership"])
    return context


async def _fresh_relation(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Relatie")
    return {**_base(s, role), "org": org, "relation": await s.new_relation(org, s.member, note="original")}


async def _fresh_internal_relation(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Dossier")
    return {**_base(s, role), "org": org, "ir": await s.link(s.staff_id, org, s.tax_category)}


async def _fresh_type(s: Scenario, role: str) -> dict[str, Any]:
    payload = await ok(
        s.admin,
        "createRelationType",
        "relationType { id }",
        name=f"w5 {role.lower()} type {uuid.uuid4().hex[:6]}",
        inverseName=f"w5 {role.lower()} inverse",
        sourceKinds=["ORGANISATION"],
        targetKinds=["ORGANISATION"],
    )
    return {**_base(s, role), "type": payload["relationType"]["id"]}


async def _fresh_category(s: Scenario, role: str) -> dict[str, Any]:
    payload = await ok(
        s.admin, "createInternalRelationCategory", "category { id }", name=f"W5 {role.title()} Category"
    )
    return {**_base(s, role), "category": payload["category"]["id"]}


async def _fresh_addresses(s: Scenario, role: str) -> dict[str, Any]:
    """An organisation with two visit addresses; the first is its head office."""
    context = await _fresh_org(s, role)
    for key in ("head", "other"):
        payload = await ok(
            s.admin, "addAddress", "address { id }", partyId=context["org"], kind="VISIT", city=key
        )
        context[key] = payload["address"]["id"]
    return context


async def _fresh_note(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Notities")
    note = await ok(s.admin, "addNote", "note { id }", partyId=org, body="origineel")
    return {**_base(s, role), "org": org, "note": note["note"]["id"]}


async def _fresh_activity(s: Scenario, role: str) -> dict[str, Any]:
    org = await s.new_org(f"W5 {role.title()} Taken")
    activity = await ok(s.admin, "addActivity", "activity { id }", partyId=org, subject="Bellen")
    return {**_base(s, role), "org": org, "activity": activity["activity"]["id"]}


async def _fresh_user(s: Scenario, role: str) -> dict[str, Any]:
    """A staff account with a token of its own (a Caller)."""
    user = await s.make_caller("READONLY")
    return {**_base(s, role), "user": encode_id("User", user.user_id), "caller": user}


async def _staff(admin: Any) -> Any:
    return (await admin.gql("{ users(first: 100, includeInactive: true) { nodes { email } } }"))["users"]


async def _locked_out(user: Any) -> bool:
    return (await user.post("{ viewer { email } }")).status_code == 401


async def _org_field(admin: Any, org: str, selection: str) -> Any:
    return (await admin.gql(f"query($id: ID!) {{ organisation(id: $id) {{ {selection} }} }}", {"id": org}))[
        "organisation"
    ]


async def _node(admin: Any, id_: str, selection: str = "id") -> Any:
    return (await admin.gql(f"query($id: ID!) {{ node(id: $id) {{ {selection} }} }}", {"id": id_}))["node"]


WRITE_CASES = [
    # organisations
    WriteCase(
        "createOrganisation",
        "organisation",
        lambda c, x: mutate(c, "createOrganisation", "organisation { id }", name=f"Nieuw {x['tag']} BV"),
        lambda a, x: _org_search_count(a, f"Nieuw {x['tag']} BV"),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updateOrganisation",
        "organisation",
        lambda c, x: mutate(
            c, "updateOrganisation", "organisation { id }", id=x["org"], description=f"by {x['tag']}"
        ),
        lambda a, x: _eq(_org_field(a, x["org"], "description"), {"description": f"by {x['tag']}"}),
        _fresh_org,
    ),
    WriteCase(
        "archiveOrganisation",
        "organisation",
        lambda c, x: mutate(c, "archiveOrganisation", "organisation { id }", id=x["org"]),
        lambda a, x: _eq(_org_field(a, x["org"], "archived"), {"archived": True}),
        _fresh_org,
    ),
    WriteCase(
        "unarchiveOrganisation",
        "organisation",
        lambda c, x: mutate(c, "unarchiveOrganisation", "organisation { id }", id=x["org"]),
        lambda a, x: _eq(_org_field(a, x["org"], "archived"), {"archived": False}),
        _fresh_archived_org,
    ),
    WriteCase(
        "setParentOrganisation",
        "organisation",
        lambda c, x: mutate(
            c, "setParentOrganisation", "organisation { id }", organisationId=x["org"], parentId=x["s"].gamma
        ),
        lambda a, x: _eq(_org_field(a, x["org"], "parent { id }"), {"parent": {"id": x["s"].gamma}}),
        _fresh_org,
    ),
    WriteCase(
        "setPartyTypes",
        "organisation",
        lambda c, x: mutate(c, "setPartyTypes", "types { code }", partyId=x["org"], types=["MANUFACTURER"]),
        lambda a, x: _eq(_org_field(a, x["org"], "types { code }"), {"types": [{"code": "MANUFACTURER"}]}),
        _fresh_org,
    ),
    WriteCase(
        "setSalesRelation",
        "organisation",
        lambda c, x: mutate(
            c, "setSalesRelation", "salesRelation { currency }", partyId=x["org"], paymentTermDays=30
        ),
        lambda a, x: _eq(
            _org_field(a, x["org"], "salesRelation { paymentTermDays }"),
            {"salesRelation": {"paymentTermDays": 30}},
        ),
        _fresh_org,
    ),
    WriteCase(
        "setPurchaseRelation",
        "organisation",
        lambda c, x: mutate(
            c,
            "setPurchaseRelation",
            "purchaseRelation { paymentTermDays }",
            partyId=x["org"],
            paymentTermDays=45,
        ),
        lambda a, x: _eq(
            _org_field(a, x["org"], "purchaseRelation { paymentTermDays }"),
            {"purchaseRelation": {"paymentTermDays": 45}},
        ),
        _fresh_org,
    ),
    WriteCase(
        "updateOrganisation (invoice data)",
        "organisation",
        lambda c, x: mutate(
            c,
            "updateOrganisation",
            "organisation { id }",
            id=x["org"],
            invoiceEmail=f"{x['role'].lower()}@factuur.example",
        ),
        lambda a, x: _eq(
            _org_field(a, x["org"], "invoiceEmail"), {"invoiceEmail": f"{x['role'].lower()}@factuur.example"}
        ),
        _fresh_org,
    ),
    # addresses: who may write the party may write its addresses
    WriteCase(
        "addAddress",
        "organisation",
        lambda c, x: mutate(
            c, "addAddress", "address { id }", partyId=x["org"], kind="VISIT", city=f"Stad {x['tag']}"
        ),
        lambda a, x: _eq(
            _org_field(a, x["org"], "addresses { city }"), {"addresses": [{"city": f"Stad {x['tag']}"}]}
        ),
        _fresh_org,
    ),
    WriteCase(
        "addAddress (person)",
        "person",
        lambda c, x: mutate(
            c, "addAddress", "address { id }", partyId=x["person"], kind="POSTAL", city=f"Dorp {x['tag']}"
        ),
        lambda a, x: _eq(
            _node(a, x["person"], "... on Person { addresses { city } }"),
            {"addresses": [{"city": f"Dorp {x['tag']}"}]},
        ),
        _fresh_business_person,
    ),
    WriteCase(
        "updateAddress",
        "organisation",
        lambda c, x: mutate(c, "updateAddress", "address { id }", id=x["head"], street=f"Straat {x['tag']}"),
        lambda a, x: _eq(_node(a, x["head"], "... on Address { street }"), {"street": f"Straat {x['tag']}"}),
        _fresh_addresses,
    ),
    WriteCase(
        "setHeadOffice",
        "organisation",
        lambda c, x: mutate(c, "setHeadOffice", "address { id }", addressId=x["other"]),
        lambda a, x: _eq(_node(a, x["other"], "... on Address { isHeadOffice }"), {"isHeadOffice": True}),
        _fresh_addresses,
    ),
    WriteCase(
        "removeAddress",
        "organisation",
        lambda c, x: mutate(c, "removeAddress", "deletedId", id=x["head"]),
        lambda a, x: _is_none(_node(a, x["head"])),
        _fresh_addresses,
    ),
    # persons
    WriteCase(
        "createPerson",
        "person",
        lambda c, x: mutate(c, "createPerson", "person { id }", lastName=f"Nieuwpersoon{x['tag']}"),
        lambda a, x: _person_search_count(a, f"Nieuwpersoon{x['tag']}"),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updatePerson",
        "person",
        lambda c, x: mutate(
            c, "updatePerson", "person { id }", id=x["s"].member, firstName=f"Zara{x['tag']}"
        ),
        lambda a, x: _eq(
            _node(a, x["s"].member, "... on Person { firstName }"), {"firstName": f"Zara{x['tag']}"}
        ),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updatePerson (deactivate)",
        "person",
        lambda c, x: mutate(c, "updatePerson", "person { id }", id=x["person"], active=False),
        lambda a, x: _eq(_node(a, x["person"], "... on Person { active }"), {"active": False}),
        _fresh_business_person,
    ),
    WriteCase(
        "deletePerson",
        "person deletion",
        lambda c, x: mutate(c, "deletePerson", "person { id }", id=x["person"], confirm=True),
        lambda a, x: _eq(
            _node(a, x["person"], "... on Person { displayName }"), {"displayName": "Deleted contact"}
        ),
        _fresh_business_person,
    ),
    WriteCase(
        "setEmployeeData",
        "person",
        lambda c, x: mutate(
            c,
            "setEmployeeData",
            "employee { employeeNumber }",
            personId=x["s"].member,
            employeeNumber=f"E-{x['tag']}",
        ),
        lambda a, x: _eq(
            _node(a, x["s"].member, "... on Person { employee { employeeNumber } }"),
            {"employee": {"employeeNumber": f"E-{x['tag']}"}},
        ),
        lambda s, r: _async(_base(s, r)),
    ),
    # memberships
    WriteCase(
        "addMembership",
        "membership",
        lambda c, x: mutate(
            c, "addMembership", "membership { id }", personId=x["s"].member, organisationId=x["org"]
        ),
        lambda a, x: _eq(
            _org_field(a, x["org"], "memberships(includeInactive: true) { totalCount }"),
            {"memberships": {"totalCount": 1}},
        ),
        _fresh_org,
    ),
    WriteCase(
        "updateMembership",
        "membership",
        lambda c, x: mutate(
            c, "updateMembership", "membership { id }", id=x["membership"], jobTitle=f"Job {x['tag']}"
        ),
        lambda a, x: _eq(
            _node(a, x["membership"], "... on Membership { jobTitle }"), {"jobTitle": f"Job {x['tag']}"}
        ),
        _fresh_membership,
    ),
    WriteCase(
        "deactivateMembership",
        "membership",
        lambda c, x: mutate(c, "deactivateMembership", "membership { id }", id=x["membership"]),
        lambda a, x: _eq(_node(a, x["membership"], "... on Membership { active }"), {"active": False}),
        _fresh_membership,
    ),
    WriteCase(
        "reactivateMembership",
        "membership",
        lambda c, x: mutate(c, "reactivateMembership", "membership { id }", id=x["membership"]),
        lambda a, x: _eq(_node(a, x["membership"], "... on Membership { active }"), {"active": True}),
        _fresh_inactive_membership,
    ),
    WriteCase(
        "deleteMembership",
        "membership",
        lambda c, x: mutate(
            c, "deleteMembership", "deletedMembershipId", id=x["membership"], reason="wrong person"
        ),
        lambda a, x: _is_none(_node(a, x["membership"])),
        _fresh_membership,
    ),
    WriteCase(
        "addBusinessRelation",
        "membership",
        lambda c, x: mutate(
            c,
            "addBusinessRelation",
            "person { id }",
            person={"lastName": f"Zakelijk{x['tag']}"},
            organisationId=x["s"].beta,
        ),
        lambda a, x: _person_search_count(a, f"Zakelijk{x['tag']}"),
        lambda s, r: _async(_base(s, r)),
    ),
    # relations
    WriteCase(
        "addRelation",
        "relation",
        lambda c, x: mutate(
            c,
            "addRelation",
            "relation { id }",
            typeId=x["s"].relation_type,
            sourceId=x["org"],
            targetId=x["s"].member,
        ),
        lambda a, x: _eq(
            _org_field(a, x["org"], "relations(includeInactive: true) { totalCount }"),
            {"relations": {"totalCount": 1}},
        ),
        _fresh_org,
    ),
    WriteCase(
        "updateRelation",
        "relation",
        lambda c, x: mutate(
            c, "updateRelation", "relation { id }", id=x["relation"], note=f"note {x['tag']}"
        ),
        lambda a, x: _eq(_node(a, x["relation"], "... on Relation { note }"), {"note": f"note {x['tag']}"}),
        _fresh_relation,
    ),
    WriteCase(
        "deleteRelation",
        "relation",
        lambda c, x: mutate(c, "deleteRelation", "deletedId", id=x["relation"]),
        lambda a, x: _is_none(_node(a, x["relation"])),
        _fresh_relation,
    ),
    # internal relations
    WriteCase(
        "addInternalRelation",
        "internal relation",
        lambda c, x: mutate(
            c,
            "addInternalRelation",
            "internalRelation { id }",
            employeeId=x["s"].staff_id,
            partyId=x["org"],
            categoryId=x["s"].tax_category,
        ),
        lambda a, x: _eq(
            _org_field(a, x["org"], "internalRelations(includeEnded: true) { totalCount }"),
            {"internalRelations": {"totalCount": 1}},
        ),
        _fresh_org,
    ),
    WriteCase(
        "updateInternalRelation",
        "internal relation",
        lambda c, x: mutate(
            c, "updateInternalRelation", "internalRelation { id }", id=x["ir"], until="2099-12-31"
        ),
        lambda a, x: _eq(_node(a, x["ir"], "... on InternalRelation { until }"), {"until": "2099-12-31"}),
        _fresh_internal_relation,
    ),
    WriteCase(
        "deleteInternalRelation",
        "internal relation",
        lambda c, x: mutate(c, "deleteInternalRelation", "deletedId", id=x["ir"]),
        lambda a, x: _is_none(_node(a, x["ir"])),
        _fresh_internal_relation,
    ),
    # staff administration
    WriteCase(
        "createUser",
        "user",
        lambda c, x: mutate(
            c, "createUser", "user { id }", email=f"r5-{x['role'].lower()}@example.nl", name="R5", role="TEAM"
        ),
        lambda a, x: _contains(_staff(a), "nodes", "email", f"r5-{x['role'].lower()}@example.nl"),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updateUser",
        "user",
        lambda c, x: mutate(c, "updateUser", "user { id }", id=x["user"], role="BUSINESS"),
        lambda a, x: _eq(_node(a, x["user"], "... on User { role }"), {"role": "BUSINESS"}),
        _fresh_user,
    ),
    WriteCase(
        "deactivateUser",
        "user",
        lambda c, x: mutate(c, "deactivateUser", "user { id }", id=x["user"]),
        lambda a, x: _eq(_node(a, x["user"], "... on User { active }"), {"active": False}),
        _fresh_user,
    ),
    WriteCase(
        "revokeTokens",
        "user",
        lambda c, x: mutate(c, "revokeTokens", "revokedCount", userId=x["user"]),
        lambda a, x: _locked_out(x["caller"]),
        _fresh_user,
    ),
    # domain data
    WriteCase(
        "createRelationType",
        "domain data",
        lambda c, x: mutate(
            c,
            "createRelationType",
            "relationType { id }",
            name=f"r5 {x['role'].lower()}",
            inverseName="r5 inverse",
            sourceKinds=["ORGANISATION"],
            targetKinds=["PERSON"],
        ),
        lambda a, x: _contains(
            _read(a, "{ relationTypes(includeInactive: true) { name } }"),
            "relationTypes",
            "name",
            f"r5 {x['role'].lower()}",
        ),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updateRelationType",
        "domain data",
        lambda c, x: mutate(
            c, "updateRelationType", "relationType { id }", id=x["type"], description=f"by {x['tag']}"
        ),
        lambda a, x: _eq(
            _node(a, x["type"], "... on RelationType { description }"), {"description": f"by {x['tag']}"}
        ),
        _fresh_type,
    ),
    WriteCase(
        "deactivateRelationType",
        "domain data",
        lambda c, x: mutate(c, "deactivateRelationType", "relationType { id }", id=x["type"]),
        lambda a, x: _eq(_node(a, x["type"], "... on RelationType { active }"), {"active": False}),
        _fresh_type,
    ),
    WriteCase(
        "deleteRelationType",
        "domain data",
        lambda c, x: mutate(c, "deleteRelationType", "deletedId", id=x["type"]),
        lambda a, x: _is_none(_node(a, x["type"])),
        _fresh_type,
    ),
    WriteCase(
        "createInternalRelationCategory",
        "domain data",
        lambda c, x: mutate(
            c, "createInternalRelationCategory", "category { id }", name=f"Categorie {x['tag']}"
        ),
        lambda a, x: _contains(
            _read(a, "{ internalRelationCategories(includeInactive: true) { name } }"),
            "internalRelationCategories",
            "name",
            f"Categorie {x['tag']}",
        ),
        lambda s, r: _async(_base(s, r)),
    ),
    WriteCase(
        "updateInternalRelationCategory",
        "domain data",
        lambda c, x: mutate(
            c,
            "updateInternalRelationCategory",
            "category { id }",
            id=x["category"],
            description=f"by {x['tag']}",
        ),
        lambda a, x: _eq(
            _node(a, x["category"], "... on InternalRelationCategory { description }"),
            {"description": f"by {x['tag']}"},
        ),
        _fresh_category,
    ),
    WriteCase(
        "createPartyType",
        "domain data",
        lambda c, x: mutate(
            c,
            "createPartyType",
            "partyType { id }",
            code=f"W5_{x['role']}",
            name=f"W5 {x['tag']}",
            partyKind="ORGANISATION",
        ),
        lambda a, x: _contains(
            _read(a, "{ partyTypes(includeInactive: true) { code } }"),
            "partyTypes",
            "code",
            f"W5_{x['role']}",
        ),
        lambda s, r: _async(_base(s, r)),
    ),
    # notes and activities (issue 9)
    WriteCase(
        "addNote",
        "note",
        lambda c, x: mutate(c, "addNote", "note { id }", partyId=x["org"], body=f"van {x['tag']}"),
        lambda a, x: _eq(_org_field(a, x["org"], "notes { totalCount }"), {"notes": {"totalCount": 1}}),
        _fresh_org,
    ),
    WriteCase(
        "updateNote",
        "note",
        lambda c, x: mutate(c, "updateNote", "note { id }", id=x["note"], body=f"door {x['tag']}"),
        lambda a, x: _eq(_node(a, x["note"], "... on Note { body }"), {"body": f"door {x['tag']}"}),
        _fresh_note,
    ),
    WriteCase(
        "removeNote",
        "note",
        lambda c, x: mutate(c, "removeNote", "deletedId", id=x["note"]),
        lambda a, x: _is_none(_node(a, x["note"])),
        _fresh_note,
    ),
    WriteCase(
        "addActivity",
        "activity",
        lambda c, x: mutate(
            c, "addActivity", "activity { id }", partyId=x["org"], subject=f"Taak {x['tag']}"
        ),
        lambda a, x: _eq(
            _org_field(a, x["org"], "activities { totalCount }"), {"activities": {"totalCount": 1}}
        ),
        _fresh_org,
    ),
    WriteCase(
        "completeActivity",
        "activity",
        lambda c, x: mutate(c, "completeActivity", "activity { id }", id=x["activity"]),
        lambda a, x: _eq(_node(a, x["activity"], "... on Activity { status }"), {"status": "DONE"}),
        _fresh_activity,
    ),
    WriteCase(
        "removeActivity",
        "activity",
        lambda c, x: mutate(c, "removeActivity", "deletedId", id=x["activity"]),
        lambda a, x: _is_none(_node(a, x["activity"])),
        _fresh_activity,
    ),
]


async def _async(value: Any) -> Any:
    return value


async def _eq(read: Awaitable[Any], expected: Any) -> bool:
    return (await read) == expected


async def _is_none(read: Awaitable[Any]) -> bool:
    return (await read) is None


async def _contains(read: Awaitable[Any], key: str, attribute: str, value: str) -> bool:
    return value in {item[attribute] for item in (await read)[key]}


async def test_r5_write_matrix(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    EXPECTED = {
        role: {case.name: "ok" if role in WRITE_ROLES[case.kind] else "FORBIDDEN" for case in WRITE_CASES}
        for role in ROLES
    }
    assert set(WRITE_ROLES) == {case.kind for case in WRITE_CASES}
    problems: list[str] = []
    for role, expected in EXPECTED.items():
        caller = await make_caller(
            role, ("FINANCE", "SENSITIVE")
        )  # permissions never open a write (R4 aside)
        for case in WRITE_CASES:
            context = await case.prepare(s, role) if case.prepare else _base(s, role)
            payload = await case.run(caller, context)
            got = outcome(payload)
            want = expected[case.name]
            if got != want:
                problems.append(f"{role}: {case.name} -> {got}, expected {want}: {payload['userErrors']}")
            changed = bool(await case.changed(admin, context))
            if changed != (want == "ok"):
                problems.append(
                    f"{role}: {case.name} ({got}) {'changed' if changed else 'did not change'} the data"
                )
    report(problems)
