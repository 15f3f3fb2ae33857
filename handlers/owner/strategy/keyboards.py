from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.strategy import texts
from handlers.owner.strategy.callbacks import StrategyAction, StrategyCB
from handlers.ui import nav_keyboard, with_home
from services.strategy import SECTIONS


def strategy_keyboard(*, can_edit: bool) -> InlineKeyboardMarkup:
    """Check-in; for editors also ✏️ per section and 🔄 Regenerate; then the main menu."""
    b = InlineKeyboardBuilder()
    b.row(InlineKeyboardButton(text=_("📊 Check-in: month to date"),
                               callback_data=StrategyCB(action=StrategyAction.CHECK_IN).pack()))
    if can_edit:
        for section in SECTIONS:
            b.button(text=_("✏️ {section}").format(section=texts.section_title(section)),
                     callback_data=StrategyCB(action=StrategyAction.EDIT, section=section))
        b.adjust(1, 2, 2, 1)
        b.row(InlineKeyboardButton(
            text=_("🔄 Regenerate"),
            callback_data=StrategyCB(action=StrategyAction.REGENERATE).pack()))
    return with_home(b)


def editing_keyboard() -> InlineKeyboardMarkup:
    return nav_keyboard(back=False)
