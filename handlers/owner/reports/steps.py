"""/report [daily|weekly|monthly|quarterly|settings], the 📄 PDF and 📊 Excel buttons and the
scheduled-report opt-in."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import reports as words
from bot.middlewares.permissions import BUSINESS
from handlers.owner.reports import keyboards, texts
from handlers.owner.reports.callbacks import ReportAction, ReportCB
from handlers.ui import MenuCB, MenuItem
from services import checkins, kpi, reports
from services.charts.report import render_report
from services.db.models import Business, User
from services.reports import ReportData, ReportKind
from services.reports.exports import export_workbook, render_report_pdf
from services.teams import Permission

router = Router(name="reports")
GENERATE = Permission.GENERATE_REPORTS


async def _png(data: ReportData, locale: str) -> bytes:
    image = words.report_image(data, locale)  # texts need this task's gettext context
    return await asyncio.to_thread(render_report, image)


async def send_report(message: Message, bot: Bot, session: AsyncSession, *,
                      business: Business, kind: ReportKind, locale: str) -> None:
    status = await message.answer(texts.preparing_text())
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        data = await reports.build_report(session, business_id=business.id, kind=kind)
        png = await _png(data, locale)
    with contextlib.suppress(TelegramBadRequest):
        await status.delete()
    caption, text = words.caption_and_text(data, locale)
    markup = words.report_keyboard(kind)
    await message.answer_photo(BufferedInputFile(png, filename=f"report_{kind.value}.png"),
                               caption=caption, reply_markup=None if text else markup)
    if text:
        await message.answer(text, reply_markup=markup)


async def _settings(session: AsyncSession, business: Business, user: User
                    ) -> tuple[str, InlineKeyboardMarkup]:
    enabled = await reports.is_opted_in(session, business_id=business.id, user_id=user.id)
    checkin = await checkins.is_opted_in(session, business_id=business.id, user_id=user.id)
    return (texts.settings_text(enabled=enabled, checkin=checkin),
            keyboards.opt_in_keyboard(enabled=enabled, checkin=checkin))


async def send_settings(message: Message, session: AsyncSession, *, business: Business,
                        user: User) -> None:
    text, markup = await _settings(session, business, user)
    await message.answer(text, reply_markup=markup)


@router.message(Command("report"), flags={"perm": BUSINESS})
async def cmd_report(message: Message, command: CommandObject, bot: Bot,
                     session: AsyncSession, business: Business, user: User,
                     locale: str) -> None:
    choice = texts.parse_args(command.args or "")
    if choice is None:
        await message.answer(texts.usage_text())
    elif choice == texts.SETTINGS:
        await send_settings(message, session, business=business, user=user)
    else:
        await send_report(message, bot, session, business=business,
                          kind=ReportKind(choice), locale=locale)


@router.callback_query(ReportCB.filter(F.action == ReportAction.PDF), flags={"perm": GENERATE})
async def on_pdf(callback: CallbackQuery, callback_data: ReportCB, bot: Bot,
                 session: AsyncSession, business: Business, locale: str) -> None:
    await callback.answer(_("Making the PDF…"))
    assert isinstance(callback.message, Message)
    chat_id = callback.message.chat.id
    async with ChatActionSender.upload_document(bot=bot, chat_id=chat_id):
        data = await reports.build_report(session, business_id=business.id,
                                          kind=callback_data.kind)
        png = await _png(data, locale)
        doc = words.report_pdf(data, locale, png)
        pdf = await asyncio.to_thread(render_report_pdf, doc)
    await callback.message.answer_document(
        BufferedInputFile(pdf, filename=words.filename(data.kind, data, "pdf")),
        caption=words.kind_title(data.kind))


@router.callback_query(ReportCB.filter(F.action == ReportAction.XLSX),
                       flags={"perm": GENERATE})
async def on_xlsx(callback: CallbackQuery, bot: Bot, session: AsyncSession,
                  business: Business) -> None:
    await callback.answer(_("Making the Excel workbook…"))
    assert isinstance(callback.message, Message)
    async with ChatActionSender.upload_document(bot=bot, chat_id=callback.message.chat.id):
        tz = await kpi.business_timezone(session, business_id=business.id)
        data, stats = await export_workbook(session, business_id=business.id, timezone=tz,
                                            labels=words.workbook_labels())
    await callback.message.answer_document(
        BufferedInputFile(data, filename=words.workbook_filename(business.name)),
        caption=_("Leads, customers, orders, spend and daily KPIs — {rows} rows.").format(
            rows=sum(stats.rows.values())))


@router.callback_query(ReportCB.filter(F.action.in_({ReportAction.OPT_IN,
                                                      ReportAction.OPT_OUT})),
                       flags={"perm": BUSINESS})
async def on_opt_in(callback: CallbackQuery, callback_data: ReportCB, session: AsyncSession,
                    business: Business, user: User) -> None:
    enabled = await reports.set_opt_in(session, business_id=business.id, user_id=user.id,
                                       enabled=callback_data.action is ReportAction.OPT_IN)
    await callback.answer(_("Scheduled reports on.") if enabled
                          else _("Scheduled reports off."))
    await _refresh_settings(callback, session, business, user)


async def _refresh_settings(callback: CallbackQuery, session: AsyncSession, business: Business,
                            user: User) -> None:
    assert isinstance(callback.message, Message)
    text, markup = await _settings(session, business, user)
    with contextlib.suppress(TelegramBadRequest):
        await callback.message.edit_text(text, reply_markup=markup)


@router.callback_query(ReportCB.filter(F.action.in_({ReportAction.CHECKIN_ON,
                                                      ReportAction.CHECKIN_OFF})),
                       flags={"perm": BUSINESS})
async def on_checkin_opt_in(callback: CallbackQuery, callback_data: ReportCB,
                            session: AsyncSession, business: Business, user: User) -> None:
    enabled = await checkins.set_opt_in(
        session, business_id=business.id, user_id=user.id,
        enabled=callback_data.action is ReportAction.CHECKIN_ON)
    await callback.answer(_("Weekly check-ins on.") if enabled else _("Weekly check-ins off."))
    await _refresh_settings(callback, session, business, user)


@router.callback_query(MenuCB.filter(F.item == MenuItem.REPORTS), flags={"perm": BUSINESS})
async def on_menu_reports(callback: CallbackQuery) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(texts.choose_text(),
                                      reply_markup=keyboards.choose_keyboard())


@router.callback_query(ReportCB.filter(F.action == ReportAction.SHOW), flags={"perm": BUSINESS})
async def on_show(callback: CallbackQuery, callback_data: ReportCB, bot: Bot,
                  session: AsyncSession, business: Business, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_report(callback.message, bot, session, business=business,
                      kind=callback_data.kind, locale=locale)


@router.callback_query(ReportCB.filter(F.action == ReportAction.SETTINGS),
                       flags={"perm": BUSINESS})
async def on_settings(callback: CallbackQuery, session: AsyncSession, business: Business,
                      user: User) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_settings(callback.message, session, business=business, user=user)
