from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.ui import with_home


def plan_keyboard() -> InlineKeyboardMarkup:
    # No "buy" button until billing (Click, Payme) exists: the text says so instead.
    return with_home(InlineKeyboardBuilder())
