from collections.abc import Callable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import labels
from handlers.owner.profile.callbacks import ProfileAction, ProfileCB
from handlers.ui import MenuCB, MenuItem, nav_buttons, nav_keyboard, with_home
from services.profile import PROFILE_FIELDS

LOGO = "logo"
CHOICE_LABELS: dict[str, Callable[[str], str]] = {
    "type": labels.business_type, "industry": labels.industry, "model": labels.model,
}


def choice_label(field: str, code: str) -> str:
    """The user's words for a choice field's code (``b2c`` → "B2C — we sell to people")."""
    label = CHOICE_LABELS.get(field)
    return label(code) if label else code


def card_keyboard(*, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        b.button(text=_("✏️ Edit"), callback_data=ProfileCB(action=ProfileAction.EDIT))
        b.button(text=_("💡 USP generator"), callback_data=MenuCB(item=MenuItem.USP))
    return with_home(b)


def fields_keyboard() -> InlineKeyboardMarkup:
    """Every profile field plus the logo, two per row."""
    b = InlineKeyboardBuilder()
    for field in (*PROFILE_FIELDS, LOGO):
        b.button(text=labels.profile_field(field),
                 callback_data=ProfileCB(action=ProfileAction.FIELD, field=field))
    b.adjust(2)
    b.row(*nav_buttons())
    return b.as_markup()


def choice_keyboard(field: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in PROFILE_FIELDS[field].choices:
        b.button(text=choice_label(field, code),
                 callback_data=ProfileCB(action=ProfileAction.CHOICE, field=field, value=code))
    b.adjust(1 if field == "model" else 2)
    b.row(*nav_buttons())
    return b.as_markup()


def value_keyboard(field: str) -> InlineKeyboardMarkup:
    """Buttons under a field's question: its choices, or just the navigation row."""
    if PROFILE_FIELDS[field].kind == "choice":
        return choice_keyboard(field)
    return nav_keyboard()
