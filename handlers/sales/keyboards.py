from __future__ import annotations

from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.formatting import money
from handlers.sales.callbacks import SalesAction, SalesCB


def menu_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🛍 Products"), callback_data=SalesCB(action=SalesAction.PRODUCTS))
    builder.button(text=_("💰 Prices"), callback_data=SalesCB(action=SalesAction.PRICES))
    builder.button(text=_("❓ FAQ"), callback_data=SalesCB(action=SalesAction.FAQ))
    builder.button(text=_("🛒 Order"), callback_data=SalesCB(action=SalesAction.ORDER))
    builder.button(text=_("👤 Operator"), callback_data=SalesCB(action=SalesAction.OPERATOR))
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def after_answer_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🛒 Order"), callback_data=SalesCB(action=SalesAction.ORDER))
    builder.button(text=_("👤 Operator"), callback_data=SalesCB(action=SalesAction.OPERATOR))
    builder.adjust(2)
    return builder.as_markup()


def operator_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("👤 Operator"), callback_data=SalesCB(action=SalesAction.OPERATOR))
    builder.button(text=_("🛍 Products"), callback_data=SalesCB(action=SalesAction.PRODUCTS))
    builder.adjust(2)
    return builder.as_markup()


def products_keyboard(products: list[tuple[str, int]], locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, (name, price) in enumerate(products):
        label = f"{name} — {money(price, locale)}"
        builder.button(text=label[:60], callback_data=SalesCB(action=SalesAction.PICK,
                                                              index=index))
    builder.adjust(1)
    return builder.as_markup()


def contact_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True, one_time_keyboard=True)


def no_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()
