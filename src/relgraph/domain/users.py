"""Staff accounts and their API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id
from relgraph.db.models import ApiToken, InternalRelation, Permission, Role, User
from relgraph.db.pagination import OrderKey, Page, PageRequest, count, paginate
from relgraph.domain.validation import Checks
from relgraph.errors import Conflict, InvalidInput, NotFound
from relgraph.policy import Viewer, party_visible

__all__ = [
    "authenticate",
    "count_all",
    "create",
    "create_token",
    "get_by_email",
    "get_many",
    "hash_token",
    "list_page",
    "order_keys",
    "revoke_tokens",
    "viewer_of",
]

TOKEN_PREFIX = "rg_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def viewer_of(user: User) -> Viewer:
    """The policy's view of `user`."""
    return Viewer(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role(user.role),
        permissions=frozenset(Permission(p) for p in user.permissions),
        active=user.active,
    )


async def get_by_email(session: AsyncSession, *, email: str) -> User | None:
    """Return the user with `email` (case-insensitive), or None."""
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def get_many(session: AsyncSession, ids: Sequence[int]) -> list[User | None]:
    """Return the users with `ids`, aligned with `ids`."""
    return await by_id(session, User, ids)


def _customer_files(viewer: Viewer, today: dt.date) -> Any:
    """SQL: how many customer files (current internal relations) each user looks after.

    Files of persons hidden from `viewer` do not count (R1): a count must not betray them.
    """
    return (
        select(func.count(InternalRelation.id))
        .where(
            InternalRelation.user_id == User.id,
            InternalRelation.holds_on(today),
            party_visible(viewer, InternalRelation.party_id),
        )
        .correlate(User)
        .scalar_subquery()
    )


def order_keys(
    viewer: Viewer, field: str = "NAME", descending: bool = False, today: dt.date | None = None
) -> list[OrderKey]:
    """Sort keys for the staff list: by name, or by number of customer files."""
    if field == "CUSTOMER_FILES":
        files = _customer_files(viewer, today or dt.date.today())
        return [
            OrderKey(files, lambda row: row[1], descending),
            OrderKey(User.id, lambda row: row[0].id, descending),
        ]
    return [
        OrderKey(User.name, lambda row: row[0].name, descending),
        OrderKey(User.id, lambda row: row[0].id, descending),
    ]


async def list_page(
    session: AsyncSession,
    *,
    viewer: Viewer,
    order: list[OrderKey],
    page: PageRequest,
    include_inactive: bool,
    today: dt.date | None = None,
) -> Page[tuple[User, int]]:
    """One page of staff users, each with their number of current customer files."""
    stmt = select(User, _customer_files(viewer, today or dt.date.today()).label("customer_files"))
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return await paginate(session, stmt, order, page, scalars=False)


async def count_all(session: AsyncSession, *, include_inactive: bool) -> int:
    stmt = select(User)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return await count(session, stmt)


async def create(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: str,
    permissions: Iterable[str] = (),
    active: bool = True,
) -> User:
    """Create a staff account; the email must not be taken."""
    checks = Checks()
    clean_email = checks.email("email", email)
    if clean_email is None and not checks.errors:
        checks.fail("email", "This field is required.")
    clean_name = checks.text("name", name, max_length=200, required=True)
    if role.upper() not in Role.__members__:
        checks.fail("role", f"Unknown role {role!r}; one of {', '.join(Role)}.")
    unknown = [p for p in permissions if p.upper() not in Permission.__members__]
    if unknown:
        checks.fail("permissions", f"Unknown permission {unknown[0]!r}; one of {', '.join(Permission)}.")
    checks.raise_if_any()
    if await get_by_email(session, email=clean_email or ""):
        raise Conflict("email", f"A user with email {clean_email} already exists.")
    user = User(
        email=clean_email,
        name=clean_name,
        role=role.upper(),
        permissions=sorted({p.upper() for p in permissions}),
        active=active,
    )
    session.add(user)
    await session.flush()
    return user


async def _named(session: AsyncSession, email: str) -> User:
    user = await get_by_email(session, email=email)
    if user is None:
        raise NotFound("email", f"No user with email {email}.")
    return user


async def create_token(session: AsyncSession, *, email: str) -> str:
    """Create a token for the user with `email` and return it; only its hash is kept."""
    user = await _named(session, email)
    if not user.active:
        raise InvalidInput.at("email", f"User {email} is not active.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    await session.flush()
    return token


async def revoke_tokens(session: AsyncSession, *, email: str) -> int:
    """Revoke every live token of the user with `email`; return how many."""
    user = await _named(session, email)
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    # An UPDATE's result is a CursorResult; Session.execute is typed for any statement.
    return cast("CursorResult[Any]", result).rowcount or 0


async def authenticate(session: AsyncSession, *, token: str) -> Viewer | None:
    """Return the viewer `token` belongs to, or None for an unknown, revoked or inactive one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    row = (
        await session.execute(
            select(ApiToken.token_hash, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        )
    ).first()
    if row is None or not hmac.compare_digest(row[0], digest) or not row[1].active:
        return None
    return viewer_of(row[1])
