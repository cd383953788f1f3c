"""mergeOrganisations: everything moves to the survivor, duplicates merge, the source points on."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any

import pytest
from helpers import USER_ERRORS, codes, errors, insert_organisation, insert_person, organisation_id
from sqlalchemy import func, select

from relgraph.db.models import (
    Address,
    AuditEvent,
    BankAccount,
    ContactMean,
    CustomerGroup,
    Document,
    InternalRelation,
    InternalRelationCategory,
    Membership,
    MembershipTag,
    Organisation,
    PartyGroup,
    PartyType,
    PartyTypeLink,
    Person,
    PurchaseRelation,
    Relation,
    RelationType,
    SalesRelation,
    User,
)
from relgraph.graphql.core.ids import encode_id

COUNTS = """
  membershipsMoved membershipsMerged subsidiariesMoved relationsMoved relationsMerged relationsDropped
  internalRelationsMoved internalRelationsMerged documentsMoved partyTypesAdded typedDataMoved
  typedDataMerged addressesMoved contactMeansMoved contactMeansMerged bankAccountsMoved bankAccountsMerged
  customerGroupsAdded earlierMergesRedirected
"""
MERGE = f"""
mutation($input: MergeOrganisationsInput!) {{
  mergeOrganisations(input: $input) {{
    source {{ id archived mergedInto {{ id name }} }}
    target {{ id name archived mergedInto {{ id }} }}
    counts {{ {COUNTS} }}
    dryRun
    {USER_ERRORS}
  }}
}}"""
FOLLOW = """
query($id: ID!) {
  organisation(id: $id) { id name archived mergedInto { id name mergedInto { id } } }
  node(id: $id) { id ... on Organisation { name mergedInto { id name } } }
}"""
CARD = """
query($id: ID!) {
  organisation(id: $id) {
    email phone
    visitAddress { city }
    subsidiaries(first: 50) { nodes { name } }
    memberships(first: 50, includeInactive: true) {
      nodes { active role department tags person { lastName } }
    }
    relations(first: 50) { edges { label direction otherParty { displayName } } }
    accountManagers { name }
  }
}"""


@dataclass
class World:
    source: int
    target: int
    child: int
    grandchild: int
    other: int
    users: dict[str, int]


def _membership(person: Person, org: Organisation, **values: Any) -> Membership:
    return Membership(
        person_id=person.id, organisation_id=org.id, active=values.pop("active", True), **values
    )


async def build_world(sessionmaker: Any, admin_id: int) -> World:
    """A source with some of everything, half of which the target has too."""
    async with sessionmaker() as session:
        # Creation order fixes the ids: lower < source < middle < target < higher (symmetric pairs).
        lower = await insert_organisation(session, "Laag BV")
        source = await insert_organisation(session, "Bron BV")
        middle = await insert_organisation(session, "Midden BV")
        target = await insert_organisation(session, "Doel BV")
        higher = await insert_organisation(session, "Hoog BV")
        child = await insert_organisation(session, "Dochter BV", parent_id=source.id)
        grandchild = await insert_organisation(session, "Kleindochter BV", parent_id=child.id)
        archived_child = await insert_organisation(
            session, "Oude Dochter BV", parent_id=source.id, archived=True
        )
        del archived_child

        # Memberships: a duplicate (same person and role), a plain move, an ended one, another role.
        both, only, ended = [await insert_person(session, n) for n in ("Beiden", "Alleen", "Vertrokken")]
        dup_source = _membership(
            both,
            source,
            role="Beslisser",
            department="Inkoop",
            phone1="020 1111111",
            start_date=dt.date(2019, 1, 1),
        )
        dup_target = _membership(
            both,
            target,
            role="Beslisser",
            department=None,
            job_title="Inkoper",
            start_date=dt.date(2021, 1, 1),
        )
        other_role = _membership(both, source, role="Gebruiker")
        session.add_all(
            [
                dup_source,
                dup_target,
                other_role,
                _membership(only, source, role="Contact"),
                _membership(
                    ended,
                    source,
                    role="Beslisser",
                    active=False,
                    start_date=dt.date(2010, 1, 1),
                    end_date=dt.date(2015, 1, 1),
                ),
            ]
        )
        await session.flush()
        session.add_all(
            [
                MembershipTag(membership_id=dup_source.id, tag="nieuwsbrief"),
                MembershipTag(membership_id=dup_source.id, tag="beurs"),
                MembershipTag(membership_id=dup_target.id, tag="nieuwsbrief"),
            ]
        )

        # Relations: supplier of (directed), partner of (symmetric, stored low id first).
        supplier = RelationType(
            name="leverancier van",
            inverse_name="klant van",
            symmetric=False,
            source_kinds=["ORGANISATION"],
            target_kinds=["ORGANISATION"],
        )
        partner = RelationType(
            name="partner van",
            inverse_name="partner van",
            symmetric=True,
            source_kinds=["ORGANISATION"],
            target_kinds=["ORGANISATION"],
        )
        session.add_all([supplier, partner])
        await session.flush()

        def rel(kind: RelationType, a: Organisation, b: Organisation, **values: Any) -> Relation:
            return Relation(
                type_id=kind.id, source_id=a.id, target_id=b.id, active=values.pop("active", True), **values
            )

        session.add_all(
            [
                rel(supplier, source, lower),  # moves: target -> lower
                rel(supplier, higher, source),  # moves: higher -> target
                rel(supplier, source, target),  # between the two: dropped
                rel(partner, lower, source),  # symmetric duplicate of lower-target: merged
                rel(partner, lower, target),
                rel(partner, source, middle),  # symmetric, re-stored as (middle, target)
                rel(supplier, target, higher),  # the target's own
                rel(supplier, higher, source, active=False, end_date=dt.date(2015, 1, 1)),  # ended: moves
            ]
        )

        # Internal relations: the same account manager on both (merged), another one (moves).
        ann = User(email="ann@x.nl", name="Ann Beheer", role="TEAM", permissions=[])
        bob = User(email="bob@x.nl", name="Bob Beheer", role="TEAM", permissions=[])
        session.add_all([ann, bob])
        await session.flush()
        category = await session.scalar(
            select(InternalRelationCategory).where(InternalRelationCategory.code == "ACCOUNT_MANAGER")
        )
        session.add_all(
            [
                InternalRelation(
                    user_id=ann.id, party_id=source.id, category_id=category.id, since=dt.date(2020, 1, 1)
                ),
                InternalRelation(user_id=ann.id, party_id=target.id, category_id=category.id),
                InternalRelation(user_id=bob.id, party_id=source.id, category_id=category.id),
            ]
        )

        # Documents, party types and their data, addresses.
        session.add(
            Document(
                party_id=source.id,
                filename="contract.pdf",
                content_type="application/pdf",
                size=3,
                sha256="a" * 64,
                uploaded_by_id=admin_id,
            )
        )
        types = {t.code: t.id for t in await session.scalars(select(PartyType))}
        session.add_all(
            [
                PartyTypeLink(party_id=source.id, party_type_id=types["CUSTOMER"]),
                PartyTypeLink(party_id=source.id, party_type_id=types["SUPPLIER"]),
                PartyTypeLink(party_id=target.id, party_type_id=types["CUSTOMER"]),
                SalesRelation(party_id=source.id, credit_limit=decimal.Decimal("1000.00")),
                SalesRelation(party_id=target.id, credit_limit=decimal.Decimal("5000.00")),
                PurchaseRelation(party_id=source.id, our_account_number="K-1"),
                Address(party_id=source.id, kind="VISIT", city="Zwolle", is_head_office=True),
                Address(party_id=target.id, kind="VISIT", city="Utrecht", is_head_office=True),
                # Contact means: the target's email stays primary, the source's phone becomes it.
                ContactMean(party_id=source.id, kind="EMAIL", value="info@bron.nl", is_primary=True),
                ContactMean(party_id=source.id, kind="PHONE", value="+31381234567", is_primary=True),
                ContactMean(party_id=source.id, kind="WEBSITE", value="https://samen.nl", is_primary=True),
                ContactMean(party_id=target.id, kind="EMAIL", value="info@doel.nl", is_primary=True),
                ContactMean(party_id=target.id, kind="WEBSITE", value="https://samen.nl", is_primary=True),
                BankAccount(party_id=source.id, iban="NL91ABNA0417164300", is_primary=True),
                BankAccount(party_id=target.id, iban="NL91ABNA0417164300", is_primary=True),
                BankAccount(party_id=source.id, iban="NL20INGB0001234567", is_primary=False),
            ]
        )
        group = CustomerGroup(name="Sleutelklanten", name_key="sleutelklanten")
        session.add(group)
        await session.flush()
        session.add(PartyGroup(group_id=group.id, party_id=source.id))
        await session.commit()
        return World(source.id, target.id, child.id, grandchild.id, lower.id, {"ann": ann.id, "bob": bob.id})


async def merge(caller: Any, source: int, target: int, dry_run: bool = False) -> dict[str, Any]:
    data = await caller.gql(
        MERGE,
        {
            "input": {
                "sourceId": organisation_id(source),
                "targetId": organisation_id(target),
                "dryRun": dry_run,
            }
        },
    )
    return data["mergeOrganisations"]


async def snapshot(sessionmaker: Any) -> dict[str, Any]:
    """The rows a merge touches: equal before and after means nothing changed."""
    tables = [
        Organisation,
        Membership,
        MembershipTag,
        Relation,
        InternalRelation,
        Document,
        PartyTypeLink,
        SalesRelation,
        PurchaseRelation,
        Address,
        ContactMean,
        BankAccount,
        PartyGroup,
    ]
    async with sessionmaker() as session:
        found = {}
        for model in tables:
            rows = (await session.execute(select(model.__table__))).all()
            found[model.__name__] = sorted(tuple(str(v) for v in r) for r in rows)
        # Staff accounts' events (a caller made for the test) are not what a merge touches.
        found["audit"] = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type != "User")
        )
    return found


EXPECTED_COUNTS = {
    "membershipsMoved": 3,
    "membershipsMerged": 1,
    "subsidiariesMoved": 2,
    "relationsMoved": 4,
    "relationsMerged": 1,
    "relationsDropped": 1,
    "internalRelationsMoved": 1,
    "internalRelationsMerged": 1,
    "documentsMoved": 1,
    "partyTypesAdded": 1,
    "typedDataMoved": 1,
    "typedDataMerged": 1,
    "addressesMoved": 1,
    "contactMeansMoved": 2,
    "contactMeansMerged": 1,
    "bankAccountsMoved": 1,
    "bankAccountsMerged": 1,
    "customerGroupsAdded": 1,
    "earlierMergesRedirected": 0,
}


async def test_a_merge_moves_everything_and_merges_duplicates(admin, sessionmaker) -> None:
    w = await build_world(sessionmaker, admin.user_id)
    payload = await merge(admin, w.source, w.target)
    assert payload["userErrors"] == [], payload
    assert payload["counts"] == EXPECTED_COUNTS
    assert payload["source"] == {
        "id": organisation_id(w.source),
        "archived": True,
        "mergedInto": {"id": organisation_id(w.target), "name": "Doel BV"},
    }
    assert payload["target"]["archived"] is False and payload["target"]["mergedInto"] is None

    card = (await admin.gql(CARD, {"id": organisation_id(w.target)}))["organisation"]
    assert card["visitAddress"] == {"city": "Utrecht"}, "the target's head office stays"
    assert (card["email"], card["phone"]) == ("info@doel.nl", "+31381234567"), (
        "its primary email stays; a phone it lacked"
    )
    assert sorted(n["name"] for n in card["subsidiaries"]["nodes"]) == [
        "Dochter BV"
    ]  # the archived one is hidden
    people = sorted(
        (n["person"]["lastName"], n["role"], n["active"], n["department"], tuple(n["tags"]))
        for n in card["memberships"]["nodes"]
    )
    assert people == [
        ("Alleen", "Contact", True, None, ()),
        # The target's membership stays, its gaps filled from the source's, tags joined.
        ("Beiden", "Beslisser", True, "Inkoop", ("beurs", "nieuwsbrief")),
        ("Beiden", "Gebruiker", True, None, ()),
        ("Vertrokken", "Beslisser", False, None, ()),
    ]
    relations = sorted(
        (n["label"], n["direction"], n["otherParty"]["displayName"]) for n in card["relations"]["edges"]
    )
    assert relations == [
        ("klant van", "INCOMING", "Hoog BV"),
        ("leverancier van", "OUTGOING", "Hoog BV"),
        ("leverancier van", "OUTGOING", "Laag BV"),
        ("partner van", "SYMMETRIC", "Laag BV"),
        ("partner van", "SYMMETRIC", "Midden BV"),
    ]
    assert sorted(u["name"] for u in card["accountManagers"]) == ["Ann Beheer", "Bob Beheer"]

    async with sessionmaker() as session:
        # The duplicate membership ended at the (archived) source, with its history.
        left = (
            await session.execute(
                select(Membership.active, Membership.end_date).where(Membership.organisation_id == w.source)
            )
        ).all()
        assert left == [(False, dt.date.today())]
        # Symmetric relations are stored low id first, also after the merge.
        for source_id, target_id in (
            await session.execute(
                select(Relation.source_id, Relation.target_id)
                .join(RelationType)
                .where(RelationType.symmetric.is_(True))
            )
        ).all():
            assert source_id < target_id
        # Target keeps its own sales data; it gained the supplier type and data.
        assert (
            await session.scalar(select(SalesRelation.credit_limit).where(SalesRelation.party_id == w.target))
            == 5000
        )
        assert (
            await session.scalar(
                select(PurchaseRelation.our_account_number).where(PurchaseRelation.party_id == w.target)
            )
            == "K-1"
        )
        assert await session.scalar(select(func.count()).where(SalesRelation.party_id == w.source)) == 0
        types = await session.scalar(
            select(func.count()).select_from(PartyTypeLink).where(PartyTypeLink.party_id == w.target)
        )
        assert types == 2
        heads = (
            await session.execute(
                select(Address.city, Address.is_head_office).where(Address.party_id == w.target)
            )
        ).all()
        assert sorted(heads) == [("Utrecht", True), ("Zwolle", False)]
        assert await session.scalar(select(Document.party_id)) == w.target
        # One audit event per changed object; the merge itself on both organisations.
        merges = (
            (await session.execute(select(AuditEvent.object_id).where(AuditEvent.action == "MERGE")))
            .scalars()
            .all()
        )
        assert sorted(merges) == sorted([w.source, w.target])
        target_text = await session.scalar(
            select(Organisation.search_text).where(Organisation.id == w.target)
        )
        assert "zwolle" in target_text, "search finds the target by the moved address's city"


async def test_the_merged_source_still_resolves_and_points_to_the_survivor(admin, sessionmaker) -> None:
    w = await build_world(sessionmaker, admin.user_id)
    async with sessionmaker() as session:
        earlier = await insert_organisation(session, "Nog Ouder BV")
        await session.commit()
    # An organisation merged into the source before now points to the target directly.
    assert (await merge(admin, earlier.id, w.source))["userErrors"] == []
    payload = await merge(admin, w.source, w.target)
    assert payload["counts"]["earlierMergesRedirected"] == 1
    for old in (w.source, earlier.id):
        data = await admin.gql(FOLLOW, {"id": organisation_id(old)})
        assert data["organisation"]["archived"] is True
        assert data["organisation"]["mergedInto"]["id"] == organisation_id(w.target)
        assert data["organisation"]["mergedInto"]["mergedInto"] is None
        assert data["node"]["mergedInto"] == {"id": organisation_id(w.target), "name": "Doel BV"}
    # A merged organisation takes no changes, neither to itself nor to what hangs on it.
    source = organisation_id(w.source)
    refused = await admin.gql(
        """mutation($id: ID!) {
          updateOrganisation(input: {id: $id, description: "nieuw"}) { userErrors { field code } }
          addContactMean(input: {partyId: $id, kind: EMAIL, value: "oud@example.nl"}) { userErrors { field code } }
        }""",
        {"id": source},
    )
    assert refused["updateOrganisation"]["userErrors"] == [{"field": ["id"], "code": "INVALID"}]
    assert refused["addContactMean"]["userErrors"] == [{"field": ["partyId"], "code": "INVALID"}]


async def test_a_dry_run_reports_the_same_counts_and_changes_nothing(admin, sessionmaker) -> None:
    w = await build_world(sessionmaker, admin.user_id)
    before = await snapshot(sessionmaker)
    dry = await merge(admin, w.source, w.target, dry_run=True)
    assert dry["userErrors"] == [] and dry["dryRun"] is True
    assert dry["counts"] == EXPECTED_COUNTS
    assert dry["source"]["mergedInto"]["id"] == organisation_id(w.target)
    assert await snapshot(sessionmaker) == before
    real = await merge(admin, w.source, w.target)
    assert real["counts"] == dry["counts"]


async def test_merging_into_an_organisation_below_the_source_is_a_cycle(admin, sessionmaker) -> None:
    w = await build_world(sessionmaker, admin.user_id)
    before = await snapshot(sessionmaker)
    for below in (w.child, w.grandchild):
        payload = await merge(admin, w.source, below)
        assert errors(payload) == [(["targetId"], "CYCLE")]
        assert payload["counts"] is None
    assert await snapshot(sessionmaker) == before
    # The other way round is fine: a subsidiary merged into its group's top.
    payload = await merge(admin, w.grandchild, w.source)
    assert payload["userErrors"] == []


async def test_refused_merges(admin, sessionmaker) -> None:
    w = await build_world(sessionmaker, admin.user_id)
    cases = [
        (w.source, w.source, ["targetId"], "INVALID"),
        (w.source, 999_999, ["targetId"], "NOT_FOUND"),
        (999_999, w.target, ["sourceId"], "NOT_FOUND"),
    ]
    for source, target, field, code in cases:
        payload = await merge(admin, source, target)
        assert errors(payload) == [(field, code)], (source, target)
    assert (await merge(admin, w.source, w.target))["userErrors"] == []
    again = await merge(admin, w.source, w.other)
    assert errors(again) == [(["sourceId"], "INVALID")]
    into_merged = await merge(admin, w.other, w.source)
    assert errors(into_merged) == [(["targetId"], "INVALID")]
    assert "merged" in into_merged["userErrors"][0]["message"]
    malformed = await admin.gql(MERGE, {"input": {"sourceId": "nope", "targetId": encode_id("Person", 1)}})
    assert [e["field"] for e in malformed["mergeOrganisations"]["userErrors"]] == [["sourceId"], ["targetId"]]


async def test_only_roles_that_may_change_everything_a_merge_touches_may_merge(
    admin, make_caller, sessionmaker
) -> None:
    w = await build_world(sessionmaker, admin.user_id)
    before = await snapshot(sessionmaker)
    for role in ("READONLY", "BUSINESS"):
        caller = await make_caller(role)
        payload = await merge(caller, w.source, w.target)
        assert codes(payload) == ["FORBIDDEN"], role
    # TEAM may merge, but not shielded documents it cannot see (R2: the source has account managers).
    team = await make_caller("TEAM")
    shielded = await merge(team, w.source, w.target)
    assert codes(shielded) == ["FORBIDDEN"]
    assert await snapshot(sessionmaker) == before
    async with sessionmaker() as session:
        no_documents = await insert_organisation(session, "Zonder Documenten BV")
        unmanaged = await insert_organisation(session, "Zonder Beheer BV")
        await session.commit()
    # Refused too without documents to move: the target's are shielded, and whether the
    # source has any must not change the answer (test_merge_visibility.py).
    refused = await merge(team, no_documents.id, w.target)
    assert codes(refused) == ["FORBIDDEN"]
    assert (await merge(team, no_documents.id, unmanaged.id))["userErrors"] == []


# --- races -------------------------------------------------------------------------------

RELINK = """
mutation($input: BulkRelinkMembershipsInput!) {
  bulkRelinkMemberships(input: $input) { applied totals { failed } userErrors { code } }
}"""


@pytest.mark.postgres_only
async def test_a_merge_racing_a_relink_loses_and_doubles_nothing(admin, make_caller, sessionmaker) -> None:
    other = await make_caller("TEAM")
    for round_ in range(6):
        async with sessionmaker() as session:
            source = await insert_organisation(session, f"Bron {round_}")
            target = await insert_organisation(session, f"Doel {round_}")
            elsewhere = await insert_organisation(session, f"Elders {round_}")
            people = [await insert_person(session, f"Race{round_}-{i}") for i in range(20)]
            rows = [_membership(p, source, role="Contact", start_date=dt.date(2020, 1, 1)) for p in people]
            # Half of them work at the target already, in the same role: those merge.
            rows += [
                _membership(p, target, role="Contact", start_date=dt.date(2020, 1, 1)) for p in people[::2]
            ]
            session.add_all(rows)
            await session.commit()
            at_source = [m.id for m in rows[:20]]
        items = [
            {"membershipId": encode_id("Membership", i), "organisationId": organisation_id(elsewhere.id)}
            for i in at_source
        ]

        async def relink_after(delay: float, items: list[dict[str, Any]]) -> Any:
            await asyncio.sleep(delay)  # on odd rounds the merge tends to get in first
            return await other.post(RELINK, {"input": {"items": items}})

        first, second = await asyncio.gather(
            admin.post(
                MERGE,
                {"input": {"sourceId": organisation_id(source.id), "targetId": organisation_id(target.id)}},
            ),
            relink_after(0.005 * (round_ % 2), items),
        )
        merged = first.json()["data"]["mergeOrganisations"]
        relinked = second.json()["data"]["bulkRelinkMemberships"]
        assert merged["userErrors"] == [], merged
        async with sessionmaker() as session:
            active = (
                await session.execute(
                    select(Membership.person_id, Membership.organisation_id).where(
                        Membership.person_id.in_([p.id for p in people]), Membership.active.is_(True)
                    )
                )
            ).all()
            total = await session.scalar(
                select(func.count()).where(Membership.person_id.in_([p.id for p in people]))
            )
        per_org: dict[int, int] = {}
        for _, org in active:
            per_org[org] = per_org.get(org, 0) + 1
        assert source.id not in per_org, "nothing active stays at a merged organisation"
        assert len(set(active)) == len(active), "no person twice active at one organisation"
        if relinked["applied"]:
            # Relinked first (20 new at Elders), then merged: Elders 20, target keeps its 10.
            assert per_org == {elsewhere.id: 20, target.id: 10}, (round_, per_org)
            assert total == 50
        else:
            # Merged first: the relink found its memberships gone or moved on, and changed nothing.
            assert per_org == {target.id: 20}, (round_, per_org)
            assert total == 30
