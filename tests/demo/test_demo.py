"""The demo data: deterministic per seed, realistic and valid by the domain's own checks.

Self-contained on purpose: each test builds its own SQLite file with `create_all`, so
these tests need neither the migrations nor the shared fixtures in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from relgraph import demo
from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.models import (
    Activity,
    Address,
    AddressKind,
    ApiToken,
    BankAccount,
    Base,
    ContactMean,
    CustomerGroup,
    EmployeeData,
    InternalRelation,
    InternalRelationCategory,
    Membership,
    MembershipTag,
    Note,
    Organisation,
    OrganisationStatus,
    Party,
    PartyGroup,
    PartyKind,
    PartyType,
    PartyTypeLink,
    Person,
    PurchaseRelation,
    Relation,
    RelationType,
    Role,
    SalesRelation,
    User,
)
from relgraph.domain.party_data.contact_means import clean_value
from relgraph.domain.party_data.search_text import set_person_keys, terms_of
from relgraph.domain.persons.names import display_name
from relgraph.domain.relations import relations as relation_domain
from relgraph.domain.relations.internal_relations import account_managers_of
from relgraph.domain.stored_values import refused_values
from relgraph.domain.validation import Checks
from relgraph.policy import Viewer
from relgraph.text import fold, search_key

POSTCODE = re.compile(r"^[1-9]\d{3} [A-Z]{2}$")
NL_VAT = re.compile(r"^NL\d{9}B\d{2}$")
KVK = re.compile(r"^\d{8}$")
CODE = re.compile(r"^C\d{6}$")

Sessions = async_sessionmaker[AsyncSession]
Demo = tuple[Sessions, demo.SeedSummary]


async def _database(path: Path) -> tuple[AsyncEngine, Sessions]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return engine, make_sessionmaker(engine)


async def _seeded(path: Path, **kwargs: Any) -> tuple[AsyncEngine, Sessions, demo.SeedSummary]:
    engine, sessions = await _database(path)
    async with sessions() as session:
        summary = await demo.seed(session, **kwargs)
        await session.commit()
    return engine, sessions, summary


async def _snapshot(sessions: Sessions) -> dict[str, list[tuple[Any, ...]]]:
    """Every seeded value that matters, in id order."""
    async with sessions() as session:
        orgs = (
            await session.execute(
                select(
                    Organisation.id,
                    Organisation.name,
                    Organisation.code,
                    Organisation.kvk_number,
                    Organisation.vat_number,
                    Organisation.parent_id,
                    Organisation.status,
                    Organisation.website,
                    Organisation.created_at,
                ).order_by(Organisation.id)
            )
        ).all()
        persons = (
            await session.execute(
                select(
                    Person.id,
                    Person.first_name,
                    Person.infix,
                    Person.last_name,
                    Person.initials,
                    Person.bsn,
                    Person.birth_date,
                    Person.created_at,
                ).order_by(Person.id)
            )
        ).all()
        memberships = (
            await session.execute(
                select(
                    Membership.person_id,
                    Membership.organisation_id,
                    Membership.role,
                    Membership.business_email,
                    Membership.active,
                    Membership.start_date,
                    Membership.end_date,
                    Membership.created_at,
                    Membership.account_manager_id,
                ).order_by(Membership.id)
            )
        ).all()
        addresses = (
            await session.execute(
                select(Address.party_id, Address.street, Address.postcode, Address.city).order_by(Address.id)
            )
        ).all()
        tags = (
            await session.execute(
                select(MembershipTag.membership_id, MembershipTag.tag).order_by(
                    MembershipTag.membership_id, MembershipTag.tag
                )
            )
        ).all()
        graph = {
            name: (await session.execute(stmt)).all()
            for name, stmt in {
                "users": select(
                    User.id, User.email, User.name, User.role, User.active, User.created_at
                ).order_by(User.id),
                "relation_types": select(
                    RelationType.id, RelationType.name, RelationType.created_at
                ).order_by(RelationType.id),
                "relations": select(
                    Relation.id,
                    Relation.type_id,
                    Relation.source_id,
                    Relation.target_id,
                    Relation.start_date,
                    Relation.end_date,
                    Relation.note,
                    Relation.active,
                    Relation.created_at,
                    Relation.updated_at,
                ).order_by(Relation.id),
                "internal_relations": select(
                    InternalRelation.id,
                    InternalRelation.user_id,
                    InternalRelation.party_id,
                    InternalRelation.category_id,
                    InternalRelation.since,
                    InternalRelation.until,
                    InternalRelation.commission_percent,
                    InternalRelation.created_at,
                ).order_by(InternalRelation.id),
                "type_links": select(PartyTypeLink.party_id, PartyTypeLink.party_type_id).order_by(
                    PartyTypeLink.party_id, PartyTypeLink.party_type_id
                ),
                "sales": select(SalesRelation.__table__).order_by(SalesRelation.party_id),
                "purchases": select(PurchaseRelation.__table__).order_by(PurchaseRelation.party_id),
                "employees": select(EmployeeData.__table__).order_by(EmployeeData.person_id),
                "contact_means": select(ContactMean.__table__).order_by(ContactMean.id),
                "bank_accounts": select(BankAccount.__table__).order_by(BankAccount.id),
                "customer_groups": select(CustomerGroup.__table__).order_by(CustomerGroup.id),
                "group_links": select(PartyGroup.__table__).order_by(
                    PartyGroup.group_id, PartyGroup.party_id
                ),
            }.items()
        }
    return {
        "organisations": [tuple(r) for r in orgs],
        "persons": [tuple(r) for r in persons],
        "memberships": [tuple(r) for r in memberships],
        "addresses": [tuple(r) for r in addresses],
        "tags": [tuple(r) for r in tags],
        **{name: [tuple(r) for r in rows] for name, rows in graph.items()},
    }


@pytest_asyncio.fixture(scope="module")
async def default_demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    """One database seeded at the default size, shared by the read-only checks below."""
    engine, sessions, summary = await _seeded(tmp_path_factory.mktemp("demo") / "demo.db")
    yield sessions, summary
    await engine.dispose()


async def test_same_seed_gives_same_data_and_another_seed_differs(tmp_path: Path) -> None:
    engines = []
    snapshots = []
    for name, value in (("a", 7), ("b", 7), ("c", 8)):
        engine, sessions, _ = await _seeded(
            tmp_path / f"{name}.db", organisations=40, persons=120, seed=value
        )
        engines.append(engine)
        snapshots.append(await _snapshot(sessions))
    for engine in engines:
        await engine.dispose()
    first, again, other = snapshots

    assert first == again
    assert first["relations"] and first["internal_relations"] and first["sales"] and first["employees"]
    assert first["contact_means"] and first["bank_accounts"] and first["group_links"]
    names = [o[1] for o in first["organisations"]]
    assert names[0] == demo.FLAGSHIP_NAME
    assert [o[1] for o in other["organisations"]] != names
    assert [p[1:4] for p in other["persons"]] != [p[1:4] for p in first["persons"]]
    assert [r[1:4] for r in other["relations"]] != [r[1:4] for r in first["relations"]]


async def test_is_empty_until_seeded(tmp_path: Path) -> None:
    engine, sessions = await _database(tmp_path / "empty.db")
    async with sessions() as session:
        assert await demo.is_empty(session)
        await demo.seed(session, organisations=3, persons=2)
        assert not await demo.is_empty(session)
    await engine.dispose()


async def test_summary_matches_rows(default_demo: Demo) -> None:
    sessions, summary = default_demo
    async with sessions() as session:
        counts = demo.SeedSummary(
            organisations=len((await session.scalars(select(Organisation.id))).all()),
            persons=len((await session.scalars(select(Person.id))).all()),
            memberships=len((await session.scalars(select(Membership.id))).all()),
            addresses=len((await session.scalars(select(Address.id))).all()),
            staff=len((await session.scalars(select(User.id))).all()),
            relations=len((await session.scalars(select(Relation.id))).all()),
            internal_relations=len((await session.scalars(select(InternalRelation.id))).all()),
            party_type_links=len((await session.execute(select(PartyTypeLink.party_id))).all()),
            contact_means=len((await session.scalars(select(ContactMean.id))).all()),
            bank_accounts=len((await session.scalars(select(BankAccount.id))).all()),
            group_links=len((await session.execute(select(PartyGroup.party_id))).all()),
            notes_and_activities=len((await session.scalars(select(Note.id))).all())
            + len((await session.scalars(select(Activity.id))).all()),
        )
    assert counts == summary
    # The holding and Noorderlicht Bouw: a note of each kind and three activities each.
    assert summary.notes_and_activities == 12
    assert (summary.organisations, summary.persons, summary.staff) == (150, 500, 8)
    # About 1.5 relations per organisation.
    assert 1.3 * summary.organisations <= summary.relations <= 1.7 * summary.organisations


async def test_flagship_group_is_deep_and_staffed(
    default_demo: Demo,
) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        orgs = (await session.scalars(select(Organisation).order_by(Organisation.id))).all()
        active_members = select(Membership.organisation_id).where(Membership.active.is_(True))
        active = Counter((await session.scalars(active_members)).all())
    flagship = orgs[0]
    assert flagship.name == demo.FLAGSHIP_NAME
    assert flagship.code == demo.FLAGSHIP_CODE
    assert flagship.parent_id is None

    parent_of = {o.id: o.parent_id for o in orgs}
    # A parent is always created first, so there can be no cycle.
    assert all(p is None or p < i for i, p in parent_of.items())

    def chain(org_id: int) -> list[int]:
        path = [org_id]
        while parent_of[path[-1]] is not None:
            path.append(parent_of[path[-1]])  # type: ignore[arg-type]
        return path

    group = [o for o in orgs if chain(o.id)[-1] == flagship.id]
    depth = {o.id: len(chain(o.id)) - 1 for o in group}
    assert max(depth.values()) >= 4
    children: dict[int, list[int]] = defaultdict(list)
    for o in group:
        if o.parent_id is not None:
            children[o.parent_id].append(o.id)
    assert len(children[flagship.id]) >= 3
    assert all(len(children[c]) >= 2 for c in children[flagship.id])
    for o in group:
        assert 2 <= active[o.id] <= 6, o.name
        assert o.status == OrganisationStatus.ACTIVE.value and not o.archived

    # Other groups exist too, 2-4 levels deep, and most organisations stand alone.
    others = [o for o in orgs if o not in group]
    roots = {chain(o.id)[-1] for o in others if o.parent_id is not None}
    assert roots
    assert all(len(chain(o.id)) <= 4 for o in others)
    standalone = [o for o in others if o.parent_id is None and o.id not in roots]
    assert 0.5 < len(standalone) / len(others) < 0.85


async def test_memberships_have_realistic_shape(
    default_demo: Demo,
) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        person_ids = (await session.scalars(select(Person.id))).all()
        memberships = (await session.scalars(select(Membership))).all()
        tags = (await session.execute(select(MembershipTag.membership_id, MembershipTag.tag))).all()

    per_person = Counter(m.person_id for m in memberships)
    without = [p for p in person_ids if per_person[p] == 0]
    several = [p for p in person_ids if per_person[p] >= 2]
    assert 0.05 < len(without) / len(person_ids) < 0.15
    assert 0.12 < len(several) / len(person_ids) < 0.3
    assert max(per_person.values()) <= 3
    # Several memberships of one person are at different organisations.
    assert len({(m.person_id, m.organisation_id) for m in memberships}) == len(memberships)

    inactive = [m for m in memberships if not m.active]
    assert 0.08 < len(inactive) / len(memberships) < 0.25
    for m in inactive:
        assert m.end_date is not None and m.start_date is not None and m.start_date < m.end_date
    for m in memberships:
        if m.active:
            assert m.end_date is None
        assert m.role in demo.ROLES
        assert m.department and m.job_title
        assert m.business_email and "@" in m.business_email
        assert m.start_date is not None and m.start_date <= demo.REFERENCE_DATE
    active_keys = [(m.person_id, m.organisation_id, m.role) for m in memberships if m.active]
    assert len(set(active_keys)) == len(active_keys)

    assert {t for _, t in tags} <= set(demo.TAGS)
    per_membership = Counter(mid for mid, _ in tags)
    assert max(per_membership.values()) <= 3
    assert len(per_membership) < len(memberships)  # some have no tags at all


async def test_values_pass_the_domain_checks(
    default_demo: Demo,
) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        orgs = (await session.scalars(select(Organisation))).all()
        persons = (await session.scalars(select(Person))).all()
        addresses = (await session.scalars(select(Address))).all()
        memberships = (await session.scalars(select(Membership))).all()
        contact_means = (await session.scalars(select(ContactMean))).all()
        bank_accounts = (await session.scalars(select(BankAccount))).all()

    kvks = [o.kvk_number for o in orgs if o.kvk_number]
    assert kvks and all(KVK.match(k) for k in kvks)
    assert len(set(kvks)) == len(kvks)
    vats = [o.vat_number for o in orgs if o.vat_number]
    assert all(NL_VAT.match(v) for v in vats)
    assert 0.45 < len(vats) / len(orgs) < 0.75
    codes = [o.code for o in orgs if o.code]
    assert len(set(codes)) == len(codes)
    assert all(CODE.match(c) for c in codes if c != demo.FLAGSHIP_CODE)
    archived = sum(o.archived for o in orgs)
    assert 0 < archived < 0.1 * len(orgs)
    assert {o.status for o in orgs} == {s.value for s in OrganisationStatus}

    bsns = [p.bsn for p in persons if p.bsn]
    assert 0.05 < len(bsns) / len(persons) < 0.15
    assert len(set(bsns)) == len(bsns)

    assert all(POSTCODE.match(a.postcode or "") for a in addresses)
    assert all(a.country == "NL" and a.city and a.street and a.house_number for a in addresses)
    head_offices = Counter(a.party_id for a in addresses if a.is_head_office)
    assert all(head_offices[o.id] == 1 for o in orgs)
    assert all(a.kind == AddressKind.VISIT.value for a in addresses if a.is_head_office)
    assert any(a.kind == AddressKind.POSTAL.value for a in addresses)

    # The same checks the mutations apply: demo data could have been typed in by a user.
    # VAT numbers, BSNs, IBANs, BICs, postcodes and e-mail addresses as `relgraph db check` reads them:
    async with sessions() as session:
        assert [found async for found in refused_values(session)] == []
    checks = Checks()
    for o in orgs:
        checks.url("website", o.website)
    for p in persons:
        assert p.birth_date is None or dt.date(1900, 1, 1) <= p.birth_date <= demo.REFERENCE_DATE
    for c in contact_means:
        # Stored as the domain stores them: validating again changes nothing.
        assert clean_value(checks, c.kind, c.value) == c.value, (c.kind, c.value)
    for b in bank_accounts:
        assert checks.iban("iban", b.iban) == b.iban and checks.bic("bic", b.bic) == b.bic
    for m in memberships:
        assert checks.email("businessEmail", m.business_email) == m.business_email
        checks.phone("phone1", m.phone1)
        checks.phone("phone2", m.phone2)
    for a in addresses:
        assert checks.postcode("postcode", a.postcode) == a.postcode
    assert checks.errors == []


async def test_names_and_search_keys_follow_the_domain(
    default_demo: Demo,
) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        orgs = (await session.scalars(select(Organisation))).all()
        persons = (await session.scalars(select(Person))).all()
        cities: dict[int, list[str | None]] = defaultdict(list)
        invoice_cities: dict[int, list[str | None]] = defaultdict(list)
        # The domain reads a party's cities in insertion order; an invoice address's city
        # is invoice data (R4), in a text of its own that only FINANCE searches.
        for party_id, kind, city in await session.execute(
            select(Address.party_id, Address.kind, Address.city).order_by(Address.id)
        ):
            (invoice_cities if kind == "INVOICE" else cities)[party_id].append(city)
        emails: dict[int, list[str | None]] = defaultdict(list)
        for person_id, email in await session.execute(
            select(Membership.person_id, Membership.business_email).order_by(Membership.id)
        ):
            emails[person_id].append(email)
        contacts: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for party_id, kind, value in await session.execute(
            select(ContactMean.party_id, ContactMean.kind, ContactMean.value)
            .where(ContactMean.active.is_(True))
            .order_by(ContactMean.id)
        ):
            contacts[party_id].append((kind, value))

    assert len({o.name_key for o in orgs}) == len(orgs)
    for o in orgs:
        assert o.name_key == fold(o.name)
        expected_text = search_key(
            o.name, o.legal_name, o.code, o.kvk_number, *cities[o.id], *terms_of(contacts[o.id])
        )
        assert o.search_text == expected_text
        assert o.invoice_search_text == search_key(*invoice_cities[o.id])
    assert any(o.invoice_search_text for o in orgs), "the demo has invoice addresses"
    flagship = next(o for o in orgs if o.code == demo.FLAGSHIP_CODE)
    assert "groningen" in flagship.search_text

    with_infix = [p for p in persons if p.infix]
    assert 0.2 < len(with_infix) / len(persons) < 0.4
    for p in persons:
        # The infix is split off: "van der Berg" is infix "van der", last name "Berg".
        assert p.last_name and p.last_name[0].isupper() and " " not in p.last_name
        assert p.infix is None or p.infix == p.infix.lower()
        assert p.first_name and p.initials and p.initials.startswith(p.first_name[0].upper())
        expected = Person(first_name=p.first_name, infix=p.infix, last_name=p.last_name, initials=p.initials)
        set_person_keys(expected, emails[p.id], terms_of(contacts[p.id]))
        assert (p.sort_key, p.search_text) == (expected.sort_key, expected.search_text)
        assert fold(display_name(p)) in p.search_text


async def test_created_by_and_a_second_seed_in_the_same_database(tmp_path: Path) -> None:
    engine, sessions = await _database(tmp_path / "twice.db")
    async with sessions() as session:
        user = User(email="seed@demo.test", name="Seeder", role="ADMIN")
        session.add(user)
        await session.flush()
        await demo.seed(session, organisations=20, persons=30, created_by_id=user.id)
        # Codes are unique in the database, so the second run steps around the first.
        await demo.seed(session, organisations=20, persons=30)
        await session.commit()
        parties = (
            await session.execute(
                select(Party.id, Party.created_by_id, Party.updated_by_id).order_by(Party.id)
            )
        ).all()
        memberships = (
            await session.execute(select(Membership.created_by_id, Membership.updated_by_id))
        ).all()
        codes = (await session.scalars(select(Organisation.code).where(Organisation.code.is_not(None)))).all()
        emails = (await session.scalars(select(User.email))).all()
        domain_data = [
            len((await session.scalars(select(model.id))).all())
            for model in (RelationType, InternalRelationCategory, PartyType)
        ]
        relations_by = set((await session.scalars(select(Relation.created_by_id))).all())
    await engine.dispose()

    first_run = parties[:50]
    assert all(r.created_by_id == r.updated_by_id == user.id for r in first_run)
    assert all(r.created_by_id is None for r in parties[50:])
    assert {m.created_by_id for m in memberships} == {user.id, None}
    assert len(set(codes)) == len(codes)
    # The same seed plans the same staff: the second run finds them by email.
    assert len(emails) == 1 + 8 and len(set(emails)) == len(emails)
    assert domain_data == [12, 4, 5]
    assert relations_by == {user.id, None}


async def test_progress_is_reported(tmp_path: Path) -> None:
    engine, sessions = await _database(tmp_path / "progress.db")
    seen: list[tuple[str, int]] = []
    async with sessions() as session:
        summary = await demo.seed(
            session, organisations=10, persons=20, progress=lambda label, n: seen.append((label, n))
        )
    await engine.dispose()
    last = dict(seen)
    assert last["organisations"] == summary.organisations
    assert last["persons"] == summary.persons
    assert last["memberships"] == summary.memberships


def _current(until: dt.date | None) -> bool:
    return until is None or until >= dt.date.today()


async def test_staff_users(default_demo: Demo) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        staff = (await session.scalars(select(User).order_by(User.id))).all()
        tokens = (await session.scalars(select(ApiToken.id))).all()
        memberships = (await session.scalars(select(Membership))).all()

    assert len(staff) == 8 and not tokens
    emails = [u.email for u in staff]
    assert len(set(emails)) == len(emails)
    for user in staff:
        first, last = user.email.removesuffix(f"@{demo.STAFF_DOMAIN}").split(".")
        assert user.email.endswith(f"@{demo.STAFF_DOMAIN}")
        assert first == fold(user.name.split()[0]) and last == fold("".join(user.name.split()[1:]))
    roles = Counter(u.role for u in staff)
    assert roles[Role.TEAM] + roles[Role.BUSINESS] >= 6 and not roles[Role.ADMIN]
    assert sum(not u.active for u in staff) == 2

    # About a fifth of memberships name an account manager, always a staff user.
    managed = [m.account_manager_id for m in memberships if m.account_manager_id is not None]
    assert 0.12 < len(managed) / len(memberships) < 0.28
    assert set(managed) <= {u.id for u in staff}


async def test_relations_respect_their_types(default_demo: Demo) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        types = {t.id: t for t in await session.scalars(select(RelationType))}
        relations = (await session.scalars(select(Relation))).all()
        kinds = dict((await session.execute(select(Party.id, Party.kind))).all())
        parents = dict((await session.execute(select(Organisation.id, Organisation.parent_id))).all())

    assert len(types) == 12 and {t.name for t in types.values()} == {t.name for t in demo.RELATION_TYPES}
    per_type = Counter(r.type_id for r in relations)
    assert set(per_type) == set(types) and min(per_type.values()) >= 3
    assert {PartyKind.PERSON.value} in [{kinds[r.source_id], kinds[r.target_id]} for r in relations]
    for r in relations:
        t = types[r.type_id]
        assert r.source_id != r.target_id
        assert kinds[r.source_id] in t.source_kinds and kinds[r.target_id] in t.target_kinds, t.name
        if t.symmetric:
            assert r.source_id < r.target_id and t.inverse_name == t.name
        if r.active:
            assert r.end_date is None
        else:
            assert r.start_date is not None and r.end_date is not None
            assert r.start_date < r.end_date <= demo.REFERENCE_DATE
        # Parent and subsidiary are related by the hierarchy already.
        assert parents.get(r.source_id, 0) != r.target_id and parents.get(r.target_id, 0) != r.source_id
    active = [(r.type_id, r.source_id, r.target_id) for r in relations if r.active]
    assert len(set(active)) == len(active)
    assert 0.05 < sum(not r.active for r in relations) / len(relations) < 0.16
    assert 0.1 < sum(r.note is not None for r in relations) / len(relations) < 0.4
    assert any(r.start_date for r in relations if r.active) and any(r.start_date is None for r in relations)


async def test_flagship_relations_go_both_ways(default_demo: Demo) -> None:
    sessions, _ = default_demo
    admin = Viewer(id=0, email="admin@demo.test", name="Admin", role=Role.ADMIN, permissions=frozenset())
    async with sessions() as session:
        ids = {
            o.name: o.id
            for o in await session.scalars(
                select(Organisation).where(Organisation.name.in_([demo.FLAGSHIP_NAME, demo.BOUW_NAME]))
            )
        }
        types = {t.id: t for t in await session.scalars(select(RelationType))}
        kinds = dict((await session.execute(select(Party.id, Party.kind))).all())
        relations = (await session.scalars(select(Relation).where(Relation.active.is_(True)))).all()
        # The directions as the API reports them, from the party's own side.
        counted = {
            direction: await relation_domain.count_for(
                session,
                list(ids.values()),
                viewer=admin,
                flt=relation_domain.RelationFilter(direction=direction),
            )
            for direction in relation_domain.Direction
        }

    for name, party in ids.items():
        own = [r for r in relations if party in (r.source_id, r.target_id)]
        assert len(own) >= 5, name
        assert len({r.type_id for r in own if not types[r.type_id].symmetric}) >= 3, name
        assert any(r.source_id == party for r in own if not types[r.type_id].symmetric), name
        assert any(r.target_id == party for r in own if not types[r.type_id].symmetric), name
        others = {r.target_id if r.source_id == party else r.source_id for r in own}
        assert PartyKind.PERSON.value in {kinds[o] for o in others}, name
        assert counted[relation_domain.Direction.OUTGOING][party] >= 1, name
        assert counted[relation_domain.Direction.INCOMING][party] >= 1, name


async def test_account_managers_and_internal_relations(default_demo: Demo) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        orgs = (await session.scalars(select(Organisation).order_by(Organisation.id))).all()
        ids = [o.id for o in orgs]
        managers = dict(zip(ids, await account_managers_of(session, ids), strict=True))
        categories = {c.id: c for c in await session.scalars(select(InternalRelationCategory))}
        internal = (await session.scalars(select(InternalRelation))).all()
        kinds = dict((await session.execute(select(Party.id, Party.kind))).all())

    assert {c.name for c in categories.values()} == {name for _, name, _ in demo.CATEGORIES}
    share = Counter(min(len(m), 2) for m in managers.values())
    assert 0.3 < share[0] / len(orgs) < 0.5
    assert 0.3 < share[1] / len(orgs) < 0.5
    assert 0.12 < share[2] / len(orgs) < 0.3
    by_name = {o.name: o.id for o in orgs}
    assert len(managers[by_name[demo.BOUW_NAME]]) == 2
    assert len(managers[by_name[demo.FLAGSHIP_NAME]]) == 1
    # A file can still name a colleague who has left.
    assert any(not user.active for users in managers.values() for user in users)

    account = [r for r in internal if categories[r.category_id].code == "ACCOUNT_MANAGER"]
    ended = [r for r in account if not _current(r.until)]
    assert ended and all(r.until < demo.REFERENCE_DATE for r in ended)
    assert all(r.since is None or r.until is None or r.since <= r.until for r in internal)
    with_commission = [r.commission_percent for r in account if r.commission_percent is not None]
    assert 0.2 < len(with_commission) / len(account) < 0.4
    for value in with_commission:
        assert decimal.Decimal(0) <= value <= decimal.Decimal(20)
        assert value == value.quantize(decimal.Decimal("0.01"))
    assert all(r.commission_percent is None for r in internal if r not in account)
    # No one holds the same current role twice for one party.
    current = [(r.user_id, r.party_id, r.category_id) for r in internal if _current(r.until)]
    assert len(set(current)) == len(current)
    others = Counter(
        (categories[r.category_id].name, kinds[r.party_id]) for r in internal if r not in account
    )
    assert {name for name, _ in others} == {"Support contact", "Tax advisor", "Sales engineer"}
    assert {kind for _, kind in others} == {PartyKind.ORGANISATION.value, PartyKind.PERSON.value}


async def test_party_types_and_their_data(default_demo: Demo) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        codes = {t.id: t for t in await session.scalars(select(PartyType))}
        links = (await session.execute(select(PartyTypeLink.party_id, PartyTypeLink.party_type_id))).all()
        kinds = dict((await session.execute(select(Party.id, Party.kind))).all())
        sales = (await session.scalars(select(SalesRelation))).all()
        purchases = (await session.scalars(select(PurchaseRelation))).all()
        employees = (await session.scalars(select(EmployeeData))).all()
        flagship = (
            await session.scalars(select(Organisation.id).where(Organisation.name == demo.FLAGSHIP_NAME))
        ).one()

    typed: dict[str, set[int]] = defaultdict(set)
    for party_id, type_id in links:
        typed[codes[type_id].code].add(party_id)
        assert kinds[party_id] == codes[type_id].party_kind
    orgs = sum(k == PartyKind.ORGANISATION.value for k in kinds.values())
    persons = len(kinds) - orgs
    assert 0.5 < len(typed["CUSTOMER"]) / orgs < 0.7
    assert 0.12 < len(typed["SUPPLIER"]) / orgs < 0.28
    assert 0.02 < len(typed["MANUFACTURER"]) / orgs < 0.1
    assert 0.02 < len(typed["EMPLOYEE"]) / persons < 0.08
    assert 0.02 < len(typed["TAX_CLIENT"]) / persons < 0.08
    assert flagship in typed["CUSTOMER"]

    # Type data only with its type; most customers, suppliers and employees have data.
    assert {s.party_id for s in sales} <= typed["CUSTOMER"]
    assert {p.party_id for p in purchases} <= typed["SUPPLIER"]
    assert {e.person_id for e in employees} <= typed["EMPLOYEE"]
    assert len(sales) > 0.7 * len(typed["CUSTOMER"]) and len(purchases) > 0.6 * len(typed["SUPPLIER"])
    assert len(employees) > 0.7 * len(typed["EMPLOYEE"])
    cent = decimal.Decimal("0.01")
    for s in sales:
        assert s.currency == "EUR" and s.payment_term_days in (14, 30, 60)
        if s.credit_limit is not None:
            assert 5000 <= s.credit_limit <= 250000 and s.credit_limit == s.credit_limit.quantize(cent)
        if s.discount_percent is not None:
            assert 0 <= s.discount_percent <= 15 and s.discount_percent == s.discount_percent.quantize(cent)
    assert 0.8 < sum(s.vat_liable for s in sales) / len(sales) < 1
    assert sum(s.order_stop for s in sales) < 0.1 * len(sales)
    assert all(p.payment_term_days in (14, 30, 60) for p in purchases)
    numbers = [e.employee_number for e in employees]
    assert len(set(numbers)) == len(numbers)
    assert all(
        e.salary is not None and e.salary > 0 and e.salary == e.salary.quantize(cent) for e in employees
    )


async def test_contact_means_bank_accounts_and_groups(default_demo: Demo) -> None:
    sessions, _ = default_demo
    async with sessions() as session:
        orgs = (await session.scalars(select(Organisation).order_by(Organisation.id))).all()
        kinds = dict((await session.execute(select(Party.id, Party.kind))).all())
        contact_means = (await session.scalars(select(ContactMean))).all()
        bank_accounts = (await session.scalars(select(BankAccount))).all()
        groups = {g.id: g for g in await session.scalars(select(CustomerGroup))}
        links = (await session.execute(select(PartyGroup.group_id, PartyGroup.party_id))).all()

    persons = [p for p, k in kinds.items() if k == PartyKind.PERSON.value]
    primary = Counter((c.party_id, c.kind) for c in contact_means if c.is_primary)
    assert max(primary.values()) == 1
    assert all(c.active for c in contact_means if c.is_primary)
    email_of = {c.party_id: c.value for c in contact_means if c.is_primary and c.kind == "EMAIL"}
    phone_of = {c.party_id: c.value for c in contact_means if c.is_primary and c.kind == "PHONE"}
    # Most organisations have an info@ address and a switchboard; the flagship group all do.
    assert 0.55 < sum(o.id in email_of for o in orgs) / len(orgs) < 0.8
    assert 0.7 < sum(o.id in phone_of for o in orgs) / len(orgs) < 0.9
    assert email_of[orgs[0].id] == "info@noorderlicht.nl" and orgs[0].id in phone_of
    assert all(v.startswith("+31") for v in phone_of.values())
    extra = Counter(c.kind for c in contact_means if not c.is_primary)
    assert extra["EMAIL"] and extra["PHONE"]
    assert {c.kind for c in contact_means} == {"EMAIL", "PHONE", "MOBILE", "FAX", "WEBSITE", "SOCIAL"}
    assert any(not c.active for c in contact_means)
    assert 0.1 < sum(p in phone_of for p in persons) / len(persons) < 0.5

    # Bank accounts: valid Dutch IBANs, one primary per party, and one IBAN shared in a group.
    assert all(b.iban.startswith("NL") for b in bank_accounts)
    assert Counter(b.party_id for b in bank_accounts if b.is_primary).most_common(1)[0][1] == 1
    with_account = {b.party_id for b in bank_accounts}
    assert 0.65 < sum(o.id in with_account for o in orgs) / len(orgs) < 0.9
    assert 0.1 < sum(p in with_account for p in persons) / len(persons) < 0.4
    shared = Counter(b.iban for b in bank_accounts)
    techniek = next(o for o in orgs if o.name == "Noorderlicht Techniek B.V.")
    [techniek_iban] = [b.iban for b in bank_accounts if b.party_id == techniek.id and b.is_primary]
    assert shared[techniek_iban] == 2

    # Groups: every demo group is used, one is inactive, key accounts are reachable customers.
    assert {g.name for g in groups.values()} == {g.name for g in demo.GROUPS}
    assert sum(not g.active for g in groups.values()) == 1
    members = defaultdict(set)
    for group_id, party_id in links:
        members[groups[group_id].name].add(party_id)
    assert set(members) == {g.name for g in demo.GROUPS}
    key_accounts = members[demo.KEY_ACCOUNTS]
    assert {orgs[0].id, orgs[1].id} <= key_accounts and len(key_accounts) >= 5
    assert all(p in email_of and p in phone_of for p in key_accounts)
    assert any(kinds[p] == PartyKind.PERSON.value for p in members["Nieuwsbrief"])
