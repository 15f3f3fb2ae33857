from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class AskAction(StrEnum):
    NEW = "new"  # start a new conversation


class AskCB(CallbackData, prefix="ask1"):
    action: AskAction
