"""Relation types (ADMIN domain data) and typed relations between parties, read from either end."""

from __future__ import annotations

from typing import Any

from helpers import add_membership, create_organisation, create_person, mutate, only_error

from relgraph.graphql.core.ids import encode_id

TYPE_FIELDS = "id name inverseName symmetric sourceKinds targetKinds description active version"
RELATION_FIELDS = """
  id startDate endDate note active version
  type { id name }
  source { id displayName }
  target { id displayName }
"""

# What each mutation selects (helpers.mutate adds the userErrors).
RELATION_TYPE = f"relationType {{ {TYPE_FIELDS} }}"
RELATION = f"relation {{ {RELATION_FIELDS} }}"

RELATION_TYPES = f"""
query($all: Boolean!) {{ relationTypes(includeInactive: $all) {{ {TYPE_FIELDS} }} }}"""
NODE = f"""
query($id: ID!) {{ node(id: $id) {{ id ... on Relation {{ {RELATION_FIELDS} }} ... on RelationType {{ name }} }} }}"""
PARTY_RELATIONS = """
query($id: ID!, $types: [ID!], $direction: RelationDirection, $inactive: Boolean!, $first: Int, $after: String) {
  node(id: $id) {
    ... on Party {
      relations(types: $types, direction: $direction, includeInactive: $inactive, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          cursor label direction
          otherParty { id kind displayName }
          relation { id active note type { id name } }
        }
      }
    }
  }
}"""

ORG = ["ORGANISATION"]
PERSON = ["PERSON"]
BOTH = ["ORGANISATION", "PERSON"]


# --- helpers -----------------------------------------------------------------------------


async def create_type_payload(
    caller: Any,
    name: str,
    inverse: str | None = None,
    *,
    symmetric: bool = False,
    source: list[str] = ORG,
    target: list[str] = ORG,
    **extra: Any,
) -> dict[str, Any]:
    return await mutate(
        caller,
        "createRelationType",
        RELATION_TYPE,
        name=name,
        inverseName=inverse,
        symmetric=symmetric,
        sourceKinds=source,
        targetKinds=target,
        **extra,
    )


async def create_type(caller: Any, name: str, inverse: str | None = None, **kwargs: Any) -> dict[str, Any]:
    payload = await create_type_payload(caller, name, inverse, **kwargs)
    assert payload["userErrors"] == [], payload
    return payload["relationType"]


async def add_relation(caller: Any, type_id: str, source: str, target: str, **fields: Any) -> dict[str, Any]:
    return await mutate(
        caller, "addRelation", RELATION, typeId=type_id, sourceId=source, targetId=target, **fields
    )


async def relate(caller: Any, type_id: str, source: str, target: str, **fields: Any) -> dict[str, Any]:
    payload = await add_relation(caller, type_id, source, target, **fields)
    assert payload["userErrors"] == [], payload
    return payload["relation"]


async def party_relations(
    caller: Any, party_id: str, *, inactive: bool = False, **kwargs: Any
) -> dict[str, Any]:
    data = await caller.gql(PARTY_RELATIONS, {"id": party_id, "inactive": inactive, **kwargs})
    assert data["node"] is not None
    return data["node"]["relations"]


async def type_names(caller: Any, *, include_inactive: bool = False) -> list[str]:
    data = await caller.gql(RELATION_TYPES, {"all": include_inactive})
    return [t["name"] for t in data["relationTypes"]]


# --- relation types ------------------------------------------------------------------------


async def test_create_relation_type(admin) -> None:
    created = await create_type(
        admin, "supplier of", "customer of", source=ORG, target=BOTH, description="Delivers goods."
    )
    assert created["name"] == "supplier of"
    assert created["inverseName"] == "customer of"
    assert created["symmetric"] is False
    assert created["sourceKinds"] == ["ORGANISATION"]
    assert sorted(created["targetKinds"]) == ["ORGANISATION", "PERSON"]
    assert created["description"] == "Delivers goods."
    assert created["active"] is True
    fetched = await admin.gql(NODE, {"id": created["id"]})
    assert fetched["node"] == {"id": created["id"], "name": "supplier of"}


async def test_symmetric_type_reads_the_same_both_ways(admin) -> None:
    partner = await create_type(admin, "partner of", symmetric=True)
    assert partner["symmetric"] is True
    assert partner["inverseName"] == "partner of"
    # An inverse name given for a symmetric type is ignored.
    sibling = await create_type(admin, "sister company of", "something else", symmetric=True)
    assert sibling["inverseName"] == "sister company of"


async def test_symmetric_type_needs_the_same_kinds_on_both_sides(admin) -> None:
    payload = await create_type_payload(admin, "knows", symmetric=True, source=ORG, target=PERSON)
    field, code = only_error(payload)
    assert code == "INVALID"
    assert field in (["targetKinds"], ["sourceKinds"])
    assert payload["relationType"] is None
    assert "knows" not in await type_names(admin, include_inactive=True)


async def test_non_symmetric_type_needs_an_inverse_name(admin) -> None:
    for inverse in (None, "   "):
        payload = await create_type_payload(admin, "supplier of", inverse)
        assert only_error(payload) == (["inverseName"], "INVALID")
    assert await type_names(admin, include_inactive=True) == []


async def test_relation_type_names_are_unique(admin) -> None:
    await create_type(admin, "supplier of", "customer of")
    payload = await create_type_payload(admin, "supplier of", "buys from")
    assert only_error(payload) == (["name"], "CONFLICT")
    other = await create_type(admin, "agent of", "represented by")
    renamed = await mutate(admin, "updateRelationType", RELATION_TYPE, id=other["id"], name="supplier of")
    assert only_error(renamed) == (["name"], "CONFLICT")
    assert await type_names(admin) == ["agent of", "supplier of"]


async def test_only_admin_manages_relation_types(admin, make_caller) -> None:
    existing = await create_type(admin, "supplier of", "customer of")
    for role in ("TEAM", "BUSINESS", "READONLY"):
        caller = await make_caller(role, ("FINANCE", "SENSITIVE"))
        created = await create_type_payload(caller, f"made by {role}", "inverse")
        assert only_error(created) == ([], "FORBIDDEN"), role
        updated = await mutate(caller, "updateRelationType", RELATION_TYPE, id=existing["id"], name="hacked")
        assert only_error(updated)[1] == "FORBIDDEN", role
        deactivated = await mutate(caller, "deactivateRelationType", RELATION_TYPE, id=existing["id"])
        assert only_error(deactivated)[1] == "FORBIDDEN", role
        deleted = await mutate(caller, "deleteRelationType", "deletedId", id=existing["id"])
        assert only_error(deleted)[1] == "FORBIDDEN", role
        assert deleted["deletedId"] is None
        # Everyone may read the list.
        assert await type_names(caller) == ["supplier of"]
    data = await admin.gql(RELATION_TYPES, {"all": True})
    assert [(t["name"], t["active"], t["version"]) for t in data["relationTypes"]] == [
        ("supplier of", True, existing["version"])
    ]


async def test_relation_types_lists_active_ones_by_name_unless_include_inactive(admin) -> None:
    for name in ("supplier of", "agent of", "partner of"):
        await create_type(admin, name, "inverse " + name)
    agent = next(
        t
        for t in (await admin.gql(RELATION_TYPES, {"all": False}))["relationTypes"]
        if t["name"] == "agent of"
    )
    payload = await mutate(admin, "deactivateRelationType", RELATION_TYPE, id=agent["id"])
    assert payload["userErrors"] == []
    assert payload["relationType"]["active"] is False
    assert await type_names(admin) == ["partner of", "supplier of"]
    assert await type_names(admin, include_inactive=True) == ["agent of", "partner of", "supplier of"]
    # Reactivating brings it back.
    payload = await mutate(admin, "updateRelationType", RELATION_TYPE, id=agent["id"], active=True)
    assert payload["userErrors"] == []
    assert await type_names(admin) == ["agent of", "partner of", "supplier of"]


async def test_kinds_and_symmetry_are_fixed_once_in_use_but_renaming_is_fine(admin) -> None:
    unused = await create_type(admin, "agent of", "represented by")
    changed = await mutate(
        admin,
        "updateRelationType",
        RELATION_TYPE,
        id=unused["id"],
        sourceKinds=BOTH,
        targetKinds=BOTH,
        symmetric=True,
    )
    assert changed["userErrors"] == []
    assert changed["relationType"]["symmetric"] is True
    assert changed["relationType"]["inverseName"] == "agent of"
    assert sorted(changed["relationType"]["sourceKinds"]) == ["ORGANISATION", "PERSON"]

    used = await create_type(admin, "supplier of", "customer of")
    a, b = await create_organisation(admin, "Alfa BV"), await create_organisation(admin, "Beta BV")
    await relate(admin, used["id"], a, b)
    for change in ({"sourceKinds": BOTH}, {"targetKinds": PERSON}, {"symmetric": True}):
        payload = await mutate(admin, "updateRelationType", RELATION_TYPE, id=used["id"], **change)
        field, code = only_error(payload)
        assert code == "CONFLICT", change
        assert field == [next(iter(change))], change
    # Sending the current kinds again is no change at all.
    same = await mutate(
        admin, "updateRelationType", RELATION_TYPE, id=used["id"], sourceKinds=ORG, symmetric=False
    )
    assert same["userErrors"] == []

    renamed = await mutate(
        admin, "updateRelationType", RELATION_TYPE, id=used["id"], name="delivers to", inverseName="buys from"
    )
    assert renamed["userErrors"] == []
    assert renamed["relationType"]["name"] == "delivers to"
    assert renamed["relationType"]["sourceKinds"] == ["ORGANISATION"]
    assert renamed["relationType"]["symmetric"] is False
    # The new names show on the existing relation, from both ends.
    assert [e["label"] for e in (await party_relations(admin, a))["edges"]] == ["delivers to"]
    assert [e["label"] for e in (await party_relations(admin, b))["edges"]] == ["buys from"]


async def test_relation_type_update_with_stale_version_is_a_conflict(admin) -> None:
    created = await create_type(admin, "supplier of", "customer of")
    first = await mutate(
        admin,
        "updateRelationType",
        RELATION_TYPE,
        id=created["id"],
        expectedVersion=created["version"],
        description="x",
    )
    assert first["userErrors"] == []
    assert first["relationType"]["version"] > created["version"]
    stale = await mutate(
        admin,
        "updateRelationType",
        RELATION_TYPE,
        id=created["id"],
        expectedVersion=created["version"],
        name="y",
    )
    assert only_error(stale) == (["expectedVersion"], "CONFLICT")
    assert await type_names(admin) == ["supplier of"]


async def test_delete_relation_type_only_when_unused(admin) -> None:
    unused = await create_type(admin, "agent of", "represented by")
    used = await create_type(admin, "supplier of", "customer of")
    a, b = await create_organisation(admin, "Alfa BV"), await create_organisation(admin, "Beta BV")
    relation = await relate(admin, used["id"], a, b)

    deleted = await mutate(admin, "deleteRelationType", "deletedId", id=unused["id"])
    assert deleted == {"deletedId": unused["id"], "userErrors": []}
    assert (await admin.gql(NODE, {"id": unused["id"]}))["node"] is None
    assert await type_names(admin, include_inactive=True) == ["supplier of"]

    refused = await mutate(admin, "deleteRelationType", "deletedId", id=used["id"])
    assert only_error(refused)[1] == "CONFLICT"
    assert refused["deletedId"] is None
    assert (await admin.gql(NODE, {"id": used["id"]}))["node"] == {"id": used["id"], "name": "supplier of"}
    # Even an inactive relation keeps its type in use.
    assert (await mutate(admin, "updateRelation", RELATION, id=relation["id"], active=False))[
        "userErrors"
    ] == []
    refused = await mutate(admin, "deleteRelationType", "deletedId", id=used["id"])
    assert only_error(refused)[1] == "CONFLICT"


async def test_deactivated_type_cannot_be_used_but_existing_relations_keep_it(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    c = await create_organisation(admin, "Gamma BV")
    await relate(admin, supplier["id"], a, b)
    assert (await mutate(admin, "deactivateRelationType", RELATION_TYPE, id=supplier["id"]))[
        "userErrors"
    ] == []
    payload = await add_relation(admin, supplier["id"], a, c)
    assert only_error(payload) == (["typeId"], "INVALID")
    assert payload["relation"] is None
    listed = await party_relations(admin, a)
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["otherParty"]["id"] == b
    assert listed["edges"][0]["relation"]["type"]["name"] == "supplier of"


# --- adding relations ------------------------------------------------------------------------


async def test_add_relation_between_organisations_and_from_a_person(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    consultant = await create_type(admin, "consultant of", "advised by", source=PERSON, target=ORG)
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    jan = await create_person(admin, "Jansen", firstName="Jan")

    relation = await relate(
        admin, supplier["id"], a, b, startDate="2023-01-01", endDate="2099-12-31", note="Frame contract."
    )
    assert relation["type"] == {"id": supplier["id"], "name": "supplier of"}
    assert relation["source"] == {"id": a, "displayName": "Alfa BV"}
    assert relation["target"] == {"id": b, "displayName": "Beta BV"}
    assert (relation["startDate"], relation["endDate"], relation["note"]) == (
        "2023-01-01",
        "2099-12-31",
        "Frame contract.",
    )
    assert relation["active"] is True

    from_person = await relate(admin, consultant["id"], jan, a)
    assert from_person["source"] == {"id": jan, "displayName": "Jan Jansen"}
    assert from_person["target"]["id"] == a
    fetched = await admin.gql(NODE, {"id": from_person["id"]})
    assert fetched["node"]["type"]["name"] == "consultant of"


async def test_a_party_cannot_be_related_to_itself(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    payload = await add_relation(admin, supplier["id"], a, a)
    field, code = only_error(payload)
    assert code == "INVALID"
    assert field in (["targetId"], ["sourceId"])
    assert (await party_relations(admin, a))["totalCount"] == 0


async def test_kinds_the_type_does_not_allow_are_invalid_at_that_end(admin) -> None:
    org_to_org = await create_type(admin, "supplier of", "customer of", source=ORG, target=ORG)
    person_to_org = await create_type(admin, "consultant of", "advised by", source=PERSON, target=ORG)
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    jan = await create_person(admin, "Jansen", firstName="Jan")

    assert only_error(await add_relation(admin, org_to_org["id"], jan, a)) == (["sourceId"], "INVALID")
    assert only_error(await add_relation(admin, org_to_org["id"], a, jan)) == (["targetId"], "INVALID")
    assert only_error(await add_relation(admin, person_to_org["id"], a, b)) == (["sourceId"], "INVALID")
    assert only_error(
        await add_relation(admin, person_to_org["id"], jan, await create_person(admin, "Pietersen"))
    ) == (
        ["targetId"],
        "INVALID",
    )
    for party in (a, b, jan):
        assert (await party_relations(admin, party))["totalCount"] == 0


async def test_unknown_type_or_party_is_not_found(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    missing_org = encode_id("Organisation", 999_999)
    missing_type = encode_id("RelationType", 999_999)
    assert only_error(
        await add_relation(admin, missing_type, a, await create_organisation(admin, "Beta BV"))
    ) == (
        ["typeId"],
        "NOT_FOUND",
    )
    assert only_error(await add_relation(admin, supplier["id"], a, missing_org)) == (
        ["targetId"],
        "NOT_FOUND",
    )
    assert only_error(await add_relation(admin, supplier["id"], missing_org, a)) == (
        ["sourceId"],
        "NOT_FOUND",
    )


async def test_duplicate_active_relation_is_a_conflict(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    agent = await create_type(admin, "agent of", "represented by")
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    await relate(admin, supplier["id"], a, b)
    duplicate = await add_relation(admin, supplier["id"], a, b, note="again")
    assert only_error(duplicate)[1] == "CONFLICT"
    assert duplicate["relation"] is None
    # Non-symmetric: the other direction is a different relation (B also supplies A).
    await relate(admin, supplier["id"], b, a)
    # Another type between the same pair is fine too.
    await relate(admin, agent["id"], a, b)
    assert (await party_relations(admin, a))["totalCount"] == 3


async def test_symmetric_duplicate_in_either_direction_is_a_conflict(admin) -> None:
    partner = await create_type(admin, "partner of", symmetric=True)
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    await relate(admin, partner["id"], b, a)
    for source, target in ((a, b), (b, a)):
        payload = await add_relation(admin, partner["id"], source, target)
        assert only_error(payload)[1] == "CONFLICT"
    assert (await party_relations(admin, a))["totalCount"] == 1
    assert (await party_relations(admin, b))["totalCount"] == 1


async def test_after_ending_a_relation_an_identical_one_may_be_added(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    old = await relate(admin, supplier["id"], a, b, note="old")
    ended = await mutate(admin, "updateRelation", RELATION, id=old["id"], active=False)
    assert ended["userErrors"] == []
    assert ended["relation"]["active"] is False
    new = await relate(admin, supplier["id"], a, b, note="new")
    assert new["id"] != old["id"]
    # Reviving the old one would make two active duplicates.
    revived = await mutate(admin, "updateRelation", RELATION, id=old["id"], active=True)
    assert only_error(revived)[1] == "CONFLICT"
    listed = await party_relations(admin, a, inactive=True)
    assert sorted((e["relation"]["note"], e["relation"]["active"]) for e in listed["edges"]) == [
        ("new", True),
        ("old", False),
    ]


async def test_readonly_cannot_add_relations(admin, make_caller) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    readonly = await make_caller("READONLY", ("FINANCE", "SENSITIVE"))
    payload = await add_relation(readonly, supplier["id"], a, b)
    assert only_error(payload) == ([], "FORBIDDEN")
    assert (await party_relations(admin, a))["totalCount"] == 0
    # BUSINESS may write relations (R5).
    business = await make_caller("BUSINESS")
    await relate(business, supplier["id"], a, b)


# --- reading relations from either end -------------------------------------------------------


async def test_edges_read_from_each_party_side(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    partner = await create_type(admin, "partner of", symmetric=True, source=BOTH, target=BOTH)
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    jan = await create_person(admin, "Jansen", firstName="Jan")
    supplies = await relate(admin, supplier["id"], a, b)
    partners = await relate(admin, partner["id"], jan, a)

    from_a = await party_relations(admin, a)
    edges = {e["relation"]["id"]: e for e in from_a["edges"]}
    assert from_a["totalCount"] == 2
    assert edges[supplies["id"]]["label"] == "supplier of"
    assert edges[supplies["id"]]["direction"] == "OUTGOING"
    assert edges[supplies["id"]]["otherParty"] == {"id": b, "kind": "ORGANISATION", "displayName": "Beta BV"}
    assert edges[partners["id"]]["label"] == "partner of"
    assert edges[partners["id"]]["direction"] == "SYMMETRIC"
    assert edges[partners["id"]]["otherParty"] == {"id": jan, "kind": "PERSON", "displayName": "Jan Jansen"}

    from_b = await party_relations(admin, b)
    assert [(e["label"], e["direction"], e["otherParty"]["id"]) for e in from_b["edges"]] == [
        ("customer of", "INCOMING", a)
    ]
    from_jan = await party_relations(admin, jan)
    assert [(e["label"], e["direction"], e["otherParty"]["id"]) for e in from_jan["edges"]] == [
        ("partner of", "SYMMETRIC", a)
    ]


async def test_filter_by_type_and_direction(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    agent = await create_type(admin, "agent of", "represented by")
    partner = await create_type(admin, "partner of", symmetric=True)
    hub = await create_organisation(admin, "Hub BV")
    x = await create_organisation(admin, "X BV")
    y = await create_organisation(admin, "Y BV")
    z = await create_organisation(admin, "Z BV")
    out_supplier = await relate(admin, supplier["id"], hub, x)
    in_supplier = await relate(admin, supplier["id"], y, hub)
    out_agent = await relate(admin, agent["id"], hub, z)
    sym = await relate(admin, partner["id"], z, hub)

    def ids(connection: dict[str, Any]) -> set[str]:
        assert connection["totalCount"] == len(connection["edges"])
        return {e["relation"]["id"] for e in connection["edges"]}

    assert ids(await party_relations(admin, hub)) == {
        out_supplier["id"],
        in_supplier["id"],
        out_agent["id"],
        sym["id"],
    }
    assert ids(await party_relations(admin, hub, types=[supplier["id"]])) == {
        out_supplier["id"],
        in_supplier["id"],
    }
    assert ids(await party_relations(admin, hub, types=[supplier["id"], partner["id"]])) == {
        out_supplier["id"],
        in_supplier["id"],
        sym["id"],
    }
    assert ids(await party_relations(admin, hub, direction="OUTGOING")) == {
        out_supplier["id"],
        out_agent["id"],
    }
    assert ids(await party_relations(admin, hub, direction="INCOMING")) == {in_supplier["id"]}
    assert ids(await party_relations(admin, hub, direction="SYMMETRIC")) == {sym["id"]}
    assert ids(await party_relations(admin, hub, types=[supplier["id"]], direction="INCOMING")) == {
        in_supplier["id"]
    }
    assert ids(await party_relations(admin, hub, types=[agent["id"]], direction="INCOMING")) == set()


async def test_inactive_relations_are_hidden_unless_asked(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    c = await create_organisation(admin, "Gamma BV")
    ended = await relate(admin, supplier["id"], a, b)
    await relate(admin, supplier["id"], a, c)
    assert (await mutate(admin, "updateRelation", RELATION, id=ended["id"], active=False))["userErrors"] == []

    default = await party_relations(admin, a)
    assert default["totalCount"] == 1
    assert [e["otherParty"]["id"] for e in default["edges"]] == [c]
    everything = await party_relations(admin, a, inactive=True)
    assert everything["totalCount"] == 2
    assert {e["relation"]["id"]: e["relation"]["active"] for e in everything["edges"]}[ended["id"]] is False
    # The other end hides it too.
    assert (await party_relations(admin, b))["totalCount"] == 0
    assert (await party_relations(admin, b, inactive=True))["totalCount"] == 1


async def test_relations_paginate_with_first_and_after(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    hub = await create_organisation(admin, "Hub BV")
    expected = []
    for i in range(5):
        other = await create_organisation(admin, f"Customer {i}")
        expected.append((await relate(admin, supplier["id"], hub, other))["id"])

    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await party_relations(admin, hub, first=2, after=after)
        assert page["totalCount"] == 5
        assert len(page["edges"]) <= 2
        seen += [e["relation"]["id"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert pages == 3
    assert sorted(seen) == sorted(expected)
    assert len(set(seen)) == 5


# --- updating and deleting --------------------------------------------------------------------


async def test_update_relation_note_and_dates(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    relation = await relate(admin, supplier["id"], a, b, startDate="2023-01-01", note="first")
    payload = await mutate(
        admin,
        "updateRelation",
        RELATION,
        id=relation["id"],
        expectedVersion=relation["version"],
        note="second",
        endDate="2024-06-30",
    )
    assert payload["userErrors"] == []
    updated = payload["relation"]
    assert (updated["note"], updated["startDate"], updated["endDate"]) == (
        "second",
        "2023-01-01",
        "2024-06-30",
    )
    assert updated["version"] > relation["version"]
    assert updated["source"]["id"] == a and updated["target"]["id"] == b

    stale = await mutate(
        admin, "updateRelation", RELATION, id=relation["id"], expectedVersion=relation["version"], note="lost"
    )
    assert only_error(stale) == (["expectedVersion"], "CONFLICT")
    backwards = await mutate(admin, "updateRelation", RELATION, id=relation["id"], endDate="2022-12-31")
    assert only_error(backwards) == (["endDate"], "INVALID")
    # Neither refused change was stored.
    fetched = (await admin.gql(NODE, {"id": relation["id"]}))["node"]
    assert (fetched["note"], fetched["endDate"], fetched["version"]) == (
        "second",
        "2024-06-30",
        updated["version"],
    )


async def test_add_relation_with_end_before_start_is_invalid(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    payload = await add_relation(admin, supplier["id"], a, b, startDate="2024-01-01", endDate="2023-01-01")
    assert only_error(payload) == (["endDate"], "INVALID")


async def test_delete_relation(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of")
    a = await create_organisation(admin, "Alfa BV")
    b = await create_organisation(admin, "Beta BV")
    relation = await relate(admin, supplier["id"], a, b)
    stale = await mutate(
        admin, "deleteRelation", "deletedId", id=relation["id"], expectedVersion=relation["version"] + 1
    )
    assert only_error(stale) == (["expectedVersion"], "CONFLICT")
    payload = await mutate(
        admin, "deleteRelation", "deletedId", id=relation["id"], expectedVersion=relation["version"]
    )
    assert payload == {"deletedId": relation["id"], "userErrors": []}
    assert (await admin.gql(NODE, {"id": relation["id"]}))["node"] is None
    assert (await party_relations(admin, a, inactive=True))["totalCount"] == 0
    again = await mutate(admin, "deleteRelation", "deletedId", id=relation["id"])
    assert only_error(again) == (["id"], "NOT_FOUND")


# --- R1: persons hidden from BUSINESS ---------------------------------------------------------


async def test_relations_to_hidden_persons_are_invisible_to_business(admin, make_caller) -> None:
    contact = await create_type(admin, "contact of", "has contact", source=ORG, target=PERSON)
    a = await create_organisation(admin, "Alfa BV")
    hidden = await create_person(
        admin, "Verborgen", firstName="Henk"
    )  # no membership: not a business relation
    visible = await create_person(admin, "Zichtbaar", firstName="Zoë")
    await add_membership(admin, visible, a)
    to_hidden = await relate(admin, contact["id"], a, hidden, note="secret")
    to_visible = await relate(admin, contact["id"], a, visible)
    business = await make_caller("BUSINESS", ("FINANCE", "SENSITIVE"))

    seen = await party_relations(business, a)
    assert seen["totalCount"] == 1
    assert [e["relation"]["id"] for e in seen["edges"]] == [to_visible["id"]]
    assert (await party_relations(business, a, inactive=True))["totalCount"] == 1
    assert (await business.gql(NODE, {"id": to_hidden["id"]}))["node"] is None
    assert (await business.gql(NODE, {"id": to_visible["id"]}))["node"]["target"]["id"] == visible

    updated = await mutate(business, "updateRelation", RELATION, id=to_hidden["id"], note="changed")
    assert only_error(updated) == (["id"], "NOT_FOUND")
    assert updated["relation"] is None
    deleted = await mutate(business, "deleteRelation", "deletedId", id=to_hidden["id"])
    assert only_error(deleted) == (["id"], "NOT_FOUND")
    other = await create_organisation(admin, "Beta BV")
    added = await add_relation(business, contact["id"], other, hidden)
    assert only_error(added) == (["targetId"], "NOT_FOUND")
    works_at = await create_type(admin, "works at", "employs", source=PERSON, target=ORG)
    added = await add_relation(business, works_at["id"], hidden, other)
    assert only_error(added) == (["sourceId"], "NOT_FOUND")

    # ADMIN and TEAM see everything, unchanged by BUSINESS's attempts.
    team = await make_caller("TEAM")
    for caller in (admin, team):
        listed = await party_relations(caller, a)
        assert listed["totalCount"] == 2
        notes = {e["relation"]["id"]: e["relation"]["note"] for e in listed["edges"]}
        assert notes[to_hidden["id"]] == "secret"
        assert (await caller.gql(NODE, {"id": to_hidden["id"]}))["node"]["target"]["id"] == hidden
    assert (await party_relations(admin, other))["totalCount"] == 0

    # Once the person becomes a business relation, BUSINESS sees the relation.
    await add_membership(admin, hidden, other)
    assert (await party_relations(business, a))["totalCount"] == 2


# --- statement counts -------------------------------------------------------------------------

RELATIONS_SELECTION = """
relations {
  totalCount
  edges { label direction otherParty { displayName } relation { type { name } } }
}"""
ONE_ORG = f"query($id: ID!) {{ organisation(id: $id) {{ name {RELATIONS_SELECTION} }} }}"
MANY_ORGS = f"query {{ organisations(first: 20) {{ nodes {{ name {RELATIONS_SELECTION} }} }} }}"


async def test_relations_are_batched_statement_count_follows_query_shape(admin) -> None:
    supplier = await create_type(admin, "supplier of", "customer of", target=BOTH)
    partner = await create_type(admin, "partner of", symmetric=True)
    orgs = [await create_organisation(admin, f"Org {i:02d}") for i in range(12)]
    for i, org in enumerate(orgs):
        nxt = orgs[(i + 1) % len(orgs)]
        await relate(admin, supplier["id"], org, nxt)  # outgoing here, incoming at the next one
        person = await create_person(admin, f"Person {i:02d}")
        await relate(admin, supplier["id"], org, person)
        if i % 2 == 0:
            await relate(admin, partner["id"], org, nxt)

    one, one_count = await admin.counted(ONE_ORG, {"id": orgs[0]})
    edges = one["organisation"]["relations"]["edges"]
    assert one["organisation"]["relations"]["totalCount"] == 4
    assert {(e["label"], e["direction"]) for e in edges} == {
        ("supplier of", "OUTGOING"),
        ("customer of", "INCOMING"),
        ("partner of", "SYMMETRIC"),
    }
    assert {e["otherParty"]["displayName"] for e in edges} == {"Org 01", "Org 11", "Person 00"}

    many, many_count = await admin.counted(MANY_ORGS)
    nodes = many["organisations"]["nodes"]
    assert len(nodes) == 12
    assert all(n["relations"]["totalCount"] >= 3 for n in nodes)
    assert sum(len(n["relations"]["edges"]) for n in nodes) == 12 * 3 + 6 * 2
    assert many_count == one_count
