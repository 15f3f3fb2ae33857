from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.competitors.callbacks import CompetitorAction as A
from handlers.owner.competitors.callbacks import CompetitorCB as CB
from handlers.ui import with_home
from services.competitors import CompetitorView, Field
from services.competitors.swot import QUADRANTS

OVERALL = 0  # the competitor id the overall SWOT's buttons carry


def _button(text: str, action: A, **kwargs: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=CB(action=action, **kwargs).pack())


def list_keyboard(items: list[CompetitorView], *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for item in items:
        b.row(_button(f"🔎 {item.name}", A.OPEN, competitor_id=item.id))
    if can_edit:
        b.row(_button(_("➕ Add a competitor"), A.ADD), _button(_("📡 My channel"), A.OWN))
        if any(item.telegram for item in items):
            b.row(_button(_("🔄 Refresh now"), A.REFRESH))
    b.row(_button(_("📊 Weekly report"), A.REPORT), _button(_("🧭 Overall SWOT"), A.OVERALL))
    return with_home(b)


def card_keyboard(item: CompetitorView, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(_button(_("🧭 SWOT"), A.SWOT, competitor_id=item.id))
    if can_edit:
        b.row(_button(_("✏️ Edit"), A.EDIT, competitor_id=item.id),
              _button(_("🗑 Remove"), A.REMOVE, competitor_id=item.id))
    b.row(_button(_("⬅️ All competitors"), A.LIST))
    return b.as_markup()


def field_label(field: Field) -> str:
    return {Field.NAME: _("Name"), Field.TELEGRAM: _("Telegram channel"),
            Field.INSTAGRAM: _("Instagram"), Field.WEBSITE: _("Website"),
            Field.NOTES: _("Notes")}[field]


def edit_keyboard(item: CompetitorView) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for field in Field:
        b.button(text=field_label(field),
                 callback_data=CB(action=A.FIELD, competitor_id=item.id, value=field.value))
    b.adjust(2)
    b.row(_button(_("⬅️ Back"), A.OPEN, competitor_id=item.id))
    return b.as_markup()


def value_keyboard(competitor_id: int, field: Field) -> InlineKeyboardMarkup:
    row = []
    if field is not Field.NAME:
        row.append(_button(_("🧹 Clear it"), A.CLEAR, competitor_id=competitor_id,
                           value=field.value))
    row.append(_button(_("✖️ Cancel"), A.OPEN, competitor_id=competitor_id))
    return InlineKeyboardMarkup(inline_keyboard=[row])


def step_keyboard(*, skip: bool) -> InlineKeyboardMarkup:
    row = [_button(_("⏭ Skip"), A.SKIP)] if skip else []
    row.append(_button(_("✖️ Cancel"), A.LIST))
    return InlineKeyboardMarkup(inline_keyboard=[row])


def confirm_keyboard(competitor_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        _button(_("🗑 Yes, remove"), A.REMOVE_YES, competitor_id=competitor_id),
        _button(_("✖️ Keep"), A.OPEN, competitor_id=competitor_id)]])


def swot_keyboard(competitor_id: int, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        labels = {"strengths": _("✏️ Strengths"), "weaknesses": _("✏️ Weaknesses"),
                  "opportunities": _("✏️ Opportunities"), "threats": _("✏️ Threats")}
        for quadrant in QUADRANTS:
            b.button(text=labels[quadrant], callback_data=CB(
                action=A.SWOT_EDIT, competitor_id=competitor_id, value=quadrant))
        b.adjust(2)
        b.row(_button(_("🤖 Draft again"), A.SWOT_AI, competitor_id=competitor_id))
    if competitor_id == OVERALL:
        b.row(_button(_("⬅️ All competitors"), A.LIST))
    else:
        b.row(_button(_("⬅️ Back"), A.OPEN, competitor_id=competitor_id))
    return b.as_markup()


def back_to_list() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(_("⬅️ All competitors"), A.LIST)]])
