"""Report kinds, the periods they cover and when each is due, in the business's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SEND_AT = time(9, 0)  # business-local time a scheduled report goes out


class ReportKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


@dataclass(frozen=True, slots=True)
class Window:
    """The business-local days a report covers, the window it is compared with, and the
    period's key (``2026-12-01``, ``2026-W48``, ``2026-11``, ``2026-Q4``)."""

    kind: ReportKind
    start: date
    end: date
    previous_start: date
    previous_end: date
    key: str


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _quarter_start(day: date) -> date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def window(kind: ReportKind | str, *, today: date) -> Window:
    """The last complete period of ``kind`` before ``today`` and the one before it."""
    kind = ReportKind(kind)
    if kind is ReportKind.DAILY:
        end = today - timedelta(days=1)
        before = end - timedelta(days=1)
        return Window(kind, end, end, before, before, end.isoformat())
    if kind is ReportKind.WEEKLY:
        start = today - timedelta(days=today.weekday() + 7)
        year, week, _ = start.isocalendar()
        return Window(kind, start, start + timedelta(days=6), start - timedelta(days=7),
                      start - timedelta(days=1), f"{year}-W{week:02d}")
    if kind is ReportKind.MONTHLY:
        start = _month_start(_month_start(today) - timedelta(days=1))
        prev_start = _month_start(start - timedelta(days=1))
        return Window(kind, start, _month_start(today) - timedelta(days=1), prev_start,
                      start - timedelta(days=1), f"{start.year}-{start.month:02d}")
    start = _quarter_start(_quarter_start(today) - timedelta(days=1))
    prev_start = _quarter_start(start - timedelta(days=1))
    return Window(kind, start, _quarter_start(today) - timedelta(days=1), prev_start,
                  start - timedelta(days=1), f"{start.year}-Q{(start.month - 1) // 3 + 1}")


def is_due_day(kind: ReportKind, day: date) -> bool:
    """Daily every day, weekly on Mondays, monthly on the 1st, quarterly on a quarter's 1st."""
    if kind is ReportKind.DAILY:
        return True
    if kind is ReportKind.WEEKLY:
        return day.weekday() == 0
    if kind is ReportKind.MONTHLY:
        return day.day == 1
    return day.day == 1 and day.month in (1, 4, 7, 10)


def due_window(kind: ReportKind | str, *, now: datetime, timezone: str) -> Window | None:
    """The window to send now, when it is the due day in ``timezone`` and 09:00 has passed
    there (a missed run catches up later that local day, never the next day)."""
    kind = ReportKind(kind)
    local = now.astimezone(ZoneInfo(timezone))
    if local.time() < SEND_AT or not is_due_day(kind, local.date()):
        return None
    return window(kind, today=local.date())
