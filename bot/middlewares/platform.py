"""Platform settings on the update path: maintenance mode and closed registration.

Runs after the user, locale and access middlewares. During maintenance every message and
button press of anyone but platform admins gets one short localized notice; payments still
go through (a pre-checkout query must be answered and a successful payment applied whatever
the platform is doing), and so do service updates such as a user blocking the bot. With
registration closed, a Telegram user the platform has never seen is turned away politely and
nothing is stored for them; a valid team invite link still works, since a business asked for
that person (a made-up one does not).
The settings come from a per-process snapshot, so this costs no query once warm.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from services.admin.accounts import is_admin
from services.db.models import User
from services.platform_settings import SettingsCache, invite_open

INVITE_PREFIX = "/start inv_"


def _is_payment(update: Update) -> bool:
    return update.pre_checkout_query is not None or (
        update.message is not None and update.message.successful_payment is not None)


async def _tell(update: Update, text: str) -> None:
    if update.message is not None:
        await update.message.answer(text, parse_mode=None)
    elif update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)


class PlatformMiddleware(BaseMiddleware):
    def __init__(self, cache: SettingsCache) -> None:
        self._cache = cache

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("user")
        session: AsyncSession | None = data.get("session")
        if user is None or session is None or not isinstance(event, Update):
            return await handler(event, data)
        current = await self._cache.get(session)
        if (current.maintenance or not current.registration_open) and (
                is_admin(user) or _is_payment(event)):
            return await handler(event, data)
        if data.get("user_created") and not current.registration_open:
            text = (event.message.text if event.message is not None else None) or ""
            token = text[len(INVITE_PREFIX):].strip() if text.startswith(INVITE_PREFIX) else ""
            if not token or not await invite_open(session, token=token):
                await session.rollback()  # keep nothing of a refused newcomer
                await _tell(event, _("🔒 Registration is closed for now. Please try again "
                                     "later — we will be glad to see you."))
                return None
        if current.maintenance and (event.message is not None
                                    or event.callback_query is not None):
            await _tell(event, _("🛠 BiznesPilot is under maintenance. We will be back "
                                 "shortly — thank you for your patience."))
            return None
        return await handler(event, data)
