"""The default read path answers every read exactly as the resolvers alone do (issue 25).

Beyond the example queries (tests/api/test_compiled.py): fixed, seeded corpora of valid
read queries drawn by hypothesis-graphql from the whole schema and from the part of it the
compiled path answers (found by asking it), and every read query of the authorization matrix with the matrix's scenario, each as a user of each of the four demo
users' roles (and, for the matrix, a BUSINESS account manager), through both paths of
tests/support/differential.py: the same status, byte-identical `data`, equal `errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import graphql
import pytest
from authorization import INVOICE_CITY, MISSING_PERSON, build_scenario
from differential import Paths, exact, matrix_reads, two_paths, variable_sets
from fast_path_schema import compiled_schema, first_cursors
from fuzz_world import seed_world
from fuzzing import corpus, documents
from helpers import REPO, SCHEMA_FILE

from relgraph.cli import DEMO_USERS
from relgraph.config import Settings
from relgraph.graphql.core.ids import decode_id
from relgraph.graphql.schema import build_schema

# A few hundred documents in all: 120 here, about 8 per root field of Query.
CORPUS_SIZE, CORPUS_SEED = 120, 25
# And drawn from the part of the schema the fast path answers itself.
KNOWN_SIZE = 80
KNOWN_ORGANISATION_SIZE = 20


def _narrowed(schema: graphql.GraphQLSchema, type_name: str, keep: set[str]) -> graphql.GraphQLSchema:
    """`schema` with `type_name` cut down to the fields `keep` (and its interfaces too, but
    for what the interfaces of those require: Party's history lists would crowd out the
    fields kept), so that a corpus drawn from it asks them more often."""
    document = graphql.parse(graphql.print_schema(schema))
    named = schema.get_type(type_name)
    assert isinstance(named, graphql.GraphQLObjectType)
    # What the interfaces of its interfaces require (Node's id) stays on all of them.
    inner = {f for interface in named.interfaces for deeper in interface.interfaces for f in deeper.fields}
    cut = {type_name, *(interface.name for interface in named.interfaces)}
    definitions = []
    for definition in document.definitions:
        if (
            isinstance(definition, (graphql.ObjectTypeDefinitionNode, graphql.InterfaceTypeDefinitionNode))
            and definition.name.value in cut
        ):
            fields = tuple(f for f in definition.fields or () if f.name.value in keep | inner)
            definition = definition.__class__(
                **{**{k: getattr(definition, k) for k in definition.keys}, "fields": fields}
            )
        definitions.append(definition)
    return graphql.build_ast_schema(graphql.DocumentNode(definitions=tuple(definitions)))


@pytest.fixture
async def paths(settings: Settings, engine: Any) -> AsyncIterator[Paths]:
    async with two_paths(settings, engine) as both:
        yield both


async def _demo_viewers(make_caller: Any) -> dict[str, str]:
    """A user of each demo user's role and permissions (ADMIN with FINANCE and SENSITIVE)."""
    return {
        role: (await make_caller(role, tuple(permissions))).token for _, _, role, permissions in DEMO_USERS
    }


def test_the_comparison_sees_key_order_and_number_literals() -> None:
    assert exact(b'{"a":1,"b":[2]}') == exact(b'{"a": 1, "b": [2]}')
    assert exact(b'{"a":1,"b":2}') != exact(b'{"b":2,"a":1}')
    assert exact(b'{"a":1.0}') != exact(b'{"a":1}')
    assert exact(b'{"a":"\\u00e9"}') == exact('{"a":"é"}'.encode())


async def test_the_fuzz_corpus_reads_alike_on_both_paths(
    paths, settings, engine, client, make_caller
) -> None:
    world = await seed_world(engine, client)
    viewers = await _demo_viewers(make_caller)
    schema = graphql.build_schema(SCHEMA_FILE.read_text())
    assert schema.query_type is not None
    # Drawn per root field, the same number each: drawn from all at once, hypothesis favours
    # some fields and leaves others out (4 of 19 with one seed).
    fields = sorted(schema.query_type.fields)
    queries = [
        query
        for field in fields
        for query in corpus(
            documents(settings, world.ids, writes=False, roots=[field]),
            CORPUS_SIZE // len(fields),
            CORPUS_SEED,
        )
    ]
    roots = {
        selection.name.value
        for query in queries
        for operation in graphql.parse(query).definitions
        if isinstance(operation, graphql.OperationDefinitionNode)
        for selection in operation.selection_set.selections
        if isinstance(selection, graphql.FieldNode)
    }
    assert roots == set(fields), f"the corpus asks every root field; not {set(fields) - roots}"
    assert len(queries) > CORPUS_SIZE * 0.6, "the corpus is mostly distinct queries"
    problems = await paths.mismatches(viewers, [(query, {}) for query in queries])
    assert not problems, f"{len(problems)} of {paths.sent} differ:\n  " + "\n  ".join(problems[:20])
    # The whole schema: the fast path answers few of these (16 of 548 executed on 2026-12-07,
    # with the compiler of that day); the resolvers' fallback answers the rest, and must give
    # the same. The next test draws from what the fast path knows.
    assert paths.fast() > 0, paths.answered_by


async def test_a_corpus_of_what_the_fast_path_knows_reads_alike_on_both_paths(
    paths, settings, engine, client, make_caller
) -> None:
    world = await seed_world(engine, client)
    viewers = await _demo_viewers(make_caller)
    schema = build_schema(settings)._schema
    assert schema.query_type is not None
    # Each root field reachable without arguments, or by the ID of an object of its type.
    first_of_kind = {}
    for id_ in world.ids:
        decoded = decode_id(id_)
        if decoded is not None:
            first_of_kind.setdefault(decoded[0], id_)
    roots: dict[str, dict[str, str]] = {}
    for name, field in schema.query_type.fields.items():
        required = {n for n, a in field.args.items() if graphql.is_required_argument(a)}
        kind = graphql.get_named_type(field.type).name
        if not required:
            roots[name] = {}
        elif required == {"id"} and kind in first_of_kind:
            roots[name] = {"id": f'"{first_of_kind[kind]}"'}
    # Real cursors from a first answer: pages after and before them, in every order.
    cursors = await first_cursors(paths, viewers["ADMIN"])
    known = await compiled_schema(paths, viewers["ADMIN"], schema, roots, cursors)
    assert known.query_type is not None and known.query_type.fields, "the fast path answers some root field"
    organisation, edge = known.get_type("Organisation"), known.get_type("PartyRelationEdge")
    assert isinstance(organisation, graphql.GraphQLObjectType) and isinstance(edge, graphql.GraphQLObjectType)
    assert {"relations", "accountManagers", "vatNumber"} <= set(organisation.fields)
    assert "otherParty" in edge.fields  # an interface: its types through fragments
    paging = {"after", "last", "before", "orderBy"}
    taken = {(t, f, a) for t, f, a in _arguments(known) if a in paging}
    assert {("Query", "organisations", a) for a in paging} <= taken, taken
    assert {("Organisation", "memberships", a) for a in paging} <= taken, taken
    paths.answered_by.clear()
    paths.sent = 0
    by_field: dict[str, list[str]] = {}
    for (_, field), found in cursors.items():
        by_field.setdefault(field, []).extend(found)
    queries = corpus(
        documents(settings, world.ids, writes=False, schema=known, cursors=by_field), KNOWN_SIZE, CORPUS_SEED
    )
    # And about one organisation, narrowed to what the card nests under it (relations and
    # their other parties, through fragments; account managers; the VAT number), in small
    # corpora of the next seeds until each of them is asked (the same ones on every run).
    wanted = {"relations", "accountManagers", "vatNumber", "otherParty"}
    card = _narrowed(known, "Organisation", {"id", "name", "relations", "accountManagers", "vatNumber"})
    about_one = documents(settings, world.ids, writes=False, schema=card, roots=["organisation"])
    # And its relations by their edges, the only way to otherParty (drawn from the card
    # alone, a party's history lists, which the compiler knows too, crowd them out).
    edges = _narrowed(known, "PartyRelationConnection", {"edges"})
    relations = _narrowed(
        _narrowed(edges, "Organisation", {"relations"}), "PartyRelationEdge", {"otherParty"}
    )
    about_edges = documents(settings, world.ids, writes=False, schema=relations, roots=["organisation"])
    for seed in range(CORPUS_SEED + 1, CORPUS_SEED + 11):
        drawn = corpus(about_one, KNOWN_ORGANISATION_SIZE, seed) + corpus(about_edges, 5, seed)
        queries += drawn
        wanted -= {name for name in wanted if any(name in query for query in drawn)}
        if not wanted:
            break
    assert not wanted, f"the corpus never asks {wanted}"
    problems = await paths.mismatches(viewers, [(query, {}) for query in queries])
    assert not problems, f"{len(problems)} of {paths.sent} differ:\n  " + "\n  ".join(problems[:20])
    # 120 of 232 executed on 2026-12-07, with after/last/before/orderBy drawn (the rest:
    # mostly page and list sizes and made-up cursors the resolvers refuse, and arguments and
    # root fields it leaves to them).
    assert paths.fast() >= paths.executed() * 2 / 5, paths.answered_by


def _arguments(schema: graphql.GraphQLSchema) -> list[tuple[str, str, str]]:
    """(type, field, argument) of every argument in `schema`."""
    return [
        (type_.name, name, argument)
        for type_ in schema.type_map.values()
        if isinstance(type_, graphql.GraphQLObjectType)
        for name, field in type_.fields.items()
        for argument in field.args
    ]


async def test_the_authorization_matrix_reads_alike_on_both_paths(paths, admin, make_caller, client) -> None:
    s = await (await build_scenario(admin, make_caller, client)).with_documents()
    viewers = await _demo_viewers(make_caller)
    # Shielding (R2) turns on being an account manager: the matrix's BUSINESS one (R1 on too).
    viewers["BUSINESS_AM"] = s.viewers["BUSINESS_AM"].token
    # One object of each kind the rules treat apart (the number of requests grows with it).
    ids = [
        s.alfa,  # shielded, with financial data
        s.beta,  # parent of an archived organisation
        s.archived,
        s.member,
        s.former,
        s.hidden,
        s.rel_hidden,
        s.ir_commission,
        s.ir_hidden,
        s.docs["hidden"].id,
        MISSING_PERSON,
    ]
    texts = ["Alfa", "Zara", "Verborgenheim", INVOICE_CITY, "Organisation"]
    schema = graphql.build_schema(SCHEMA_FILE.read_text())
    queries = matrix_reads(REPO / "tests" / "visibility")
    assert len(queries) >= 40, "the matrix's read queries are found"
    requests = [(query, values) for query in queries for values in variable_sets(schema, query, ids, texts)]
    problems = await paths.mismatches(viewers, requests)
    assert not problems, f"{len(problems)} of {paths.sent} differ:\n  " + "\n  ".join(problems[:20])
    # Mostly node(), which the compiler leaves to the resolvers (15 of 1,545 compiled on
    # 2026-12-07): this checks the fallback above all.
    assert paths.fast() > 0, paths.answered_by
