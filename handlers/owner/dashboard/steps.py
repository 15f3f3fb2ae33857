"""/dashboard, /kpi and /assumptions: the image with a short summary, one KPI in detail, and
the CLV assumptions (typed one at a time)."""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import babel_locale, channel_name, money
from bot.kpi_texts import change_text, change_tone, trend, value_text
from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.owner.dashboard import keyboards, texts
from handlers.owner.dashboard.callbacks import DashAction, DashboardCB
from handlers.owner.dashboard.states import AssumptionsSG
from handlers.owner.integrations.notice import sync_notes
from handlers.ui import MenuCB, MenuItem, NavCB, done_with
from services import insights, kpi
from services.charts.dashboard import Bar, CardSpec, render_dashboard, render_kpi
from services.db.models import Business
from services.errors import InvalidInput
from services.kpi import ASSUMPTION_FIELDS, Dashboard, KpiName, KpiResult, Period, PeriodKind
from services.teams import Permission, has_permission

router = Router(name="dashboard")
steps = Router(name="dashboard.steps")
steps.message.filter(StateFilter(AssumptionsSG))
steps.callback_query.filter(StateFilter(AssumptionsSG))
router.include_router(steps)

EDIT = Permission.MANAGE_PROFILE
NOT_COMMAND = ~F.text.startswith("/")
DASHBOARD_CARDS = (KpiName.REVENUE, KpiName.LEADS, KpiName.CAC, KpiName.ROI)
TOP_INSIGHTS = 3


class AssumptionDraft(BaseModel):
    field: str | None = None


DRAFT = DraftSlot("assumptions", AssumptionDraft)


def _day_labels(period: Period) -> list[str]:
    return [d.strftime("%d.%m") for d in period.day_list()]


def _dashboard_png(board: Dashboard, business: Business, locale: str) -> bytes:
    cards = [CardSpec(label=labels.kpi_name(name) if name is not KpiName.CAC else "CAC",
                      value=value_text(name, board.cards[name].value, locale),
                      change=change_text(board.cards[name].change, locale),
                      trend=trend(board.cards[name].change),
                      tone=change_tone(name, board.cards[name].change))
             for name in DASHBOARD_CARDS]
    funnel = [Bar(labels.funnel_stage(s.stage.value), s.reached,
                  f"{s.reached}" + ("" if s.conversion is None or s.stage.value == "awareness"
                                    else f" · {round(s.conversion)}% / {round(s.target)}%"))
              for s in board.funnel]
    channels = [Bar(channel_name(c.name) if c.name else _("Not attributed"), c.revenue,
                    money(c.revenue, locale))
                for c in board.channels[:6]]
    goal_bars = [Bar(g.title[:22], g.percent, f"{g.percent}%") for g in board.goals[:5]]
    return render_dashboard(
        title=_("Dashboard — {business}").format(business=business.name),
        subtitle=texts.period_line(board.period, locale), cards=cards,
        days=_day_labels(board.period), revenue=[p.revenue for p in board.series],
        spend=[p.spend for p in board.series], series_title=_("Revenue vs spend"),
        revenue_label=_("Revenue"), spend_label=_("Spend"), funnel_title=_("Funnel"),
        funnel=funnel, channels_title=_("Revenue by channel"), channels=channels,
        goals_title=_("Goals"), goals=goal_bars, empty_text=_("No data yet"),
        locale=babel_locale(locale))


def _kpi_png(result: KpiResult, locale: str) -> bytes:
    card = result.card
    subtitle = texts.period_line(result.period, locale)
    change = change_text(card.change, locale)
    if change:
        subtitle += " · " + change
    if card.band is not None:
        subtitle += " · " + labels.kpi_band(card.band.value)
    return render_kpi(title=labels.kpi_name(card.name),
                      value=value_text(card.name, card.value, locale), subtitle=subtitle,
                      days=_day_labels(result.period), values=[v for _, v in result.series],
                      tone=None if card.tone is None else card.tone.value,
                      empty_text=_("No daily series for this KPI"),
                      locale=babel_locale(locale))


async def _period(session: AsyncSession, business: Business, kind: PeriodKind,
                  start: date | None = None, end: date | None = None) -> Period:
    return await kpi.period_for(session, business_id=business.id, kind=kind, start=start,
                                end=end)


async def send_dashboard(message: Message, bot: Bot, session: AsyncSession, *,
                         business: Business, period: Period, locale: str) -> None:
    board = await kpi.dashboard(session, business_id=business.id, period=period)
    if not board.has_data:
        await message.answer(texts.empty_text(business.name),
                             reply_markup=keyboards.period_keyboard(period.kind))
    else:
        top = await insights.top_insights(session, business_id=business.id,
                                          limit=TOP_INSIGHTS)
        async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
            png = await asyncio.to_thread(_dashboard_png, board, business, locale)
        await message.answer_photo(BufferedInputFile(png, filename="dashboard.png"),
                                   caption=texts.dashboard_caption(board, business.name,
                                                                   locale, insights=top),
                                   reply_markup=keyboards.period_keyboard(period.kind))
    notes = await sync_notes(session, business_id=business.id, start=period.start,
                             end=period.end, locale=locale)
    if notes:  # GA4's website traffic, and synced channels that fell behind (never silent)
        await message.answer(notes)


async def send_kpi(message: Message, bot: Bot, session: AsyncSession, *, business: Business,
                   name: KpiName, period: Period, locale: str) -> None:
    result = await kpi.kpi(session, business_id=business.id, name=name, period=period)
    if not result.has_data:
        await message.answer(texts.empty_text(business.name))
        return
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        png = await asyncio.to_thread(_kpi_png, result, locale)
    await message.answer_photo(BufferedInputFile(png, filename=f"kpi_{name.value}.png"),
                               caption=texts.kpi_caption(result, locale),
                               reply_markup=keyboards.kpi_keyboard(name, period.kind))


@router.message(Command("dashboard"), flags={"perm": BUSINESS})
async def cmd_dashboard(message: Message, command: CommandObject, bot: Bot,
                        session: AsyncSession, business: Business, locale: str) -> None:
    parsed = texts.parse_period(command.args or "")
    if parsed is None:
        await message.answer(texts.bad_period_text())
        return
    try:
        period = await _period(session, business, *parsed)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await send_dashboard(message, bot, session, business=business, period=period,
                         locale=locale)


@router.callback_query(DashboardCB.filter(F.action == DashAction.PERIOD),
                       flags={"perm": BUSINESS})
async def on_period(callback: CallbackQuery, callback_data: DashboardCB, bot: Bot,
                    session: AsyncSession, business: Business, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    period = await _period(session, business, callback_data.period)
    await send_dashboard(callback.message, bot, session, business=business, period=period,
                         locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.DASHBOARD), flags={"perm": BUSINESS})
async def on_menu_dashboard(callback: CallbackQuery, bot: Bot, session: AsyncSession,
                            business: Business, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    period = await _period(session, business, PeriodKind.DAYS_30)
    await send_dashboard(callback.message, bot, session, business=business, period=period,
                         locale=locale)


@router.message(Command("kpi"), flags={"perm": BUSINESS})
async def cmd_kpi(message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
                  business: Business, locale: str) -> None:
    name, typed, rest = texts.split_kpi_args(command.args or "")
    if name is None:
        await message.answer(texts.kpi_list_text(typed))
        return
    parsed = texts.parse_period(rest)
    if parsed is None:
        await message.answer(texts.bad_period_text())
        return
    try:
        period = await _period(session, business, *parsed)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await send_kpi(message, bot, session, business=business, name=name, period=period,
                   locale=locale)


@router.callback_query(DashboardCB.filter(F.action == DashAction.KPI), flags={"perm": BUSINESS})
async def on_kpi_period(callback: CallbackQuery, callback_data: DashboardCB, bot: Bot,
                        session: AsyncSession, business: Business, locale: str) -> None:
    if callback_data.value not in set(KpiName):  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await callback.answer()
    assert isinstance(callback.message, Message)
    period = await _period(session, business, callback_data.period)
    await send_kpi(callback.message, bot, session, business=business,
                   name=KpiName(callback_data.value), period=period, locale=locale)


# ---------------------------------------------------------------------------- assumptions


async def send_assumptions(message: Message, session: AsyncSession, *, business: Business,
                           role: str | None, locale: str) -> None:
    current = await kpi.get_assumptions(session, business_id=business.id)
    values = {name: getattr(current, name) for name in ASSUMPTION_FIELDS}
    await message.answer(texts.assumptions_text(values, locale),
                         reply_markup=keyboards.assumptions_keyboard(
                             can_edit=has_permission(role, EDIT)))


@router.message(Command("assumptions"), flags={"perm": BUSINESS})
async def cmd_assumptions(message: Message, state: FSMContext, session: AsyncSession,
                          business: Business, role: str, locale: str) -> None:
    await DRAFT.finish(state)
    await send_assumptions(message, session, business=business, role=role, locale=locale)


@router.callback_query(DashboardCB.filter(F.action == DashAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: DashboardCB,
                  state: FSMContext) -> None:
    if callback_data.value not in ASSUMPTION_FIELDS:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await callback.answer()
    await DRAFT.save(state, AssumptionDraft(field=callback_data.value))
    await state.set_state(AssumptionsSG.value)
    assert isinstance(callback.message, Message)
    label, question = labels.assumption(callback_data.value), texts.ask_value_text(
        callback_data.value)
    await callback.message.answer(f"<b>{label}</b>\n{question}",
                                  reply_markup=keyboards.value_keyboard())


@steps.message(AssumptionsSG.value, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def value_entered(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business, role: str, locale: str) -> None:
    name = (await DRAFT.load(state)).field or ""
    try:
        await kpi.set_assumption(session, business_id=business.id, name=name,
                                 raw=message.text or "")
    except InvalidInput as exc:
        if exc.reason == "choice":  # a draft from an older version: leave the step
            await DRAFT.finish(state)
        await message.answer(describe_invalid(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved: {label}.").format(label=labels.assumption(name)))
    await send_assumptions(message, session, business=business, role=role, locale=locale)


@steps.message(AssumptionsSG.value, NOT_COMMAND, flags={"perm": BUSINESS})
async def value_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))


@steps.callback_query(NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 business: Business, role: str, locale: str) -> None:
    await done_with(callback, _("Cancelled"))
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_assumptions(callback.message, session, business=business, role=role,
                           locale=locale)
