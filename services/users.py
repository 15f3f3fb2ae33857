"""Users: Telegram is the identity; language, time zone and the current business live here."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from services import aggregates, audit
from services.db.base import Base, utcnow
from services.db.models import Business, Membership, User
from services.db.tracking import on_end
from services.errors import InvalidInput, NotFound
from services.validation import parse_timezone

_M = TypeVar("_M", bound=Base)
_Row = tuple[dict[str, Any], str | None, dict[str, Any] | None]
LANGUAGES = ("uz", "uz_Cyrl", "ru", "en")
DEFAULT_LANGUAGE = "uz"
DEFAULT_TIMEZONE = "Asia/Tashkent"
_SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class UserContext:
    """Who is acting: the user, their current business (if any) and their role in it."""

    user: User
    business: Business | None
    role: str | None


def guess_language(language_code: str | None) -> str:
    """Map Telegram's ``language_code`` to one of ours (uz by default)."""
    code = (language_code or "").lower()
    if code.startswith("ru"):
        return "ru"
    if code.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def _snapshot(obj: Base) -> dict[str, Any]:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(type(obj)).column_attrs}


def _revive(model: type[_M], columns: dict[str, Any], session: AsyncSession) -> _M:
    """A persistent instance in ``session`` rebuilt from a snapshot, without a query: the
    columns go straight into the instance dict, as SQLAlchemy's own loader does, so the
    object is clean (no pending changes) and costs no ``__init__``."""
    obj: _M = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(columns)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


class ActorCache:
    """Per-process snapshots of (user, role, current business) so a read-only update needs no
    database read. Every write through the application's sessions drops what it touched (see
    ``services.db.tracking``); entries also expire after ``ttl`` seconds, for writes made
    outside this process (a CLI, manual SQL). Server mode with several processes runs
    without it."""

    def __init__(self, size: int = 50_000, ttl: float = 60.0) -> None:
        self._rows: OrderedDict[int, tuple[float, _Row]] = OrderedDict()
        self._size = size
        self._ttl = ttl

    def get(self, user_id: int) -> _Row | None:
        entry = self._rows.get(user_id)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def put(self, ctx: UserContext) -> None:
        business = _snapshot(ctx.business) if ctx.business is not None else None
        self._rows[ctx.user.id] = (time.monotonic(), (_snapshot(ctx.user), ctx.role, business))
        self._rows.move_to_end(ctx.user.id)
        if len(self._rows) > self._size:
            self._rows.popitem(last=False)

    def on_change(self, session: Any, objects: list[Any], tables: set[str]) -> None:
        """Drop what a write touched, now and again when its transaction ends."""
        user_ids = {o.id for o in objects if isinstance(o, User)}
        wide = tables & {"users", "memberships", "businesses"} or any(
            isinstance(o, Business | Membership) for o in objects)

        def drop() -> None:
            if wide:
                self._rows.clear()
            for user_id in user_ids:
                self._rows.pop(user_id, None)

        if wide or user_ids:
            drop()
            on_end(session, drop)


async def load_actor(
    session: AsyncSession,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    admin_ids: frozenset[int] = frozenset(),
    cache: ActorCache | None = None,
) -> tuple[UserContext, bool]:
    """The per-update lookup of user, current business and role: from ``cache`` when it has
    them, else one joined query; the slower paths only for new users or a stale business."""
    touch = partial(touch_user, session, user_id=user_id, first_name=first_name,
                    last_name=last_name, username=username, admin_ids=admin_ids)
    cached = cache.get(user_id) if cache is not None else None
    if cached is not None:
        user_columns, role, business_columns = cached
        user, created = await touch(user=_revive(User, user_columns, session))
        business = (_revive(Business, business_columns, session)
                    if business_columns is not None else None)
        return UserContext(user=user, business=business, role=role), created
    row = (
        await session.execute(
            select(User, Membership.role, Business)
            .outerjoin(Membership, (Membership.user_id == User.id)
                       & (Membership.business_id == User.current_business_id))
            .outerjoin(Business, Business.id == Membership.business_id)
            .where(User.id == user_id)
        )
    ).first()
    user, created = await touch(user=row[0] if row else None)
    if row is not None and row[1] is not None:
        ctx = UserContext(user=user, business=row[2], role=row[1])
    else:
        ctx = await load_context(session, user=user)
    if cache is not None and not (created or session.dirty or session.new):
        cache.put(ctx)
    return ctx, created


async def touch_user(
    session: AsyncSession,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    admin_ids: frozenset[int] = frozenset(),
    user: User | None = None,
) -> tuple[User, bool]:
    """Load (unless given) or create the user, refreshing names; returns (user, created)."""
    if user is None:
        user = await session.get(User, user_id)
    created = user is None
    now = utcnow()
    if user is None:
        # Column defaults only apply at flush; set them now so the checks below see them.
        user = User(id=user_id, first_name=first_name[:128], last_name=last_name,
                    username=username, timezone=DEFAULT_TIMEZONE, status="active",
                    platform_role="user", created_at=now, last_seen_at=now)
        session.add(user)
        await audit.record(session, action="user.created", user_id=user_id)
    else:
        if (user.first_name, user.last_name, user.username) != (first_name[:128], last_name,
                                                                  username):
            user.first_name, user.last_name, user.username = first_name[:128], last_name, username
        if now - user.last_seen_at > _SEEN_RESOLUTION:
            user.last_seen_at = now
    if user_id in admin_ids and user.platform_role == "user":
        user.platform_role = "super_admin"
    return user, created


async def load_context(session: AsyncSession, *, user: User) -> UserContext:
    """The current business and role; falls back to any business the user belongs to."""
    membership: Membership | None = None
    if user.current_business_id is not None:
        membership = await session.scalar(
            select(Membership).where(
                Membership.user_id == user.id,
                Membership.business_id == user.current_business_id,
            )
        )
    if membership is None:
        membership = await session.scalar(
            select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
            .limit(1)
        )
        new_current = membership.business_id if membership else None
        if user.current_business_id != new_current:
            user.current_business_id = new_current
    if membership is None:
        return UserContext(user=user, business=None, role=None)
    return UserContext(user=user, business=membership.business, role=membership.role)


async def set_language(session: AsyncSession, *, user_id: int, language: str) -> None:
    """Set the interface language (one of ``LANGUAGES``)."""
    if language not in LANGUAGES:
        raise InvalidInput(field="language", reason="choice")
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(entity="user", id=user_id)
    user.language = language


async def set_timezone(session: AsyncSession, *, user_id: int, value: str) -> str:
    """Set the user's time zone from a name or offset; returns the stored IANA name."""
    name = parse_timezone(value)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(entity="user", id=user_id)
    user.timezone = name
    aggregates.forget_timezones(session)  # the businesses' reporting zone may follow this one
    return name
