"""The CSV files bench/import.py imports: realistic organisations, persons, memberships.

Organisations have names, numbers, email, phone, website and a visit address, some sit in
groups (a parent earlier in the file); persons have email, mobile and birth date;
memberships link them with department, role and tags. Deterministic (seed 7).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from relgraph.demo.base import rsin

__all__ = ["write_files", "write_plain_organisations"]

CITIES = [
    ("Amsterdam", "1012"),
    ("Rotterdam", "3011"),
    ("Utrecht", "3511"),
    ("Groningen", "9711"),
    ("Zwolle", "8011"),
]
WORDS = ["Noord", "Zuid", "Techniek", "Bouw", "Zorg", "Logistiek", "Groen", "Data", "Water", "Energie"]


def _kvk(i: int) -> str:
    return f"{10_000_000 + i:08d}"


def write_files(folder: Path, rows: int) -> dict[str, Path]:
    rng = random.Random(7)
    paths = {kind: folder / f"{kind}.csv" for kind in ("organisations", "persons", "memberships")}
    with paths["organisations"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "id",
                "name",
                "code",
                "kvk_number",
                "vat_number",
                "industry",
                "website",
                "email",
                "phone",
                "status",
                "checked",
                "parent_id",
                "street",
                "house_number",
                "postcode",
                "city",
                "country",
            ]
        )
        for i in range(1, rows + 1):
            word = rng.choice(WORDS)
            city, digits = rng.choice(CITIES)
            parent = rng.randint(1, i - 1) if i > 10 and rng.random() < 0.3 else ""
            out.writerow(
                [
                    i,
                    f"{word} {i} B.V.",
                    f"C{i:07d}",
                    _kvk(i),
                    f"NL{rsin(i)}B01",
                    word,
                    f"https://www.{word.lower()}{i}.nl",
                    f"info@{word.lower()}{i}.nl",
                    f"020 {rng.randint(1_000_000, 9_999_999)}",
                    "ACTIVE",
                    "true",
                    parent,
                    "Hoofdstraat",
                    str(rng.randint(1, 300)),
                    f"{digits} {rng.choice('ABCDEFGH')}{rng.choice('JKLMNPRS')}",
                    city,
                    "NL",
                ]
            )
    with paths["persons"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["id", "gender", "initials", "first_name", "infix", "last_name", "email", "phone", "birth_date"]
        )
        for i in range(1, rows + 1):
            out.writerow(
                [
                    rows + i,
                    rng.choice(["FEMALE", "MALE"]),
                    "J.",
                    "Jan",
                    rng.choice(["", "van", "de"]),
                    f"Jansen{i}",
                    f"jan{i}@example.nl",
                    f"06 {rng.randint(1, 5)}{rng.randint(0, 9_999_999):07d}",
                    "1980-05-01",
                ]
            )
    with paths["memberships"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "person_id",
                "organisation_id",
                "department",
                "job_title",
                "business_email",
                "role",
                "tags",
                "active",
                "start_date",
            ]
        )
        for i in range(1, rows + 1):
            out.writerow(
                [
                    rows + i,
                    rng.randint(1, rows),
                    "Inkoop",
                    "Inkoper",
                    f"jan{i}@werk.nl",
                    "Contact",
                    "nieuwsbrief|beurs",
                    "true",
                    "2020-01-01",
                ]
            )
    return paths


def write_plain_organisations(folder: Path, rows: int) -> Path:
    """Organisations with names, numbers, website and address, but no email or phone."""
    path = folder / "plain.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "name",
                "code",
                "kvk_number",
                "industry",
                "website",
                "street",
                "house_number",
                "postcode",
                "city",
            ]
        )
        for i in range(1, rows + 1):
            out.writerow(
                [
                    f"Bedrijf {i} B.V.",
                    f"P{i:07d}",
                    _kvk(i),
                    "Bouw",
                    f"https://bedrijf{i}.nl",
                    "Kade",
                    "1",
                    "1012 AB",
                    "Amsterdam",
                ]
            )
    return path
