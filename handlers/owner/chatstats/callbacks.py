from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from services.salesbot.export import ExportFormat


class ChatStatsAction(StrEnum):
    SHOW = "show"  # the stats image for ``days`` (from the chatbot card)
    EXPORT_ALL = "all"  # every message of the last ``days`` days
    EXPORT_ONE = "one"  # conversation ``conversation_id``


class ChatStatsCB(CallbackData, prefix="cs1"):
    action: ChatStatsAction
    fmt: ExportFormat
    days: int = 0
    conversation_id: int = 0
    bot_id: int = 0  # 0: every bot of the business
