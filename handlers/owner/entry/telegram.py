"""The owner's own Telegram channel: making the bot an admin registers it (``my_chat_member``
from the channel, ``from`` = the user who did it, for their current business); removing the
bot's admin rights pauses it. Members are read hourly by a scheduler job."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.types import ChatMemberUpdated
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import PUBLIC
from handlers.errors import describe
from handlers.owner.entry.texts import limit_note
from handlers.ui import h
from services import marketing, plans
from services.db.models import Business
from services.errors import DomainError, PermissionDenied
from services.teams import Permission, has_permission

log = logging.getLogger(__name__)
router = Router(name="entry.telegram")
ADMIN = {"administrator", "creator"}
EDIT = Permission.MANAGE_INTEGRATIONS


async def _tell(bot: Bot, user_id: int, text: str) -> None:
    try:
        await bot.send_message(user_id, text)
    except Exception:  # the owner never opened the bot or blocked it: nothing to tell
        log.info("could not tell user %s about their channel", user_id)


# PUBLIC: the permission middleware answers in the chat of a message or button, and this
# update has neither; the handler checks MANAGE_INTEGRATIONS itself and explains in private.
@router.my_chat_member(F.chat.type == "channel", flags={"perm": PUBLIC})
async def on_channel_membership(event: ChatMemberUpdated, bot: Bot, session: AsyncSession,
                                business: Business | None, role: str | None,
                                locale: str) -> None:
    was_admin = event.old_chat_member.status in ADMIN
    is_admin = event.new_chat_member.status in ADMIN
    user_id = event.from_user.id
    title = event.chat.title or str(event.chat.id)
    if is_admin and not was_admin:
        if business is None:
            await _tell(bot, user_id, _("Send /start to set up your business first, then add "
                                        "me to the channel again."))
            return
        if not has_permission(role, EDIT):
            await _tell(bot, user_id, describe(
                _denied(role)) + "\n" + _("The channel “{title}” was not connected.").format(
                title=h(title)))
            return
        try:
            await plans.require_writable(session, business_id=business.id)
            added = await marketing.register_telegram_channel(
                session, business_id=business.id, chat_id=event.chat.id, title=title)
        except DomainError as exc:
            await _tell(bot, user_id, describe(exc))
            return
        lines = [_("✈️ Channel “{title}” connected to {business}. I will read its members "
                   "every hour; /channels lists it.").format(title=h(title),
                                                             business=h(business.name))]
        warning = limit_note(added.limit, locale)
        if warning:
            lines.append(warning)
        await _tell(bot, user_id, "\n".join(lines))
    elif was_admin and not is_admin:
        businesses = await marketing.unregister_telegram_channel(session, chat_id=event.chat.id)
        if businesses:
            await _tell(bot, user_id, _("⏸ I am no longer an admin of “{title}”, so it is "
                                        "paused in /channels. Its history stays.").format(
                title=h(title)))


def _denied(role: str | None) -> DomainError:
    return PermissionDenied(permission=EDIT.value, role=str(role))
