from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.reports import report_keyboard
from handlers.owner.reports.callbacks import ReportAction, ReportCB

__all__ = ["opt_in_keyboard", "report_keyboard"]


def opt_in_keyboard(*, enabled: bool) -> InlineKeyboardMarkup:
    action = ReportAction.OPT_OUT if enabled else ReportAction.OPT_IN
    text = _("🔕 Stop scheduled reports") if enabled else _("🔔 Get scheduled reports")
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=text, callback_data=ReportCB(action=action).pack())]])
