from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import labels
from handlers.owner.settings.callbacks import SettingsAction, SettingsCB
from handlers.owner.settings.texts import city, utc_offset
from handlers.ui import home_button
from services.users import LANGUAGES

COMMON_TIMEZONES = ("Asia/Tashkent", "Asia/Samarkand", "Asia/Almaty", "Europe/Moscow",
                    "Europe/Istanbul", "Asia/Dubai", "UTC")


def _back_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅️ Back"),
                                callback_data=SettingsCB(action=SettingsAction.HOME).pack())


def settings_keyboard(*, has_business: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🌐 Language"), callback_data=SettingsCB(action=SettingsAction.LANGUAGE))
    b.button(text=_("🕒 Time zone"), callback_data=SettingsCB(action=SettingsAction.TIMEZONE))
    b.adjust(2)
    if has_business:  # the main menu needs a business; before onboarding there is none
        b.row(home_button())
    return b.as_markup()


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in LANGUAGES:
        mark = "✓ " if code == current else ""
        b.button(text=mark + labels.LANGUAGE_NAMES[code],
                 callback_data=SettingsCB(action=SettingsAction.SET_LANGUAGE, value=code))
    b.adjust(2)
    b.row(_back_button())
    return b.as_markup()


def timezone_keyboard(current: str, now: datetime) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for zone in COMMON_TIMEZONES:
        mark = "✓ " if zone == current else ""
        label = city(zone) if zone == "UTC" else f"{city(zone)} · {utc_offset(zone, now)}"
        b.button(text=mark + label,
                 callback_data=SettingsCB(action=SettingsAction.SET_TIMEZONE, value=zone))
    b.adjust(2)
    b.row(_back_button())
    return b.as_markup()
