from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class NurtureAction(StrEnum):
    SHOW = "show"
    STEP = "step"  # open step ``step_id``
    TEXT = "text"
    DELAY = "delay"
    PREVIEW = "prev"
    DELETE = "del"
    CONFIRM = "yes"
    ADD = "add"
    ON = "on"
    OFF = "off"


class NurtureCB(CallbackData, prefix="nu1"):
    action: NurtureAction
    step_id: int = 0
