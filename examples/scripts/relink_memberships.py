#!/usr/bin/env python3
"""Relink memberships listed in a CSV file through relgraph's GraphQL API.

After a reorganisation, people move to another organisation. This script reads the
moves from a CSV file, checks all of them with a dry run, shows the plan, then applies
them in chunks (each chunk all or nothing), with a progress bar.

CSV columns (a header row is required):

    membership_id            the membership to relink, or else both of:
    person_id                the person, and
    from_organisation_id     the organisation they leave (their one active membership there)
    to_organisation_id       where they go (required)
    keep_history             optional, true (default) or false: false moves the membership
                             itself instead of ending it and starting a new one
    start_date               optional, YYYY-MM-DD: the first day at the new organisation

IDs are relgraph's global IDs, or plain numbers as `relgraph export` writes them.

    RELGRAPH_TOKEN=rg_... python relink_memberships.py moves.csv --url http://localhost:8000

Exit status: 0 when everything was relinked (or the dry run found no problem), 1 when an
item failed (the errors are listed by CSV line; nothing of a failing chunk is applied),
2 for a CSV or connection problem.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

MAX_ITEMS = 10_000  # the API's limit per call; the dry run checks this many at once
NODES_PER_CALL = 100

out = Console()
err = Console(stderr=True, soft_wrap=True)

RELINK = """
mutation Relink($input: BulkRelinkMembershipsInput!, $failedOnly: Boolean!) {
  bulkRelinkMemberships(input: $input) {
    totals { requested relinked failed }
    applied
    userErrors { field message code }
    results(failedOnly: $failedOnly) {
      index
      userErrors { field message code }
      fromOrganisation { name }
      oldMembership { role person { displayName } }
      newMembership { startDate organisation { name } }
    }
  }
}"""

PERSONS = """
query Persons($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Person {
      id
      displayName
      memberships(first: 100) {
        pageInfo { hasNextPage }
        nodes { id role organisation { id } }
      }
    }
  }
}"""


class Failure(Exception):
    """A problem that ends the script with exit status 2."""


@dataclass
class Row:
    line: int
    to_organisation_id: str
    keep_history: bool
    start_date: str | None
    membership_id: str | None = None
    person_id: str | None = None
    from_organisation_id: str | None = None


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def global_id(value: str, type_name: str) -> str:
    """A plain number becomes the global ID of `type_name`; a global ID stays as it is."""
    value = value.strip()
    if value.isdigit():
        return base64.urlsafe_b64encode(f"{type_name}:{value}".encode()).decode().rstrip("=")
    return value


def parse_bool(value: str) -> bool | None:
    text = value.strip().lower()
    if text in ("", "true", "yes", "1", "ja", "y"):
        return True
    if text in ("false", "no", "0", "nee", "n"):
        return False
    return None


def read_csv(path: Path) -> Plan:
    plan = Plan()
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise Failure(f"cannot read {path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or [])
        if "to_organisation_id" not in columns:
            raise Failure(f"{path}: the header has no to_organisation_id column")
        if "membership_id" not in columns and not {"person_id", "from_organisation_id"} <= columns:
            raise Failure(f"{path}: give membership_id, or person_id and from_organisation_id")
        for record in reader:
            line = reader.line_num

            def get(name: str, record: dict[str, str | None] = record) -> str:
                return (record.get(name) or "").strip()

            keep = parse_bool(get("keep_history"))
            if keep is None:
                plan.errors.append(
                    f"line {line}: keep_history must be true or false, not {get('keep_history')!r}"
                )
            start = get("start_date") or None
            if start is not None:
                try:
                    dt.date.fromisoformat(start)
                except ValueError:
                    plan.errors.append(f"line {line}: start_date must be YYYY-MM-DD, not {start!r}")
            if not get("to_organisation_id"):
                plan.errors.append(f"line {line}: to_organisation_id is empty")
            row = Row(line, global_id(get("to_organisation_id"), "Organisation"), keep is not False, start)
            if get("membership_id"):
                row.membership_id = global_id(get("membership_id"), "Membership")
            elif get("person_id") and get("from_organisation_id"):
                row.person_id = global_id(get("person_id"), "Person")
                row.from_organisation_id = global_id(get("from_organisation_id"), "Organisation")
            else:
                plan.errors.append(f"line {line}: give membership_id, or person_id and from_organisation_id")
            plan.rows.append(row)
    if not plan.rows and not plan.errors:
        raise Failure(f"{path}: no rows")
    return plan


class Api:
    def __init__(self, url: str, token: str) -> None:
        endpoint = url.rstrip("/")
        self.url = endpoint if endpoint.endswith("/graphql") else f"{endpoint}/graphql"
        self.token = token

    def run(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        # The standard library's urllib: the script runs with what `pip install relgraph` brings.
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
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:  # a 4xx or 5xx still has a GraphQL body
            status, raw = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            raise Failure(f"cannot reach {self.url}: {error}") from None
        try:
            body = json.loads(raw)
        except ValueError:
            raise Failure(f"{self.url} answered {status} without JSON") from None
        if body.get("errors"):
            raise Failure(f"{self.url}: {body['errors'][0].get('message')}")
        if status != 200:
            raise Failure(f"{self.url} answered {status}")
        return body["data"]


def resolve(api: Api, plan: Plan) -> None:
    """Find the membership of each person + from-organisation row."""
    wanted = sorted({r.person_id for r in plan.rows if r.person_id})
    persons: dict[str, Any] = {}
    for start in range(0, len(wanted), NODES_PER_CALL):
        for node in api.run(PERSONS, {"ids": wanted[start : start + NODES_PER_CALL]})["nodes"]:
            if node and "id" in node:
                persons[node["id"]] = node
    for row in plan.rows:
        if row.membership_id or not row.person_id:
            continue
        person = persons.get(row.person_id)
        if person is None:
            plan.errors.append(f"line {row.line}: no person {row.person_id}")
            continue
        if person["memberships"]["pageInfo"]["hasNextPage"]:
            plan.errors.append(
                f"line {row.line}: {person['displayName']} has too many memberships; give membership_id"
            )
            continue
        there = [
            m for m in person["memberships"]["nodes"] if m["organisation"]["id"] == row.from_organisation_id
        ]
        if len(there) == 1:
            row.membership_id = there[0]["id"]
        elif not there:
            plan.errors.append(
                f"line {row.line}: {person['displayName']} has no active membership at {row.from_organisation_id}"
            )
        else:
            roles = ", ".join(m["role"] or "no role" for m in there)
            plan.errors.append(
                f"line {row.line}: {person['displayName']} has {len(there)} active memberships there ({roles}); "
                "give membership_id"
            )


def relinks(rows: list[Row]) -> dict[str, Any]:
    """The rows as bulkRelinkMemberships `columns`: parallel lists, the lean input for
    thousands of items. A list whose entries are all the same goes as one entry, which
    the API applies to every item."""

    def column(values: list[Any]) -> list[Any]:
        return values[:1] if len(set(values)) == 1 else values

    return {
        "columns": {
            "membershipIds": [r.membership_id for r in rows],
            "organisationIds": column([r.to_organisation_id for r in rows]),
            "keepHistory": column([r.keep_history for r in rows]),
            "startDates": column([r.start_date for r in rows]),
        }
    }


# The lists of `columns` by the item field they hold, for messages that name the field.
ITEM_FIELD = {
    "membershipIds": "membershipId",
    "organisationIds": "organisationId",
    "keepHistory": "keepHistory",
    "startDates": "startDate",
    "expectedVersions": "expectedVersion",
}


def item_errors(rows: list[Row], payload: dict[str, Any]) -> list[str]:
    """The errors of a bulkRelinkMemberships answer, by CSV line."""
    found = [f"{'.'.join(e['field']) or 'input'}: {e['message']}" for e in payload["userErrors"]]
    for result in payload["results"] or []:
        row = rows[result["index"]]
        for error in result["userErrors"]:
            path = error["field"]
            if path[:1] == ["columns"] and len(path) > 1:
                field_name = ITEM_FIELD.get(path[1], path[1])
            else:
                field_name = path[-1] if len(path) > 2 else "item"
            found.append(f"line {row.line}: {field_name}: {error['message']} ({error['code']})")
    return found


def dry_run(api: Api, rows: list[Row]) -> list[dict[str, Any]]:
    """Check every row; return the results for the plan, or raise SystemExit(1) listing errors."""
    results: list[dict[str, Any]] = []
    errors: list[str] = []
    for start in range(0, len(rows), MAX_ITEMS):
        part = rows[start : start + MAX_ITEMS]
        variables = {"input": {**relinks(part), "dryRun": True}, "failedOnly": False}
        payload = api.run(RELINK, variables)["bulkRelinkMemberships"]
        errors.extend(item_errors(part, payload))
        results.extend(payload["results"] or [])
    if errors:
        report(errors, "the dry run found problems; nothing was changed")
        raise SystemExit(1)
    return results


def show_plan(rows: list[Row], results: list[dict[str, Any]], limit: int) -> None:
    table = Table(title=f"Relinking {len(rows)} membership(s)")
    for heading in ("line", "person", "role", "from", "to", "start", "history"):
        table.add_column(heading)
    for row, result in list(zip(rows, results, strict=True))[:limit]:
        old, new = result["oldMembership"], result["newMembership"]
        table.add_row(
            str(row.line),
            old["person"]["displayName"] if old["person"] else "?",
            old["role"] or "",
            result["fromOrganisation"]["name"],
            new["organisation"]["name"],
            new["startDate"] or "",
            "keep" if row.keep_history else "move",
        )
    out.print(table)
    if len(rows) > limit:
        out.print(f"... and {len(rows) - limit} more")
    per_target = Counter(r["newMembership"]["organisation"]["name"] for r in results)
    out.print("per organisation: " + ", ".join(f"{name}: {n}" for name, n in per_target.most_common()))


def apply(api: Api, rows: list[Row], chunk_size: int) -> None:
    done = 0
    columns = (TextColumn("relinking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("relinking", total=len(rows))
        for start in range(0, len(rows), chunk_size):
            part = rows[start : start + chunk_size]
            variables = {"input": relinks(part), "failedOnly": True}
            payload = api.run(RELINK, variables)["bulkRelinkMemberships"]
            if not payload["applied"]:
                progress.stop()
                report(
                    item_errors(part, payload),
                    f"stopped at lines {part[0].line}-{part[-1].line}: that chunk was not applied; "
                    f"the {done} row(s) before it were",
                )
                raise SystemExit(1)
            done += len(part)
            progress.update(task, completed=done)
    out.print(f"relinked {done} membership(s)")


def report(errors: list[str], headline: str) -> None:
    err.print(f"[red]error:[/red] {headline}", highlight=False)
    for line in errors:
        err.print(f"  {line}", highlight=False, markup=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path, help="the moves (see the columns above)")
    parser.add_argument(
        "--url", default=os.environ.get("RELGRAPH_URL", "http://127.0.0.1:8000"), help="relgraph's address"
    )
    parser.add_argument(
        "--token", default=os.environ.get("RELGRAPH_TOKEN"), help="API token (or RELGRAPH_TOKEN)"
    )
    parser.add_argument(
        "--chunk-size", type=int, default=1000, help="rows per transaction (1-10000, default 1000)"
    )
    parser.add_argument("--dry-run", action="store_true", help="check and show the plan, change nothing")
    parser.add_argument("--show", type=int, default=50, help="plan rows to print (default 50)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set RELGRAPH_TOKEN")
    if not 1 <= args.chunk_size <= MAX_ITEMS:
        parser.error(f"--chunk-size must be between 1 and {MAX_ITEMS}")
    try:
        plan = read_csv(args.csv)
        api = Api(args.url, args.token)
        if not plan.errors:
            resolve(api, plan)
        if plan.errors:
            report(plan.errors, f"{args.csv} has problems; nothing was changed")
            return 1
        results = dry_run(api, plan.rows)
        show_plan(plan.rows, results, args.show)
        if args.dry_run:
            out.print("dry run: nothing was changed")
            return 0
        apply(api, plan.rows, args.chunk_size)
    except Failure as failure:
        err.print(f"[red]error:[/red] {failure}", highlight=False)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
