from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import labels
from handlers.owner.goals.callbacks import GoalAction, GoalCB
from handlers.ui import nav_buttons, with_home
from services.goals import METRICS, GoalView

BUTTON_TITLE_LIMIT = 28


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_TITLE_LIMIT else text[: BUTTON_TITLE_LIMIT - 1] + "…"


def goals_keyboard(goals: list[GoalView], *, can_edit: bool) -> InlineKeyboardMarkup:
    """Per goal: update progress and delete; then "Add a goal" and the main menu."""
    b = InlineKeyboardBuilder()
    if can_edit:
        for number, goal in enumerate(goals, 1):
            b.row(
                InlineKeyboardButton(
                    text=f"📈 {number}. {_short(goal.title)}",
                    callback_data=GoalCB(action=GoalAction.PROGRESS, goal_id=goal.id).pack()),
                InlineKeyboardButton(
                    text=f"🗑 {number}",
                    callback_data=GoalCB(action=GoalAction.DELETE, goal_id=goal.id).pack()),
            )
        b.row(InlineKeyboardButton(text=_("➕ Add a goal"),
                                   callback_data=GoalCB(action=GoalAction.ADD).pack()))
    return with_home(b)


def metric_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in METRICS:
        b.button(text=labels.goal_metric(code),
                 callback_data=GoalCB(action=GoalAction.METRIC, value=code))
    b.adjust(2)
    b.row(*nav_buttons(back=False))
    return b.as_markup()


def delete_keyboard(goal_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🗑 Yes, delete"), callback_data=GoalCB(action=GoalAction.CONFIRM,
                                                          goal_id=goal_id))
    b.button(text=_("↩️ No, keep it"), callback_data=GoalCB(action=GoalAction.KEEP,
                                                           goal_id=goal_id))
    b.adjust(2)
    return b.as_markup()
