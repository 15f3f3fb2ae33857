from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.hvco import texts
from handlers.owner.hvco.callbacks import HvcoAction, HvcoCB
from handlers.ui import home_button, nav_buttons, with_home
from services.hvco import HvcoStatus, HvcoType, HvcoView

BUTTON_TITLE_LIMIT = 30


def _short(text: str, limit: int = BUTTON_TITLE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _button(text: str, action: HvcoAction, hvco_id: int = 0,
            value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=HvcoCB(action=action, hvco_id=hvco_id, value=value).pack())


def list_keyboard(items: list[HvcoView], *, can_edit: bool) -> InlineKeyboardMarkup:
    """One button per lead magnet, then "New" (for editors) and the main menu."""
    b = InlineKeyboardBuilder()
    for number, item in enumerate(items, 1):
        b.row(_button(f"{texts.STATUS_EMOJI[item.status]} {number}. {_short(item.title)}",
                      HvcoAction.OPEN, item.id))
    if can_edit:
        b.row(_button(_("➕ New lead magnet"), HvcoAction.NEW))
    return with_home(b)


def type_keyboard(recommended: set[HvcoType]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for kind in HvcoType:
        star = "⭐ " if kind in recommended else ""
        b.add(_button(f"{star}{texts.type_label(kind)}", HvcoAction.TYPE, value=kind.value))
    b.adjust(2)
    b.row(*nav_buttons(back=False))
    return b.as_markup()


def topic_keyboard(ideas: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Suggested topics (code, text), then ⬅️ Back and ✖️ Cancel."""
    b = InlineKeyboardBuilder()
    for code, text in ideas:
        b.row(_button(f"💡 {_short(text, 60)}", HvcoAction.IDEA, value=code))
    b.row(*nav_buttons())
    return b.as_markup()


def card_keyboard(item: HvcoView, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        b.row(_button(_("✏️ Title"), HvcoAction.EDIT, item.id, "title"),
              _button(_("✏️ Outline"), HvcoAction.EDIT, item.id, "outline"),
              _button(_("✏️ Post"), HvcoAction.EDIT, item.id, "post"))
        b.row(_button(_("📎 What the bot sends"), HvcoAction.EDIT, item.id, "deliverable"))
    post = _button(_("📣 Full post"), HvcoAction.POST, item.id)
    if can_edit:
        if item.status == HvcoStatus.ACTIVE:
            status = _button(_("📦 Archive"), HvcoAction.STATUS, item.id,
                             HvcoStatus.ARCHIVED.value)
        else:
            status = _button(_("🟢 Activate"), HvcoAction.STATUS, item.id,
                             HvcoStatus.ACTIVE.value)
        b.row(post, status)
        b.row(_button(_("🗑 Delete"), HvcoAction.DELETE, item.id))
    else:
        b.row(post)
    b.row(_button(_("⬅️ All lead magnets"), HvcoAction.LIST))
    b.row(home_button())
    return b.as_markup()


def delete_keyboard(hvco_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.add(_button(_("🗑 Yes, delete"), HvcoAction.CONFIRM, hvco_id),
          _button(_("↩️ No, keep it"), HvcoAction.KEEP, hvco_id))
    return b.as_markup()
