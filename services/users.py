"""Users: Telegram is the identity; language, time zone and the current business live here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.db.base import utcnow
from services.db.models import Business, Membership, User
from services.errors import InvalidInput, NotFound
from services.validation import parse_timezone

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


async def load_actor(
    session: AsyncSession,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    admin_ids: frozenset[int] = frozenset(),
) -> tuple[UserContext, bool]:
    """The per-update lookup: user, current business and role in one query on the hot path;
    falls back to the slower paths only for new users or a stale current business."""
    row = (
        await session.execute(
            select(User, Membership.role, Business)
            .outerjoin(Membership, (Membership.user_id == User.id)
                       & (Membership.business_id == User.current_business_id))
            .outerjoin(Business, Business.id == Membership.business_id)
            .where(User.id == user_id)
        )
    ).first()
    user, created = await touch_user(session, user_id=user_id, first_name=first_name,
                                     last_name=last_name, username=username,
                                     admin_ids=admin_ids, user=row[0] if row else None)
    if row is None or row[1] is None:
        return await load_context(session, user=user), created
    return UserContext(user=user, business=row[2], role=row[1]), created


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
    return name
