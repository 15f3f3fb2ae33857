from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from services.kpi import PeriodKind


class DashAction(StrEnum):
    PERIOD = "p"  # the dashboard for ``period``
    KPI = "k"  # KPI ``value`` for ``period``
    EDIT = "e"  # type a new value for assumption ``value``


class DashboardCB(CallbackData, prefix="db1"):
    action: DashAction
    period: PeriodKind = PeriodKind.DAYS_30
    value: str = ""
