"""Relations and internal relations of the large demo dataset (see `large`)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from relgraph.demo.base import REFERENCE_DATE, REFERENCE_TIME
from relgraph.demo.domain_data import ACCOUNT_MANAGER, RELATION_TYPES
from relgraph.demo.large import CARD_CODE, Counts, OrgRow

__all__ = ["HUB_RELATIONS", "internal_relation_rows", "relation_rows"]

ORG, PERSON = "ORGANISATION", "PERSON"
# The card organisation is the well-connected party of the neighbourhood benchmark.
HUB_RELATIONS = 40
# Relation types by the kinds they link; organisations dominate, as in a B2B CRM.
_BY_KINDS = {
    (ORG, ORG): [t for t in RELATION_TYPES if ORG in t.source_kinds and ORG in t.target_kinds],
    (ORG, PERSON): [t for t in RELATION_TYPES if ORG in t.source_kinds and PERSON in t.target_kinds],
    (PERSON, ORG): [t for t in RELATION_TYPES if PERSON in t.source_kinds and ORG in t.target_kinds],
    (PERSON, PERSON): [t for t in RELATION_TYPES if PERSON in t.source_kinds and PERSON in t.target_kinds],
}
_KIND_WEIGHTS = {
    (ORG, ORG): 70,
    (ORG, PERSON): 5,
    (PERSON, ORG): 10,
    (PERSON, PERSON): 15,
}


def relation_rows(
    seed: int,
    counts: Counts,
    orgs: list[OrgRow],
    ids: tuple[int, int, int],
    type_ids: dict[str, int],
) -> Iterator[tuple[Any, ...]]:
    """Relation rows: (id, type_id, source_id, target_id, start, end, note, active, created, updated, version).

    `ids` are the first ids of the organisations, the persons and the relations.
    """
    rng = random.Random(f"relgraph-large:{seed}:relations")
    first_org, first_person, rid = ids
    hub = first_org + next(i for i, o in enumerate(orgs) if o.code == CARD_CODE)
    kinds = list(_KIND_WEIGHTS)
    weights = list(_KIND_WEIGHTS.values())
    seen: set[tuple[int, int, int]] = set()
    made = 0

    def party(kind: str) -> int:
        if kind == ORG:
            return first_org + rng.randrange(len(orgs))
        return first_person + rng.randrange(counts.persons)

    while made < counts.relations:
        kind = rng.choices(kinds, weights)[0] if made >= HUB_RELATIONS else (ORG, ORG)
        spec = rng.choice([t for t in _BY_KINDS[kind] if t.name in type_ids])
        source = hub if made < HUB_RELATIONS else party(kind[0])
        target = party(kind[1])
        if source == target:
            continue
        if spec.symmetric and source > target:
            source, target = (
                target,
                source,
            )  # one stored direction per pair, as the domain does
        key = (type_ids[spec.name], source, target)
        if key in seen:
            continue
        seen.add(key)
        active = rng.random() < 0.9
        start = REFERENCE_DATE - dt.timedelta(days=rng.randint(60, 3000))
        end = None if active else min(REFERENCE_DATE, start + dt.timedelta(days=rng.randint(30, 1500)))
        created = dt.datetime(start.year, start.month, start.day, 10, 0, tzinfo=dt.UTC)
        updated = (
            created if end is None else min(REFERENCE_TIME, created + dt.timedelta(days=(end - start).days))
        )
        yield (
            rid,
            key[0],
            source,
            target,
            start,
            end,
            None,
            active,
            created,
            updated,
            1,
        )
        rid += 1
        made += 1


def internal_relation_rows(
    seed: int,
    counts: Counts,
    orgs: list[OrgRow],
    ids: tuple[int, int, int],
    staff_ids: list[int],
    category_ids: dict[str, int],
) -> Iterator[tuple[Any, ...]]:
    """Internal relation rows: (id, user_id, party_id, category_id, since, until, created, updated, version).

    Mostly account managers of organisations (the card organisations each get one);
    `ids` are the first ids of the organisations, the persons and the internal relations.
    """
    rng = random.Random(f"relgraph-large:{seed}:internal relations")
    first_org, first_person, iid = ids
    categories = sorted(category_ids.values())
    manager = category_ids[ACCOUNT_MANAGER]
    card = [
        i
        for i, o in enumerate(orgs)
        if o.code == CARD_CODE or (o.parent is not None and orgs[o.parent].code == CARD_CODE)
    ]
    seen: set[tuple[int, int, int]] = set()
    made = 0
    while made < counts.internal_relations:
        if made < len(card):
            party, category = first_org + card[made], manager
        else:
            on_org = rng.random() < 0.85
            party = (
                first_org + rng.randrange(len(orgs))
                if on_org
                else first_person + rng.randrange(counts.persons)
            )
            category = manager if rng.random() < 0.7 else rng.choice(categories)
        user = staff_ids[made % len(staff_ids)] if made < len(card) else rng.choice(staff_ids)
        if (user, party, category) in seen:
            continue
        seen.add((user, party, category))
        since = REFERENCE_DATE - dt.timedelta(days=rng.randint(30, 3000))
        until = (
            None
            if rng.random() < 0.9 or made < len(card)
            else since + dt.timedelta(days=rng.randint(30, 900))
        )
        created = min(
            REFERENCE_TIME,
            dt.datetime(since.year, since.month, since.day, 17, 0, tzinfo=dt.UTC),
        )
        yield (iid, user, party, category, since, until, created, created, 1)
        iid += 1
        made += 1
