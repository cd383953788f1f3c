"""Merges tell each viewer only what it may see: payload counts, trail counts, refusals.

A merge's counts (the payload for the actor, `merged_from` on the survivor's trail for
every later reader) count what that viewer may see (R1 hidden persons, R2 shielded
documents, note kinds, R4 financial data), so that no count differs between "a hidden
thing was there" and "nothing was there"; and whether TEAM may merge does not depend on
whether shielded documents exist.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
from dataclasses import dataclass
from typing import Any

from helpers import Caller, MakeCaller, insert_organisation, insert_person, organisation_id
from sqlalchemy import select

from relgraph.db.models import (
    Activity,
    Address,
    AuditEvent,
    BankAccount,
    Document,
    InternalRelation,
    InternalRelationCategory,
    Membership,
    Note,
    PurchaseRelation,
    Relation,
    RelationType,
    SalesRelation,
)

MERGE = """
mutation($input: MergeOrganisationsInput!) {
  mergeOrganisations(input: $input) {
    counts {
      membershipsMoved relationsMoved relationsMerged relationsDropped documentsMoved
      typedDataMoved typedDataMerged addressesMoved addressesMerged bankAccountsMoved bankAccountsMerged
      notesMoved activitiesMoved internalRelationsMoved internalRelationsMerged subsidiariesMoved
    }
    userErrors { field message code }
  }
}"""
TRAIL = """
query($id: ID!) {
  node(id: $id) {
    ... on Organisation {
      auditTrail(first: 100) { nodes { action changes { field before after masked } } }
      timeline(first: 100, kinds: [AUDIT]) { nodes { ... on AuditEvent { action changes { field after } } } }
    }
  }
}"""
# Every count the MERGE query asks for, as the payload names them and the trail stores them.
FIELDS = {
    "membershipsMoved": "memberships_moved",
    "relationsMoved": "relations_moved",
    "relationsMerged": "relations_merged",
    "relationsDropped": "relations_dropped",
    "documentsMoved": "documents_moved",
    "typedDataMoved": "typed_data_moved",
    "typedDataMerged": "typed_data_merged",
    "addressesMoved": "addresses_moved",
    "addressesMerged": "addresses_merged",
    "bankAccountsMoved": "bank_accounts_moved",
    "bankAccountsMerged": "bank_accounts_merged",
    "notesMoved": "notes_moved",
    "activitiesMoved": "activities_moved",
    "internalRelationsMoved": "internal_relations_moved",
    "internalRelationsMerged": "internal_relations_merged",
    "subsidiariesMoved": "subsidiaries_moved",
}


@dataclass
class Pair:
    source: int
    target: int
    hidden_person: int | None


def _document(party_id: int, uploader_id: int) -> Document:
    return Document(
        party_id=party_id,
        filename="contract.pdf",
        content_type="application/pdf",
        size=3,
        sha256="a" * 64,
        uploaded_by_id=uploader_id,
    )


async def _account_manager_category(session: Any) -> int:
    return await session.scalar(
        select(InternalRelationCategory.id).where(InternalRelationCategory.code == "ACCOUNT_MANAGER")
    )


async def build_pair(
    sessionmaker: Any,
    uploader_id: int,
    *,
    hidden: bool,
    managers: tuple[int, ...] = (),
    tag: str = "",
) -> Pair:
    """A source and a target. Always: a member, a relation to an organisation, a GENERAL note,
    an activity, a visit address, a postal address on both. With `hidden`, also what not
    every viewer may see: a relation to a person without membership (R1), a document (R2
    when `managers` are account managers of both), INTERNAL and PRICE_AGREEMENT notes, bank
    accounts, customer and supplier data, an INVOICE address (R4)."""
    async with sessionmaker() as session:
        source = await insert_organisation(session, f"Bron{tag} BV")
        target = await insert_organisation(session, f"Doel{tag} BV")
        other = await insert_organisation(session, f"Ander{tag} BV")
        member = await insert_person(session, f"Lid{tag}")
        session.add(
            Membership(
                person_id=member.id,
                organisation_id=source.id,
                role="Contact",
                active=True,
            )
        )
        to_orgs = RelationType(
            name=f"leverancier van{tag}",
            inverse_name=f"klant van{tag}",
            symmetric=False,
            source_kinds=["ORGANISATION"],
            target_kinds=["ORGANISATION", "PERSON"],
        )
        session.add(to_orgs)
        await session.flush()
        category = await _account_manager_category(session)
        rows: list[Any] = [
            Relation(type_id=to_orgs.id, source_id=source.id, target_id=other.id, active=True),
            Note(party_id=source.id, kind="GENERAL", body="algemeen"),
            Activity(party_id=source.id, kind="CALL", subject="bellen"),
            Address(party_id=source.id, kind="VISIT", city="Zwolle", is_head_office=True),
            Address(party_id=source.id, kind="POSTAL", city="Zwolle"),
            Address(party_id=target.id, kind="POSTAL", city="Utrecht"),
            *[
                InternalRelation(user_id=user, party_id=org.id, category_id=category)
                for user in managers
                for org in (source, target)
            ],
        ]
        hidden_person = None
        if hidden:
            hidden_person = (await insert_person(session, f"Verborgen{tag}")).id
            rows += [
                Relation(
                    type_id=to_orgs.id,
                    source_id=source.id,
                    target_id=hidden_person,
                    active=True,
                ),
                _document(source.id, uploader_id),
                Note(party_id=source.id, kind="INTERNAL", body="intern"),
                Note(party_id=source.id, kind="INTERNAL", body="nog intern"),
                Note(party_id=source.id, kind="PRICE_AGREEMENT", body="10% korting"),
                BankAccount(party_id=source.id, iban="NL91ABNA0417164300", is_primary=True),
                BankAccount(party_id=target.id, iban="NL91ABNA0417164300", is_primary=True),
                BankAccount(party_id=source.id, iban="NL20INGB0001234567", is_primary=False),
                SalesRelation(party_id=source.id, credit_limit=decimal.Decimal("1000.00")),
                PurchaseRelation(party_id=source.id, our_account_number="K-1"),
                PurchaseRelation(party_id=target.id, our_account_number="K-2"),
                Address(party_id=source.id, kind="INVOICE", city="Kampen"),
            ]
        session.add_all(rows)
        await session.commit()
        return Pair(source.id, target.id, hidden_person)


async def merge(caller: Caller, pair: Pair, *, dry_run: bool = False) -> dict[str, Any]:
    data = await caller.gql(
        MERGE,
        {
            "input": {
                "sourceId": organisation_id(pair.source),
                "targetId": organisation_id(pair.target),
                "dryRun": dry_run,
            }
        },
    )
    return data["mergeOrganisations"]


async def merged_from(caller: Caller, organisation: int) -> list[dict[str, Any] | None]:
    """The `merged_from` of every MERGE event on the organisation's trail, as `caller` sees it
    (and checked to be the same in its timeline)."""
    node = (await caller.gql(TRAIL, {"id": organisation_id(organisation)}))["node"]
    found = []
    for path in ("auditTrail", "timeline"):
        values = [
            next(
                (json.loads(c["after"]) for c in event["changes"] if c["field"] == "merged_from"),
                None,
            )
            for event in node[path]["nodes"]
            if event.get("action") == "MERGE"
        ]
        found.append(values)
    assert found[0] == found[1], "the timeline shows the trail's events as the trail does"
    return found[0]


def as_stored(counts: dict[str, int]) -> dict[str, int]:
    """Payload counts as `merged_from` names them (it leaves zeros out)."""
    return {FIELDS[k]: v for k, v in counts.items() if v}


FULL = {
    "membershipsMoved": 1,
    "relationsMoved": 2,
    "relationsMerged": 0,
    "relationsDropped": 0,
    "documentsMoved": 1,
    "typedDataMoved": 1,
    "typedDataMerged": 1,
    "addressesMoved": 2,
    "addressesMerged": 1,
    "bankAccountsMoved": 1,
    "bankAccountsMerged": 1,
    "notesMoved": 4,
    "activitiesMoved": 1,
    "internalRelationsMoved": 0,
    "internalRelationsMerged": 0,
    "subsidiariesMoved": 0,
}
# What each kind of viewer may see of FULL, and so what the same merge WITHOUT the hidden
# things counts: "hidden" changes nothing for it.
PLAIN = {
    **FULL,
    "relationsMoved": 1,
    "documentsMoved": 0,
    "typedDataMoved": 0,
    "typedDataMerged": 0,
    "addressesMoved": 1,
    "bankAccountsMoved": 0,
    "bankAccountsMerged": 0,
    "notesMoved": 1,
}
TEAM_NO_FINANCE = {**PLAIN, "relationsMoved": 2, "documentsMoved": 1, "notesMoved": 3}
TEAM_NOT_MANAGER = {**TEAM_NO_FINANCE, "documentsMoved": 0}
BUSINESS_FINANCE = {
    **PLAIN,
    "typedDataMoved": 1,
    "typedDataMerged": 1,
    "addressesMoved": 2,
    "bankAccountsMoved": 1,
    "bankAccountsMerged": 1,
    "notesMoved": 2,
}


def managed_by(expected: dict[str, int], managers: int) -> dict[str, int]:
    """`expected` when both have the same account managers: the target's stay (merged)."""
    return {**expected, "internalRelationsMerged": managers}


async def test_the_payload_counts_what_the_actor_may_see(
    admin, make_caller: MakeCaller, sessionmaker
) -> None:
    manager = await make_caller("TEAM")
    manager_finance = await make_caller("TEAM", ("FINANCE",))
    both = (manager.user_id, manager_finance.user_id)
    pair = await build_pair(sessionmaker, admin.user_id, hidden=True, managers=both)
    # TEAM sees every person, but no PRICE_AGREEMENT note nor financial data without FINANCE.
    assert (await merge(manager, pair, dry_run=True))["counts"] == managed_by(TEAM_NO_FINANCE, 2)
    assert (await merge(manager_finance, pair, dry_run=True))["counts"] == managed_by(FULL, 2)
    # ADMIN with FINANCE and SENSITIVE: everything, as before.
    assert (await merge(admin, pair, dry_run=True))["counts"] == managed_by(FULL, 2)
    # The real run counts as its dry run did.
    assert (await merge(manager, pair))["counts"] == managed_by(TEAM_NO_FINANCE, 2)
    # Without the hidden things the same viewer gets the same answer.
    plain = await build_pair(sessionmaker, admin.user_id, hidden=False, managers=both, tag="2")
    assert (await merge(manager, plain, dry_run=True))["counts"] == managed_by(PLAIN, 2)


async def test_the_trail_counts_what_its_reader_may_see_when_it_reads(
    admin, make_caller: MakeCaller, sessionmaker
) -> None:
    manager = await make_caller("TEAM")
    pair = await build_pair(sessionmaker, admin.user_id, hidden=True, managers=(manager.user_id,))
    plain = await build_pair(sessionmaker, admin.user_id, hidden=False, managers=(manager.user_id,), tag="2")
    for p in (pair, plain):
        assert (await merge(manager, p))["userErrors"] == []
    readers = {
        "ADMIN": (admin, FULL),
        "TEAM manager": (manager, TEAM_NO_FINANCE),
        "TEAM": (await make_caller("TEAM"), TEAM_NOT_MANAGER),
        "BUSINESS": (await make_caller("BUSINESS"), PLAIN),
        "BUSINESS FINANCE": (
            await make_caller("BUSINESS", ("FINANCE",)),
            BUSINESS_FINANCE,
        ),
        "READONLY": (await make_caller("READONLY"), PLAIN),
    }
    for who, (reader, expected) in readers.items():
        [shown] = await merged_from(reader, pair.target)
        assert shown == {"id": pair.source, "name": "Bron BV", **as_stored(managed_by(expected, 1))}, who
        # Nothing in it tells the merge with hidden things from one without, for this reader.
        [shown_plain] = await merged_from(reader, plain.target)
        if expected == PLAIN:
            assert shown_plain == {**shown, "id": plain.source, "name": "Bron2 BV"}, who

    # Read time, not write time: once the hidden person becomes a business relation
    # (a membership), BUSINESS sees the relation, and counts it.
    assert pair.hidden_person is not None
    async with sessionmaker() as session:
        session.add(Membership(person_id=pair.hidden_person, organisation_id=pair.target, active=True))
        await session.commit()
    [shown] = await merged_from(readers["BUSINESS"][0], pair.target)
    assert shown["relations_moved"] == 2


async def test_nothing_changes_for_a_viewer_who_may_see_everything(admin, sessionmaker) -> None:
    """ADMIN with FINANCE and SENSITIVE gets the full counts, in the payload and in the trail,
    in the very form the trail had before (`id`, `name` and every count that is not 0)."""
    pair = await build_pair(sessionmaker, admin.user_id, hidden=True)
    payload = await merge(admin, pair)
    assert payload["counts"] == FULL
    [shown] = await merged_from(admin, pair.target)
    assert shown == {"id": pair.source, "name": "Bron BV", **as_stored(FULL)}


async def test_a_trail_of_many_merges_is_read_in_as_many_statements_as_one(
    admin, make_caller: MakeCaller, sessionmaker
) -> None:
    reader = await make_caller("BUSINESS")
    first = await build_pair(sessionmaker, admin.user_id, hidden=True)
    assert (await merge(admin, first))["userErrors"] == []
    _, one = await reader.counted(TRAIL, {"id": organisation_id(first.target)})
    for n in range(3):
        more = await build_pair(sessionmaker, admin.user_id, hidden=True, tag=f"-{n}")
        more.target = first.target
        assert (await merge(admin, more))["userErrors"] == []
    _, four = await reader.counted(TRAIL, {"id": organisation_id(first.target)})
    assert four == one
    assert len(await merged_from(reader, first.target)) == 4


async def test_merge_events_recorded_before_their_conditions_show_only_what_cannot_hide(
    admin, make_caller: MakeCaller, sessionmaker
) -> None:
    """An event from before this release holds bare totals: a reader who might not see every
    item of a kind is shown no count of it; ADMIN sees them all, as before."""
    async with sessionmaker() as session:
        target = await insert_organisation(session, "Oud Doel BV")
        totals = {
            "memberships_moved": 2,
            "relations_moved": 3,
            "notes_moved": 4,
            "bank_accounts_moved": 1,
            "documents_moved": 1,
            "activities_moved": 5,
            "subsidiaries_moved": 1,
        }
        session.add(
            AuditEvent(
                at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                actor_id=admin.user_id,
                object_type="Organisation",
                object_id=target.id,
                party_id=target.id,
                action="MERGE",
                changes={
                    "merged_from": {
                        "before": None,
                        "after": {"id": 9999, "name": "Oud BV", **totals},
                    }
                },
            )
        )
        await session.commit()
    assert await merged_from(admin, target.id) == [{"id": 9999, "name": "Oud BV", **totals}]
    team = await make_caller("TEAM")
    assert await merged_from(team, target.id) == [
        {
            "id": 9999,
            "name": "Oud BV",
            "memberships_moved": 2,
            "relations_moved": 3,
            "documents_moved": 1,
            "activities_moved": 5,
            "subsidiaries_moved": 1,
        }
    ]
    business = await make_caller("BUSINESS", ("FINANCE",))
    assert await merged_from(business, target.id) == [
        {
            "id": 9999,
            "name": "Oud BV",
            "bank_accounts_moved": 1,
            "documents_moved": 1,
            "activities_moved": 5,
            "subsidiaries_moved": 1,
        }
    ]


# --- item 3: refusing a merge tells nothing about shielded documents ----------------------


async def _with_managers(
    sessionmaker: Any, *, managed: str, documents: bool, manager: int, uploader: int
) -> Pair:
    """A pair of which `managed` ("source", "target" or "both") has an account manager."""
    async with sessionmaker() as session:
        source = await insert_organisation(session, "Bron BV")
        target = await insert_organisation(session, "Doel BV")
        category = await _account_manager_category(session)
        for org in (source, target):
            if managed in ("both", "source" if org is source else "target"):
                session.add(InternalRelation(user_id=manager, party_id=org.id, category_id=category))
        if documents:
            session.add_all([_document(source.id, uploader), _document(target.id, uploader)])
        await session.commit()
        return Pair(source.id, target.id, None)


async def test_team_outside_the_account_managers_is_refused_whether_or_not_there_are_documents(
    admin, make_caller: MakeCaller, sessionmaker
) -> None:
    team = await make_caller("TEAM")
    manager = await make_caller("TEAM")
    pair_of = functools.partial(_with_managers, sessionmaker, manager=manager.user_id, uploader=admin.user_id)
    for managed in ("source", "target", "both"):
        answers = []
        for documents in (False, True):
            pair = await pair_of(managed=managed, documents=documents)
            for dry_run in (True, False):
                payload = await merge(team, pair, dry_run=dry_run)
                answers.append((payload["counts"], payload["userErrors"]))
        assert all(a == answers[0] for a in answers), (managed, answers)
        counts, errors = answers[0]
        assert counts is None and [e["code"] for e in errors] == ["FORBIDDEN"], managed
    # Who may see the documents of both merges, documents or not; so does ADMIN.
    for caller in (manager, admin):
        for documents in (False, True):
            pair = await pair_of(managed="both", documents=documents)
            payload = await merge(caller, pair)
            assert payload["userErrors"] == [] and payload["counts"]["documentsMoved"] == int(documents)
    # Organisations without account managers: every TEAM user merges them.
    pair = await pair_of(managed="none", documents=True)
    assert (await merge(team, pair))["counts"]["documentsMoved"] == 1
