from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class InsightAction(StrEnum):
    DONE = "done"
    DISMISS = "dis"
    HISTORY = "all"  # show closed ones too


class InsightCB(CallbackData, prefix="in1"):
    action: InsightAction
    insight_id: int = 0
