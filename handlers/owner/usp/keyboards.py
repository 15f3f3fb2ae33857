from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.usp.callbacks import UspAction, UspCB
from handlers.ui import nav_keyboard, with_home


def proposals_keyboard(count: int) -> InlineKeyboardMarkup:
    """Pick 1…n, write my own, new ideas, main menu."""
    b = InlineKeyboardBuilder()
    b.row(*[InlineKeyboardButton(
        text=_("✅ {number}").format(number=index + 1),
        callback_data=UspCB(action=UspAction.PICK, index=index).pack()) for index in range(count)])
    b.row(InlineKeyboardButton(text=_("✏️ Write my own"),
                               callback_data=UspCB(action=UspAction.OWN).pack()))
    b.row(InlineKeyboardButton(text=_("🔄 New ideas"),
                               callback_data=UspCB(action=UspAction.AGAIN).pack()))
    return with_home(b)


def writing_keyboard() -> InlineKeyboardMarkup:
    return nav_keyboard(back=False)
