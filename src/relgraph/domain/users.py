"""Staff accounts and their API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Select, bindparam, func, select
from sqlalchemy import update as update_rows
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.batches import by_id
from relgraph.db.models import ApiToken, InternalRelation, Permission, Role, User
from relgraph.db.pagination import OrderKey, Page, PageRequest, count, paginate
from relgraph.domain.validation import Checks
from relgraph.domain.writes import AuditedRows
from relgraph.errors import Conflict, InvalidInput, NotFound
from relgraph.policy import Viewer, party_visible

__all__ = [
    "authenticate",
    "count_all",
    "create",
    "create_token",
    "deactivate",
    "get",
    "get_by_email",
    "get_many",
    "hash_token",
    "list_page",
    "order_keys",
    "revoke_tokens",
    "staff",
    "update",
    "viewer_of",
]

TOKEN_PREFIX = "rg_"

# Staff accounts are on no party's trail; their events name the account.
_USERS = AuditedRows(
    User,
    ["email", "name", "role", "permissions", "active"],
    "user",
    unique=("email", "A user with this email already exists."),
    party=None,
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def viewer_of(user: User | Row[Any]) -> Viewer:
    """The policy's view of `user` (a User, or a row of its columns)."""
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
    stmt = staff(include_inactive).add_columns(
        _customer_files(viewer, today or dt.date.today()).label("customer_files")
    )
    return await paginate(session, stmt, order, page, scalars=False)


def staff(include_inactive: bool) -> Select[User]:
    """The staff list's users: the active ones unless `include_inactive`. Compiled reads
    (graphql/compiled/users.py) render it."""
    stmt = select(User)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return stmt


async def count_all(session: AsyncSession, *, include_inactive: bool) -> int:
    return await count(session, staff(include_inactive))


def _clean_role(checks: Checks, role: str) -> str:
    if role.upper() not in Role.__members__:
        checks.fail("role", f"Unknown role {role!r}; one of {', '.join(Role)}.")
    return role.upper()


def _clean_permissions(checks: Checks, permissions: Iterable[str]) -> list[str]:
    permissions = list(permissions)
    unknown = [p for p in permissions if p.upper() not in Permission.__members__]
    if unknown:
        checks.fail("permissions", f"Unknown permission {unknown[0]!r}; one of {', '.join(Permission)}.")
    return sorted({p.upper() for p in permissions})


async def create(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: str,
    permissions: Iterable[str] = (),
    active: bool = True,
    actor: Viewer | None = None,
) -> User:
    """Create a staff account; the email must not be taken. No actor: the CLI's doing."""
    checks = Checks()
    clean_email = checks.email("email", email)
    if clean_email is None and not checks.errors:
        checks.fail("email", "This field is required.")
    clean_name = checks.text("name", name, max_length=200, required=True)
    clean_role = _clean_role(checks, role)
    clean_permissions = _clean_permissions(checks, permissions)
    checks.raise_if_any()
    if await get_by_email(session, email=clean_email or ""):
        raise Conflict("email", f"A user with email {clean_email} already exists.")
    user = User(
        email=clean_email, name=clean_name, role=clean_role, permissions=clean_permissions, active=active
    )
    return await _USERS.add(session, actor, user)


async def get(session: AsyncSession, *, id: int, field: str = "userId") -> User:
    """Return the user `id` to change it; NotFound at `field` when there is none."""
    user = await session.get(User, id, populate_existing=True)
    if user is None:
        raise NotFound(field, "No user with this id.")
    return user


async def _named(session: AsyncSession, email: str) -> User:
    user = await get_by_email(session, email=email)
    if user is None:
        raise NotFound("email", f"No user with email {email}.")
    return user


def _is_active_admin(role: str, active: bool) -> bool:
    return active and role == Role.ADMIN


async def _keep_an_admin(session: AsyncSession, user: User, field: str) -> None:
    """Refuse to leave the system without an active ADMIN: nobody could manage staff any more.

    The active ADMINs are locked first (PostgreSQL; SQLite serialises writers), so two
    ADMINs demoting each other at the same moment cannot both succeed.
    """
    admins = await session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )
    if not [i for i in admins if i != user.id]:
        raise Conflict(
            field,
            f"{user.email} is the last active ADMIN; make another user an active ADMIN first.",
        )


async def update(session: AsyncSession, *, actor: Viewer | None, id: int, data: Mapping[str, Any]) -> User:
    """Change a staff account's name, role, permissions or active flag (the keys of `data`).

    Deactivating revokes the user's tokens. The last active ADMIN stays one.
    """
    checks = Checks()
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = checks.text("name", data["name"], max_length=200, required=True)
    if "role" in data:
        values["role"] = _clean_role(checks, str(data["role"] or ""))
    if "permissions" in data:
        values["permissions"] = _clean_permissions(checks, data["permissions"] or ())
    if "active" in data:
        if data["active"] is None:
            checks.fail("active", "Send true or false.")
        values["active"] = bool(data["active"])
    checks.raise_if_any()
    user = await get(session, id=id, field="id")
    if _is_active_admin(user.role, user.active) and not _is_active_admin(
        values.get("role", user.role), values.get("active", user.active)
    ):
        await _keep_an_admin(
            session, user, "role" if values.get("role", user.role) != Role.ADMIN else "active"
        )
    before = _USERS.snapshot(user)
    for name, value in values.items():
        setattr(user, name, value)
    await _USERS.save(session, actor, user, before, only_if_changed=True)
    if before["active"] and not user.active:
        await _revoke(session, actor, user, reason="deactivated")
    return user


async def deactivate(session: AsyncSession, *, actor: Viewer | None, id: int) -> User:
    """Deactivate a staff account: it can no longer sign in, its tokens are revoked; it stays
    account manager where it is one."""
    return await update(session, actor=actor, id=id, data={"active": False})


async def create_token(
    session: AsyncSession, *, email: str | None = None, id: int | None = None, actor: Viewer | None = None
) -> str:
    """Create a token for the user with `email` (or `id`) and return it; only its hash is kept."""
    user = await get(session, id=id) if id is not None else await _named(session, email or "")
    if not user.active:
        field = "userId" if id is not None else "email"
        raise InvalidInput.at(field, f"User {user.email} is not active.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token))
    session.add(row)
    await session.flush()
    # The event says a token was made, never the token nor its hash.
    _USERS.record(session, actor, user, "CREATE_TOKEN", {"token": {"before": None, "after": row.id}})
    return token


async def revoke_tokens(
    session: AsyncSession, *, email: str | None = None, id: int | None = None, actor: Viewer | None = None
) -> int:
    """Revoke every live token of the user with `email` (or `id`), at once; return how many."""
    user = await get(session, id=id) if id is not None else await _named(session, email or "")
    return await _revoke(session, actor, user)


async def _revoke(
    session: AsyncSession, actor: Viewer | None, user: User, *, reason: str | None = None
) -> int:
    result = await session.execute(
        update_rows(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    # An UPDATE's result is a CursorResult; Session.execute is typed for any statement.
    revoked = cast("CursorResult[Any]", result).rowcount or 0
    if revoked:
        changes = {"live_tokens": {"before": revoked, "after": 0}}
        _USERS.record(session, actor, user, "REVOKE_TOKENS", changes, reason=reason)
    return revoked


def _token_owner() -> Select[Any]:
    # Built once, of table columns (no ORM entity): every request authenticates, and building
    # the statement and loading a User object per request made it 0.4 ms of Python, not 0.12.
    tokens, owners = ApiToken.__table__.c, User.__table__.c
    return (
        select(
            tokens.token_hash,
            owners.id,
            owners.email,
            owners.name,
            owners.role,
            owners.permissions,
            owners.active,
        )
        .join_from(ApiToken.__table__, User.__table__, owners.id == tokens.user_id)
        .where(tokens.token_hash == bindparam("digest"), tokens.revoked_at.is_(None))
    )


_TOKEN_OWNER = _token_owner()


async def authenticate(session: AsyncSession, *, token: str) -> Viewer | None:
    """Return the viewer `token` belongs to, or None for an unknown, revoked or inactive one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    row = (await session.execute(_TOKEN_OWNER, {"digest": digest})).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or not row.active:
        return None
    return viewer_of(row)
