from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.owner.nurture.callbacks import NurtureAction, NurtureCB
from handlers.ui import home_button
from services.salesbot.nurture import MAX_STEPS, SequenceView


def _button(text: str, action: NurtureAction, step_id: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text,
                                callback_data=NurtureCB(action=action, step_id=step_id).pack())


def sequence_keyboard(view: SequenceView) -> InlineKeyboardMarkup:
    rows = [[_button(_("✏️ Day {day}").format(day=step.delay_days), NurtureAction.STEP,
                     step.id)] for step in view.steps]
    last = []
    if len(view.steps) < MAX_STEPS:
        last.append(_button(_("➕ Add a step"), NurtureAction.ADD))
    last.append(_button(_("⏸ Turn off"), NurtureAction.OFF) if view.enabled
                else _button(_("▶️ Turn on"), NurtureAction.ON))
    rows.append(last)
    rows.append([home_button()])  # the sequence screen had no way back
    return InlineKeyboardMarkup(inline_keyboard=rows)


def step_keyboard(step_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [_button(_("📝 Text"), NurtureAction.TEXT, step_id),
         _button(_("📅 Day"), NurtureAction.DELAY, step_id)],
        [_button(_("👁 Preview"), NurtureAction.PREVIEW, step_id),
         _button(_("🗑 Delete"), NurtureAction.DELETE, step_id)],
        [_button(_("⬅️ Back"), NurtureAction.SHOW)],
    ])


def confirm_delete_keyboard(step_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        _button(_("🗑 Yes, delete"), NurtureAction.CONFIRM, step_id),
        _button(_("Keep it"), NurtureAction.STEP, step_id)]])
