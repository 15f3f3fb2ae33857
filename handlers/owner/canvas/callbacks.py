from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class CanvasAction(StrEnum):
    EDIT = "edit"  # edit square ``number`` (1–9)
    SHOW = "show"  # send the canvas image
    DONE = "done"  # finished editing: back to the main menu


class CanvasCB(CallbackData, prefix="cv1"):
    action: CanvasAction
    number: int = 0
