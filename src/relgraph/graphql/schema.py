"""The schema: root types assembled from the per-aggregate query and mutation classes.

It sits above every aggregate (graphql/<aggregate>/) and core beneath them all: core is
what the aggregates build on, and this module is the one that builds on all of them.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from relgraph.config import Settings, get_settings
from relgraph.graphql.compiled import CompiledReads
from relgraph.graphql.core.as_of import AsOfValidation
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.execution_context import AcyclicExecutionContext
from relgraph.graphql.core.extensions import (
    CodeRequestErrors,
    ErrorsInResponseOrder,
    MaskUnexpectedErrors,
    NoteExecution,
    code_parse_errors,
)
from relgraph.graphql.core.limits import QueryCostLimiter
from relgraph.graphql.core.node import NodeQueries
from relgraph.graphql.core.rate_limit import RateLimitQueries
from relgraph.graphql.core.scalars import SCALARS
from relgraph.graphql.documents.mutations import DocumentMutations
from relgraph.graphql.documents.types import Document
from relgraph.graphql.history.changes import ChangeQueries
from relgraph.graphql.history.mutations import NoteMutations
from relgraph.graphql.history.queries import ActivityQueries
from relgraph.graphql.history.types import Activity, Note
from relgraph.graphql.memberships.mutations.business_relations import BusinessRelationMutations
from relgraph.graphql.memberships.mutations.memberships import MembershipMutations
from relgraph.graphql.memberships.mutations.relinking import RelinkingMutations
from relgraph.graphql.memberships.queries import MembershipQueries
from relgraph.graphql.memberships.types import Membership
from relgraph.graphql.organisations.mutations.hierarchy import HierarchyMutations
from relgraph.graphql.organisations.mutations.merges import MergeMutations
from relgraph.graphql.organisations.mutations.organisations import OrganisationMutations
from relgraph.graphql.organisations.queries import OrganisationQueries
from relgraph.graphql.organisations.types import Organisation
from relgraph.graphql.party_data.mutations.addresses import AddressMutations
from relgraph.graphql.party_data.mutations.bank_accounts import BankAccountMutations
from relgraph.graphql.party_data.mutations.contact_means import ContactMeanMutations
from relgraph.graphql.party_data.mutations.customer_groups import CustomerGroupMutations
from relgraph.graphql.party_data.mutations.party_types import PartyTypeMutations
from relgraph.graphql.party_data.queries import PartyDataQueries
from relgraph.graphql.party_data.types.bank_accounts import BankAccount
from relgraph.graphql.party_data.types.contact_means import ContactMean
from relgraph.graphql.party_data.types.customer_groups import CustomerGroup
from relgraph.graphql.party_data.types.party_types import PartyType
from relgraph.graphql.persons.mutations import PersonDeletionMutations, PersonMutations
from relgraph.graphql.persons.queries import PersonQueries
from relgraph.graphql.persons.types import Person
from relgraph.graphql.relations.listing import RelationQueries
from relgraph.graphql.relations.mutations.internal_relations import InternalRelationMutations
from relgraph.graphql.relations.mutations.relations import RelationMutations
from relgraph.graphql.relations.queries import NetworkQueries, RelationTypeQueries
from relgraph.graphql.relations.types.internal_relations import (
    InternalRelation,
    InternalRelationCategory,
)
from relgraph.graphql.relations.types.relations import Relation, RelationType
from relgraph.graphql.users.mutations import UserMutations
from relgraph.graphql.users.queries import UserQueries
from relgraph.graphql.users.types import User, user_or_none

__all__ = ["build_schema", "schema_sdl"]


@strawberry.type(description="Everything you can read. Start with `organisations`, `persons` or `node`.")
class Query(
    NodeQueries,
    OrganisationQueries,
    PersonQueries,
    MembershipQueries,
    RelationQueries,
    RelationTypeQueries,
    PartyDataQueries,
    NetworkQueries,
    UserQueries,
    ActivityQueries,
    RateLimitQueries,
    ChangeQueries,
):
    @strawberry.field(description="The staff user your token belongs to.")
    async def viewer(self, info: Info) -> User:
        user = await user_or_none(info, info.context.viewer.id)
        assert user is not None  # authentication found this user moments ago
        return user


@strawberry.type(
    description=(
        "Everything you can change. Every mutation takes one `input` and returns a payload "
        "with the changed object and `userErrors` (empty on success). Nothing is changed "
        "when userErrors is not empty."
    )
)
class Mutation(
    OrganisationMutations,
    HierarchyMutations,
    PersonMutations,
    PersonDeletionMutations,
    MembershipMutations,
    RelinkingMutations,
    MergeMutations,
    BusinessRelationMutations,
    RelationMutations,
    InternalRelationMutations,
    PartyTypeMutations,
    DocumentMutations,
    ContactMeanMutations,
    AddressMutations,
    BankAccountMutations,
    CustomerGroupMutations,
    NoteMutations,
    UserMutations,
):
    pass


class RelgraphSchema(strawberry.Schema):
    """Strawberry's schema, minus its logging of every error with a traceback.

    Validation errors and PublicErrors are answers to the client, not incidents; the
    unexpected ones are logged once, with the request id, by MaskUnexpectedErrors. Every
    error passes here, parse errors too, which no extension's end of the operation sees.
    """

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        code_parse_errors(errors)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    # The depth and alias limiters build a new rule class per instance; made once here, the
    # rules are the same objects in every request, so the validation cache can hit (a fresh
    # rule class per request made every request validate its document again).
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    return RelgraphSchema(
        execution_context_class=AcyclicExecutionContext,
        query=Query,
        mutation=Mutation,
        types=[
            Organisation,
            Person,
            Membership,
            Relation,
            RelationType,
            InternalRelation,
            InternalRelationCategory,
            PartyType,
            Document,
            ContactMean,
            BankAccount,
            CustomerGroup,
            Note,
            Activity,
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
        extensions=[
            MaskUnexpectedErrors,
            CodeRequestErrors,
            ErrorsInResponseOrder,
            # Factories: a fresh extension per request; the caches live at module level.
            lambda: ParserCache(maxsize=256),
            lambda: AddValidationRules(limit_rules),
            AsOfValidation,
            lambda: ValidationCache(maxsize=256),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: QueryCostLimiter(
                max_cost=settings.max_query_cost, rate_limit=settings.rate_limit_per_minute
            ),
            # Last: only a query the limits let through is run, compiled or by the resolvers.
            *([CompiledReads] if settings.compiled_reads else []),
            NoteExecution,
        ],
    )


def schema_sdl() -> str:
    """The schema in SDL, as `relgraph export-schema` prints it and schema.graphql holds it."""
    return build_schema().as_str() + "\n"
