from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.businesses.callbacks import BusinessAction, BusinessCB
from handlers.ui import with_home
from services.profile import BusinessChoice


def businesses_keyboard(choices: list[BusinessChoice]) -> InlineKeyboardMarkup:
    """One button per business (✓ on the current one), then "Add a business"."""
    b = InlineKeyboardBuilder()
    for choice in choices:
        b.button(text=f"✓ {choice.name}" if choice.current else choice.name,
                 callback_data=BusinessCB(action=BusinessAction.SWITCH, business_id=choice.id))
    b.button(text=_("➕ Add a business"), callback_data=BusinessCB(action=BusinessAction.ADD))
    b.adjust(1)
    return with_home(b)
