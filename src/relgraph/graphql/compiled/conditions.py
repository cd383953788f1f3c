"""The rules a compiled read applies, as SQL text for the compiler's table aliases.

Nothing is written here: R1 comes from policy.py, "in force" from db/models/in_force.py
and the hierarchy of a day from domain/organisations/parent_periods.py, built as SQLAlchemy
expressions and rendered for the dialect with their values inlined (the viewer's role and
today's date are part of the compile cache's key). A day other than today (`Day`) is a date
written in the document, inlined too, or the SQL of a bind parameter read from the variables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, Table, literal, literal_column, select
from sqlalchemy.engine import Dialect as SQLAlchemyDialect
from sqlalchemy.sql.elements import True_
from sqlalchemy.sql.util import ClauseAdapter

from relgraph.db.models import ContactMean, Membership, MembershipTag, Person, Relation
from relgraph.db.models.in_force import in_force_on
from relgraph.db.pagination import OrderKey
from relgraph.domain import users
from relgraph.domain.history import activities, feed_reads, notes, timeline
from relgraph.domain.memberships import queries
from relgraph.domain.organisations import organisations, parent_periods
from relgraph.domain.party_data import contact_means, groups
from relgraph.domain.persons import persons
from relgraph.domain.relations import internal_relations, relations
from relgraph.errors import InvalidInput
from relgraph.graphql.compiled.selection import Decline
from relgraph.policy import Viewer, persons_visible

__all__ = ["Conditions", "Day"]

# The day a time-dependent field answers for: None (today), a date written in the document,
# or the SQL text of a bind parameter holding one (an asOf from the variables).
Day = dt.date | str | None


class Conditions:
    """Conditions for one viewer on one database, on a given day."""

    def __init__(self, viewer: Viewer, dialect: SQLAlchemyDialect, today: dt.date) -> None:
        self.viewer = viewer
        self.dialect = dialect
        self.today = today

    def _render(self, expression: Any) -> str:
        return str(expression.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))

    def person_visible(self, alias: str) -> str | None:
        """R1 for the person row `alias`; None when the viewer sees every person."""
        rule: ColumnElement[bool] = persons_visible(self.viewer)
        if isinstance(rule, True_):
            return None
        people = Person.__table__
        # The rule is written over the persons table: asked of the row with our alias's id.
        check = (
            select(literal(1))
            .select_from(people)
            .where(people.c.id == literal_column(f"{alias}.id"), rule)
            .exists()
        )
        return self._render(check)

    def organisations_matching(self, search: str | None, include_archived: bool) -> str:
        """The ids of the organisations a search finds for the viewer (the domain's filter)."""
        try:
            found = organisations.matching(
                self.viewer,
                organisations.OrganisationFilter(search=search, include_archived=include_archived),
            )
        except InvalidInput:
            raise Decline("a search the resolvers refuse") from None  # they word its userError
        return self._render(found)

    def persons_matching(self, search: str | None, include_inactive: bool) -> str:
        """The ids of the persons a search finds for the viewer: R1, R3 and the search as
        the domain's list applies them."""
        try:
            found = persons.matching(
                self.viewer, persons.PersonFilter(search=search, include_inactive=include_inactive)
            )
        except InvalidInput:
            raise Decline("a search the resolvers refuse") from None
        return self._render(found)

    def business_relation(self, alias: str) -> str:
        """The person row `alias` has a membership, active or not (domain/memberships/queries.py)."""
        return self._render(queries.business_relation(literal_column(f"{alias}.id")))

    def membership_tagged(self, alias: str, tag: str) -> str:
        """The membership row `alias` has `tag` (the people list's tag filter)."""
        tagged = select(MembershipTag.tag).where(
            MembershipTag.membership_id == literal_column(f"{alias}.id"), MembershipTag.tag == tag
        )
        return self._render(tagged.exists())

    def _day(self, day: Day) -> Any:
        if day is None:
            return self.today
        return literal_column(day, Date()) if isinstance(day, str) else day

    def membership_in_force(self, alias: str, day: Day = None) -> str:
        """A membership row `alias` is in force on `day` (in_force.py's rule)."""
        return self._render(in_force_on(Membership.__table__.alias(alias), self._day(day)))

    def parent_links(self, day: Day) -> str:
        """SELECT of the parent links of `day` (not today), columns (id, parent_id, archived):
        parent_periods.links_on, as the resolvers' hierarchy reads another day."""
        assert day is not None
        return self._render(parent_periods.links_on(self._day(day)).element)

    def relation_in_force(self, alias: str) -> str:
        """A relation row `alias` (a relation's columns) is in force today: Relation.active."""
        return self._render(in_force_on(Relation.__table__.alias(alias), self.today))

    def relations_seen(
        self, day: Day = None, type_names: tuple[str, ...] | None = None, include_inactive: bool = False
    ) -> str:
        """Every relation the viewer may see from each side, in force on `day` (or also not,
        `include_inactive`), of the types named `type_names` (None: any), as a party's
        relations list them (domain/relations/relations.seen_from_each_side: R1, in force,
        type names, direction, the other party's id and kind, owner_id, sort_key the label)."""
        flt = relations.RelationFilter(
            type_names=type_names, include_inactive=include_inactive, day=self._day(day)
        )
        return self._render(relations.seen_from_each_side(self.viewer, flt))

    def account_manager_links(self, day: Day = None) -> str:
        """(party_id, user_id) of the account managers on `day` (internal_relations.py)."""
        return self._render(internal_relations.account_manager_links(self._day(day)))

    def sort_keys(self, order: Sequence[OrderKey], aliases: dict[Table, str]) -> tuple[str, str]:
        """The (sort key, id) of a domain ordering over our table aliases: what the list is
        sorted on is the domain's (a missing start date sorts first, roles by lower case)."""
        adapter: ClauseAdapter | None = None
        for table, alias in aliases.items():
            step = ClauseAdapter(table.alias(alias))
            adapter = step if adapter is None else adapter.chain(step)
        assert adapter is not None and len(order) == 2
        key, pk = (self._render(adapter.traverse(getattr(k.column, "expression", k.column))) for k in order)
        return key, pk

    def internal_relations(self, include_ended: bool = False) -> str:
        """The internal relations the viewer may see (R1 on the party), in force today unless
        `include_ended`, as a party's or a user's list them (internal_relations.listed)."""
        flt = internal_relations.InternalRelationFilter(include_ended=include_ended)
        return self._render(internal_relations.listed(self.viewer, flt, self.today))

    def staff(self, include_inactive: bool) -> str:
        """The users the staff list shows (domain/users.staff)."""
        return self._render(users.staff(include_inactive))

    def customer_groups(self, include_inactive: bool, search: str | None) -> str:
        """The customer groups the root lists (domain/party_data/groups.listing)."""
        return self._render(groups.listing(include_inactive, search))

    def group_members(self, kind: str | None, include_archived: bool, include_inactive: bool) -> str:
        """Every group's members the viewer may see (R1; groups.members_listed)."""
        flt = groups.MemberFilter(
            kind=kind, include_archived=include_archived, include_inactive=include_inactive
        )
        return self._render(groups.members_listed(self.viewer, flt))

    def contact_means_order(self, alias: str) -> list[str]:
        """The order a party's contact means are listed in, for the row `alias`."""
        return [self._render(key) for key in contact_means.display_order(ContactMean.__table__.alias(alias))]

    def notes_listed(self, kinds: tuple[str, ...] | None) -> str:
        """SELECT of the notes a party's list shows the viewer (notes.listed: R1, the kinds
        it may read), of `kinds` (None: all of those); the notes' columns."""
        return self._render(notes.listed(self.viewer, kinds))

    def activities_listed(self, status: activities.Status | None, now: str) -> str:
        """SELECT of the activities a party's list shows the viewer (activities.listed: R1),
        of `status` at `now` (a bind parameter), with the activities' columns and `status_now`."""
        moment = literal_column(now, DateTime())
        listed = activities.listed(self.viewer, status, moment)
        return self._render(listed.add_columns(activities.status_sql(moment).label("status_now")))

    def timeline_items(self, party: str, kinds: tuple[str, ...], viewer_id: str) -> str:
        """SELECT (party_id, at, kind, id) of the timeline of the party row `party`
        (timeline.items: notes the viewer may read, activities, audit events it may read),
        the viewer's own id (R2 on documents' events) the bind parameter `viewer_id`."""
        viewer = dataclasses.replace(self.viewer, id=literal_column(viewer_id))  # type: ignore[arg-type]
        return self._render(timeline.items(viewer, [literal_column(f"{party}.id")], kinds))

    def changes_listed(self) -> str:
        """SELECT of the changes of the feed the viewer may read (feed_reads.listed)."""
        return self._render(feed_reads.listed(self.viewer))

    def relations_visible(self) -> str:
        """SELECT of the relations the viewer may see by id (relations.ends_visible: R1 on
        both ends), with the relations' columns."""
        return self._render(select(Relation).where(relations.ends_visible(self.viewer)))
