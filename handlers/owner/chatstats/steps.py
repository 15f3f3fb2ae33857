"""/chatstats [7|30|90], /conversation <id> and their CSV / Excel export buttons. Exports
re-check the conversation against the current business (callback data is never trusted)."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.owner.chatstats import keyboards, texts
from handlers.owner.chatstats.callbacks import ChatStatsAction, ChatStatsCB
from services.charts.salesbot import render_chat_stats
from services.db.base import utcnow
from services.db.models import Business
from services.kpi import business_timezone
from services.salesbot import export, stats
from services.salesbot.stats import PERIODS
from services.teams import Permission

router = Router(name="chatstats")
VIEW = Permission.VIEW_ANALYTICS
EXPORT = Permission.MANAGE_CHATBOT  # transcripts hold customers' personal data


@router.message(Command("chatstats"), flags={"perm": VIEW})
async def cmd_chatstats(message: Message, command: CommandObject, bot: Bot,
                        session: AsyncSession, business: Business, locale: str) -> None:
    parsed = texts.parse_args(command.args)
    if parsed is None:
        await message.answer(texts.usage_text())
        return
    days, username = parsed
    bot_id = None
    if username is not None:
        bot_id, username = await stats.find_bot(session, business_id=business.id,
                                                username=username)
    await send_stats(message, bot, session, business=business, locale=locale, days=days,
                     bot_id=bot_id, username=username)


@router.callback_query(ChatStatsCB.filter(F.action == ChatStatsAction.SHOW),
                       flags={"perm": VIEW})
async def on_show(callback: CallbackQuery, callback_data: ChatStatsCB, bot: Bot,
                  session: AsyncSession, business: Business, locale: str) -> None:
    await callback.answer()
    days = callback_data.days if callback_data.days in PERIODS else texts.DEFAULT_DAYS
    if isinstance(callback.message, Message):
        await send_stats(callback.message, bot, session, business=business, locale=locale,
                         days=days, bot_id=None, username=None)


async def send_stats(message: Message, bot: Bot, session: AsyncSession, *, business: Business,
                     locale: str, days: int, bot_id: int | None, username: str | None) -> None:
    """The stats image with its caption and export buttons, with a status while it renders."""
    status = await message.answer(texts.preparing_text())
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        figures = await stats.chat_stats(session, business_id=business.id, days=days,
                                         bot_id=bot_id)
        image = texts.image(figures, business.name, locale, username)  # this task's locale
        png = await asyncio.to_thread(render_chat_stats, image)
    with contextlib.suppress(TelegramBadRequest):
        await status.delete()
    await message.answer_photo(BufferedInputFile(png, filename=f"chatstats_{days}.png"),
                               caption=texts.caption(figures, business.name, locale, username),
                               reply_markup=keyboards.stats_keyboard(days, bot_id or 0))


@router.message(Command("conversation"), flags={"perm": EXPORT})
async def cmd_conversation(message: Message, command: CommandObject, session: AsyncSession,
                           business: Business, locale: str) -> None:
    raw = (command.args or "").strip().lstrip("#")
    if not raw.isdigit():
        recent = await export.recent_conversations(session, business_id=business.id)
        await message.answer(texts.conversation_usage(recent))
        return
    view = await export.conversation(session, business_id=business.id,
                                     conversation_id=int(raw))
    timezone = await business_timezone(session, business_id=business.id)
    await message.answer(texts.conversation_text(view, locale, timezone),
                         reply_markup=keyboards.conversation_keyboard(view.id))


@router.callback_query(ChatStatsCB.filter(F.action.in_({ChatStatsAction.EXPORT_ALL,
                                                         ChatStatsAction.EXPORT_ONE})),
                       flags={"perm": EXPORT})
async def on_export(callback: CallbackQuery, callback_data: ChatStatsCB, bot: Bot,
                    session: AsyncSession, business: Business, locale: str) -> None:
    one = callback_data.action is ChatStatsAction.EXPORT_ONE
    days = callback_data.days if callback_data.days in stats.PERIODS else texts.DEFAULT_DAYS
    if one:  # before answering: a refusal must reach the user as the callback's answer
        await export.require_conversation(session, business_id=business.id,
                                          conversation_id=callback_data.conversation_id)
    await callback.answer(_("Making the file…"))
    assert isinstance(callback.message, Message)
    async with ChatActionSender.upload_document(bot=bot, chat_id=callback.message.chat.id):
        timezone = await business_timezone(session, business_id=business.id)
        start = end = None
        if not one:
            start, end = stats.period_bounds(days, timezone, utcnow())
        result = await export.export(
            session, business_id=business.id, timezone=timezone, labels=texts.export_labels(),
            fmt=callback_data.fmt, start=start, end=end, bot_id=callback_data.bot_id or None,
            conversation_id=callback_data.conversation_id if one else None)
    name = texts.export_filename(ext=callback_data.fmt.value, days=0 if one else days,
                                 conversation_id=callback_data.conversation_id if one else 0)
    await callback.message.answer_document(
        BufferedInputFile(result.data, filename=name),
        caption=texts.export_caption(result.rows, result.conversations, locale))
