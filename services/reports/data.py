"""A report's numbers, all read through ``services.kpi``: KPI cards with change vs the
previous period, the daily series, the channel split, goals progress and the top channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services import kpi
from services.db.models import Business
from services.errors import NotFound
from services.goals import GoalView
from services.kpi import ChannelRow, DayPoint, KpiCard, KpiName, Period, PeriodKind
from services.kpi.periods import local_today
from services.reports.schedule import ReportKind, Window, window

REPORT_KPIS = (KpiName.REVENUE, KpiName.LEADS, KpiName.ORDERS, KpiName.CAC, KpiName.ROAS,
               KpiName.ROI)
CHART_DAYS_DAILY = 7  # the daily brief charts the last week, not one point


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows; texts and images are made from it by the caller."""

    business_id: int
    business_name: str
    kind: ReportKind
    window: Window
    timezone: str
    has_data: bool
    cards: dict[KpiName, KpiCard]  # this window vs the previous window
    series: list[DayPoint]
    channels: list[ChannelRow]
    goals: list[GoalView]
    week_to_date: dict[KpiName, KpiCard] | None = None  # daily brief: Monday..yesterday
    week_start: date | None = None

    @property
    def top_channel(self) -> ChannelRow | None:
        """The channel that brought the most revenue (then leads) in the window; sales not
        attributed to any channel never count as one."""
        return next((c for c in self.channels if c.channel_id and (c.revenue or c.leads)),
                    None)


def _period(start: date, end: date, timezone: str) -> Period:
    return Period(PeriodKind.CUSTOM, start, end, timezone)


def _compare(current: dict[KpiName, KpiCard], previous: dict[KpiName, KpiCard]
             ) -> dict[KpiName, KpiCard]:
    """Cards of ``current`` re-compared with another period's values (calendar months and
    quarters differ in length, so ``Period.previous`` is not the month before)."""
    result = {}
    for name, card in current.items():
        before = previous[name].value
        result[name] = replace(card, previous=before, change=kpi.change(card.value, before))
    return result


def _pick(cards: dict[KpiName, KpiCard]) -> dict[KpiName, KpiCard]:
    return {name: cards[name] for name in REPORT_KPIS}


async def build_report(session: AsyncSession, *, business_id: int, kind: ReportKind | str,
                       now: datetime | None = None, today: date | None = None) -> ReportData:
    """The report of ``kind`` for the last complete period before today (business-local)."""
    business = await session.get(Business, business_id)
    if business is None:
        raise NotFound(entity="business", id=business_id)
    tz = await kpi.business_timezone(session, business_id=business_id)
    day = today or local_today(tz, now=now)
    win = window(kind, today=day)
    board = await kpi.dashboard(session, business_id=business_id,
                                period=_period(win.start, win.end, tz), now=now)
    cards = _pick(board.cards)
    series = board.series
    wtd: dict[KpiName, KpiCard] | None = None
    week_start: date | None = None
    if win.kind is ReportKind.DAILY:
        week_start = win.end - timedelta(days=win.end.weekday())
        week = await kpi.dashboard(session, business_id=business_id,
                                   period=_period(week_start, win.end, tz), now=now)
        wtd = _pick(week.cards)
        chart = await kpi.dashboard(
            session, business_id=business_id, now=now,
            period=_period(win.end - timedelta(days=CHART_DAYS_DAILY - 1), win.end, tz))
        series = chart.series
    elif win.kind in (ReportKind.MONTHLY, ReportKind.QUARTERLY):
        before = await kpi.dashboard(
            session, business_id=business_id, now=now,
            period=_period(win.previous_start, win.previous_end, tz))
        cards = _compare(cards, _pick(before.cards))
    return ReportData(business_id, business.name, win.kind, win, tz, board.has_data, cards,
                      series, board.channels, board.goals, wtd, week_start)
