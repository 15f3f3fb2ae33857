"""➕ Add data from the main menu: the spend, lead and order forms and a file import, so an
owner never needs to know the commands."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.middlewares.permissions import BUSINESS
from handlers.owner.entry.callbacks import (
    LeadAction,
    LeadCB,
    OrderAction,
    OrderCB,
    SpendAction,
    SpendCB,
)
from handlers.ui import MenuCB, MenuItem, with_home

router = Router(name="entry.menu")


def entry_menu_keyboard() -> InlineKeyboardMarkup:
    """The three forms and the import; each button's handler checks its own permission."""
    b = InlineKeyboardBuilder()
    b.button(text=_("💸 Spend"), callback_data=SpendCB(action=SpendAction.ADD))
    b.button(text=_("🙋 Lead"), callback_data=LeadCB(action=LeadAction.ADD))
    b.button(text=_("🛒 Order"), callback_data=OrderCB(action=OrderAction.ADD))
    b.button(text=_("📥 Import CSV/Excel"), callback_data=MenuCB(item=MenuItem.IMPORT))
    b.adjust(3, 1)
    return with_home(b)


def entry_menu_text() -> str:
    return "\n".join([
        _("➕ <b>Add data</b>"), "",
        _("What would you like to log? Or just write it, for example "
          "<i>bugun instagramga 500 ming sarfladim</i> — I will propose the entry."),
        _("Quick commands: <code>/spend instagram 500000</code>, "
          "<code>/lead Aziza +998901234567</code>, <code>/order 350000</code>."),
    ])


@router.callback_query(MenuCB.filter(F.item == MenuItem.ENTRY), flags={"perm": BUSINESS})
async def on_menu_entry(callback: CallbackQuery) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(entry_menu_text(), reply_markup=entry_menu_keyboard())
