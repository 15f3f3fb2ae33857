from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class UspAction(StrEnum):
    PICK = "pick"  # save proposal ``index``
    OWN = "own"  # type my own
    AGAIN = "again"  # new proposals


class UspCB(CallbackData, prefix="usp1"):
    action: UspAction
    index: int = 0
