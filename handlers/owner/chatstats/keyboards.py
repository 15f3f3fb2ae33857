from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.owner.chatstats.callbacks import ChatStatsAction, ChatStatsCB
from handlers.ui import home_button
from services.salesbot.export import ExportFormat


def _row(action: ChatStatsAction, **fields: int) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=ChatStatsCB(
        action=action, fmt=fmt, **fields).pack())
        for text, fmt in ((_("⬇️ CSV"), ExportFormat.CSV), (_("⬇️ Excel"), ExportFormat.XLSX))]


def stats_keyboard(days: int, bot_id: int = 0) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_row(ChatStatsAction.EXPORT_ALL, days=days,
                                                      bot_id=bot_id), [home_button()]])


def conversation_keyboard(conversation_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        _row(ChatStatsAction.EXPORT_ONE, conversation_id=conversation_id)])
