"""R4 as one data classification (policy.py): every path a classified value can leave by withholds it.

The tests are driven by policy's classification, not by a list of their own: for every
financial or sensitive field, object and kind of object, the GraphQL fields reached from an
organisation and a person (found in the schema), the audit trail and the person data export
withhold it from a viewer who lacks what it needs and show it to one who has it. Adding a
field to the classification puts it under test on every path.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import json
from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from helpers import ok
from sqlalchemy import Boolean, Numeric, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph import policy
from relgraph.db.models import AuditEvent, Base, Permission, Role
from relgraph.graphql.core.ids import decode_id, encode_id
from relgraph.graphql.schema import build_schema

EXPORT = "query($id: ID!) { personDataExport(id: $id) }"
TRAIL = """
query($id: ID!) { node(id: $id) { ... on Party { auditTrail(first: 100) { nodes { changes { before after } } } } } }"""
# Types the generated query does not enter again below its roots: the scenario's two parties
# are the roots, and every party reached from them would multiply the query.
_PARTIES = {"Organisation", "Person", "Party"}
_ALL_PERMISSIONS = ("FINANCE", "SENSITIVE")


def _models() -> dict[str, Any]:
    return {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}


def _classified_types() -> set[str]:
    return set(policy.CLASSIFIED_FIELDS) | set(policy.CLASSIFIED_OBJECTS) | set(policy.CLASSIFIED_KINDS)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _needs() -> Iterator[tuple[str, str | None, str | None, policy.Need]]:
    """(object type, field, kind, need) for everything classified; field None for an object or kind."""
    for object_type, fields in policy.CLASSIFIED_FIELDS.items():
        for field, need in fields.items():
            yield object_type, None if field == policy.EVERY_FIELD else field, None, need
    for object_type, need in policy.CLASSIFIED_OBJECTS.items():
        yield object_type, None, None, need
    for object_type, kinds in policy.CLASSIFIED_KINDS.items():
        for kind, need in kinds.items():
            yield object_type, None, kind, need


# The viewers: one who sees everything, and for each need one who lacks exactly that.
FULL = ("ADMIN", _ALL_PERMISSIONS)
_CANDIDATES = [("ADMIN", ("SENSITIVE",)), ("ADMIN", ("FINANCE",)), ("BUSINESS", _ALL_PERMISSIONS)]


def _lacking(need: policy.Need) -> tuple[str, tuple[str, ...]]:
    for role, permissions in _CANDIDATES:
        viewer = policy.Viewer(0, "", "", Role(role), frozenset(Permission(p) for p in permissions))
        if not need.met_by(viewer):
            return role, permissions
    raise AssertionError(f"no test viewer lacks {need}")


def _selection(
    schema: GraphQLSchema, type_: GraphQLObjectType, depth: int, whole: bool = False
) -> str | None:
    """Every field of `type_` reachable without required arguments, down to `depth` objects:
    all of a classified type (and its values, such as Money), else only the ways to one;
    None when none is reached."""
    leaves, nested = ["__typename"], []
    classified = type_.name in _classified_types()
    for name, field in type_.fields.items():
        if any(is_non_null_type(a.type) and a.default_value is Undefined for a in field.args.values()):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            leaves.append(name)
        elif depth > 0 and isinstance(named, GraphQLObjectType) and named.name not in _PARTIES:
            inner = _selection(schema, named, depth - 1, whole=classified)
            if inner is not None:
                nested.append(f"{name} {{ {inner} }}")
    if not nested and not classified and not whole:
        return None
    return " ".join(leaves + nested)


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "__typename" in value:
            yield value
        for inner in value.values():
            yield from _objects(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _objects(inner)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for inner in value.values() for leaf in _leaves(inner)]
    if isinstance(value, list):
        return [leaf for inner in value for leaf in _leaves(inner)]
    return [value]


def _same(leaf: Any, marker: Any) -> bool:
    if isinstance(marker, decimal.Decimal):
        try:
            return leaf is not None and not isinstance(leaf, bool) and decimal.Decimal(str(leaf)) == marker
        except decimal.InvalidOperation:
            return False
    return leaf == marker


async def _scenario(admin: Any) -> tuple[str, str]:
    """An organisation and a business person with something of every classified kind, as ADMIN."""
    org = (
        await ok(
            admin,
            "createOrganisation",
            "organisation { id }",
            name="Geclassificeerd BV",
            vatNumber="NL004495445B01",
            invoiceCompanyName="x",
            invoiceEmail="x@example.com",
        )
    )["organisation"]["id"]
    person = (await ok(admin, "createPerson", "person { id }", lastName="Gevoelig", bsn="123456782"))[
        "person"
    ]["id"]
    await ok(admin, "addMembership", "membership { id }", personId=person, organisationId=org)
    await ok(
        admin,
        "setSalesRelation",
        "salesRelation { currency }",
        partyId=org,
        creditLimit="1.00",
        paymentTermDays=5,
    )
    await ok(
        admin,
        "setPurchaseRelation",
        "purchaseRelation { ourAccountNumber }",
        partyId=org,
        ourAccountNumber="x",
    )
    await ok(
        admin,
        "setEmployeeData",
        "employee { employeeNumber }",
        personId=person,
        employeeNumber="E-1",
        salary="1.00",
    )
    category = (await ok(admin, "createInternalRelationCategory", "category { id }", name="Fiscalist"))[
        "category"
    ]["id"]
    for party, iban in ((org, "NL91ABNA0417164300"), (person, "NL20INGB0001234567")):
        await ok(admin, "addBankAccount", "bankAccount { id }", partyId=party, iban=iban)
        await ok(admin, "addAddress", "address { id }", partyId=party, kind="INVOICE", street="x", city="x")
        await ok(
            admin,
            "addInternalRelation",
            "internalRelation { id }",
            employeeId=encode_id("User", admin.user_id),
            partyId=party,
            categoryId=category,
            commissionPercent="1.00",
        )
        for kind in ("GENERAL", "INTERNAL", "PRICE_AGREEMENT"):
            await ok(admin, "addNote", "note { id }", partyId=party, kind=kind, body="x")
    return org, person


async def _mark(session: AsyncSession) -> dict[tuple[str, str, str | None], dict[int, Any]]:
    """Give every classified value a marker of its own, straight in the database.

    Returns (object type, field, kind) -> {party: marker}: every field classified one by one,
    and every text and number column of a classified object or kind (kind None but for kinds).
    """
    models, counter, marks = _models(), itertools.count(11), {}
    for object_type in sorted(_classified_types()):
        model = models[object_type]
        table = model.__table__
        fields = policy.CLASSIFIED_FIELDS.get(object_type, {})
        whole = object_type in policy.CLASSIFIED_OBJECTS or policy.EVERY_FIELD in fields
        kinds = set(policy.CLASSIFIED_KINDS.get(object_type, {}))
        key = table.c.get("party_id", table.c.get("person_id", table.c.get("id")))
        columns = [
            c
            for c in table.columns
            if not c.primary_key
            and not c.foreign_keys
            and c.name not in ("kind", "version", "name_key", "sort_key", "search_text", "city_key")
            and (c.name in fields or ((whole or kinds) and isinstance(c.type, String | Text | Numeric)))
        ]
        for column in columns:
            assert isinstance(column.type, String | Text | Numeric | Boolean), (object_type, column.name)
        rows = (await session.execute(select(table))).all()
        for row in rows:
            if kinds and row.kind not in kinds:
                continue
            values: dict[str, Any] = {}
            for column in columns:
                n = next(counter)
                if isinstance(column.type, Boolean):
                    continue
                length = getattr(column.type, "length", None) or 40
                if isinstance(column.type, Numeric):
                    # Small enough for every column's checks (percentages up to 100).
                    values[column.name] = decimal.Decimal(n) / 100
                elif length >= 3:
                    assert n < 100, "three characters hold a unique marker for the first hundred only"
                    values[column.name] = f"Q{n}Z"[:length]
                else:
                    assert column.name not in fields, (object_type, column.name)
                    continue  # a country code, of a classified object: too short for a marker of its own
                mark = (object_type, column.name, row.kind if kinds else None)
                marks.setdefault(mark, {})[getattr(row, key.name)] = values[column.name]
            if values:
                await session.execute(
                    update(table)
                    .where(*(c == getattr(row, c.name) for c in table.primary_key))
                    .values(values)
                )
    await session.commit()
    return marks


def test_the_classification_names_real_columns_and_types() -> None:
    """A typo in policy would classify nothing: every name is a model, a column, a kind."""
    models = _models()
    schema = build_schema()._schema
    for object_type, field, kind, _need in _needs():
        assert object_type in models, object_type
        assert object_type in schema.type_map, f"no GraphQL type {object_type}"
        if field is not None:
            assert field in models[object_type].__table__.c, (object_type, field)
        if kind is not None:
            assert kind in policy.readable_kinds(
                policy.Viewer(0, "", "", Role.ADMIN, frozenset(Permission)), object_type
            )


async def test_every_classified_value_is_withheld_on_every_path(admin, make_caller, session) -> None:
    org, person = await _scenario(admin)
    org_pk, person_pk = decode_id(org)[1], decode_id(person)[1]
    marks = await _mark(session)
    # What the trail would hold of each: an event per classified thing, with a marker per field.
    for object_type, field, kind, _need in _needs():
        changes: dict[str, Any] = {
            field or "note": {"before": None, "after": f"AUDIT-{object_type}-{field}-{kind}"}
        }
        if kind is not None:
            changes["kind"] = {"before": kind, "after": kind}
        session.add(
            AuditEvent(
                at=dt.datetime.now(dt.UTC),
                object_type=object_type,
                object_id=1,
                party_id=org_pk,
                action="UPDATE",
                changes=changes,
            )
        )
    await session.commit()

    schema = build_schema()._schema
    selections = {name: _selection(schema, schema.type_map[name], 3) for name in ("Organisation", "Person")}
    query = f"""query($org: ID!, $person: ID!) {{
      organisation(id: $org) {{ {selections["Organisation"]} }}
      person(id: $person) {{ {selections["Person"]} }}
    }}"""
    callers: dict[tuple[str, tuple[str, ...]], Any] = {}
    answers: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
    for viewer in {FULL, *(_lacking(need) for *_, need in _needs())}:
        callers[viewer] = await make_caller(*viewer)
        response = await callers[viewer].post(query, {"org": org, "person": person})
        assert response.status_code == 200, response.text
        answers[viewer] = response.json()
        assert {e["extensions"]["code"] for e in answers[viewer].get("errors", [])} <= {"FORBIDDEN"}, answers[
            viewer
        ]

    problems: list[str] = []
    for object_type, field, kind, need in _needs():
        what = f"{object_type}.{field or '*'}" + (f" of kind {kind}" if kind else "")
        lacking = _lacking(need)
        shown, withheld = answers[FULL]["data"], answers[lacking]["data"]

        # GraphQL: the field is null (FORBIDDEN), the object or kind absent; the markers nowhere.
        def found(
            data: dict[str, Any],
            type_name: str = object_type,
            check_field: str | None = field,
            check_kind: str | None = kind,
        ) -> list[Any]:
            objects = [o for o in _objects(data) if o["__typename"] == type_name]
            if check_kind is not None:
                objects = [o for o in objects if o.get("kind") == check_kind]
            if check_field is None:
                return objects
            return [o[_camel(check_field)] for o in objects if o.get(_camel(check_field)) is not None]

        exposed = field is None or _camel(field) in schema.type_map[object_type].fields  # type: ignore[union-attr]
        if not exposed and not any(m[:2] == (object_type, field) for m in marks):
            problems.append(f"{what}: neither a field of its own nor a value this test can find in the API")
        if exposed and not found(shown):
            problems.append(f"{what}: the query does not reach it (or the scenario lacks it)")
        if exposed and found(withheld):
            problems.append(f"{what}: shown to {lacking} in GraphQL: {found(withheld)[:2]}")
        for (marked_type, column, marked_kind), by_party in marks.items():
            if (marked_type, marked_kind) != (object_type, kind) or field not in (None, column):
                continue
            for marker in by_party.values():
                if (
                    not any(_same(leaf, marker) for leaf in _leaves(shown))
                    and field is not None
                    and not exposed
                ):
                    problems.append(
                        f"{what}: its value {marker} is not in the API at all: expose or unclassify it"
                    )
                if any(_same(leaf, marker) for leaf in _leaves(withheld)):
                    where = [
                        o["__typename"]
                        for o in _objects(withheld)
                        if any(_same(v, marker) for v in o.values())
                    ]
                    problems.append(
                        f"{what}: its value {marker} reaches {lacking} through GraphQL, in {where}"
                    )

        # The audit trail: the event is left out or the value masked; shown in full to who may.
        marker = f"AUDIT-{object_type}-{field}-{kind}"
        trails = {}
        for viewer in (FULL, lacking):
            trails[viewer] = (await callers[viewer].post(TRAIL, {"id": org})).text
        if marker not in trails[FULL]:
            problems.append(f"{what}: its audit value is not shown to who may see it")
        if marker in trails[lacking]:
            problems.append(f"{what}: its audit value is shown to {lacking}")

        # The person data export (ADMIN only): left out of the rows, masked in the events.
        if lacking[0] != "ADMIN":
            continue
        exports = {
            v: (await callers[v].gql(EXPORT, {"id": person}))["personDataExport"] for v in (FULL, lacking)
        }
        for (marked_type, column, marked_kind), by_party in marks.items():
            if (marked_type, marked_kind) != (object_type, kind) or field not in (None, column):
                continue
            if person_pk not in by_party:
                continue
            value = by_party[person_pk]
            if not any(_same(leaf, value) for leaf in _leaves(exports[FULL])):
                problems.append(f"{what}: {column} is missing from the export for who may see it")
            if any(_same(leaf, value) for leaf in _leaves(exports[lacking])):
                problems.append(f"{what}: {column} is in the export for {lacking}")
    assert org_pk and not problems, "\n".join(problems)
    assert json.dumps(answers[FULL]).count("FORBIDDEN") == 0


async def test_person_data_export_withholds_invoice_addresses_without_finance(admin, make_caller) -> None:
    """Issue 18, item 7: an ADMIN without FINANCE got the INVOICE addresses in the export."""
    person = (await ok(admin, "createPerson", "person { id }", lastName="Factuur"))["person"]["id"]
    await ok(admin, "addAddress", "address { id }", partyId=person, kind="VISIT", street="Bezoekstraat")
    invoice = (
        await ok(
            admin,
            "addAddress",
            "address { id }",
            partyId=person,
            kind="INVOICE",
            street="Factuurstraat",
            city="Geldrop",
        )
    )["address"]["id"]
    await ok(admin, "updateAddress", "address { id }", id=invoice, houseNumber="99")
    plain = await make_caller("ADMIN", ("SENSITIVE",))
    limited = (await plain.gql(EXPORT, {"id": person}))["personDataExport"]
    assert [a["kind"] for a in limited["addresses"]] == ["VISIT"]
    text = json.dumps(limited)
    assert "Factuurstraat" not in text and "Geldrop" not in text, text
    assert {(e["objectType"], e["objectId"]) for e in limited["auditEvents"]} & {
        ("Address", decode_id(invoice)[1])
    } == set()
    assert "addresses of kind INVOICE (needs the FINANCE permission)" in limited["withheld"]
    full = (await admin.gql(EXPORT, {"id": person}))["personDataExport"]
    assert [(a["kind"], a["street"]) for a in full["addresses"]] == [
        ("VISIT", "Bezoekstraat"),
        ("INVOICE", "Factuurstraat"),
    ]
    assert [
        e["action"]
        for e in full["auditEvents"]
        if e["objectType"] == "Address" and e["objectId"] == decode_id(invoice)[1]
    ] == ["CREATE", "UPDATE"]
    assert full["withheld"] == []
