"""The admin gate: only platform admins pass (others fall through to the ordinary "unknown
command" reply, so admin commands stay invisible), at most 30 admin actions a minute.

The limit is counted by the ``admin_limiter`` the composition root puts in the dispatcher's
data (Redis or the database, shared by every process; see ``services.ratelimit``); without
one, a per-process window is used."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from services.admin.accounts import is_admin
from services.db.models import User
from services.ratelimit import ADMIN_RATE, ADMIN_WINDOW, MemoryRateLimiter, RateLimiter


class IsPlatformAdmin(Filter):
    """The acting user is a platform admin (``ADMIN_IDS`` or an admin role)."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return is_admin(user)


class AdminRateLimit(BaseMiddleware):
    """At most ``rate`` admin handlers a minute per admin, over the handlers that matched."""

    def __init__(self, rate: int = ADMIN_RATE, window: float = ADMIN_WINDOW) -> None:
        self._fallback = MemoryRateLimiter(rate, window)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("user")
        limiter: RateLimiter = data.get("admin_limiter") or self._fallback
        if user is None or await limiter.hit(f"admin:{user.id}"):
            return await handler(event, data)
        text = _("🐢 Admin limit: at most {rate} admin actions a minute. Please wait a "
                 "moment.").format(rate=limiter.rate)
        if isinstance(event, Message):
            await event.answer(text)
        elif isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        return None
