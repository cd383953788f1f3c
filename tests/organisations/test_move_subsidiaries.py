"""moveSubsidiaries: all direct subsidiaries to a new parent, cycle-safe, with a dry run."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers import USER_ERRORS, codes, create_organisation, errors, ok
from sqlalchemy import select

from relgraph.db.models import AuditEvent, Organisation

ARCHIVE = f"""
mutation($id: ID!) {{ archiveOrganisation(input: {{id: $id}}) {{ organisation {{ id }} {USER_ERRORS} }} }}"""
MOVE = f"""
mutation($input: MoveSubsidiariesInput!) {{
  moveSubsidiaries(input: $input) {{
    movedOrganisations {{ name parent {{ name }} }}
    fromOrganisation {{ name }}
    toOrganisation {{ name }}
    dryRun
    {USER_ERRORS}
  }}
}}"""
TREE = """
query($id: ID!) {
  organisation(id: $id) { descendants(first: 100, includeArchived: true) { edges { depth node { name } } } }
}"""


async def create_org(caller: Any, name: str, parent: str | None = None) -> str:
    org = await create_organisation(caller, name)
    if parent:
        await ok(caller, "setParentOrganisation", "organisation { id }", organisationId=org, parentId=parent)
    return org


async def move(caller: Any, source: str, target: str, dry_run: bool = False) -> dict[str, Any]:
    data = await caller.gql(
        MOVE, {"input": {"fromOrganisationId": source, "toOrganisationId": target, "dryRun": dry_run}}
    )
    return data["moveSubsidiaries"]


async def tree(caller: Any, root: str) -> list[tuple[int, str]]:
    data = await caller.gql(TREE, {"id": root})
    return sorted((e["depth"], e["node"]["name"]) for e in data["organisation"]["descendants"]["edges"])


async def parents(sessionmaker: Any) -> dict[str, Any]:
    async with sessionmaker() as session:
        return dict((await session.execute(select(Organisation.name, Organisation.parent_id))).all())


@pytest.fixture
async def groups(admin: Any) -> dict[str, str]:
    """Old holding with two subsidiaries (one archived) and a grandchild; a new holding."""
    old = await create_org(admin, "Oude Holding")
    a = await create_org(admin, "Dochter A", old)
    b = await create_org(admin, "Dochter B", old)
    grandchild = await create_org(admin, "Kleindochter", a)
    assert (await admin.gql(ARCHIVE, {"id": b}))["archiveOrganisation"]["userErrors"] == []
    new = await create_org(admin, "Nieuwe Holding")
    return {"old": old, "a": a, "b": b, "grandchild": grandchild, "new": new}


async def test_all_direct_subsidiaries_move_with_their_own(admin, groups, sessionmaker) -> None:
    payload = await move(admin, groups["old"], groups["new"])
    assert payload["userErrors"] == []
    assert sorted((o["name"], o["parent"]["name"]) for o in payload["movedOrganisations"]) == [
        ("Dochter A", "Nieuwe Holding"),
        ("Dochter B", "Nieuwe Holding"),
    ]
    assert payload["fromOrganisation"] == {"name": "Oude Holding"}
    assert payload["toOrganisation"] == {"name": "Nieuwe Holding"}
    assert await tree(admin, groups["new"]) == [(1, "Dochter A"), (1, "Dochter B"), (2, "Kleindochter")]
    assert await tree(admin, groups["old"]) == []
    async with sessionmaker() as session:
        events = (
            (await session.execute(select(AuditEvent.action).where(AuditEvent.reason.like("Moved with%"))))
            .scalars()
            .all()
        )
    assert events == ["SET_PARENT", "SET_PARENT"]


async def test_nothing_to_move_is_no_error(admin, groups) -> None:
    payload = await move(admin, groups["new"], groups["old"])
    assert payload["userErrors"] == [] and payload["movedOrganisations"] == []


async def test_a_dry_run_reports_and_changes_nothing(admin, groups, sessionmaker) -> None:
    before = await parents(sessionmaker)
    payload = await move(admin, groups["old"], groups["new"], dry_run=True)
    assert payload["dryRun"] is True and payload["userErrors"] == []
    assert len(payload["movedOrganisations"]) == 2
    assert {o["parent"]["name"] for o in payload["movedOrganisations"]} == {"Nieuwe Holding"}
    assert await parents(sessionmaker) == before


async def test_moving_under_one_of_them_or_below_is_a_cycle(admin, groups, sessionmaker) -> None:
    before = await parents(sessionmaker)
    for inside in ("a", "grandchild"):
        payload = await move(admin, groups["old"], groups[inside])
        assert errors(payload) == [(["toOrganisationId"], "CYCLE")], inside
    same = await move(admin, groups["old"], groups["old"])
    assert errors(same) == [(["toOrganisationId"], "INVALID")]
    missing = await move(admin, groups["old"], "T3JnYW5pc2F0aW9uOjk5OTk5")
    assert errors(missing) == [(["toOrganisationId"], "NOT_FOUND")]
    assert await parents(sessionmaker) == before
    # Up the tree is fine: the grandchild's parent's subsidiaries go to the top.
    up = await move(admin, groups["a"], groups["old"])
    assert [o["name"] for o in up["movedOrganisations"]] == ["Kleindochter"]


async def test_business_may_move_and_readonly_may_not(admin, make_caller, groups, sessionmaker) -> None:
    before = await parents(sessionmaker)
    readonly = await make_caller("READONLY")
    refused = await move(readonly, groups["old"], groups["new"])
    assert codes(refused) == ["FORBIDDEN"]
    assert await parents(sessionmaker) == before
    business = await make_caller("BUSINESS")
    assert (await move(business, groups["old"], groups["new"]))["userErrors"] == []


@pytest.mark.postgres_only
async def test_concurrent_crossing_moves_never_make_a_cycle(admin, make_caller, sessionmaker) -> None:
    """X1 under A and Y1 under B; at once A's subsidiaries under Y1 and B's under X1."""
    other = await make_caller("TEAM")
    for round_ in range(10):
        a, b = await create_org(admin, f"A{round_}"), await create_org(admin, f"B{round_}")
        x1, y1 = await create_org(admin, f"X1-{round_}", a), await create_org(admin, f"Y1-{round_}", b)
        first, second = await asyncio.gather(
            admin.post(MOVE, {"input": {"fromOrganisationId": a, "toOrganisationId": y1}}),
            other.post(MOVE, {"input": {"fromOrganisationId": b, "toOrganisationId": x1}}),
        )
        codes = []
        for response in (first, second):
            body = response.json()
            assert "errors" not in body, body
            codes.append([e["code"] for e in body["data"]["moveSubsidiaries"]["userErrors"]] or ["ok"])
        assert sorted(codes) == [["CYCLE"], ["ok"]], f"round {round_}: {codes}"
        async with sessionmaker() as session:
            parent = dict((await session.execute(select(Organisation.id, Organisation.parent_id))).all())
        for start in parent:
            seen, node = set(), start
            while node is not None:
                assert node not in seen, f"round {round_}: cycle through {node}"
                seen.add(node)
                node = parent[node]
