from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ChatbotAction(StrEnum):
    CARD = "card"  # the status card again
    CONNECT = "con"  # ask for a BotFather token
    PAUSE = "pau"
    RESUME = "res"
    REPLACE = "rep"  # ask for a new token of bot ``id``
    DISCONNECT = "dis"  # ask to confirm
    DISCONNECT_OK = "disok"


class ChatbotCB(CallbackData, prefix="cbt1"):
    """Bot ids here are hints: the service re-checks them against the current business."""

    action: ChatbotAction
    id: int = 0
