"""Schema-driven fuzzing (hypothesis-graphql) against a seeded demo database, as one role.

Shared by tests/api/test_fuzz.py (a few hundred examples in CI) and bench/fuzz.py (10,000).
Each generated query or mutation is checked for: a 5xx or other unexpected status, an
Internal error (a bug behind the mask), an unmasked exception (a traceback or exception
class in a message), and an R1 leak (the name of a person without memberships reaching a
BUSINESS or READONLY caller).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import re
import string
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphql
import httpx
import hypothesis
from fuzz_world import HIDDEN_BSN, HIDDEN_BSN_SHOWN, HIDDEN_NAMES, seed_world, token_for
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from relgraph.config import Settings
from relgraph.db.engine import create_engine
from relgraph.graphql.schema import build_schema
from relgraph.web import create_app

__all__ = ["ROLES", "FuzzTarget", "corpus", "documents", "problems_of"]

ROLES = ("ADMIN", "TEAM", "BUSINESS", "READONLY")

UNMASKED = re.compile(
    r"Traceback|File \"|\b(Key|Value|Type|Attribute|Index|Overflow|Runtime|Integrity|Operational|Data|Programming|"
    r"Assertion|ZeroDivision|Recursion|Lookup|NotImplemented|Unicode\w*|Name|Interface|Database|Statement)Error\b|"
    r"\bInvalidOperation\b|<class '|object at 0x|sqlalchemy|asyncpg|sqlite3|sqlean|psycopg|\[SQL:|decimal\.",
)


PLAUSIBLE = [
    "Jansen",
    "van der Berg",
    "Noorderlicht",
    "Bouw B.V.",
    "info@example.nl",
    "j.jansen@example.com",
    "+31201234567",
    "020 123 4567",
    "06-12345678",
    "12345678",
    "NL004495445B01",
    "NL91ABNA0417164300",
    "123456782",
    "https://example.nl",
    "@relgraph",
    "1012 AB",
    "Amsterdam",
    "NL",
    "DE",
    "EUR",
    "supplier of",
    "ACCOUNT_MANAGER",
    "CUSTOMER",
    "Inkoop",
    "directeur",
    "nieuwsbrief",
    "",
]


# ID arguments and input fields by name: the kinds of object they point at. A real ID of
# the right kind gets a mutation past its lookups and into the writes.
ID_KINDS = {
    "organisationId": ("Organisation",),
    "organisationIds": ("Organisation",),
    "fromOrganisationId": ("Organisation",),
    "toOrganisationId": ("Organisation",),
    "parentId": ("Organisation",),
    "personId": ("Person",),
    "membershipId": ("Membership",),
    "membershipIds": ("Membership",),
    "partyId": ("Organisation", "Person"),
    "partyIds": ("Organisation", "Person"),
    "sourceId": ("Organisation", "Person"),
    "targetId": ("Organisation", "Person"),
    "fromId": ("Organisation", "Person"),
    "toId": ("Organisation", "Person"),
    "typeId": ("RelationType", "PartyType"),
    "types": ("RelationType", "PartyType"),
    "categoryId": ("InternalRelationCategory",),
    "categories": ("InternalRelationCategory",),
    "groupId": ("CustomerGroup",),
    "groupIds": ("CustomerGroup",),
    "employeeId": ("User",),
    "accountManagerId": ("User",),
    "assigneeId": ("User",),
    "userId": ("User",),
}
_VERBS = re.compile(
    r"^(update|delete|remove|archive|unarchive|deactivate|reactivate|setPrimary|complete|set)"
)


def _kind_of(global_id: str) -> str:
    try:
        return base64.b64decode(global_id + "=" * (-len(global_id) % 4)).decode().split(":")[0]
    except (ValueError, UnicodeDecodeError):
        return ""


def _aim_ids(document: graphql.DocumentNode, pools: dict[str, list[str]]) -> graphql.DocumentNode:
    """Point every real ID in `document` at a real object of the kind its argument wants.

    The drawn ID decides which one (a checksum, so runs repeat); drawn garbage stays
    garbage. `id` in a mutation's input wants the kind the mutation's name says
    (updateOrganisation: an Organisation).
    """
    real = {i for ids in pools.values() for i in ids}
    operation = document.definitions[0]
    root = operation.selection_set.selections[0].name.value if operation.selection_set.selections else ""
    own_kind = _VERBS.sub("", root)
    own_kind = own_kind[:1].upper() + own_kind[1:]

    def aimed(value: graphql.ValueNode, kinds: tuple[str, ...]) -> graphql.ValueNode:
        if isinstance(value, graphql.ListValueNode):
            return dataclasses.replace(value, values=tuple(aimed(v, kinds) for v in value.values))
        if isinstance(value, graphql.StringValueNode) and value.value in real:
            choices = [i for kind in kinds for i in pools.get(kind, ())]
            if choices:
                return nodes.String(choices[zlib.crc32(value.value.encode()) % len(choices)])
        return value

    class Aim(graphql.Visitor):
        def enter(self, node: Any, *args: Any) -> Any:
            if not isinstance(node, graphql.ArgumentNode | graphql.ObjectFieldNode):
                return None
            name = node.name.value
            kinds = ID_KINDS.get(name) or ((own_kind,) if name in ("id", "ids") and own_kind in pools else ())
            return dataclasses.replace(node, value=aimed(node.value, kinds)) if kinds else None

    return graphql.visit(document, Aim())


def _aim_cursors(document: graphql.DocumentNode, cursors: dict[str, list[str]]) -> graphql.DocumentNode:
    """Point every real cursor of an `after` or `before` at a cursor of the list it pages
    (by the list field's name; the drawn cursor decides which, by checksum): a page past
    the first, rather than mostly a refusal. Drawn garbage stays garbage. Of a `first` and
    a `last` both drawn (always refused), `last` stays when there is a `before`."""
    real = {c for found in cursors.values() for c in found}

    def given(arguments: list[graphql.ArgumentNode], name: str) -> bool:
        return any(a.name.value == name and not isinstance(a.value, graphql.NullValueNode) for a in arguments)

    class Aim(graphql.Visitor):
        def enter(self, node: Any, *args: Any) -> Any:
            own = cursors.get(node.name.value) if isinstance(node, graphql.FieldNode) else None
            if not own or not node.arguments:
                return None
            arguments = []
            for argument in node.arguments:
                value = argument.value
                if (
                    argument.name.value in ("after", "before")
                    and isinstance(value, graphql.StringValueNode)
                    and value.value in real
                ):
                    chosen = own[zlib.crc32(value.value.encode()) % len(own)]
                    argument = dataclasses.replace(argument, value=nodes.String(chosen))
                arguments.append(argument)
            if given(arguments, "first") and given(arguments, "last"):
                dropped = "first" if given(arguments, "before") else "last"
                arguments = [a for a in arguments if a.name.value != dropped]
            return dataclasses.replace(node, arguments=tuple(arguments))

    return graphql.visit(document, Aim())


def problems_of(response: httpx.Response, *, hidden: bool) -> list[str]:
    """What is wrong with `response`; `hidden`: the caller must not see the hidden person."""
    found = []
    if response.status_code not in (200, 400):
        found.append(f"HTTP {response.status_code}")
    text = response.text
    if hidden and any(name in text for name in HIDDEN_NAMES):
        found.append("R1 leak: the hidden person's name is in the response")
    if (HIDDEN_BSN in text or HIDDEN_BSN_SHOWN in text) and hidden:
        found.append("the hidden person's BSN is in the response")
    try:
        body = response.json()
    except ValueError:
        return [*found, "the response is not JSON"]
    for error in body.get("errors") or ():
        message = str(error.get("message", ""))
        if (error.get("extensions") or {}).get("code") == "INTERNAL":
            found.append(f"internal error at {error.get('path')}")
        elif UNMASKED.search(message):
            found.append(f"unmasked exception: {message[:300]}")
    return found


def _text(alphabet: str = string.printable, max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, max_size=max_size)


def _scalar_strategies(
    ids: list[str], cursors: Sequence[str] = ()
) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Values for the custom scalars, and IDs that mostly point at real (or hidden) rows;
    strings are also real `cursors` (for after and before: a page past the first)."""
    dates = st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        # Days the service takes (1900-2199), half of them around the demo hierarchy's moves
        # (demo/hierarchy_history.py) or far ahead: an `asOf` that reads another day's graph.
        # Fixed days, not today's: the corpus stays the same from one day to the next.
        st.one_of(
            st.sampled_from(
                [
                    dt.date(2023, 1, 1),
                    dt.date(2024, 6, 30),
                    dt.date(2024, 7, 1),
                    dt.date(2025, 1, 1),
                    dt.date(2199, 12, 31),
                ]
            ),
            st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)),
        ).map(lambda d: d.isoformat()),
        st.sampled_from(["0001-01-01", "9999-12-31", "2024-02-30", "10000-01-01", "-0001-01-01", "2024-1-1"]),
        _text(),
    )
    datetimes = st.one_of(
        st.datetimes().map(lambda d: d.isoformat()),
        st.sampled_from(
            [
                "9999-12-31T23:59:59+14:00",
                "9999-12-31T23:59:59-14:00",  # past year 9999 in UTC
                "2024-01-01T25:00:00Z",
                "0001-01-01T00:00:00-12:00",
                "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
            ]
        ),
        _text(),
    )
    decimals = st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["1e400", "-0", "12345678901234567890123.45", "0.001", "-1", "1E-400", "NaN"]),
        _text(),
    )
    identifiers = st.one_of(
        st.sampled_from(ids), st.sampled_from(ids), _text(string.ascii_letters + string.digits + "=:-_")
    )
    # Half plausible values (so that mutations get past validation and into the writes),
    # half anything at all, NUL and other control characters included.
    strings = st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=30), st.text(max_size=2000))
    if cursors:
        # Half of them real cursors: made-up ones (in after and before) only get a refusal.
        real, anything = st.sampled_from(list(cursors)), strings
        strings = st.integers(0, 9).flatmap(lambda n: real if n < 5 else anything)
    ints = st.one_of(st.integers(-2, 120), st.sampled_from([2**31 - 1, -(2**31), 1000, 10_000]))
    return {
        "String": strings.map(nodes.String),
        "Int": ints.map(nodes.Int),
        "Date": dates.map(nodes.String),
        "DateTime": datetimes.map(nodes.String),
        "Decimal": decimals.map(nodes.String),
        "ID": identifiers.map(nodes.String),
        # Files only come as multipart parts; a literal in the document must be refused cleanly.
        "Upload": _text().map(nodes.String),
    }


def documents(
    settings: Settings,
    ids: list[str],
    *,
    writes: bool = True,
    schema: graphql.GraphQLSchema | None = None,
    roots: list[str] | None = None,
    cursors: dict[str, list[str]] | None = None,
) -> st.SearchStrategy[str]:
    """Documents for one root field each, the field drawn first: all fields get their turn
    (drawn from the whole schema at once, most documents would start with `node`). With
    `writes`, mutations and about one document in ten that breaks the schema too; without,
    valid queries only. `schema`: a part of the service's schema to draw from instead;
    `roots`: only these root query fields; `cursors`: real cursors by the name of their
    list field, drawn for strings and aimed at their own list in after and before."""
    schema = schema or build_schema(settings)._schema
    cursors = cursors or {}
    scalars = _scalar_strategies(ids, [c for found in cursors.values() for c in found])
    assert schema.query_type is not None
    pools: dict[str, list[str]] = {}
    for id_ in ids:
        pools.setdefault(_kind_of(id_), []).append(id_)

    def printed(document: graphql.DocumentNode) -> str:
        return graphql.print_ast(_aim_cursors(_aim_ids(document, pools), cursors))

    per_field = [
        queries(schema, fields=[f], custom_scalars=scalars, print_ast=printed)
        for f in roots or schema.query_type.fields
    ]
    if writes:
        assert schema.mutation_type is not None
        per_field += [
            mutations(schema, fields=[f], custom_scalars=scalars, print_ast=printed)
            for f in schema.mutation_type.fields
        ]
        # About one document in ten breaks the schema once (a wrong type, a missing argument):
        # validation errors must be as clean as the rest.
        per_field += [
            queries(schema, custom_scalars=scalars, mode=Mode.NEGATIVE),
            mutations(schema, custom_scalars=scalars, mode=Mode.NEGATIVE),
        ] * (len(per_field) // 18)
    return st.sampled_from(per_field).flatmap(lambda drawn: drawn)


def corpus(strategy: st.SearchStrategy[str], size: int, seed: int) -> list[str]:
    """`size` documents drawn from `strategy` with `seed`, duplicates left out: the same list
    on every run (of the same hypothesis and hypothesis-graphql versions)."""
    drawn: list[str] = []

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=size,
        deadline=None,
        database=None,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(document=strategy)
    def draw(document: str) -> None:
        drawn.append(document)

    draw()
    return list(dict.fromkeys(drawn))


class FuzzTarget:
    """A seeded database and an app, driven from synchronous code through a loop of its own."""

    def __init__(self, database_url: str, documents_dir: Path, role: str, *, organisations: int = 12) -> None:
        self.role = role
        self.hidden = role in ("BUSINESS", "READONLY")
        self.loop = asyncio.new_event_loop()
        self.settings = Settings(
            database_url=database_url, documents_dir=documents_dir, rate_limit_per_minute=0
        )
        self.engine = create_engine(database_url)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(
                app=create_app(self.settings, engine=self.engine), raise_app_exceptions=False
            ),
            base_url="http://relgraph.test",
        )
        self.ids: list[str] = []
        self.admin_token = self.hidden_id = ""
        self.token = self.loop.run_until_complete(self._prepare(organisations))

    async def _prepare(self, organisations: int) -> str:
        world = await seed_world(self.engine, self.client, organisations)
        self.ids, self.admin_token, self.hidden_id = world.ids, world.admin_token, world.hidden_id
        return world.admin_token if self.role == "ADMIN" else await token_for(self.engine, self.role)

    def strategy(self) -> st.SearchStrategy[str]:
        """Queries and mutations for one root field each (see `documents`)."""
        return documents(self.settings, self.ids)

    def run(self, document: str) -> list[str]:
        """Send `document` as this role; return what is wrong with the answer."""
        response = self.loop.run_until_complete(
            self.client.post(
                "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {self.token}"}
            )
        )
        return problems_of(response, hidden=self.hidden)

    def detector_sees(self) -> list[str]:
        """What the checks say about the hidden person as ADMIN reads it: proof they can fire."""
        query = f'{{ node(id: "{self.hidden_id}") {{ ... on Person {{ displayName bsn }} }} }}'
        response = self.loop.run_until_complete(
            self.client.post(
                "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {self.admin_token}"}
            )
        )
        return problems_of(response, hidden=True)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()
