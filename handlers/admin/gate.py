"""The admin gate: only platform admins pass (others fall through to the ordinary "unknown
command" reply, so admin commands stay invisible), at most 30 admin actions a minute."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from services.admin.accounts import is_admin
from services.db.models import User

ADMIN_RATE = 30  # SPEC §7: admin 30/min
ADMIN_WINDOW = 60.0


class IsPlatformAdmin(Filter):
    """The acting user is a platform admin (``ADMIN_IDS`` or an admin role)."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return is_admin(user)


class AdminRateLimit(BaseMiddleware):
    """A sliding window per admin over the admin handlers that matched."""

    def __init__(self, rate: int = ADMIN_RATE, window: float = ADMIN_WINDOW) -> None:
        self._rate = rate
        self._window = window
        self._hits: dict[int, deque[float]] = {}

    def allow(self, user_id: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self._window:
            hits.popleft()
        if len(hits) >= self._rate:
            return False
        hits.append(now)
        return True

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("user")
        if user is None or self.allow(user.id):
            return await handler(event, data)
        text = _("🐢 Admin limit: at most {rate} admin actions a minute. Please wait a "
                 "moment.").format(rate=self._rate)
        if isinstance(event, Message):
            await event.answer(text)
        elif isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        return None
