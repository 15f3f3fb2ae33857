from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.reports import kind_title, report_keyboard
from handlers.owner.reports.callbacks import ReportAction, ReportCB
from handlers.ui import with_home
from services.reports import ReportKind

__all__ = ["choose_keyboard", "opt_in_keyboard", "report_keyboard"]


def opt_in_keyboard(*, enabled: bool, checkin: bool) -> InlineKeyboardMarkup:
    """The two scheduled pushes a member can turn on or off: reports and the weekly
    strategy check-in."""
    action = ReportAction.OPT_OUT if enabled else ReportAction.OPT_IN
    text = _("🔕 Stop scheduled reports") if enabled else _("🔔 Get scheduled reports")
    c_action = ReportAction.CHECKIN_OFF if checkin else ReportAction.CHECKIN_ON
    c_text = (_("🔕 Stop weekly strategy check-ins") if checkin
              else _("🔔 Get weekly strategy check-ins"))
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=text, callback_data=ReportCB(action=action).pack())],
        [InlineKeyboardButton(text=c_text, callback_data=ReportCB(action=c_action).pack())]])


def choose_keyboard() -> InlineKeyboardMarkup:
    """🗓 Reports from the main menu: each report now, and the notification settings."""
    b = InlineKeyboardBuilder()
    for kind in ReportKind:
        b.button(text=kind_title(kind), callback_data=ReportCB(action=ReportAction.SHOW,
                                                              kind=kind))
    b.button(text=_("⚙️ Notifications"), callback_data=ReportCB(action=ReportAction.SETTINGS))
    b.adjust(2)
    return with_home(b)
