#!/usr/bin/env python3
"""Keep a local SQLite copy of relgraph's organisations, persons, memberships and relations
up to date by following the changes feed (`changes`).

Run it as often as you like: each run reads the changes since the cursor the last run
saved (the first run reads the feed from its start, which holds every object there is)
and applies them; a page of changes and the cursor after it are saved in one
transaction, so an interrupted run resumes where it stopped. The copy holds what the
token may see, no more: an erased person keeps only its tombstone, and a person who
stops being a business relation (for BUSINESS and READONLY tokens, which see only
business relations) leaves it, with the relations it took part in. The feed cannot say
so to such a token (to it, that person never existed), so for these roles each run ends
by asking for every person in the copy again (100 a request).

    RELGRAPH_TOKEN=rg_... python mirror.py --url http://localhost:8000 --db mirror.sqlite

Standard library only: it runs with what `pip install relgraph` brings, or with none of
it. Exit status: 0 when the copy is up to date, 2 for a connection or API problem.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

PAGE_SIZE = 100

ORGANISATION = "id name code kvkNumber status archived mergedInto { id } version updatedAt"
PERSON = "id displayName firstName infix lastName active deletedAt version updatedAt"
MEMBERSHIP = "id person { id } organisation { id } role jobTitle startDate endDate active version updatedAt"
RELATION = "id type { name } source { id } target { id } startDate endDate note active version updatedAt"
CHANGES = f"""
query Changes($after: String, $first: Int!) {{
  changes(first: $first, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      kind objectType objectId
      node {{
        __typename
        ... on Organisation {{ {ORGANISATION} }}
        ... on Person {{ {PERSON} }}
        ... on Membership {{
          {MEMBERSHIP}
          person {{ {PERSON} }}
          organisation {{ {ORGANISATION} }}
        }}
        ... on Relation {{ {RELATION} }}
      }}
    }}
  }}
}}"""
VIEWER = "query Viewer { viewer { role } }"
# The roles that see only business relations (R1): a person can vanish from their sight.
NARROWED_ROLES = {"BUSINESS", "READONLY"}
PERSONS = f"""
query Persons($ids: [ID!]!) {{
  nodes(ids: $ids) {{ __typename ... on Person {{ {PERSON} }} }}
}}"""
RELATIONS_OF = f"""
query RelationsOf($id: ID!, $after: String) {{
  node(id: $id) {{
    ... on Person {{
      relations(first: {PAGE_SIZE}, after: $after, includeInactive: true) {{
        pageInfo {{ hasNextPage endCursor }}
        edges {{ relation {{ {RELATION} }} }}
      }}
    }}
  }}
}}"""

TABLES = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS organisations (
  id TEXT PRIMARY KEY, name TEXT, code TEXT, kvk_number TEXT, status TEXT, archived INTEGER,
  merged_into_id TEXT, version INTEGER, updated_at TEXT);
CREATE TABLE IF NOT EXISTS persons (
  id TEXT PRIMARY KEY, display_name TEXT, first_name TEXT, infix TEXT, last_name TEXT,
  active INTEGER, deleted_at TEXT, version INTEGER, updated_at TEXT);
CREATE TABLE IF NOT EXISTS memberships (
  id TEXT PRIMARY KEY, person_id TEXT, organisation_id TEXT, role TEXT, job_title TEXT,
  start_date TEXT, end_date TEXT, active INTEGER, version INTEGER, updated_at TEXT);
CREATE TABLE IF NOT EXISTS relations (
  id TEXT PRIMARY KEY, type_name TEXT, source_id TEXT, target_id TEXT, start_date TEXT,
  end_date TEXT, note TEXT, active INTEGER, version INTEGER, updated_at TEXT);
"""


class Failure(Exception):
    """A problem that ends the run with exit status 2 (what was saved stays saved)."""


class Api:
    def __init__(self, url: str, token: str) -> None:
        endpoint = url.rstrip("/")
        self.url = endpoint if endpoint.endswith("/graphql") else f"{endpoint}/graphql"
        self.token = token

    def run(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:  # a 4xx or 5xx still has a GraphQL body
            raw = error.read()
        except (urllib.error.URLError, OSError) as error:
            raise Failure(f"cannot reach {self.url}: {error}") from None
        try:
            body = json.loads(raw)
        except ValueError:
            raise Failure(f"{self.url} did not answer with JSON") from None
        if body.get("errors"):
            raise Failure("; ".join(e.get("message", "?") for e in body["errors"]))
        return dict(body["data"])


# --- the local copy ----------------------------------------------------------------------


def _id(value: dict[str, Any] | None) -> str | None:
    return None if value is None else value["id"]


def put_organisation(db: sqlite3.Connection, o: dict[str, Any]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO organisations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (o["id"], o["name"], o["code"], o["kvkNumber"], o["status"], o["archived"],
         _id(o["mergedInto"]), o["version"], o["updatedAt"]),
    )  # fmt: skip


def put_person(db: sqlite3.Connection, p: dict[str, Any]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO persons VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (p["id"], p["displayName"], p["firstName"], p["infix"], p["lastName"], p["active"],
         p["deletedAt"], p["version"], p["updatedAt"]),
    )  # fmt: skip


def put_membership(db: sqlite3.Connection, m: dict[str, Any]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO memberships VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (m["id"], _id(m["person"]), m["organisation"]["id"], m["role"], m["jobTitle"], m["startDate"],
         m["endDate"], m["active"], m["version"], m["updatedAt"]),
    )  # fmt: skip


def put_relation(db: sqlite3.Connection, r: dict[str, Any]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO relations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (r["id"], r["type"]["name"], _id(r["source"]), _id(r["target"]), r["startDate"], r["endDate"],
         r["note"], r["active"], r["version"], r["updatedAt"]),
    )  # fmt: skip


TABLE_OF = {
    "ORGANISATION": "organisations",
    "PERSON": "persons",
    "MEMBERSHIP": "memberships",
    "RELATION": "relations",
}


def has(db: sqlite3.Connection, table: str, id: str) -> bool:
    return db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (id,)).fetchone() is not None


def drop_person(db: sqlite3.Connection, id: str) -> None:
    """A person the token may no longer see: gone, with what only it made visible."""
    db.execute("DELETE FROM persons WHERE id = ?", (id,))
    db.execute("DELETE FROM memberships WHERE person_id = ?", (id,))
    db.execute("DELETE FROM relations WHERE source_id = ? OR target_id = ?", (id, id))


class Mirror:
    def __init__(self, api: Api, db: sqlite3.Connection) -> None:
        self.api = api
        self.db = db

    @property
    def cursor(self) -> str | None:
        row = self.db.execute("SELECT value FROM state WHERE key = 'cursor'").fetchone()
        return None if row is None else str(row[0])

    def apply(self, change: dict[str, Any], recheck: set[str], appeared: set[str]) -> None:
        """Make the copy of one changed object what the API shows now."""
        table, node = TABLE_OF[change["objectType"]], change["node"]
        if node is None:
            # Deleted, or no longer visible to this token: either way not in the copy.
            if table == "memberships":
                row = self.db.execute("SELECT person_id FROM memberships WHERE id = ?", (change["objectId"],))
                recheck.update(person for (person,) in row if person)
            if table == "persons":
                drop_person(self.db, change["objectId"])
            else:
                self.db.execute(f"DELETE FROM {table} WHERE id = ?", (change["objectId"],))
            return
        if table == "organisations":
            put_organisation(self.db, node)
        elif table == "persons":
            put_person(self.db, node)
        elif table == "relations":
            put_relation(self.db, node)
        else:
            person = node["person"]
            if person is not None:
                if not has(self.db, "persons", person["id"]):
                    appeared.add(person["id"])
                put_person(self.db, person)
                recheck.discard(person["id"])
            put_organisation(self.db, node["organisation"])
            put_membership(self.db, node)

    def recheck_persons(self, ids: Iterable[str]) -> None:
        """Persons whose last membership may have gone: still visible, or not?"""
        wanted = sorted(ids)
        for start in range(0, len(wanted), PAGE_SIZE):
            chunk = wanted[start : start + PAGE_SIZE]
            found = self.api.run(PERSONS, {"ids": chunk})["nodes"]
            for id, person in zip(chunk, found, strict=True):
                if person is None:
                    drop_person(self.db, id)
                else:
                    put_person(self.db, person)

    def fetch_relations(self, person_ids: Iterable[str]) -> None:
        """A person that just became visible brings the relations it had all along."""
        for person_id in sorted(person_ids):
            after = None
            while True:
                node = self.api.run(RELATIONS_OF, {"id": person_id, "after": after})["node"]
                if node is None:
                    break
                page = node["relations"]
                for edge in page["edges"]:
                    put_relation(self.db, edge["relation"])
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]

    def reconcile(self) -> None:
        """Drop the persons this token no longer sees (the feed cannot tell it of them)."""
        if self.api.run(VIEWER, {})["viewer"]["role"] not in NARROWED_ROLES:
            return
        with self.db:
            self.recheck_persons(id for (id,) in self.db.execute("SELECT id FROM persons"))

    def follow(self, page_size: int = PAGE_SIZE) -> int:
        """Apply every change after the saved cursor; how many changes were read."""
        read = 0
        while True:
            page = self.api.run(CHANGES, {"after": self.cursor, "first": page_size})["changes"]
            recheck: set[str] = set()
            appeared: set[str] = set()
            with self.db:  # the page and the cursor after it: both or neither
                for change in page["nodes"]:
                    self.apply(change, recheck, appeared)
                self.recheck_persons(recheck)
                self.fetch_relations(appeared)
                if page["pageInfo"]["endCursor"] is not None:
                    self.db.execute(
                        "INSERT OR REPLACE INTO state VALUES ('cursor', ?)", (page["pageInfo"]["endCursor"],)
                    )
            read += len(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return read


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8000", help="relgraph's address")
    parser.add_argument(
        "--token", default=os.environ.get("RELGRAPH_TOKEN"), help="API token (or RELGRAPH_TOKEN)"
    )
    parser.add_argument("--db", default="mirror.sqlite", help="the local copy (created when missing)")
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE, help="changes per request (1-100)")
    args = parser.parse_args(argv)
    if not args.token:
        print("mirror: give --token or set RELGRAPH_TOKEN", file=sys.stderr)
        return 2
    if not 1 <= args.page_size <= PAGE_SIZE:
        print(f"mirror: --page-size must be between 1 and {PAGE_SIZE}", file=sys.stderr)
        return 2
    db = sqlite3.connect(args.db)
    try:
        db.executescript(TABLES)
        mirror = Mirror(Api(args.url, args.token), db)
        read = mirror.follow(args.page_size)
        mirror.reconcile()
    except Failure as error:
        print(f"mirror: {error}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"{read} change(s) applied; {args.db} is up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
