"""Requests of the self-finding leak test, built from the schema (tests/visibility/test_leak_walk.py).

`Selections` writes, for any output type, a selection of every field to a bounded depth
(list wrappers like connections, edges and payloads do not count as a level), with the
arguments defaulted but widened (includeInactive/includeEnded/includeArchived true,
first 100, neighbourhood depth 3) and, at the top, one alias per value of each enum
argument and one with the plain defaults. `Walk` turns the schema's root fields into
requests: those without required arguments as they are; those that take IDs once per
known ID (or pair of party IDs) of a kind they take; `nodes(ids:)` per type; and every
search argument once per marker. `MutationProbes` sends every mutation once per ID field
with a hidden ID and once with a free one. Nothing here names a type or field of the API
except the argument names it widens: a new field or mutation is walked without edits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import graphql
from fuzzing import ID_KINDS, _kind_of

__all__ = [
    "Enum",
    "Request",
    "Selections",
    "Walk",
    "id_fields",
    "kind_of",
    "kinds_of_id_field",
    "literal",
    "sample_input",
]

# Arguments set wider than their defaults: more of the data, the same rules.
WIDE: dict[str, Any] = {
    "includeInactive": True,
    "includeEnded": True,
    "includeArchived": True,
    "first": 100,
    "depth": 3,
}
_WRAPPER_SUFFIXES = ("Connection", "Edge", "Payload")


def literal(value: Any) -> str:
    """`value` as a GraphQL literal (enum values are passed as graphql.EnumValueNode-like `Enum`)."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return json.dumps(value)


@dataclass(frozen=True)
class Enum:
    name: str


@dataclass(frozen=True)
class Request:
    label: str
    query: str
    # For searches: the marker searched for, and where the hits are in the answer.
    searched: dict[str, str] | None = None


def _wrapper(type_: graphql.GraphQLNamedType) -> bool:
    return type_.name == "PageInfo" or type_.name.endswith(_WRAPPER_SUFFIXES)


def _wide_args(field: graphql.GraphQLField, skip: Iterable[str] = ()) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name, arg in field.args.items():
        named = graphql.get_named_type(arg.type)
        if name in skip:
            continue
        if name in WIDE and isinstance(named, graphql.GraphQLScalarType):
            args[name] = WIDE[name]
        elif isinstance(named, graphql.GraphQLInputObjectType) and not graphql.is_non_null_type(arg.type):
            wide = {n: WIDE[n] for n in named.fields if n in WIDE}
            if wide:
                args[name] = wide
    return args


def _has_id(type_: Any) -> bool:
    return (
        isinstance(type_, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType) and "id" in type_.fields
    ) or (isinstance(type_, graphql.GraphQLUnionType) and all("id" in t.fields for t in type_.types))


def _args(args: dict[str, Any]) -> str:
    return "(" + ", ".join(f"{k}: {literal(v)}" for k, v in args.items()) + ")" if args else ""


class Selections:
    """Selections of every field of a type, `depth` levels of objects deep."""

    def __init__(self, schema: graphql.GraphQLSchema) -> None:
        self.schema = schema
        self._cache: dict[tuple[str, int, bool, str], str] = {}

    def of(self, type_: graphql.GraphQLNamedType, depth: int, *, top: bool = False, prefix: str = "") -> str:
        """The selection; `prefix` aliases every field (inside a fragment on one of several
        types, where two types' fields of one name but different types would conflict)."""
        key = (type_.name, depth, top, prefix)
        if key not in self._cache:
            self._cache[key] = self._build(type_, depth, top, prefix)
        return self._cache[key]

    def _build(self, type_: graphql.GraphQLNamedType, depth: int, top: bool, prefix: str) -> str:
        if isinstance(type_, graphql.GraphQLUnionType | graphql.GraphQLInterfaceType):
            possible = self.schema.get_possible_types(type_)
            return "__typename " + " ".join(
                f"... on {t.name} {{ {self.of(t, depth, top=top, prefix=t.name)} }}" for t in possible
            )
        assert isinstance(type_, graphql.GraphQLObjectType), type_
        alias = f"{prefix}_" if prefix else ""
        if depth < 0 and not _wrapper(type_):
            if "id" in type_.fields:
                return f"{alias}id: id" if alias else "id"
            # A value object (an audit change, a neighbourhood node): its values and IDs.
            parts = []
            for name, field in type_.fields.items():
                named = graphql.get_named_type(field.type)
                if graphql.is_leaf_type(named):
                    parts.append(f"{alias}{name}: {name}" if alias else name)
                elif _has_id(named) and not field.args:
                    parts.append(
                        f"{alias}{name}: {name} {{ {self.of(named, -1)} }}"
                        if alias
                        else f"{name} {{ {self.of(named, -1)} }}"
                    )
            return " ".join(parts) or "__typename"
        parts = []
        for name, field in type_.fields.items():
            if any(
                graphql.is_non_null_type(a.type) and a.default_value is graphql.Undefined
                for a in field.args.values()
            ):
                continue  # root fields that need an ID: see Walk
            named = graphql.get_named_type(field.type)
            as_name = f"{alias}{name}: {name}" if alias else name
            if graphql.is_leaf_type(named):
                parts.append(as_name + _args(_wide_args(field)))
                continue
            listed = _wrapper(named) or isinstance(graphql.get_nullable_type(field.type), graphql.GraphQLList)
            if (
                depth == 0
                and not _wrapper(type_)
                and (field.args or (listed and (_wrapper(named) or _has_id(named))))
            ):
                continue  # the last level: no lists of objects, no queries (each owner is walked itself)
            # A connection's `nodes` repeat its edges' nodes: their IDs are enough.
            sub_depth = -1 if name == "nodes" and _wrapper(type_) else depth - (0 if _wrapper(named) else 1)
            parts.append(f"{as_name}{_args(_wide_args(field))} {{ {self.of(named, sub_depth)} }}")
            if top:
                parts.extend(self._variants(name, field, named, sub_depth))
        return " ".join(parts)

    def _variants(self, name: str, field: graphql.GraphQLField, named: Any, depth: int) -> Iterator[str]:
        """The field with its defaults, and once per value of each enum argument."""
        if not field.args:
            return
        sub = self.of(named, min(depth, 0))
        if set(_wide_args(field)) - {"first"}:  # a page size alone changes no rule
            yield f"{name}__defaults: {name} {{ {sub} }}"
        for arg_name, arg in field.args.items():
            arg_type = graphql.get_nullable_type(arg.type)
            listed = isinstance(arg_type, graphql.GraphQLList)
            enum = graphql.get_named_type(arg.type)
            if not isinstance(enum, graphql.GraphQLEnumType):
                continue
            for value in enum.values:
                args = _wide_args(field, skip=("depth",)) | {
                    arg_name: [Enum(value)] if listed else Enum(value)
                }
                yield f"{name}__{arg_name}_{value}: {name}{_args(args)} {{ {sub} }}"


def kinds_of_id_field(name: str, owner: str, known: Iterable[str]) -> tuple[str, ...]:
    """The kinds of object an ID argument or input field called `name` takes.

    By the fuzzer's table of names (fuzzing.ID_KINDS), else by the name itself
    ("addressId": Address), else, for `id`/`ids`, by the field or mutation that owns it
    ("removeBankAccount", "organisation", "personDataExport").
    """
    known = set(known)
    if name in ID_KINDS:
        return ID_KINDS[name]
    stem = name.removesuffix("s").removesuffix("Id")
    if stem and stem not in ("id", "") and stem[0].upper() + stem[1:] in known:
        return (stem[0].upper() + stem[1:],)
    if name in ("id", "ids"):
        words = [k for k in known if owner.lower().find(k.lower()) >= 0]
        if words:
            return (max(words, key=len),)
        return tuple(sorted(known))
    return ()


class Walk:
    """The requests of one viewer's walk, from the root fields of the schema."""

    def __init__(self, schema: graphql.GraphQLSchema, depth: int = 1) -> None:
        self.schema = schema
        self.depth = depth
        self.selections = Selections(schema)
        assert schema.query_type is not None
        self.root = schema.query_type

    def _required_ids(self, field: graphql.GraphQLField) -> list[str]:
        return [
            n
            for n, a in field.args.items()
            if graphql.is_non_null_type(a.type) and a.default_value is graphql.Undefined
        ]

    def roots(self) -> list[Request]:
        """Every root field that needs no argument, each on its own (a null one hides nothing else)."""
        requests = []
        for name, field in self.root.fields.items():
            if self._required_ids(field):
                continue
            named = graphql.get_named_type(field.type)
            body = (
                ""
                if graphql.is_leaf_type(named)
                else f" {{ {self.selections.of(named, self.depth, top=True)} }}"
            )
            variants = " ".join(self.selections._variants(name, field, named, self.depth - 1))
            requests.append(Request(name, f"{{ {name}{_args(_wide_args(field))}{body} {variants} }}"))
        return requests

    def by_ids(self, ids_by_kind: dict[str, list[str]], parties: list[str], chunk: int = 40) -> list[Request]:
        """Every root field that takes IDs, once per known ID of a kind it takes (pairs of
        parties for two IDs); a list of IDs (`nodes`) per kind with that kind's full selection."""
        requests = []
        for name, field in self.root.fields.items():
            required = self._required_ids(field)
            if not required:
                continue
            named = graphql.get_named_type(field.type)
            if len(required) == 1 and isinstance(
                graphql.get_nullable_type(field.args[required[0]].type), graphql.GraphQLList
            ):
                for kind, ids in sorted(ids_by_kind.items()):
                    sub = self.selections.of(self.schema.get_type(kind), self.depth, top=True)  # type: ignore[arg-type]
                    for start in range(0, len(ids), chunk):
                        part = ids[start : start + chunk]
                        query = f"{{ {name}({required[0]}: {literal(part)}) {{ __typename ... on {kind} {{ {sub} }} }} }}"
                        requests.append(Request(f"{name}({kind} x{len(part)})", query))
                continue
            # Each ID is walked in full through `nodes`: here, whether and as what it resolves.
            shallow = 0 if isinstance(named, graphql.GraphQLObjectType) else -1
            body = "" if graphql.is_leaf_type(named) else f" {{ {self.selections.of(named, shallow)} }}"
            if len(required) == 1:
                kinds = kinds_of_id_field(required[0], name, ids_by_kind) if required[0] != "id" else ()
                kinds = kinds or self._kinds_of_return(name, named, ids_by_kind)
                values = [[i] for k in kinds for i in ids_by_kind.get(k, ())]
            else:
                values = [[a, b] for a in parties for b in parties]
            aliases = [
                f"a{n}: {name}({', '.join(f'{arg}: {literal(v)}' for arg, v in zip(required, args, strict=True))}){body}"
                for n, args in enumerate(values)
            ]
            if aliases:
                requests.append(Request(f"{name}(x{len(aliases)})", "{ " + " ".join(aliases) + " }"))
        return requests

    def _kinds_of_return(self, name: str, named: Any, ids_by_kind: dict[str, list[str]]) -> tuple[str, ...]:
        if isinstance(named, graphql.GraphQLObjectType) and named.name in ids_by_kind:
            return (named.name,)
        if isinstance(named, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType):
            return tuple(sorted(ids_by_kind))
        return kinds_of_id_field("id", name, ids_by_kind)

    def searches(self, terms_for: Callable[[str], Iterable[str]]) -> list[Request]:
        """Every root field with a search argument (or a filter with `search`/`city`), with
        one alias per term (`terms_for("search")`, `terms_for("city")`); `searched` tells
        which term each alias looked for."""
        requests = []
        for name, field in self.root.fields.items():
            if self._required_ids(field):
                continue
            named = graphql.get_named_type(field.type)
            hits = "totalCount" if "totalCount" in getattr(named, "fields", {}) else "__typename"
            for arg_name, arg in field.args.items():
                arg_type = graphql.get_named_type(arg.type)
                setters: list[tuple[str, Callable[[str], dict[str, Any]]]] = []
                if arg_name == "search" and arg_type.name == "String":
                    setters.append((arg_name, lambda term, a=arg_name: {a: term}))
                elif isinstance(arg_type, graphql.GraphQLInputObjectType):
                    wide = {n: WIDE[n] for n in arg_type.fields if n in WIDE}
                    setters.extend(
                        (f"{arg_name}.{inner}", lambda term, a=arg_name, i=inner, w=wide: {a: {**w, i: term}})
                        for inner in ("search", "city")
                        if inner in arg_type.fields
                    )
                for label, setter in setters:
                    terms = sorted(terms_for(label.rpartition(".")[2]))
                    if not terms:
                        continue
                    aliases = [
                        f"s{n}: {name}{_args(_wide_args(field) | setter(term))} {{ {hits} }}"
                        for n, term in enumerate(terms)
                    ]
                    searched = {f"s{n}": term for n, term in enumerate(terms)}
                    requests.append(
                        Request(f"{name}({label}: marker)", "{ " + " ".join(aliases) + " }", searched)
                    )
        return requests


def kind_of(global_id: str) -> str:
    """The type name in a global ID ("Person" for base64 "Person:12"), or ""."""
    return _kind_of(global_id)


# --- mutations --------------------------------------------------------------------------------


def id_fields(type_: graphql.GraphQLInputObjectType, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The paths of every ID (or list of IDs) input field in `type_`, nested inputs included."""
    for name, field in type_.fields.items():
        named = graphql.get_named_type(field.type)
        if isinstance(named, graphql.GraphQLInputObjectType):
            yield from id_fields(named, (*path, name))
        elif named.name == "ID":
            yield (*path, name)


def _plain(name: str, type_: Any) -> Any:
    """A plausible value for a required input field, so that a request gets to its lookups."""
    nullable = graphql.get_nullable_type(type_)
    if isinstance(nullable, graphql.GraphQLList):
        return [_plain(name, nullable.of_type)]
    named = graphql.get_named_type(type_)
    if isinstance(named, graphql.GraphQLEnumType):
        return Enum(next(iter(named.values)))
    return {
        "Boolean": name in ("confirm", "dryRun", "keepHistory"),
        "Int": 1,
        "Float": 1.0,
        "Decimal": "1",
        "Date": "2030-01-01",
        "DateTime": "2030-01-01T00:00:00Z",
    }.get(
        named.name,
        {"iban": "NL91ABNA0417164300", "types": "TAX_CLIENT", "value": "probe@example.nl"}.get(name, "probe"),
    )


def sample_input(
    type_: graphql.GraphQLInputObjectType, probed: tuple[str, ...], value: Any, fill: Callable[[str], Any]
) -> dict[str, Any]:
    """An input of `type_` with its required fields filled (IDs by `fill(field name)`), and
    the field at path `probed` (created with its parents) set to `value`."""
    built: dict[str, Any] = {}
    for name, field in type_.fields.items():
        named = graphql.get_named_type(field.type)
        on_path = bool(probed) and probed[0] == name
        if (
            not (graphql.is_non_null_type(field.type) and field.default_value is graphql.Undefined)
            and not on_path
        ):
            continue
        listed = isinstance(graphql.get_nullable_type(field.type), graphql.GraphQLList)
        if isinstance(named, graphql.GraphQLInputObjectType):
            inner = sample_input(named, probed[1:] if on_path else (), value, fill)
            built[name] = [inner] if listed else inner
        elif on_path and len(probed) == 1:
            built[name] = [value] if listed else value
        elif named.name == "ID":
            built[name] = [fill(name)] if listed else fill(name)
        elif named.name != "Upload":
            built[name] = _plain(name, field.type)
    return built
