"""Internal relations (staff <-> customer files), their categories, and account managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from helpers import add_membership, create_organisation, create_person, mutate, ok, only_error
from sqlalchemy import update

from relgraph.db.models import User as UserRow
from relgraph.graphql.core.ids import encode_id

CATEGORY_FIELDS = "id code name description active builtIn version"
IR_FIELDS = """
  id since until current version
  employee { id name active }
  party { id displayName }
  category { id code name }
"""

# What each mutation selects (helpers.mutate adds the userErrors).
CATEGORY = f"category {{ {CATEGORY_FIELDS} }}"
INTERNAL_RELATION = f"internalRelation {{ {IR_FIELDS} }}"
INTERNAL_RELATION_WITH_COMMISSION = f"internalRelation {{ {IR_FIELDS} commissionPercent }}"

CATEGORIES = (
    f"query($all: Boolean!) {{ internalRelationCategories(includeInactive: $all) {{ {CATEGORY_FIELDS} }} }}"
)
NODE = f"query($id: ID!) {{ node(id: $id) {{ id ... on InternalRelation {{ {IR_FIELDS} }} ... on InternalRelationCategory {{ name }} }} }}"
PARTY_FILES = f"""
query($id: ID!, $categories: [ID!], $ended: Boolean!, $first: Int, $after: String) {{
  node(id: $id) {{
    ... on Party {{
      internalRelations(categories: $categories, includeEnded: $ended, first: $first, after: $after) {{
        totalCount
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {IR_FIELDS} }}
      }}
    }}
  }}
}}"""
VIEWER_FILES = f"""
query($categories: [ID!], $ended: Boolean!) {{
  viewer {{
    id
    internalRelations(categories: $categories, includeEnded: $ended) {{ totalCount nodes {{ {IR_FIELDS} }} }}
  }}
}}"""
ACCOUNT_MANAGERS = "query($id: ID!) { organisation(id: $id) { accountManagers { id name active } } }"

TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
TOMORROW = (TODAY + dt.timedelta(days=1)).isoformat()
LAST_YEAR = (TODAY - dt.timedelta(days=365)).isoformat()


# --- helpers -----------------------------------------------------------------------------


async def staff(
    make_caller: Any, session: Any, name: str, role: str = "TEAM", permissions: tuple[str, ...] = ()
) -> tuple[Any, str]:
    """A staff user called `name` with a token; returns (caller, the user's global ID)."""
    caller = await make_caller(role, permissions)
    await session.execute(update(UserRow).where(UserRow.id == caller.user_id).values(name=name))
    await session.commit()
    viewer = (await caller.gql("{ viewer { id name } }"))["viewer"]
    assert viewer["name"] == name
    return caller, viewer["id"]


async def deactivate_user(session: Any, caller: Any) -> None:
    await session.execute(update(UserRow).where(UserRow.id == caller.user_id).values(active=False))
    await session.commit()


async def categories(caller: Any, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    return (await caller.gql(CATEGORIES, {"all": include_inactive}))["internalRelationCategories"]


async def account_manager_category(caller: Any) -> str:
    found = [c for c in await categories(caller) if c["code"] == "ACCOUNT_MANAGER"]
    assert len(found) == 1
    return found[0]["id"]


async def create_category(caller: Any, name: str, description: str | None = None) -> dict[str, Any]:
    return (await ok(caller, "createInternalRelationCategory", CATEGORY, name=name, description=description))[
        "category"
    ]


async def add(caller: Any, employee: str, party: str, category: str, **fields: Any) -> dict[str, Any]:
    selection = INTERNAL_RELATION_WITH_COMMISSION if "commissionPercent" in fields else INTERNAL_RELATION
    return await mutate(
        caller,
        "addInternalRelation",
        selection,
        employeeId=employee,
        partyId=party,
        categoryId=category,
        **fields,
    )


async def link(caller: Any, employee: str, party: str, category: str, **fields: Any) -> dict[str, Any]:
    payload = await add(caller, employee, party, category, **fields)
    assert payload["userErrors"] == [], payload
    return payload["internalRelation"]


async def party_files(caller: Any, party: str, *, ended: bool = False, **kwargs: Any) -> dict[str, Any]:
    data = await caller.gql(PARTY_FILES, {"id": party, "ended": ended, **kwargs})
    assert data["node"] is not None
    return data["node"]["internalRelations"]


async def viewer_files(caller: Any, *, ended: bool = False, **kwargs: Any) -> dict[str, Any]:
    return (await caller.gql(VIEWER_FILES, {"ended": ended, **kwargs}))["viewer"]["internalRelations"]


async def account_managers(caller: Any, org: str) -> list[tuple[str, bool]]:
    data = await caller.gql(ACCOUNT_MANAGERS, {"id": org})
    return [(u["name"], u["active"]) for u in data["organisation"]["accountManagers"]]


# --- categories ----------------------------------------------------------------------------


async def test_account_manager_category_is_built_in(admin, make_caller) -> None:
    team = await make_caller("TEAM")
    listed = await categories(team)
    builtin = [c for c in listed if c["code"] == "ACCOUNT_MANAGER"]
    assert len(builtin) == 1
    assert builtin[0]["builtIn"] is True
    assert builtin[0]["active"] is True
    assert (await team.gql(NODE, {"id": builtin[0]["id"]}))["node"]["name"] == builtin[0]["name"]


async def test_admin_creates_and_renames_categories(admin) -> None:
    tax = await create_category(admin, "Tax advisor", "Helps with the income tax return.")
    assert (tax["code"], tax["builtIn"], tax["active"]) == (None, False, True)
    assert tax["description"] == "Helps with the income tax return."
    support = await create_category(admin, "Support contact")
    renamed = await mutate(
        admin,
        "updateInternalRelationCategory",
        CATEGORY,
        id=support["id"],
        expectedVersion=support["version"],
        name="Helpdesk contact",
    )
    assert renamed["userErrors"] == []
    assert renamed["category"]["name"] == "Helpdesk contact"
    assert renamed["category"]["version"] > support["version"]
    names = [c["name"] for c in await categories(admin)]
    assert names == sorted(names)
    assert {"Tax advisor", "Helpdesk contact"} <= set(names)
    assert "Support contact" not in names
    stale = await mutate(
        admin,
        "updateInternalRelationCategory",
        CATEGORY,
        id=support["id"],
        expectedVersion=support["version"],
        name="Lost update",
    )
    assert only_error(stale) == (["expectedVersion"], "CONFLICT")


async def test_category_names_are_unique(admin) -> None:
    await create_category(admin, "Tax advisor")
    duplicate = await mutate(admin, "createInternalRelationCategory", CATEGORY, name="Tax advisor")
    assert only_error(duplicate) == (["name"], "CONFLICT")
    other = await create_category(admin, "Support contact")
    clash = await mutate(
        admin, "updateInternalRelationCategory", CATEGORY, id=other["id"], name="Tax advisor"
    )
    assert only_error(clash) == (["name"], "CONFLICT")
    assert [c["name"] for c in await categories(admin)].count("Tax advisor") == 1


async def test_built_in_category_cannot_be_deactivated_others_can(admin) -> None:
    manager = await account_manager_category(admin)
    refused = await mutate(admin, "updateInternalRelationCategory", CATEGORY, id=manager, active=False)
    assert only_error(refused) == (["active"], "INVALID")
    assert any(c["id"] == manager and c["active"] for c in await categories(admin))

    tax = await create_category(admin, "Tax advisor")
    done = await mutate(admin, "updateInternalRelationCategory", CATEGORY, id=tax["id"], active=False)
    assert done["userErrors"] == []
    assert tax["id"] not in [c["id"] for c in await categories(admin)]
    assert tax["id"] in [c["id"] for c in await categories(admin, include_inactive=True)]
    # An inactive category is not offered for new internal relations.
    org = await create_organisation(admin, "Alfa BV")
    viewer = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    assert only_error(await add(admin, viewer, org, tax["id"])) == (["categoryId"], "INVALID")


async def test_only_admin_manages_categories(admin, make_caller) -> None:
    tax = await create_category(admin, "Tax advisor")
    for role in ("TEAM", "BUSINESS", "READONLY"):
        caller = await make_caller(role, ("FINANCE",))
        created = await mutate(caller, "createInternalRelationCategory", CATEGORY, name=f"By {role}")
        assert only_error(created) == ([], "FORBIDDEN"), role
        assert created["category"] is None
        renamed = await mutate(caller, "updateInternalRelationCategory", CATEGORY, id=tax["id"], name="x")
        assert only_error(renamed)[1] == "FORBIDDEN", role
    names = [c["name"] for c in await categories(admin, include_inactive=True)]
    assert "Tax advisor" in names
    assert not any(n.startswith("By ") for n in names)


# --- adding internal relations -------------------------------------------------------------


async def test_team_links_staff_to_organisations_and_persons(admin, make_caller, session) -> None:
    team, team_id = await staff(make_caller, session, "Tineke Team")
    _, anna_id = await staff(make_caller, session, "Anna Accountmanager", role="BUSINESS")
    manager = await account_manager_category(team)
    org = await create_organisation(admin, "Alfa BV")
    person = await create_person(admin, "Jansen")

    to_org = await link(team, anna_id, org, manager, since="2024-01-01")
    assert to_org["employee"] == {"id": anna_id, "name": "Anna Accountmanager", "active": True}
    assert to_org["party"] == {"id": org, "displayName": "Alfa BV"}
    assert to_org["category"]["id"] == manager
    assert (to_org["since"], to_org["until"], to_org["current"]) == ("2024-01-01", None, True)

    to_person = await link(team, team_id, person, manager, until=TOMORROW)
    assert to_person["party"]["id"] == person
    assert to_person["current"] is True
    assert (await team.gql(NODE, {"id": to_person["id"]}))["node"]["employee"]["id"] == team_id


async def test_business_and_readonly_may_not_add_internal_relations(admin, make_caller) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    for role in ("BUSINESS", "READONLY"):
        caller = await make_caller(role, ("FINANCE",))
        me = (await caller.gql("{ viewer { id } }"))["viewer"]["id"]
        payload = await add(caller, me, org, manager)
        assert only_error(payload) == ([], "FORBIDDEN"), role
        assert payload["internalRelation"] is None
    assert (await party_files(admin, org))["totalCount"] == 0
    assert await account_managers(admin, org) == []


async def test_unknown_ids_are_not_found(admin) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    me = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    assert only_error(await add(admin, encode_id("User", 999_999), org, manager)) == (
        ["employeeId"],
        "NOT_FOUND",
    )
    assert only_error(await add(admin, me, encode_id("Organisation", 999_999), manager)) == (
        ["partyId"],
        "NOT_FOUND",
    )
    bad_category = encode_id("InternalRelationCategory", 999_999)
    assert only_error(await add(admin, me, org, bad_category)) == (["categoryId"], "NOT_FOUND")


async def test_commission_round_trips_as_a_two_decimal_string(admin) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    me = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    created = await link(admin, me, org, manager, commissionPercent="12.50")
    assert created["commissionPercent"] == "12.50"
    read = await admin.gql(
        "query($id: ID!) { organisation(id: $id) { internalRelations { nodes { commissionPercent } } } }",
        {"id": org},
    )
    assert read["organisation"]["internalRelations"]["nodes"] == [{"commissionPercent": "12.50"}]
    for value, shown in (("7", "7.00"), ("0", "0.00"), ("100", "100.00"), ("99.99", "99.99")):
        payload = await mutate(
            admin,
            "updateInternalRelation",
            INTERNAL_RELATION_WITH_COMMISSION,
            id=created["id"],
            commissionPercent=value,
        )
        assert payload["userErrors"] == [], value
        assert payload["internalRelation"]["commissionPercent"] == shown


async def test_commission_out_of_range_or_with_three_decimals_is_invalid(admin) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    me = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    for value in ("100.01", "-1", "1.005", "-0.01"):
        payload = await add(admin, me, org, manager, commissionPercent=value)
        assert only_error(payload) == (["commissionPercent"], "INVALID"), value
        assert payload["internalRelation"] is None
    assert (await party_files(admin, org))["totalCount"] == 0
    created = await link(admin, me, org, manager, commissionPercent="5.00")
    payload = await mutate(
        admin, "updateInternalRelation", INTERNAL_RELATION, id=created["id"], commissionPercent="100.01"
    )
    assert only_error(payload) == (["commissionPercent"], "INVALID")


async def test_setting_a_commission_needs_finance(admin, make_caller) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    team = await make_caller("TEAM")
    me = (await team.gql("{ viewer { id } }"))["viewer"]["id"]
    refused = await add(team, me, org, manager, commissionPercent="10.00")
    assert only_error(refused)[1] == "FORBIDDEN"
    assert (await party_files(admin, org))["totalCount"] == 0
    # Without a commission TEAM may link; changing the commission later is refused as well.
    created = await link(team, me, org, manager)
    refused = await mutate(
        team, "updateInternalRelation", INTERNAL_RELATION, id=created["id"], commissionPercent="10.00"
    )
    assert only_error(refused)[1] == "FORBIDDEN"
    finance_team = await make_caller("TEAM", ("FINANCE",))
    allowed = await mutate(
        finance_team,
        "updateInternalRelation",
        INTERNAL_RELATION_WITH_COMMISSION,
        id=created["id"],
        commissionPercent="10.00",
    )
    assert allowed["userErrors"] == []
    assert allowed["internalRelation"]["commissionPercent"] == "10.00"


async def test_clearing_a_commission_needs_finance_too(admin, make_caller) -> None:
    """The commission needs FINANCE to change; null clears it, which is a change too (R4)."""
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    me = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    created = await link(admin, me, org, manager, commissionPercent="10.00")
    team = await make_caller("TEAM")
    cleared = await mutate(
        team, "updateInternalRelation", INTERNAL_RELATION, id=created["id"], commissionPercent=None
    )
    assert only_error(cleared)[1] == "FORBIDDEN"
    read = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on InternalRelation { commissionPercent } } }",
        {"id": created["id"]},
    )
    assert read["node"]["commissionPercent"] == "10.00"
    # Changing other fields without touching the commission is fine.
    assert (
        await mutate(team, "updateInternalRelation", INTERNAL_RELATION, id=created["id"], since="2024-01-01")
    )["userErrors"] == []


async def test_until_before_since_is_invalid(admin) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    me = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    payload = await add(admin, me, org, manager, since="2024-05-01", until="2024-04-30")
    assert only_error(payload) == (["until"], "INVALID")
    created = await link(admin, me, org, manager, since="2024-05-01")
    payload = await mutate(
        admin, "updateInternalRelation", INTERNAL_RELATION, id=created["id"], until="2024-01-01"
    )
    assert only_error(payload) == (["until"], "INVALID")
    assert (await admin.gql(NODE, {"id": created["id"]}))["node"]["until"] is None


async def test_duplicate_current_internal_relation_is_a_conflict(admin, make_caller, session) -> None:
    manager = await account_manager_category(admin)
    tax = await create_category(admin, "Tax advisor")
    org = await create_organisation(admin, "Alfa BV")
    _, anna = await staff(make_caller, session, "Anna")
    await link(admin, anna, org, manager)
    duplicate = await add(admin, anna, org, manager)
    assert only_error(duplicate)[1] == "CONFLICT"
    # Another category, or another user, is not a duplicate.
    await link(admin, anna, org, tax["id"])
    _, bert = await staff(make_caller, session, "Bert")
    await link(admin, bert, org, manager)
    assert (await party_files(admin, org))["totalCount"] == 3


async def test_an_ended_internal_relation_does_not_block_a_new_one(admin, make_caller, session) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    _, anna = await staff(make_caller, session, "Anna")
    await link(admin, anna, org, manager, since=LAST_YEAR, until=YESTERDAY)
    again = await link(admin, anna, org, manager, since=TODAY.isoformat())
    assert again["current"] is True
    assert (await party_files(admin, org, ended=True))["totalCount"] == 2


async def test_overlapping_periods_of_one_user_and_category_are_a_conflict(
    admin, make_caller, session
) -> None:
    """A future relation beside an open one, or reopening an ended one, would double up later."""
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    _, anna = await staff(make_caller, session, "Anna")
    ended = await link(admin, anna, org, manager, since=LAST_YEAR, until=YESTERDAY)
    await link(admin, anna, org, manager, since=TODAY.isoformat())
    assert only_error(await add(admin, anna, org, manager, since=TOMORROW)) == (["employeeId"], "CONFLICT")
    reopened = await mutate(admin, "updateInternalRelation", INTERNAL_RELATION, id=ended["id"], until=None)
    assert only_error(reopened) == (["until"], "CONFLICT")
    assert (await party_files(admin, org, ended=True))["totalCount"] == 2


# --- account managers -------------------------------------------------------------------------


async def test_account_managers_are_current_account_manager_users_by_name(
    admin, make_caller, session
) -> None:
    manager = await account_manager_category(admin)
    tax = await create_category(admin, "Tax advisor")
    none_org = await create_organisation(admin, "Zonder BV")
    one_org = await create_organisation(admin, "Een BV")
    many_org = await create_organisation(admin, "Veel BV")
    zoe, zoe_id = await staff(make_caller, session, "Zoë Zwart")
    _, anna_id = await staff(make_caller, session, "Anna Appel")
    _, mark_id = await staff(make_caller, session, "Mark Midden")
    _, eddy_id = await staff(make_caller, session, "Eddy Einde")
    _, tom_id = await staff(make_caller, session, "Tom Tax")

    await link(admin, mark_id, one_org, manager, since="2020-01-01")
    for user in (zoe_id, anna_id, mark_id):
        await link(admin, user, many_org, manager)
    await link(admin, eddy_id, many_org, manager, since=LAST_YEAR, until=YESTERDAY)  # ended
    await link(admin, tom_id, many_org, tax["id"])  # another category
    await link(admin, anna_id, none_org, tax["id"])
    await deactivate_user(session, zoe)  # left the company, still account manager
    # An inactive user can still be made account manager.
    inactive_link = await link(admin, zoe_id, one_org, manager)
    assert inactive_link["employee"] == {"id": zoe_id, "name": "Zoë Zwart", "active": False}

    assert await account_managers(admin, none_org) == []
    assert await account_managers(admin, one_org) == [("Mark Midden", True), ("Zoë Zwart", False)]
    assert await account_managers(admin, many_org) == [
        ("Anna Appel", True),
        ("Mark Midden", True),
        ("Zoë Zwart", False),
    ]
    # Ending today still counts today; ending yesterday does not.
    files = await party_files(admin, many_org, categories=[manager])
    mark_link = next(n for n in files["nodes"] if n["employee"]["id"] == mark_id)
    assert (
        await mutate(
            admin, "updateInternalRelation", INTERNAL_RELATION, id=mark_link["id"], until=TODAY.isoformat()
        )
    )["userErrors"] == []
    assert [n for n, _ in await account_managers(admin, many_org)] == [
        "Anna Appel",
        "Mark Midden",
        "Zoë Zwart",
    ]
    assert (
        await mutate(admin, "updateInternalRelation", INTERNAL_RELATION, id=mark_link["id"], until=YESTERDAY)
    )["userErrors"] == []
    assert [n for n, _ in await account_managers(admin, many_org)] == ["Anna Appel", "Zoë Zwart"]


async def test_a_future_internal_relation_is_not_current_yet(admin, make_caller, session) -> None:
    """Current means from `since` (or always) until `until` (or for good): not before it starts."""
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    _, anna = await staff(make_caller, session, "Anna Appel")
    _, bert = await staff(make_caller, session, "Bert Later")
    await link(admin, anna, org, manager, since=LAST_YEAR)
    future = await link(admin, bert, org, manager, since=TOMORROW)
    assert future["current"] is False
    assert [n for n, _ in await account_managers(admin, org)] == ["Anna Appel"]
    assert (await party_files(admin, org))["totalCount"] == 1
    assert (await party_files(admin, org, ended=True))["totalCount"] == 2


# --- listing from the party and from the staff member -----------------------------------------


async def test_party_internal_relations_current_only_unless_include_ended(
    admin, make_caller, session
) -> None:
    manager = await account_manager_category(admin)
    tax = await create_category(admin, "Tax advisor")
    person = await create_person(admin, "Jansen")
    _, anna = await staff(make_caller, session, "Anna")
    _, bert = await staff(make_caller, session, "Bert")
    _, carl = await staff(make_caller, session, "Carl")
    current_manager = await link(admin, anna, person, manager)
    ended_manager = await link(admin, bert, person, manager, since=LAST_YEAR, until=YESTERDAY)
    current_tax = await link(admin, carl, person, tax["id"])
    assert ended_manager["current"] is False

    def ids(connection: dict[str, Any]) -> set[str]:
        assert connection["totalCount"] == len(connection["nodes"])
        return {n["id"] for n in connection["nodes"]}

    assert ids(await party_files(admin, person)) == {current_manager["id"], current_tax["id"]}
    assert ids(await party_files(admin, person, ended=True)) == {
        current_manager["id"],
        ended_manager["id"],
        current_tax["id"],
    }
    assert ids(await party_files(admin, person, categories=[manager])) == {current_manager["id"]}
    assert ids(await party_files(admin, person, categories=[manager], ended=True)) == {
        current_manager["id"],
        ended_manager["id"],
    }
    assert ids(await party_files(admin, person, categories=[tax["id"], manager])) == {
        current_manager["id"],
        current_tax["id"],
    }

    first = await party_files(admin, person, ended=True, first=2)
    assert first["pageInfo"]["hasNextPage"] is True and len(first["nodes"]) == 2
    rest = await party_files(admin, person, ended=True, first=2, after=first["pageInfo"]["endCursor"])
    assert rest["pageInfo"]["hasNextPage"] is False
    assert {n["id"] for n in first["nodes"] + rest["nodes"]} == ids(
        await party_files(admin, person, ended=True)
    )


async def test_user_internal_relations_list_a_staff_members_files(admin, make_caller, session) -> None:
    manager = await account_manager_category(admin)
    tax = await create_category(admin, "Tax advisor")
    anna, anna_id = await staff(make_caller, session, "Anna")
    bert, bert_id = await staff(make_caller, session, "Bert")
    alfa = await create_organisation(admin, "Alfa BV")
    beta = await create_organisation(admin, "Beta BV")
    person = await create_person(admin, "Jansen")
    await link(admin, anna_id, alfa, manager)
    await link(admin, anna_id, person, tax["id"])
    await link(admin, anna_id, beta, manager, since=LAST_YEAR, until=YESTERDAY)
    await link(admin, bert_id, beta, manager)

    mine = await viewer_files(anna)
    assert mine["totalCount"] == 2
    assert {(n["party"]["id"], n["category"]["id"]) for n in mine["nodes"]} == {
        (alfa, manager),
        (person, tax["id"]),
    }
    assert all(n["employee"]["id"] == anna_id for n in mine["nodes"])
    managed = await viewer_files(anna, categories=[manager])
    assert [n["party"]["displayName"] for n in managed["nodes"]] == ["Alfa BV"]
    everything = await viewer_files(anna, ended=True)
    assert everything["totalCount"] == 3
    theirs = await viewer_files(bert)
    assert [n["party"]["id"] for n in theirs["nodes"]] == [beta]


# --- R4: the commission is financial ----------------------------------------------------------


async def test_commission_without_finance_is_null_with_a_forbidden_error(admin, make_caller) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    me = (await admin.gql("{ viewer { id } }"))["viewer"]["id"]
    await link(admin, me, org, manager, commissionPercent="12.50")
    query = """
    query($id: ID!) {
      organisation(id: $id) {
        viewerCanSeeFinancials
        internalRelations { nodes { since commissionPercent category { code } } }
      }
    }"""
    team = await make_caller("TEAM")
    response = await team.post(query, {"id": org})
    body = response.json()
    organisation = body["data"]["organisation"]
    assert organisation["viewerCanSeeFinancials"] is False
    assert organisation["internalRelations"]["nodes"] == [
        {"since": None, "commissionPercent": None, "category": {"code": "ACCOUNT_MANAGER"}}
    ]
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["path"] == ["organisation", "internalRelations", "nodes", 0, "commissionPercent"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "12.50" not in response.text

    finance = await make_caller("TEAM", ("FINANCE",))
    data = await finance.gql(query, {"id": org})
    assert data["organisation"]["viewerCanSeeFinancials"] is True
    assert data["organisation"]["internalRelations"]["nodes"][0]["commissionPercent"] == "12.50"


# --- update and delete ------------------------------------------------------------------------


async def test_update_and_delete_with_optimistic_concurrency(admin, make_caller, session) -> None:
    manager = await account_manager_category(admin)
    org = await create_organisation(admin, "Alfa BV")
    team = await make_caller("TEAM")
    _, anna = await staff(make_caller, session, "Anna")
    created = await link(team, anna, org, manager, since="2024-01-01")

    updated = await mutate(
        team,
        "updateInternalRelation",
        INTERNAL_RELATION,
        id=created["id"],
        expectedVersion=created["version"],
        until="2030-12-31",
    )
    assert updated["userErrors"] == []
    assert (updated["internalRelation"]["since"], updated["internalRelation"]["until"]) == (
        "2024-01-01",
        "2030-12-31",
    )
    assert updated["internalRelation"]["version"] > created["version"]

    stale = await mutate(
        team,
        "updateInternalRelation",
        INTERNAL_RELATION,
        id=created["id"],
        expectedVersion=created["version"],
        since=None,
    )
    assert only_error(stale) == (["expectedVersion"], "CONFLICT")
    cleared = await mutate(team, "updateInternalRelation", INTERNAL_RELATION, id=created["id"], since=None)
    assert cleared["userErrors"] == []
    assert cleared["internalRelation"]["since"] is None
    assert cleared["internalRelation"]["until"] == "2030-12-31"

    stale_delete = await mutate(
        team, "deleteInternalRelation", "deletedId", id=created["id"], expectedVersion=created["version"]
    )
    assert only_error(stale_delete) == (["expectedVersion"], "CONFLICT")
    business = await make_caller("BUSINESS")
    forbidden = await mutate(business, "deleteInternalRelation", "deletedId", id=created["id"])
    assert only_error(forbidden)[1] == "FORBIDDEN"
    deleted = await mutate(
        team,
        "deleteInternalRelation",
        "deletedId",
        id=created["id"],
        expectedVersion=cleared["internalRelation"]["version"],
    )
    assert deleted == {"deletedId": created["id"], "userErrors": []}
    assert (await team.gql(NODE, {"id": created["id"]}))["node"] is None
    assert (await party_files(admin, org, ended=True))["totalCount"] == 0
    assert await account_managers(admin, org) == []
    again = await mutate(team, "deleteInternalRelation", "deletedId", id=created["id"])
    assert only_error(again) == (["id"], "NOT_FOUND")


# --- R1: hidden persons -----------------------------------------------------------------------


async def test_business_does_not_see_internal_relations_on_hidden_persons(
    admin, make_caller, session
) -> None:
    manager = await account_manager_category(admin)
    business, business_id = await staff(
        make_caller, session, "Bas Business", role="BUSINESS", permissions=("FINANCE",)
    )
    org = await create_organisation(admin, "Alfa BV")
    hidden = await create_person(admin, "Verborgen")  # no membership
    visible = await create_person(admin, "Zichtbaar")
    await add_membership(admin, visible, org)
    on_org = await link(admin, business_id, org, manager)
    on_hidden = await link(admin, business_id, hidden, manager)
    on_visible = await link(admin, business_id, visible, manager)

    mine = await viewer_files(business, ended=True)
    assert mine["totalCount"] == 2
    assert {n["id"] for n in mine["nodes"]} == {on_org["id"], on_visible["id"]}
    assert (await business.gql(NODE, {"id": on_hidden["id"]}))["node"] is None
    assert (await business.gql(NODE, {"id": hidden}))["node"] is None
    assert (await business.gql(NODE, {"id": on_visible["id"]}))["node"]["party"]["id"] == visible
    assert (await party_files(business, visible))["totalCount"] == 1

    # ADMIN and TEAM see it.
    team = await make_caller("TEAM")
    assert (await team.gql(NODE, {"id": on_hidden["id"]}))["node"]["party"]["id"] == hidden
    assert (await party_files(team, hidden))["totalCount"] == 1
    assert (await party_files(admin, hidden))["totalCount"] == 1

    # Once the person is a business relation, it shows.
    await add_membership(admin, hidden, org)
    assert (await viewer_files(business))["totalCount"] == 3


# --- batching ---------------------------------------------------------------------------------

CARD = """
accountManagers { name }
internalRelations { totalCount nodes { since employee { name } category { name } } }
"""


async def test_account_managers_and_internal_relations_are_batched(admin, make_caller, session) -> None:
    manager = await account_manager_category(admin)
    tax = await create_category(admin, "Tax advisor")
    _, anna = await staff(make_caller, session, "Anna")
    _, bert = await staff(make_caller, session, "Bert")
    orgs = [await create_organisation(admin, f"Org {i:02d}") for i in range(11)]
    for i, org in enumerate(orgs):
        await link(admin, anna, org, manager)
        await link(admin, bert if i % 2 else anna, org, tax["id"])
    _, one = await admin.counted(
        f"query($id: ID!) {{ organisation(id: $id) {{ name {CARD} }} }}", {"id": orgs[0]}
    )
    data, many = await admin.counted(f"{{ organisations(first: 20) {{ nodes {{ name {CARD} }} }} }}")
    nodes = data["organisations"]["nodes"]
    assert len(nodes) == 11
    assert all(n["accountManagers"] == [{"name": "Anna"}] for n in nodes)
    assert all(n["internalRelations"]["totalCount"] == 2 for n in nodes)
    assert many == one
