"""The world of the self-finding leak test (tests/visibility/test_leak_walk.py): seeded through the API.

As ADMIN with FINANCE and SENSITIVE: a visible organisation V and a visible person P (a
member of V); a person H hidden from BUSINESS and READONLY (no membership) with
everything a person can have, a wrong-link membership at V among it, created and
deleted; a person E with the same and a membership at V, then erased; an organisation S
with an account manager (the BUSINESS+FINANCE viewer), documents, invoice data, bank
accounts, notes of every kind and typed financial data, and an organisation M with the
same merged into it. Every value is a marker (leakscan.Markers) that says who may see it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import graphql
from helpers import ok, upload_ok
from leakscan import ERASED, FINANCE, R1, R2, SENSITIVE, STAFF, Marker, Markers, Seer
from leakwalk import Selections
from schwifty import IBAN
from stdnum.nl import bsn as nl_bsn
from valid_numbers import dutch_iban, dutch_vat, eleven_proof

__all__ = ["VIEWERS", "World", "seed"]

# The viewers of the walk; the first one seeds. BUSINESS+FINANCE manages S's files (R2).
VIEWERS = (
    Seer("ADMIN+FINANCE+SENSITIVE", "ADMIN", ("FINANCE", "SENSITIVE")),
    Seer("ADMIN", "ADMIN"),
    Seer("ADMIN+FINANCE", "ADMIN", ("FINANCE",)),
    Seer("ADMIN+SENSITIVE", "ADMIN", ("SENSITIVE",)),
    Seer("TEAM", "TEAM"),
    Seer("TEAM+FINANCE+SENSITIVE", "TEAM", ("FINANCE", "SENSITIVE")),
    Seer("BUSINESS", "BUSINESS"),
    Seer("BUSINESS+FINANCE (account manager)", "BUSINESS", ("FINANCE",), account_manager=True),
    Seer("READONLY", "READONLY"),
    Seer("READONLY+FINANCE", "READONLY", ("FINANCE",)),
)
# What erasing a person takes (README: deleting persons); the rest stays with the tombstone.
ERASED_KINDS = frozenset(
    {
        "personal", "contact", "address", "bank", "document", "employee", "membership contact",
        # What staff wrote about the person: the notes, activities and relations stay, their texts go.
        "note text", "activity text", "relation note", "reason",
    }
)  # fmt: skip
_digits = itertools.count(41719301)


# One bank per bank account of the world, each a name and BIC found nowhere else: the
# account's bankName and bic (from the bank registry) are markers as its IBAN is.
_BANKS = itertools.cycle(("HAND", "NWAB", "LPLN", "NNBA"))


def _bank_account(m: Markers, needs: set[str], who: str) -> str:
    """A valid Dutch IBAN at the next bank, marked with its bank's name and BIC."""
    iban = IBAN(dutch_iban(next(_digits), next(_BANKS)))
    assert iban.bank_name and iban.bic, iban
    m.value(iban.bank_name, needs, f"{who}: bankName")
    m.value(str(iban.bic), needs, f"{who}: bic")
    return m.value(iban.compact, needs, f"{who}: iban", forms=(iban.formatted,))


def _bsn(m: Markers, needs: set[str], who: str) -> str:
    """A citizen service number passing the 11-check, unique in the world; shown as printed."""
    bsn = eleven_proof(next(_digits))
    return m.value(bsn, needs, f"{who}: bsn", forms=(nl_bsn.format(bsn),))


async def _document(admin: Any, party: str, filename: str, description: str) -> str:
    """A PDF uploaded to the party (its content names the file); its global ID."""
    return (
        await upload_ok(admin, party, f"content of {filename}".encode(), filename, description=description)
    )["id"]


@dataclass
class World:
    markers: Markers
    callers: dict[str, Any]  # Seer label -> Caller
    parties: dict[str, str]  # V, P, S, M, H, E -> global ID
    ids: set[str] = field(default_factory=set)  # every global ID seeding saw, deleted ones too
    gone: dict[str, str] = field(default_factory=dict)  # IDs of what the erasure deleted -> what
    before_erasure: set[Marker] = field(default_factory=set)  # E's markers ADMIN read before

    def seer(self, label: str) -> Seer:
        return next(s for s in VIEWERS if s.label == label)


Needs = Callable[..., set[str]]


async def _person(
    admin: Any, m: Markers, w: World, tag: str, who: str, needs: Needs, ctx: dict[str, str]
) -> str:
    """A person with everything a person can have; `needs(kind, *extra)` classes each value."""

    def text(kind: str, what: str, *extra: str) -> str:
        return m.text(needs(kind, *extra), f"{who}: {what}", tag)

    def phone(kind: str, what: str) -> str:
        tail = f"{next(_digits) % 10**8:08d}"
        return m.value(f"06{tail}", needs(kind), f"{who}: {what}", forms=(f"+316{tail}", f"+31 6 {tail}"))

    def ident(kind: str, what: str, global_id: str, *extra: str) -> str:
        w.ids.add(global_id)
        if ERASED in needs(kind, *extra):
            # Gone with the erasure: an ID that names nothing, as a free one (no marker:
            # the tombstone's trail keeps its events, with the values erased).
            w.gone[global_id] = f"{who}: {what}"
            return global_id
        return m.global_id(global_id, needs(kind, *extra), f"{who}: {what} ID")

    born = m.value(
        f"19{30 + len(w.parties)}-0{len(w.parties) % 9 + 1}-1{len(w.parties) % 9}",
        needs("personal"),
        f"{who}: birthDate",
    )
    person = (
        await ok(
            admin,
            "createPerson",
            "person { id }",
            firstName=text("personal", "firstName"),
            lastName=text("personal", "lastName"),
            infix=text("personal", "infix"),
            initials=text("personal", "initials"),
            title=text("personal", "title"),
            gender="FEMALE",
            email=f"{text('contact', 'email')}@example.nl",
            phone=phone("contact", "phone"),
            birthDate=born,
            bsn=_bsn(m, needs("personal", SENSITIVE), who),
        )
    )["person"]["id"]
    me = ident("person", "person", person) if tag == "hp" else person
    for kind, value in (
        ("MOBILE", phone("contact", "mobile")),
        ("WEBSITE", f"https://{text('contact', 'website')}.example.nl"),
        ("SOCIAL", f"@{text('contact', 'social handle')}"),
        ("EMAIL", f"{text('contact', 'second email')}@example.nl"),
    ):
        mean = await ok(
            admin,
            "addContactMean",
            "contactMean { id }",
            partyId=me,
            kind=kind,
            value=value,
            label=text("contact", f"{kind} label"),
        )
        ident("contact", f"{kind} contact mean", mean["contactMean"]["id"])
    for kind, extra in (("VISIT", ()), ("POSTAL", ()), ("INVOICE", (FINANCE,))):
        postcode = m.value(
            f"{9000 + next(_digits) % 1000} ZQ", needs("address", *extra), f"{who}: {kind} postcode"
        )
        address = await ok(
            admin,
            "addAddress",
            "address { id }",
            partyId=me,
            kind=kind,
            street=text("address", f"{kind} street", *extra),
            houseNumber="7",
            houseNumberAddition=text("address", f"{kind} addition", *extra),
            postcode=postcode,
            city=text("address", f"{kind} city", *extra),
        )
        ident("address", f"{kind} address", address["address"]["id"], *extra)
    account = await ok(
        admin,
        "addBankAccount",
        "bankAccount { id }",
        partyId=me,
        iban=_bank_account(m, needs("bank", FINANCE), who),
        holderName=text("bank", "bank account holder", FINANCE),
    )
    ident("bank", "bank account", account["bankAccount"]["id"], FINANCE)
    await _notes_and_activity(admin, m, w, me, who, needs, tag, ctx)
    document = await _document(
        admin, me, f"{text('document', 'document filename')}.pdf", text("document", "document description")
    )
    ident("document", "document", document)
    await ok(admin, "setPartyTypes", "types { code }", partyId=me, types=["EMPLOYEE", "TAX_CLIENT"])
    salary = m.value(f"{next(_digits) % 90000 + 10000}.27", needs("employee", FINANCE), f"{who}: salary")
    await ok(
        admin,
        "setEmployeeData",
        "employee { employeeNumber }",
        personId=me,
        salary=salary,
        currency="EUR",
        employeeNumber=text("employee", "employee number"),
    )
    for source, target in ((ctx["V"], me), (me, ctx["P"])):
        relation = await ok(
            admin,
            "addRelation",
            "relation { id }",
            typeId=ctx["knows"],
            sourceId=source,
            targetId=target,
            note=text("relation note", "relation note"),
        )
        ident("relation", "relation", relation["relation"]["id"])
    commission = m.value(
        f"{next(_digits) % 80 + 10}.{next(_digits) % 90 + 10}",
        needs("relation", FINANCE),
        f"{who}: commission",
    )
    internal = await ok(
        admin,
        "addInternalRelation",
        "internalRelation { id }",
        employeeId=ctx["team user"],
        partyId=me,
        categoryId=ctx["tax"],
        commissionPercent=commission,
    )
    ident("relation", "internal relation", internal["internalRelation"]["id"])
    await ok(admin, "addPartiesToGroup", "changedCount", groupId=ctx["group"], partyIds=[me])
    # A wrong link: created, then deleted; the trail of V keeps both events.
    wrong = await ok(
        admin,
        "addMembership",
        "membership { id }",
        personId=me,
        organisationId=ctx["V"],
        jobTitle=text("job", "wrong-link jobTitle"),
        department=text("job", "wrong-link department"),
        role=text("job", "wrong-link role"),
        tags=[text("job", "wrong-link tag")],
        businessEmail=f"{text('membership contact', 'wrong-link businessEmail')}@example.nl",
        phone1=phone("membership contact", "wrong-link phone1"),
        phone2=phone("membership contact", "wrong-link phone2"),
    )
    wrong_id = ident("job", "wrong-link membership", wrong["membership"]["id"])
    await ok(
        admin,
        "deleteMembership",
        "deletedMembershipId",
        id=wrong_id,
        reason=text("reason", "wrong-link deletion reason"),
    )
    return me


async def _notes_and_activity(
    admin: Any, m: Markers, w: World, party: str, who: str, needs: Needs, tag: str, ctx: dict[str, str]
) -> None:
    """`needs(kind, *extra)` classes each value: kinds "note", "note text", "activity", "activity text"."""
    for kind, extra in (("GENERAL", ()), ("INTERNAL", (STAFF,)), ("PRICE_AGREEMENT", (FINANCE,))):
        note = await ok(
            admin,
            "addNote",
            "note { id }",
            partyId=party,
            kind=kind,
            body=m.text(needs("note text", *extra), f"{who}: {kind} note", tag),
        )
        w.ids.add(m.global_id(note["note"]["id"], needs("note", *extra), f"{who}: {kind} note ID"))
    activity = await ok(
        admin,
        "addActivity",
        "activity { id }",
        partyId=party,
        kind="CALL",
        assigneeId=ctx["business user"],
        subject=m.text(needs("activity text"), f"{who}: activity subject", tag),
        body=m.text(needs("activity text"), f"{who}: activity body", tag),
        dueAt="2030-01-01T09:00:00Z",
    )
    w.ids.add(m.global_id(activity["activity"]["id"], needs("activity"), f"{who}: activity ID"))


async def _organisation(admin: Any, m: Markers, w: World, tag: str, who: str, ctx: dict[str, str]) -> str:
    """An organisation with invoice data, bank account, notes, typed data and a document."""

    def text(what: str, *needs: str) -> str:
        return m.text(needs, f"{who}: {what}", tag)

    vat = m.value(dutch_vat(next(_digits), "42"), {FINANCE}, f"{who}: vatNumber")
    org = (
        await ok(
            admin,
            "createOrganisation",
            "organisation { id }",
            name=f"{who.split()[0]} BV",
            vatNumber=vat,
            invoiceCompanyName=text("invoiceCompanyName", FINANCE),
            invoiceEmail=f"{text('invoiceEmail', FINANCE)}@example.nl",
            visitAddress={"city": "Utrecht"},
        )
    )["organisation"]["id"]
    postcode = m.value(f"{9000 + next(_digits) % 1000} QZ", {FINANCE}, f"{who}: INVOICE postcode")
    address = await ok(
        admin,
        "addAddress",
        "address { id }",
        partyId=org,
        kind="INVOICE",
        street=text("INVOICE street", FINANCE),
        houseNumber="1",
        postcode=postcode,
        city=text("INVOICE city", FINANCE),
    )
    w.ids.add(m.global_id(address["address"]["id"], {FINANCE}, f"{who}: INVOICE address ID"))
    account = await ok(
        admin,
        "addBankAccount",
        "bankAccount { id }",
        partyId=org,
        holderName=text("bank account holder", FINANCE),
        iban=_bank_account(m, {FINANCE}, who),
    )
    w.ids.add(m.global_id(account["bankAccount"]["id"], {FINANCE}, f"{who}: bank account ID"))
    await _notes_and_activity(admin, m, w, org, who, lambda kind, *extra: set(extra), tag, ctx)
    await ok(admin, "setPartyTypes", "types { code }", partyId=org, types=["CUSTOMER", "SUPPLIER"])
    credit = m.value(f"{next(_digits) % 900000 + 100000}.64", {FINANCE}, f"{who}: creditLimit")
    await ok(
        admin,
        "setSalesRelation",
        "salesRelation { currency }",
        partyId=org,
        creditLimit=credit,
        paymentTermDays=45,
        discountPercent=m.value(f"{next(_digits) % 80 + 10}.38", {FINANCE}, f"{who}: discountPercent"),
    )
    await ok(
        admin,
        "setPurchaseRelation",
        "purchaseRelation { paymentTermDays }",
        partyId=org,
        paymentTermDays=30,
        ourAccountNumber=text("ourAccountNumber", FINANCE),
    )
    document = await _document(
        admin, org, f"{text('document filename', R2)}.pdf", text("document description", R2)
    )
    w.ids.add(m.global_id(document, {R2}, f"{who}: document ID"))
    return org


def _needs_of_hidden(kind: str, *extra: str) -> set[str]:
    return {R1, *extra}


def _needs_of_erased(kind: str, *extra: str) -> set[str]:
    return {ERASED} if kind in ERASED_KINDS else set(extra)


async def seed(schema: graphql.GraphQLSchema, callers: dict[str, Any], user_ids: dict[str, str]) -> World:
    """The world, seeded by the first viewer's caller; `user_ids` are the viewers' User IDs."""
    admin = callers[VIEWERS[0].label]
    m = Markers()
    w = World(m, callers, {})
    categories = await admin.gql("{ internalRelationCategories(includeInactive: true) { id code } }")
    ctx = {
        "account manager": next(
            c["id"] for c in categories["internalRelationCategories"] if c["code"] == "ACCOUNT_MANAGER"
        ),
        "tax": (
            await ok(admin, "createInternalRelationCategory", "category { id }", name="Belastingadviseur")
        )["category"]["id"],
        "group": (await ok(admin, "createCustomerGroup", "customerGroup { id }", name="Leaktest groep"))[
            "customerGroup"
        ]["id"],
        "knows": (
            await ok(
                admin,
                "createRelationType",
                "relationType { id }",
                name="kent",
                inverseName="is bekend bij",
                sourceKinds=["ORGANISATION", "PERSON"],
                targetKinds=["ORGANISATION", "PERSON"],
            )
        )["relationType"]["id"],
        "team user": user_ids["TEAM"],
        "business user": user_ids["BUSINESS"],
    }
    ctx["V"] = w.parties["V"] = (
        await ok(admin, "createOrganisation", "organisation { id }", name="Zichtbaar BV")
    )["organisation"]["id"]
    ctx["P"] = w.parties["P"] = (await ok(admin, "createPerson", "person { id }", lastName="Zichtbaar"))[
        "person"
    ]["id"]
    await ok(
        admin,
        "addMembership",
        "membership { id }",
        personId=ctx["P"],
        organisationId=ctx["V"],
        jobTitle="Inkoper",
    )
    await ok(admin, "addPartiesToGroup", "changedCount", groupId=ctx["group"], partyIds=[ctx["V"]])

    w.parties["S"] = await _organisation(admin, m, w, "sh", "Shielded organisation S", ctx)
    await ok(
        admin,
        "addInternalRelation",
        "internalRelation { id }",
        employeeId=user_ids[VIEWERS[7].label],
        partyId=w.parties["S"],
        categoryId=ctx["account manager"],
        commissionPercent=m.value("63.17", {FINANCE}, "S: account manager's commission"),
    )
    w.parties["M"] = await _organisation(admin, m, w, "mg", "Merged organisation M (into S)", ctx)
    await ok(
        admin,
        "mergeOrganisations",
        "counts { documentsMoved }",
        sourceId=w.parties["M"],
        targetId=w.parties["S"],
        dryRun=False,
    )

    w.parties["H"] = await _person(admin, m, w, "hp", "hidden person H", _needs_of_hidden, ctx)
    w.parties["E"] = await _person(admin, m, w, "er", "erased person E", _needs_of_erased, ctx)
    await ok(
        admin,
        "addMembership",
        "membership { id }",
        personId=w.parties["E"],
        organisationId=ctx["V"],
        jobTitle=m.text((), "erased person E: membership jobTitle (kept)", "er"),
        businessEmail=f"{m.text({ERASED}, 'erased person E: membership businessEmail', 'er')}@example.nl",
        phone1=m.value(
            "0612983476",
            {ERASED},
            "erased person E: membership phone1",
            forms=("+31612983476", "+31 6 12983476"),
        ),
    )
    # Proof that erasure has something to erase: ADMIN reads E's values before.
    node = schema.get_type("Node")
    probe = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {Selections(schema).of(node, 2)} }} }}"  # type: ignore[arg-type]
    answer = await admin.post(probe, {"ids": [w.parties["E"], ctx["V"]]})
    w.before_erasure = {mk for mk in m.find(answer.text) if ERASED in mk.needs}
    await ok(admin, "deletePerson", "person { id }", id=w.parties["E"], confirm=True)
    w.ids.update(w.parties.values())
    return w


def needs_table(markers: Iterable[Marker]) -> str:
    """How many markers need what: the world at a glance, for the report."""
    counts: dict[str, int] = {}
    for marker in markers:
        key = "+".join(sorted(marker.needs)) or "anyone"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
