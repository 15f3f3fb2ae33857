"""Suspended and banned users get one short notice and reach no handler.

Runs after the locale middleware so the notice is in the user's language; a suspension whose
time is up is lifted here, on the user's next update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.utils.i18n import gettext as _

from bot.formatting import moment
from services.admin.accounts import Status, access_status
from services.db.models import User


def notice(user: User, locale: str) -> str:
    if user.status == Status.BANNED:
        return _("⛔ Your account is blocked. BiznesPilot is not available to you.")
    lines = [_("⏸ Your account is suspended until {until}.").format(
        until=moment(user.suspended_until, locale, user.timezone or "Asia/Tashkent")
        if user.suspended_until else "—")]
    if user.suspend_reason:
        lines.append(_("Reason: {reason}").format(reason=user.suspend_reason))
    return "\n".join(lines)


class AccessMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("user")
        if user is None or access_status(user) is Status.ACTIVE:
            return await handler(event, data)
        assert isinstance(event, Update)
        text = notice(user, data.get("locale") or "uz")
        if event.message is not None:
            await event.message.answer(text, parse_mode=None)
        elif event.callback_query is not None:
            await event.callback_query.answer(text[:200], show_alert=True)
        return None
