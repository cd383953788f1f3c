"""The part of the schema the compiled path answers itself, found by asking it, and real
cursors of its lists: what tests/api/test_differential.py draws its fast-path corpus from."""

from __future__ import annotations

from typing import Any

import graphql
from differential import Paths

__all__ = ["compiled_schema", "first_cursors"]


_FIRST_PAGES = """{
  organisations(first: 4) { edges { cursor node {
    subsidiaries(first: 3) { edges { cursor } } memberships(first: 3) { edges { cursor } } } } }
  persons(first: 4) { edges { cursor node { memberships(first: 3) { edges { cursor } } } } }
}"""


async def first_cursors(paths: Paths, token: str) -> dict[tuple[str, str], list[str]]:
    """Real cursors of each list a first answer holds, by (type, field): for `after` and
    `before` in a corpus (a made-up cursor only tests the refusal)."""
    response = await paths.default.post(
        "/graphql", json={"query": _FIRST_PAGES}, headers={"Authorization": f"Bearer {token}"}
    )
    data = response.json()["data"]
    found: dict[tuple[str, str], list[str]] = {}
    for root, owner in (("organisations", "Organisation"), ("persons", "Person")):
        for edge in data[root]["edges"]:
            found.setdefault(("Query", root), []).append(edge["cursor"])
            for field, inner in edge["node"].items():
                found.setdefault((owner, field), []).extend(e["cursor"] for e in inner["edges"])
    return {key: cursors for key, cursors in found.items() if cursors}


async def compiled_schema(
    paths: Paths,
    token: str,
    schema: graphql.GraphQLSchema,
    roots: dict[str, dict[str, str]],
    cursors: dict[tuple[str, str], list[str]] | None = None,
) -> graphql.GraphQLSchema:
    """The part of `schema` the default path answers itself, found by asking it: each field
    of each object type reachable from `roots` (root field -> its required arguments as
    literals) is kept when a query selecting it alone (with `__typename` below it for an
    object) is answered by a path other than the resolvers; an interface's field with each
    type it can be explored through a fragment. Fields with required arguments and unions
    are left out; so are the optional arguments the fast path does not take (asked with one
    value each; `after` and `before` with a cursor of the list, from `cursors`: (type,
    field) -> cursors of that list). A corpus drawn from the result exercises the fast
    path instead of mostly giving way to the resolvers."""
    assert schema.query_type is not None
    known: dict[str, dict[str, graphql.GraphQLField]] = {}
    interfaces: set[str] = set()

    async def answered(selection: str) -> bool:
        before = paths.fast()
        await paths.compare(token, "{ " + selection + " }")
        return paths.fast() > before

    def sample(type_: Any) -> str | None:
        """A literal of an argument's type, to ask whether the fast path takes the argument."""
        named = graphql.get_named_type(type_)
        if isinstance(graphql.get_nullable_type(type_), graphql.GraphQLList):
            value = sample(graphql.get_nullable_type(type_).of_type)
            return None if value is None else f"[{value}]"
        if isinstance(named, graphql.GraphQLEnumType):
            return next(iter(named.values))
        if isinstance(named, graphql.GraphQLInputObjectType):
            return "{}"
        return {"Int": "2", "Boolean": "true", "String": '"a"', "Date": '"2024-01-01"'}.get(named.name)

    narrowings: dict[str, int] = {}

    def cursor_of(owner: str, field: str, argument: str) -> str | None:
        # The list's second item: a page after it and one before it both have rows.
        cursor = (cursors or {}).get((owner, field)) if argument in ("after", "before") else None
        return None if not cursor else f'"{cursor[min(1, len(cursor) - 1)]}"'

    async def accepted(
        field: graphql.GraphQLField, name: str, wrap: Any, below: str, owner: str
    ) -> dict[str, Any] | None:
        """The field with the optional arguments the fast path takes, or None."""
        if not await answered(wrap(name + below)):
            return None
        kept = {}
        for argument, definition in field.args.items():
            taken = await taken_argument(
                definition,
                lambda v, a=argument: wrap(f"{name}({a}: {v}){below}"),
                cursor_of(owner, name, argument),
            )
            if taken is not None:
                kept[argument] = taken
        return kept

    async def taken_argument(
        definition: graphql.GraphQLArgument, probe: Any, given: str | None = None
    ) -> graphql.GraphQLArgument | None:
        """The argument as far as the fast path takes it (an input object: the fields it takes)."""
        named = graphql.get_named_type(definition.type)
        if not isinstance(named, graphql.GraphQLInputObjectType) or not isinstance(
            definition.type, graphql.GraphQLInputObjectType
        ):
            value = given or sample(definition.type)
            return definition if value is not None and await answered(probe(value)) else None
        fields = {}
        for name, field in named.fields.items():
            value = sample(field.type)
            required = graphql.is_required_input_field(field)
            if value is not None and not required and await answered(probe(f"{{{name}: {value}}}")):
                fields[name] = field
        if not fields or not await answered(probe("{}")):
            return None
        # The same input type may be narrowed differently on two fields (a filter): each
        # narrowing is a type of its own name (documents write its values, never its name).
        narrowings[named.name] = narrowings.get(named.name, 0) + 1
        name = named.name + (str(narrowings[named.name]) if narrowings[named.name] > 1 else "")
        narrowed = graphql.GraphQLInputObjectType(name, fields, description=named.description)
        return graphql.GraphQLArgument(narrowed, description=definition.description)

    async def explore(type_: graphql.GraphQLObjectType, wrap: Any) -> None:
        fields = known.setdefault(type_.name, {})
        for name, field in type_.fields.items():
            if name in fields or any(graphql.is_required_argument(a) for a in field.args.values()):
                continue
            named = graphql.get_named_type(field.type)
            if isinstance(named, graphql.GraphQLObjectType):
                arguments = await accepted(field, name, wrap, " { __typename }", type_.name)
                if arguments is not None:
                    fields[name] = graphql.GraphQLField(
                        field.type, args=arguments, description=field.description
                    )
                    if named.name not in known:
                        await explore(named, lambda inner, name=name: wrap(f"{name} {{ {inner} }}"))
            elif graphql.is_leaf_type(named):
                arguments = await accepted(field, name, wrap, "", type_.name)
                if arguments is not None:
                    fields[name] = graphql.GraphQLField(
                        field.type, args=arguments, description=field.description
                    )
            elif isinstance(named, graphql.GraphQLInterfaceType):
                # An interface (a relation's other party): each type it can be, through a fragment.
                arguments = await accepted(field, name, wrap, " { __typename }", type_.name)
                if arguments is not None:
                    fields[name] = graphql.GraphQLField(
                        field.type, args=arguments, description=field.description
                    )
                    interfaces.add(named.name)
                    for possible in schema.get_possible_types(named):
                        if possible.name not in known:
                            await explore(
                                possible,
                                lambda inner, name=name, on=possible.name: wrap(
                                    f"{name} {{ ... on {on} {{ {inner} }} }}"
                                ),
                            )

    def call(root: str, arguments: dict[str, str]) -> str:
        return root + ("(" + ", ".join(f"{k}: {v}" for k, v in arguments.items()) + ")" if arguments else "")

    query_fields = {}
    for root, required in roots.items():
        field = schema.query_type.fields[root]
        named = graphql.get_named_type(field.type)
        assert isinstance(named, graphql.GraphQLObjectType)
        if not await answered(call(root, required) + " { __typename }"):
            continue
        kept = {name: field.args[name] for name in required}
        for argument, definition in field.args.items():
            if argument in required:
                continue
            taken = await taken_argument(
                definition,
                lambda v, a=argument, r=root, given=required: call(r, {**given, a: v}) + " { __typename }",
                cursor_of(schema.query_type.name, root, argument),
            )
            if taken is not None:
                kept[argument] = taken
        query_fields[root] = graphql.GraphQLField(field.type, args=kept, description=field.description)
        if named.name not in known:
            await explore(named, lambda inner, r=root, a=required: f"{call(r, a)} {{ {inner} }}")

    def pruned(type_: Any) -> Any:
        if isinstance(type_, graphql.GraphQLNonNull):
            return graphql.GraphQLNonNull(pruned(type_.of_type))
        if isinstance(type_, graphql.GraphQLList):
            return graphql.GraphQLList(pruned(type_.of_type))
        if isinstance(type_, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
            return made[type_.name]
        return type_

    def kept(fields: dict[str, graphql.GraphQLField]) -> dict[str, graphql.GraphQLField]:
        return {
            n: graphql.GraphQLField(pruned(f.type), args=f.args, description=f.description)
            for n, f in fields.items()
            if graphql.get_named_type(f.type).name in made
            or not isinstance(
                graphql.get_named_type(f.type), graphql.GraphQLObjectType | graphql.GraphQLInterfaceType
            )
        }

    made: dict[str, Any] = {}
    # An interface keeps the leaf fields every one of its known types answers (as those
    # types answer them: same type, no arguments).
    for name in sorted(interfaces):
        interface = schema.get_type(name)
        assert isinstance(interface, graphql.GraphQLInterfaceType)
        shared = {
            n: f
            for n, f in interface.fields.items()
            if graphql.is_leaf_type(graphql.get_named_type(f.type))
            and not f.args
            and all(n in known.get(t.name, {}) for t in schema.get_possible_types(interface))
        }
        if shared:
            made[name] = graphql.GraphQLInterfaceType(name, lambda shared=shared: kept(shared))
    for name, fields in known.items():
        if not fields:
            continue
        implemented = [made[i.name] for i in schema.get_type(name).interfaces if i.name in made]  # type: ignore[union-attr]
        made[name] = graphql.GraphQLObjectType(
            name, lambda fields=fields: kept(fields), interfaces=implemented
        )
    query = graphql.GraphQLObjectType(
        schema.query_type.name,
        {n: graphql.GraphQLField(pruned(f.type), args=f.args) for n, f in query_fields.items()},
    )
    return graphql.GraphQLSchema(
        query=query, types=[t for t in made.values() if isinstance(t, graphql.GraphQLObjectType)]
    )
