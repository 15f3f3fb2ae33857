"""Shared UI pieces of the owner bot: versioned callback data, navigation rows, helpers."""

from __future__ import annotations

from enum import StrEnum
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder


class MenuItem(StrEnum):
    HOME = "home"
    PROFILE = "profile"
    CANVAS = "canvas"
    GOALS = "goals"
    TEAM = "team"
    PLAN = "plan"
    BUSINESSES = "businesses"
    SETTINGS = "settings"
    HELP = "help"
    DREAM_BUYER = "dream"
    OFFERS = "offers"
    HVCO = "hvco"
    ASK_AI = "ask"
    USP = "usp"
    DASHBOARD = "dash"
    ENTRY = "entry"  # log spend / a lead / an order, or import a file
    IMPORT = "import"
    INSIGHTS = "insights"
    REPORTS = "reports"
    CHATBOT = "chatbot"
    COMPETITORS = "rivals"
    INTEGRATIONS = "integr"


class MenuCB(CallbackData, prefix="m1"):
    item: MenuItem


class NavAction(StrEnum):
    BACK = "back"
    CANCEL = "cancel"
    SKIP = "skip"


class NavCB(CallbackData, prefix="nav1"):
    action: NavAction


def nav_buttons(*, back: bool = True, cancel: bool = True, skip: bool = False
                ) -> list[InlineKeyboardButton]:
    """The standard wizard row: ⬅️ Back, ⏭ Skip, ✖️ Cancel."""
    row = []
    if back:
        row.append(InlineKeyboardButton(text=_("⬅️ Back"),
                                        callback_data=NavCB(action=NavAction.BACK).pack()))
    if skip:
        row.append(InlineKeyboardButton(text=_("⏭ Skip"),
                                        callback_data=NavCB(action=NavAction.SKIP).pack()))
    if cancel:
        row.append(InlineKeyboardButton(text=_("✖️ Cancel"),
                                        callback_data=NavCB(action=NavAction.CANCEL).pack()))
    return row


def nav_keyboard(*, back: bool = True, cancel: bool = True, skip: bool = False
                 ) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[nav_buttons(back=back, cancel=cancel,
                                                             skip=skip)])


def home_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("🏠 Main menu"),
                                callback_data=MenuCB(item=MenuItem.HOME).pack())


def with_home(builder: InlineKeyboardBuilder) -> InlineKeyboardMarkup:
    """Append the 🏠 Main menu row to a keyboard."""
    builder.row(home_button())
    return builder.as_markup()


def h(text: object) -> str:
    """Escape user text for HTML messages."""
    return escape(str(text), quote=False)


async def done_with(callback: CallbackQuery, note: str) -> None:
    """Mark a question message answered: drop its buttons and append the choice."""
    await callback.answer()
    message = callback.message
    if isinstance(message, Message) and message.text is not None:
        await message.edit_text(f"{message.html_text}\n\n<b>✓ {h(note)}</b>", reply_markup=None)
