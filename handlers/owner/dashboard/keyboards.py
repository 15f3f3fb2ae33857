from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import labels
from handlers.owner.dashboard.callbacks import DashAction, DashboardCB
from handlers.ui import nav_buttons, with_home
from services.kpi import ASSUMPTION_FIELDS, KpiName, PeriodKind

PERIOD_BUTTONS = (PeriodKind.DAYS_7, PeriodKind.DAYS_30, PeriodKind.DAYS_90, PeriodKind.MONTH,
                  PeriodKind.QUARTER)


def _marked(text: str, selected: bool) -> str:
    return f"• {text} •" if selected else text


def period_keyboard(current: PeriodKind) -> InlineKeyboardMarkup:
    """The dashboard's period buttons (the shown one marked) and the main menu."""
    b = InlineKeyboardBuilder()
    for kind in PERIOD_BUTTONS:
        b.button(text=_marked(labels.period(kind), kind == current),
                 callback_data=DashboardCB(action=DashAction.PERIOD, period=kind))
    b.adjust(3)
    return with_home(b)


def kpi_keyboard(name: KpiName, current: PeriodKind) -> InlineKeyboardMarkup:
    """The same KPI over another period."""
    b = InlineKeyboardBuilder()
    for kind in PERIOD_BUTTONS:
        b.button(text=_marked(labels.period(kind), kind == current),
                 callback_data=DashboardCB(action=DashAction.KPI, period=kind, value=name.value))
    b.adjust(3)
    return with_home(b)


def assumptions_keyboard(*, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        for name in ASSUMPTION_FIELDS:
            b.button(text="✏️ " + labels.assumption(name),
                     callback_data=DashboardCB(action=DashAction.EDIT, value=name))
        b.adjust(2)
    return with_home(b)


def value_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[nav_buttons(back=False)])
