"""The leak test that finds the next leak by itself (issue 18).

A world of markers (tests/support/leakworld.py: a hidden person, an erased person, a shielded
organisation with a merged one, every value a marker that says who may see it), then:

* the walk: as ten viewers (ADMIN, TEAM, BUSINESS, READONLY with and without FINANCE,
  SENSITIVE; the account manager of the shielded files among them) every root field of
  the schema, every object by its ID through `nodes`, `node`, `organisation`, `person`,
  `personDataExport` and `shortestPath`, every search by every marker (tests/support/leakwalk.py).
  No answer, error or log line may hold a marker the viewer may not see (as text, inside
  base64 cursors or IDs, as the ID of a hidden object); no search may find anything by
  one; a complete list's totalCount is its length. And the walk can fail: ADMIN with
  FINANCE and SENSITIVE sees every marker that is not erased.
* the CSV exports (`relgraph export`, which has no viewer: the operator's full copy)
  hold no erased value and no BSN.
* every mutation, once per ID in its input, answers an ID the viewer may not see
  exactly as a free one of the same type.

Findings are grouped by what leaked, where (request @ path in the answer) and who saw
it. Run: `.venv/bin/pytest -n 0 tests/visibility/test_leak_walk.py` (add
RELGRAPH_TEST_DATABASE_URL=postgresql+asyncpg://... for PostgreSQL).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import time
from collections import defaultdict
from typing import Any

import graphql
import pytest
from fuzzing import problems_of
from leakscan import ERASED, SENSITIVE, Finding, Marker, Markers, Seer, report
from leakwalk import Walk, id_fields, kind_of, kinds_of_id_field, sample_input
from leakworld import VIEWERS, World, needs_table, seed

from relgraph import transfer
from relgraph.config import Settings
from relgraph.graphql.core.ids import decode_id, encode_id
from relgraph.graphql.schema import build_schema

# The walk asks big questions on purpose: the limits protect a server, not the data.
LIMITS = {
    "max_query_depth": 100,
    "max_aliases": 100_000,
    "max_tokens": 10_000_000,
    "max_query_cost": 10**15,
    "rate_limit_per_minute": 0,
    "max_request_bytes": 64 * 1024 * 1024,
}


@pytest.fixture
def settings(database_url: str, tmp_path: Any) -> Settings:
    return Settings(database_url=database_url, documents_dir=tmp_path / "documents", **LIMITS)


@pytest.fixture
def schema(settings: Settings) -> graphql.GraphQLSchema:
    return build_schema(settings)._schema


@pytest.fixture
async def world(admin, make_caller, schema) -> World:
    callers = {VIEWERS[0].label: admin}
    for seer in VIEWERS[1:]:
        callers[seer.label] = await make_caller(seer.role, seer.permissions)
    user_ids = {label: encode_id("User", caller.user_id) for label, caller in callers.items()}
    return await seed(schema, callers, user_ids)


def _ids_in(value: Any, kinds: set[str]) -> set[str]:
    if isinstance(value, dict):
        return {i for v in value.values() for i in _ids_in(v, kinds)}
    if isinstance(value, list):
        return {i for v in value for i in _ids_in(v, kinds)}
    if isinstance(value, str) and (decoded := decode_id(value)) and decoded[0] in kinds:
        return {value}
    return set()


def _connections(value: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """(path, connection) for every connection object in an answer."""
    found = []
    if isinstance(value, dict):
        if "totalCount" in value and isinstance(value.get("pageInfo"), dict):
            found.append((path, value))
        for key, item in value.items():
            found += _connections(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _connections(item, f"{path}[{index}]")
    return found


class Walker:
    """Sends a viewer's requests and collects what it saw and what it should not have."""

    def __init__(self, world: World, schema: graphql.GraphQLSchema) -> None:
        self.world = world
        self.walk = Walk(schema)
        self.kinds = {t.name for t in schema.get_possible_types(schema.get_type("Node"))}  # type: ignore[arg-type]
        self.findings: list[Finding] = []
        self.seen: dict[str, set[Marker]] = defaultdict(set)
        self.requests = 0
        self.free_download = ""  # the body of the 404 for a free document ID

    async def send(
        self,
        seer: Seer,
        label: str,
        query: str,
        searched: dict[str, str] | None = None,
        variables: dict[str, Any] | None = None,
    ) -> Any:
        self.requests += 1
        caller = self.world.callers[seer.label]
        sent = query + json.dumps(variables)
        if variables is not None and variables.get("upload"):
            # A file goes as a multipart part (the GraphQL multipart request spec).
            operations = {"query": query, "variables": {k: v for k, v in variables.items() if k != "upload"}}
            response = await caller.client.post(
                "/graphql",
                data={"operations": json.dumps(operations), "map": json.dumps({"0": variables["upload"]})},
                files={"0": ("probe.pdf", b"probe", "application/pdf")},
                headers={"Authorization": f"Bearer {caller.token}"},
            )
        else:
            response = await caller.post(query, variables)
        where = f"{label}"
        for problem in problems_of(response, hidden=False):
            self.findings.append(Finding("ERROR", seer.label, problem, where))
        body = response.json()
        markers = self.world.markers
        for path, marker in markers.in_json(body):
            self.seen[seer.label].add(marker)
            if path.startswith("errors") and marker.text in sent:
                continue  # an error message that quotes the request's own input
            if not seer.may_see(marker.needs):
                self.findings.append(Finding("LEAK", seer.label, marker.describe(), f"{where} @ {path}"))
        for path, connection in _connections(body.get("data")):
            items = connection.get("edges", connection.get("nodes"))
            info = connection["pageInfo"]
            complete = items is not None and not info.get("hasNextPage") and not info.get("hasPreviousPage")
            if complete and connection["totalCount"] != len(items):
                what = f"totalCount {connection['totalCount']} of a complete list of {len(items)}"
                self.findings.append(Finding("COUNT", seer.label, what, f"{where} @ {path}"))
        for alias, term in (searched or {}).items():
            hits = (body.get("data") or {}).get(alias)
            count = hits.get("totalCount") if isinstance(hits, dict) else len(hits or [])
            marker = markers.by_text[term]
            if count and not seer.may_see(marker.needs):
                self.findings.append(
                    Finding("SEARCH", seer.label, f"{count} hit(s) by {marker.describe()}", where)
                )
        return body

    async def run(self, seer: Seer, universe: set[str], parties: list[str]) -> set[str]:
        """The whole walk as `seer`; returns the IDs its answers held."""
        found: set[str] = set()
        by_kind: dict[str, list[str]] = defaultdict(list)
        for global_id in sorted(universe):
            by_kind[kind_of(global_id)].append(global_id)
        requests = self.walk.roots() + self.walk.by_ids(dict(by_kind), parties)
        # A search oracle is a hit by a value the viewer may not see: only those are searched.
        terms = [m.text for m in self.world.markers if not m.is_id and not seer.may_see(m.needs)]
        cities = [t for t in terms if "city" in self.world.markers.by_text[t].where]
        requests += self.walk.searches(lambda field: cities if field == "city" else terms)
        for request in requests:
            body = await self.send(seer, f"{request.label}", request.query, request.searched)
            found |= _ids_in(body.get("data"), self.kinds)
        await self.download(seer, by_kind.get("Document", []))
        return found

    async def download(self, seer: Seer, documents: list[str]) -> None:
        """GET every document's file (its content names it): what the viewer gets, headers too,
        holds no marker it may not see, and a document it may not see is a 404 like a free one."""
        caller = self.world.callers[seer.label]
        for document in documents:
            self.requests += 1
            response = await caller.client.get(
                f"/documents/{document}", headers={"Authorization": f"Bearer {caller.token}"}
            )
            where = f"GET /documents/{document} -> {response.status_code}"
            text = f"{response.headers}\n{response.text}"
            for marker in self.world.markers.find(text):
                self.seen[seer.label].add(marker)
                if not seer.may_see(marker.needs) and marker.text != document:
                    self.findings.append(Finding("LEAK", seer.label, marker.describe(), where))
            hidden = document in self.world.gone or (
                document in self.world.markers.by_text
                and not seer.may_see(self.world.markers.by_text[document].needs)
            )
            if hidden and (response.status_code, response.text) != (404, self.free_download):
                what = f"a document it may not see answered {response.status_code}, a free one 404 {self.free_download!r}"
                self.findings.append(Finding("DOWNLOAD", seer.label, what, where))


async def test_the_walk_finds_no_marker_where_a_viewer_may_not_see_it(world: World, schema, caplog) -> None:
    started = time.monotonic()
    markers = world.markers
    walker = Walker(world, schema)
    pks = [decode_id(i)[1] for i in world.ids if decode_id(i)]
    free = {encode_id(kind, max(pks) + 1000) for kind in walker.kinds}
    parties = [*world.parties.values(), encode_id("Person", max(pks) + 1000)]
    caplog.set_level(logging.INFO)

    free_document = await world.callers[VIEWERS[0].label].client.get(
        f"/documents/{encode_id('Document', max(pks) + 1000)}",
        headers={"Authorization": f"Bearer {world.callers[VIEWERS[0].label].token}"},
    )
    assert free_document.status_code == 404
    walker.free_download = free_document.text

    # ADMIN with every permission discovers the world: whatever its answers hold is walked too.
    admin = VIEWERS[0]
    universe = set(world.ids) | free
    new = await walker.run(admin, universe, parties)
    while new - universe:
        fresh = new - universe
        universe |= fresh
        by_kind: dict[str, list[str]] = defaultdict(list)
        for global_id in sorted(fresh):
            by_kind[kind_of(global_id)].append(global_id)
        new = set()
        for request in walker.walk.by_ids(dict(by_kind), []):
            new |= _ids_in((await walker.send(admin, request.label, request.query)).get("data"), walker.kinds)
    for seer in VIEWERS[1:]:
        await walker.run(seer, universe, parties)
    for earlier, later in markers.reused:
        what = f"the ID of {earlier.where} (deleted) was given to {later.where}"
        walker.findings.append(Finding("ID REUSED", "seeding", what, later.text))
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    for record in caplog.records:
        for marker in markers.find(formatter.format(record)):
            walker.findings.append(
                Finding("LOG", "the log", marker.describe(), f"{record.name}: {record.getMessage()[:120]}")
            )
    elapsed = time.monotonic() - started

    # The walk can fail: the world holds what it looks for, and the scanner flags it.
    summary = f"{walker.requests} requests in {elapsed:.1f} s; markers: {needs_table(markers)}"
    erased = {m for m in markers if ERASED in m.needs}
    assert erased and world.before_erasure == erased, (
        "before the erasure ADMIN did not read every value erasure must take: "
        + ", ".join(sorted(m.describe() for m in erased - world.before_erasure))
    )
    # ... and ADMIN with every permission sees everything not erased (else the walk is blind
    # to it, or the service lost it: reported with the leaks, as they may be one cause).
    for marker in {m for m in markers if ERASED not in m.needs} - walker.seen[admin.label]:
        walker.findings.append(Finding("UNSEEN", admin.label, marker.describe(), "the whole walk"))
    assert not walker.findings, f"{summary}\n{report(walker.findings)}"


async def test_csv_exports_hold_no_erased_value_and_no_bsn(world: World, database_url: str) -> None:
    """`relgraph export` runs as no viewer: the operator's full copy. What erasure took and
    the BSN (never in the files) must not be in it; the rest may."""
    operator = Seer("relgraph export", "ADMIN", ("FINANCE",))
    findings, seen = [], set()
    for kind in transfer.KINDS:
        out = io.StringIO()
        await transfer.export_to(database_url, kind, out)
        for number, line in enumerate(out.getvalue().splitlines(), start=1):
            for marker in world.markers.find(line):
                seen.add(marker)
                if not operator.may_see(marker.needs):
                    findings.append(
                        Finding("EXPORT", operator.label, marker.describe(), f"{kind}.csv line {number}")
                    )
    assert any(SENSITIVE not in m.needs and ERASED not in m.needs for m in seen), "the export holds the world"
    assert not findings, report(findings)


# --- mutations ----------------------------------------------------------------------------------

_REQUEST_ID = re.compile(r"request id [0-9a-fA-F-]+")
# Viewers with each kind of limit (R1, R2, FINANCE, staff notes), as writers that may make
# the change (so the lookup is reached) and as READONLY; ADMIN+FINANCE+SENSITIVE for the
# IDs the erasure deleted.
PROBED = (
    "ADMIN+FINANCE+SENSITIVE",
    "ADMIN",
    "TEAM",
    "TEAM+FINANCE+SENSITIVE",
    "BUSINESS",
    "BUSINESS+FINANCE (account manager)",
    "READONLY",
)


def _normalised(body: dict[str, Any], probed: str) -> str:
    body = {k: v for k, v in body.items() if k != "extensions"}
    return _REQUEST_ID.sub("request id <x>", json.dumps(body, sort_keys=True).replace(probed, "<ID>"))


async def test_every_mutation_answers_a_hidden_id_as_a_free_one(world: World, schema) -> None:
    """For each mutation, each ID in its input (nested ones too), and a viewer of each kind
    of limit: an ID it may not see (a hidden person's, a shielded document's, a financial
    object's, one the erasure deleted) gets the answer a free ID of that type gets."""
    assert schema.mutation_type is not None
    walker = Walker(world, schema)
    markers = world.markers
    kinds = walker.kinds | {"User"}
    pks = [decode_id(i)[1] for i in world.ids if decode_id(i)]
    free_pk = max(pks) + 1000
    users = [encode_id("User", c.user_id) for c in world.callers.values()]
    findings: list[Finding] = []
    probes = 0
    for label in PROBED:
        seer = world.seer(label)
        hidden = {m.text: m.where for m in markers if m.is_id and not seer.may_see(m.needs)} | world.gone
        visible = sorted(i for i in world.ids if i not in hidden) + users
        # A few IDs per kind of object and reason to be hidden (R1, R2, FINANCE, STAFF, erased).
        reasons = {
            i: frozenset(markers.by_text[i].needs if i in markers.by_text else {ERASED}) for i in hidden
        }
        targets: dict[tuple[str, frozenset[str]], list[str]] = defaultdict(list)
        for i in sorted(hidden):
            if len(targets[(kind_of(i), reasons[i])]) < 3:
                targets[(kind_of(i), reasons[i])].append(i)

        def fill(name: str, owner: str, visible: list[str] = visible) -> str:
            wanted = kinds_of_id_field(name, owner, kinds)
            return next(
                (i for i in visible if kind_of(i) in wanted), encode_id(wanted[0] if wanted else "User", 1)
            )

        for name, field in schema.mutation_type.fields.items():
            input_type = graphql.get_named_type(field.args["input"].type)
            assert isinstance(input_type, graphql.GraphQLInputObjectType)
            selection = walker.walk.selections.of(graphql.get_named_type(field.type), 0)
            query = (
                f"mutation($input: {field.args['input'].type}) {{ {name}(input: $input) {{ {selection} }} }}"
            )
            uploads = [
                f"variables.input.{n}"
                for n, f in input_type.fields.items()
                if graphql.get_named_type(f.type).name == "Upload"
            ]
            for path in id_fields(input_type):
                wanted = kinds_of_id_field(path[-1], name, kinds)
                for target in sorted(t for (kind, _), ts in targets.items() if kind in wanted for t in ts):
                    answers = []
                    for value in (target, encode_id(kind_of(target), free_pk)):
                        variables = {
                            "input": _json(
                                sample_input(input_type, path, value, lambda n, o=name: fill(n, o))
                            )
                        }
                        if uploads:
                            variables["input"].update({u.rpartition(".")[2]: None for u in uploads})
                            variables["upload"] = uploads
                        body = await walker.send(
                            seer, f"{name}({'.'.join(path)})", query, variables=variables
                        )
                        answers.append(_normalised(body, value))
                        probes += 1
                    if answers[0] != answers[1]:
                        what = f"{hidden[target]} answered unlike a free ID:\n      hidden: {answers[0][:400]}\n      free:   {answers[1][:400]}"
                        findings.append(Finding("MUTATION", label, what, f"{name}(input.{'.'.join(path)})"))
    assert probes > 100, probes
    assert not findings + walker.findings, report(findings + walker.findings)


def _json(value: Any) -> Any:
    """A sample input as JSON variables (enum values by name)."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return getattr(value, "name", value)


def test_the_scanner_finds_markers_in_every_spelling_and_no_lookalikes() -> None:
    """What the walk relies on, on its own: text markers in any case and inside base64
    cursors, formatted values in their other spellings, hidden IDs as whole tokens and as
    "Type:pk" inside a decoded token; not an ID that merely starts like a hidden one."""
    markers = Markers()
    name = markers.text({"R1"}, "a name", "hp")
    phone = markers.value("0641719301", {"R1"}, "a phone", forms=("+31641719301", "+31 6 41719301"))
    hidden = markers.global_id(encode_id("Person", 12), {"R1"}, "a person ID")
    cursor = base64.urlsafe_b64encode(json.dumps([name.upper(), 12]).encode()).decode()
    assert markers.find(f"Hello {name.upper()}!") == {markers.by_text[name]}
    assert markers.find(f'{{"cursor": "{cursor}"}}') == {markers.by_text[name]}
    assert markers.find("+31 6 41719301, +31641719301") == {markers.by_text[phone]}
    assert markers.find("+31 6 417193012, 10641719301") == set()
    assert markers.find(f'"id": "{hidden}"') == {markers.by_text[hidden]}
    wrapped = base64.b64encode(b"see Person:12 here").decode()
    assert markers.find(wrapped) == {markers.by_text[hidden]}
    lookalikes = [encode_id("Person", pk) for pk in (1, 120, 121, 1200)] + [
        base64.b64encode(b"Person:123").decode()
    ]
    assert markers.find(json.dumps(lookalikes)) == set()
