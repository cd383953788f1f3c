"""Realistic Dutch demo data: organisation groups, persons, memberships, staff, relations,
contact means, bank accounts and customer groups.

Everything derives from one seed and a fixed reference date, so the same seed gives the
same rows (names, codes, dates, id order) on every run and on every day.

    from relgraph import demo
    await demo.seed(session, organisations=150, persons=500, seed=42)
"""

from __future__ import annotations

from relgraph.demo.base import FLAGSHIP_CODE, FLAGSHIP_NAME, REFERENCE_DATE
from relgraph.demo.domain_data import CATEGORIES, RELATION_TYPES
from relgraph.demo.groups import GROUPS, KEY_ACCOUNTS
from relgraph.demo.names import ROLES, TAGS
from relgraph.demo.organisations import BOUW_NAME
from relgraph.demo.seeding import SeedSummary, is_empty, seed
from relgraph.demo.staff import STAFF_DOMAIN

__all__ = [
    "BOUW_NAME",
    "CATEGORIES",
    "FLAGSHIP_CODE",
    "FLAGSHIP_NAME",
    "GROUPS",
    "KEY_ACCOUNTS",
    "REFERENCE_DATE",
    "RELATION_TYPES",
    "ROLES",
    "STAFF_DOMAIN",
    "TAGS",
    "SeedSummary",
    "is_empty",
    "seed",
]
