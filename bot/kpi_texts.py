"""A KPI's value, change and trend in words, for every screen that shows KPIs (the
dashboard, /kpi, reports)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.formatting import money, number
from services.kpi import KpiName
from services.kpi.formulas import Change

LOWER_IS_BETTER = frozenset({KpiName.CAC, KpiName.CHURN, KpiName.CPL})
MONEY = frozenset({KpiName.REVENUE, KpiName.SPEND, KpiName.CAC, KpiName.AOV, KpiName.CLV,
                   KpiName.CPL})
PERCENT = frozenset({KpiName.ROI, KpiName.CHURN, KpiName.LEAD_CONVERSION, KpiName.ENGAGEMENT})
TIMES = frozenset({KpiName.ROAS, KpiName.LTV_CAC})


def value_text(name: KpiName, value: float | None, locale: str) -> str:
    """A KPI value in the user's locale, or "—" when undefined."""
    if value is None:
        return "—"
    if name in MONEY:
        return money(round(value), locale)
    if name in PERCENT:
        return number(round(value, 1), locale) + "%"
    if name in TIMES:
        return number(round(value, 2), locale) + "×"
    return number(round(value), locale)


def trend(change: Change) -> str | None:
    if change.is_new:
        return "new"
    if change.pct is None:
        return None
    return "up" if change.pct > 0 else "down" if change.pct < 0 else "flat"


def change_text(change: Change, locale: str) -> str:
    """``+12%``, ``−5%``, ``new`` or empty when it can't be computed."""
    if change.is_new:
        return _("new")
    if change.pct is None:
        return ""
    sign = "+" if change.pct > 0 else "−" if change.pct < 0 else "±"
    return f"{sign}{number(round(abs(change.pct), 1), locale)}%"


def change_tone(name: KpiName, change: Change) -> str | None:
    """Whether the change is good news: growth is, except for costs and churn."""
    direction = trend(change)
    if direction in (None, "flat") or name is KpiName.SPEND:
        return None
    good = direction in ("up", "new")
    if name in LOWER_IS_BETTER:
        good = not good
    return "good" if good else "bad"
