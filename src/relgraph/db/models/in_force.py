"""When a membership, relation, internal relation or parent period is in force: one rule, asked
by every path.

A link is in force on a day when that day lies in [start, end] (a missing date is
unbounded) and it was not deleted. "Active" is that rule for today: lists, counts, the
neighbourhood, exports and the `active` fields ask it here, so that a link whose end date
has passed reads as inactive everywhere without a job flipping a flag, and one that
starts tomorrow is not active yet. Each function takes the day (default today), so that
a list as of another day asks the same rule. `in_force_on` is that rule over any table,
alias or mapped class of such links: what a query builder that knows only the table asks.

Memberships and relations also store a flag, `active`, that is false once the link was
ended by hand (deactivateMembership, updateRelation with active false). Ending by hand
takes effect at once: from today on such a link is in force on no day, whatever its end
date says (deactivating with the default end date, today, ends it now); the days before
today follow its dates, so its history stays. Internal relations have dates only.

The flag also gives a link its place in a partial unique index ("one active membership
per person, organisation and role", "one active relation of a type per pair"), which
cannot read the date. A lapsed link (flag still set, end date passed) keeps that place
until a write wants it; the write first clears the flag of such links (`lapsed`). That
changes no answer of the rule on any day: their last day lies before today.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.sql.visitors import InternalTraversal

__all__ = [
    "DatedLink",
    "EndedByHand",
    "NotAnIndexKey",
    "dates_hold",
    "dates_hold_sql",
    "flag_for",
    "has_ended",
    "holds_on",
    "holds_on_sql",
    "in_force_on",
    "lapsed_sql",
    "not_ended_sql",
]


class DatedLink(Protocol):
    """A membership or relation: an ORM row, a plain row or a state with these attributes."""

    @property
    def start_date(self) -> dt.date | None: ...
    @property
    def end_date(self) -> dt.date | None: ...
    @property
    def active(self) -> bool: ...


def dates_hold(start: dt.date | None, end: dt.date | None, day: dt.date | None = None) -> bool:
    """Python: `day` (default today) lies in [start, end], a missing date being unbounded."""
    day = day or dt.date.today()
    return (start is None or start <= day) and (end is None or end >= day)


def dates_hold_sql(start: Any, end: Any, day: Any = None) -> ColumnElement[bool]:
    """SQL of dates_hold; `day` a date (default today) or a SQL expression of one (a day
    known only when the statement runs, such as a compiled read's bind parameter)."""
    day = dt.date.today() if day is None else day
    return and_(or_(start.is_(None), start <= day), or_(end.is_(None), end >= day))


def holds_on(link: DatedLink, day: dt.date | None = None) -> bool:
    """Python: membership or relation `link` is in force on `day` (default today)."""
    today = dt.date.today()
    day = day or today
    if not link.active and day >= today:
        return False
    return dates_hold(link.start_date, link.end_date, day)


def has_ended(link: DatedLink) -> bool:
    """Python: ended by hand, or its end date has passed (not merely not begun yet)."""
    return not link.active or (link.end_date is not None and link.end_date < dt.date.today())


def flag_for(active: bool, start: dt.date | None, end: dt.date | None) -> bool:
    """The stored flag of a link read back from `active` as holds_on answered it today (an
    export): one that starts after today was not ended by hand; one whose end date has
    passed needs no place in the unique index."""
    today = dt.date.today()
    return (active or (start is not None and start > today)) and (end is None or end >= today)


def holds_on_sql(start: Any, end: Any, flag: Any, day: Any = None) -> ColumnElement[bool]:
    """SQL of holds_on over the columns given (so that aliases can ask it too); `day` as
    for dates_hold_sql."""
    today = dt.date.today()
    day = today if day is None else day
    dates = dates_hold_sql(start, end, day)
    # The flag is a plain column beside the dates: the card's lists stay an index lookup
    # by organisation or person, then a filter.
    if isinstance(day, dt.date):
        return dates if day < today else and_(flag.is_(True), dates)
    # A day the statement learns when it runs: the same choice, made by the database.
    return and_(dates, or_(day < today, flag.is_(True)))


def in_force_on(links: Any, day: Any = None) -> ColumnElement[bool]:
    """SQL: a row of `links` is in force on `day` (default today; or a SQL expression of a
    day, as for dates_hold_sql).

    `links` is the table, an alias or the mapped class of memberships or relations (dates
    and the ended-by-hand flag), internal relations (since, until) or parent periods
    (valid_from, valid_to).
    """
    columns = getattr(links, "c", links)
    if hasattr(columns, "valid_from"):
        return dates_hold_sql(columns.valid_from, columns.valid_to, day)
    if hasattr(columns, "since"):
        return dates_hold_sql(columns.since, columns.until, day)
    return holds_on_sql(columns.start_date, columns.end_date, columns.active, day)


def not_ended_sql(end: Any, flag: Any) -> ColumnElement[bool]:
    """SQL of `not has_ended`: the links that need their place in the unique index."""
    return and_(flag.is_(True), or_(end.is_(None), end >= dt.date.today()))


def lapsed_sql(end: Any, flag: Any) -> ColumnElement[bool]:
    """SQL: the flag still holds a place in the unique index, but the end date has passed."""
    return and_(flag.is_(True), end < dt.date.today())


class EndedByHand:
    """The rule on a mapped class with start_date, end_date and active (Membership, Relation):
    `Model.holds_on(day)` is SQL, `row.holds_on(day)` Python."""

    if TYPE_CHECKING:
        start_date: Any
        end_date: Any
        active: Any

    @hybrid_method
    def holds_on(self, day: dt.date | None = None) -> bool:
        """In force on `day` (default today); see the module's docstring."""
        return holds_on(self, day)

    # A hybrid_method's expression() sets it in place (mypy mistypes its `inplace`).
    @holds_on.expression
    @classmethod
    def _holds_on_sql(cls, day: dt.date | None = None) -> ColumnElement[bool]:
        return holds_on_sql(cls.start_date, cls.end_date, cls.active, day)

    @classmethod
    def not_ended(cls) -> ColumnElement[bool]:
        """SQL: not ended by hand, end date not passed (begun or not)."""
        return not_ended_sql(cls.end_date, cls.active)

    @classmethod
    def lapsed(cls) -> ColumnElement[bool]:
        """SQL: lapsed (see the module's docstring)."""
        return lapsed_sql(cls.end_date, cls.active)


class NotAnIndexKey(ColumnElement[Any]):
    """A column whose conditions SQLite must not answer from an index (written `+column`,
    its value unchanged; elsewhere the plain column).

    Without statistics (relgraph never runs ANALYZE on SQLite) SQLite may read a link's
    dates as index keys: memberships touching a set of parties given as a subquery, with
    "(start IS NULL OR start <= day)" beside them, were read by scanning the whole covering
    index ix_memberships_by_organisation once per date term (0.3 s on the large bench data,
    against 0.25 ms looked up by organisation).
    """

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any) -> None:
        self.column = column
        self.type = column.type


@compiles(NotAnIndexKey)
def _plain_column(element: NotAnIndexKey, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(NotAnIndexKey, "sqlite")
def _no_index_on_sqlite(element: NotAnIndexKey, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.column, **kw)}"
