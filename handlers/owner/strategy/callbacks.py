from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class StrategyAction(StrEnum):
    REGENERATE = "regen"
    EDIT = "edit"  # ``section`` is the plan section
    CHECK_IN = "check"


class StrategyCB(CallbackData, prefix="st1"):
    action: StrategyAction
    section: str = ""
