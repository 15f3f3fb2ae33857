from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class OnbField(StrEnum):
    LANGUAGE = "lang"
    INDUSTRY = "ind"
    MODEL = "model"
    GOAL = "goal"
    TEAM = "team"


class OnboardingCB(CallbackData, prefix="ob1"):
    field: OnbField
    value: str
