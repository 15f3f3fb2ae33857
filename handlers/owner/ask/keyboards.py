from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.ask.callbacks import AskAction, AskCB
from handlers.ui import with_home


def answer_keyboard() -> InlineKeyboardMarkup:
    """Under an answer: start over, or leave to the main menu."""
    b = InlineKeyboardBuilder()
    b.button(text=_("🆕 New conversation"), callback_data=AskCB(action=AskAction.NEW))
    return with_home(b)
