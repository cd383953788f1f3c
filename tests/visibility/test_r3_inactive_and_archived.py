"""R3 of the authorization matrix: inactive memberships and relations and archived
organisations appear only when asked for, to every role alike.

The matrix's scenario and plumbing: tests/support/authorization.py.
"""

from __future__ import annotations

from authorization import PARTY_RELATIONS, ROLES, build_scenario, report

ALFA_MEMBERS = """
query($id: ID!, $inactive: Boolean!) {
  organisation(id: $id) { memberships(includeInactive: $inactive, first: 100) { totalCount nodes { id active } } }
}"""
PERSON_MEMBERSHIPS = """
query($id: ID!, $inactive: Boolean!) {
  person(id: $id) { memberships(includeInactive: $inactive) { totalCount nodes { id } } }
}"""
ARCHIVED = """
query($search: String!, $archived: Boolean!, $id: ID!, $parent: ID!) {
  organisations(filter: {search: $search, includeArchived: $archived}) { totalCount nodes { id } }
  organisation(id: $id) { id archived }
  node(id: $id) { id }
  parent: organisation(id: $parent) {
    subsidiaries(includeArchived: $archived) { totalCount nodes { id } }
    descendants(includeArchived: $archived) { totalCount edges { node { id } } }
  }
}"""


async def test_r3_inactive_and_archived_only_when_asked(admin, make_caller, client) -> None:
    s = await build_scenario(admin, make_caller, client)
    # The same for every role: R3 is about what is asked for, not who asks.
    EXPECTED = {
        role: {
            "alfa memberships": {
                False: {s.member_membership},
                True: {s.member_membership, s.former_membership},
            },
            "former's memberships": {False: set(), True: {s.former_membership}},
            "archived org listed": {False: set(), True: {s.archived}},
        }
        for role in ROLES
    }
    problems: list[str] = []
    for role, expected in EXPECTED.items():
        caller = s.viewers[role]
        for inactive in (False, True):
            members = (await caller.gql(ALFA_MEMBERS, {"id": s.alfa, "inactive": inactive}))["organisation"][
                "memberships"
            ]
            got = {n["id"] for n in members["nodes"]}
            want = expected["alfa memberships"][inactive]
            if got != want or members["totalCount"] != len(want):
                problems.append(
                    f"{role}: Alfa memberships (includeInactive={inactive}) = {got}, expected {want}"
                )
            person = (await caller.gql(PERSON_MEMBERSHIPS, {"id": s.former, "inactive": inactive}))["person"]
            if person is None:
                problems.append(
                    f"{role}: a person with only an inactive membership is hidden (R1 counts inactive ones)"
                )
            else:
                got = {n["id"] for n in person["memberships"]["nodes"]}
                want = expected["former's memberships"][inactive]
                if got != want or person["memberships"]["totalCount"] != len(want):
                    problems.append(
                        f"{role}: former's memberships (includeInactive={inactive}) = {got}, expected {want}"
                    )
            # Inactive relations (R3) on top of R1.
            relations = (await caller.gql(PARTY_RELATIONS, {"id": s.alfa, "inactive": inactive}))["node"][
                "relations"
            ]
            has_inactive = s.rel_inactive in {e["relation"]["id"] for e in relations["edges"]}
            if has_inactive != inactive:
                problems.append(
                    f"{role}: inactive relation listed={has_inactive} with includeInactive={inactive}"
                )

            data = await caller.gql(
                ARCHIVED, {"search": "Archief", "archived": inactive, "id": s.archived, "parent": s.beta}
            )
            want = expected["archived org listed"][inactive]
            listed = data["organisations"]
            if {n["id"] for n in listed["nodes"]} != want or listed["totalCount"] != len(want):
                problems.append(
                    f"{role}: organisations(search Archief, includeArchived={inactive}) = {listed}"
                )
            if data["organisation"] != {"id": s.archived, "archived": True} or data["node"] != {
                "id": s.archived
            }:
                problems.append(
                    f"{role}: archived organisation not fetchable by id: {data['organisation']} {data['node']}"
                )
            subsidiaries = data["parent"]["subsidiaries"]
            if {n["id"] for n in subsidiaries["nodes"]} != want or subsidiaries["totalCount"] != len(want):
                problems.append(f"{role}: Beta subsidiaries (includeArchived={inactive}) = {subsidiaries}")
            descendants = data["parent"]["descendants"]
            if {e["node"]["id"] for e in descendants["edges"]} != want or descendants["totalCount"] != len(
                want
            ):
                problems.append(f"{role}: Beta descendants (includeArchived={inactive}) = {descendants}")
    report(problems)
