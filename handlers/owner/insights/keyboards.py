from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.insights.callbacks import InsightAction, InsightCB
from handlers.ui import with_home
from services.insights import InsightStatus, InsightView


def insights_keyboard(items: list[InsightView], *, history: bool) -> InlineKeyboardMarkup:
    """Per open insight: ✅ Done and 🙈 Dismiss; then the history toggle and the main menu."""
    b = InlineKeyboardBuilder()
    for number, item in enumerate(items, 1):
        if item.status in (InsightStatus.DONE, InsightStatus.DISMISSED):
            continue
        b.row(InlineKeyboardButton(
                  text=_("✅ Done {number}").format(number=number),
                  callback_data=InsightCB(action=InsightAction.DONE,
                                          insight_id=item.id).pack()),
              InlineKeyboardButton(
                  text=_("🙈 Dismiss {number}").format(number=number),
                  callback_data=InsightCB(action=InsightAction.DISMISS,
                                          insight_id=item.id).pack()))
    if not history:
        b.row(InlineKeyboardButton(text=_("🗂 With closed ones"),
                                   callback_data=InsightCB(action=InsightAction.HISTORY).pack()))
    return with_home(b)
