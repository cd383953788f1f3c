"""The schema: root types assembled from the per-aggregate query and mutation classes."""

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
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.extensions import MaskUnexpectedErrors
from relgraph.graphql.core.limits import QueryCostLimiter
from relgraph.graphql.core.node import NodeQueries
from relgraph.graphql.core.planned import PlannedExecution
from relgraph.graphql.mutations.addresses import AddressMutations
from relgraph.graphql.mutations.bank_accounts import BankAccountMutations
from relgraph.graphql.mutations.business_relations import BusinessRelationMutations
from relgraph.graphql.mutations.contact_means import ContactMeanMutations
from relgraph.graphql.mutations.documents import DocumentMutations
from relgraph.graphql.mutations.groups import CustomerGroupMutations
from relgraph.graphql.mutations.hierarchy import HierarchyMutations
from relgraph.graphql.mutations.internal_relations import InternalRelationMutations
from relgraph.graphql.mutations.memberships import MembershipMutations
from relgraph.graphql.mutations.merges import MergeMutations
from relgraph.graphql.mutations.notes import NoteMutations
from relgraph.graphql.mutations.organisations import OrganisationMutations
from relgraph.graphql.mutations.party_types import PartyTypeMutations
from relgraph.graphql.mutations.person_deletion import PersonDeletionMutations
from relgraph.graphql.mutations.persons import PersonMutations
from relgraph.graphql.mutations.relations import RelationMutations
from relgraph.graphql.mutations.relinking import RelinkingMutations
from relgraph.graphql.queries import memberships as _membership_nodes  # noqa: F401  # registers the node type
from relgraph.graphql.queries.domain_data import DomainDataQueries
from relgraph.graphql.queries.network import NetworkQueries
from relgraph.graphql.queries.notes import ActivityQueries
from relgraph.graphql.queries.organisations import OrganisationQueries
from relgraph.graphql.queries.person_data import PersonDataQueries
from relgraph.graphql.queries.persons import PersonQueries
from relgraph.graphql.queries.users import UserQueries
from relgraph.graphql.types.bank_account import BankAccount
from relgraph.graphql.types.contact_mean import ContactMean
from relgraph.graphql.types.customer_group import CustomerGroup
from relgraph.graphql.types.document import Document
from relgraph.graphql.types.internal_relation import (
    InternalRelation,
    InternalRelationCategory,
)
from relgraph.graphql.types.membership import Membership
from relgraph.graphql.types.note import Activity, Note
from relgraph.graphql.types.organisation import Organisation
from relgraph.graphql.types.party_type import PartyType
from relgraph.graphql.types.person import Person
from relgraph.graphql.types.relation import Relation, RelationType
from relgraph.graphql.types.user import User, user_or_none

__all__ = ["build_schema", "schema_sdl"]


@strawberry.type(description="Everything you can read. Start with `organisations`, `persons` or `node`.")
class Query(
    NodeQueries,
    OrganisationQueries,
    PersonQueries,
    PersonDataQueries,
    DomainDataQueries,
    NetworkQueries,
    UserQueries,
    ActivityQueries,
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
):
    pass


class RelgraphSchema(strawberry.Schema):
    """Strawberry's schema, minus its logging of every error with a traceback.

    Validation errors and PublicErrors are answers to the client, not incidents; the
    unexpected ones are logged once, with the request id, by MaskUnexpectedErrors.
    """

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None


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
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            MaskUnexpectedErrors,
            # Factories: a fresh extension per request; the caches live at module level.
            lambda: ParserCache(maxsize=256),
            lambda: AddValidationRules(limit_rules),
            lambda: ValidationCache(maxsize=256),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: QueryCostLimiter(max_cost=settings.max_query_cost, rate_limit=settings.rate_limit_per_minute),
            # Last: only a query the limits let through is run, by Strawberry or by the plan.
            *([PlannedExecution] if settings.planned_execution else []),
        ],
    )


def schema_sdl() -> str:
    """The schema in SDL, as `relgraph export-schema` prints it and schema.graphql holds it."""
    return build_schema().as_str() + "\n"
