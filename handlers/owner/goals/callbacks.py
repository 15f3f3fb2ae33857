from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class GoalAction(StrEnum):
    ADD = "add"
    METRIC = "metric"  # ``value`` is the metric code
    PROGRESS = "prog"  # update goal ``goal_id``
    DELETE = "del"  # ask to delete goal ``goal_id``
    CONFIRM = "yes"  # delete confirmed
    KEEP = "keep"  # delete declined


class GoalCB(CallbackData, prefix="gl1"):
    action: GoalAction
    goal_id: int = 0
    value: str = ""
