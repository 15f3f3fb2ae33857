"""The main menu: the business at a glance and the way into every feature."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_day
from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.ui import MenuCB, MenuItem, h
from services import plans
from services.db.base import utcnow
from services.db.models import Business, User

router = Router(name="menu")


def main_menu_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    items = [
        (MenuItem.DASHBOARD, _("📊 Dashboard")), (MenuItem.ENTRY, _("➕ Add data")),
        (MenuItem.INSIGHTS, _("🔔 Insights")), (MenuItem.REPORTS, _("🗓 Reports")),
        (MenuItem.ASK_AI, _("🤖 Ask AI")), (MenuItem.CHATBOT, _("💬 Sales chatbot")),
        (MenuItem.COMPETITORS, _("🕵️ Competitors")),
        (MenuItem.INTEGRATIONS, _("🔌 Integrations")),
        (MenuItem.PROFILE, _("🏢 Business profile")), (MenuItem.CANVAS, _("🧩 Marketing canvas")),
        (MenuItem.DREAM_BUYER, _("👤 Dream Buyer")),
        (MenuItem.OFFERS, _("📦 Offers")), (MenuItem.HVCO, _("🧲 Lead magnets")),
        (MenuItem.USP, _("💡 USP generator")), (MenuItem.GOALS, _("🎯 Goals")),
        (MenuItem.TEAM, _("👥 Team")), (MenuItem.PLAN, _("💳 Plan")),
        (MenuItem.BUSINESSES, _("🔀 My businesses")), (MenuItem.SETTINGS, _("⚙️ Settings")),
        (MenuItem.HELP, _("❓ Help")),
    ]
    for item, text in items:
        b.button(text=text, callback_data=MenuCB(item=item))
    b.adjust(2)
    return b.as_markup()


async def main_menu_text(session: AsyncSession, *, user: User, business: Business,
                         role: str | None, locale: str) -> str:
    sub = await plans.business_subscription(session, business_id=business.id)
    lines = [
        _("🏠 <b>{business}</b> — main menu").format(business=h(business.name)),
        _("Your role: {role}").format(role=labels.role(role or "")),
    ]
    if sub.status == "trialing" and sub.trial_ends_at is not None:
        lines.append(_("💳 {plan} trial until {date} ({days} days left)").format(
            plan=sub.plan_name, date=local_day(sub.trial_ends_at, locale, user.timezone),
            days=sub.days_left(utcnow())))
    else:
        lines.append(_("💳 {plan}: {status}").format(
            plan=sub.plan_name, status=labels.subscription_status(sub.status)))
    lines.append("")
    lines.append(_("Choose a section:"))
    return "\n".join(lines)


async def send_main_menu(message: Message, session: AsyncSession, *, user: User,
                         business: Business, role: str | None, locale: str) -> None:
    text = await main_menu_text(session, user=user, business=business, role=role, locale=locale)
    await message.answer(text, reply_markup=main_menu_keyboard())


@router.message(Command("menu"), flags={"perm": BUSINESS})
async def cmd_menu(message: Message, state: FSMContext, session: AsyncSession, user: User,
                   business: Business, role: str, locale: str) -> None:
    await state.clear()
    await send_main_menu(message, session, user=user, business=business, role=role,
                         locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.HOME), flags={"perm": BUSINESS})
async def on_home(callback: CallbackQuery, state: FSMContext, session: AsyncSession, user: User,
                  business: Business, role: str, locale: str) -> None:
    await state.clear()
    await callback.answer()
    text = await main_menu_text(session, user=user, business=business, role=role, locale=locale)
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=main_menu_keyboard())
