from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class BusinessAction(StrEnum):
    SWITCH = "switch"  # make ``business_id`` current (membership re-checked)
    ADD = "add"  # create another business (plan limit checked)


class BusinessCB(CallbackData, prefix="bz1"):
    action: BusinessAction
    business_id: int = 0
