"""Reporting periods in the business's time zone, each with the previous one of equal length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.errors import InvalidInput

MAX_CUSTOM_DAYS = 3 * 366


class PeriodKind(StrEnum):
    TODAY = "today"
    DAYS_7 = "7d"
    DAYS_30 = "30d"
    DAYS_90 = "90d"
    MONTH = "month"  # this calendar month so far
    QUARTER = "quarter"  # this calendar quarter so far
    YEAR = "year"  # this calendar year so far
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive business-local days ``start..end`` and the same-length period before it."""

    kind: PeriodKind
    start: date
    end: date
    timezone: str = "Asia/Tashkent"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(self.kind, end - timedelta(days=self.days - 1), end, self.timezone)

    def day_list(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def start_utc(self) -> datetime:
        """The period's first local midnight as an aware UTC datetime."""
        return local_midnight_utc(self.start, self.timezone)

    def end_utc(self) -> datetime:
        """The local midnight after the period's last day (exclusive), in UTC."""
        return local_midnight_utc(self.end + timedelta(days=1), self.timezone)


def local_midnight_utc(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(timezone)).astimezone(UTC)


def local_today(timezone: str, *, now: datetime | None = None) -> date:
    """Today's date in ``timezone``."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()


def make_period(kind: PeriodKind | str, *, today: date, timezone: str = "Asia/Tashkent",
                start: date | None = None, end: date | None = None) -> Period:
    """The period of ``kind`` ending today (``CUSTOM`` takes ``start`` and ``end``)."""
    kind = PeriodKind(kind)
    if kind is PeriodKind.CUSTOM:
        if start is None or end is None:
            raise InvalidInput(field="period", reason="date")
        if end < start:  # "01.12.2026-01.11.2026": typed the other way round
            start, end = end, start
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise InvalidInput(field="period", reason="date_range")
        return Period(kind, start, end, timezone)
    if kind is PeriodKind.TODAY:
        first = today
    elif kind in (PeriodKind.DAYS_7, PeriodKind.DAYS_30, PeriodKind.DAYS_90):
        first = today - timedelta(days=int(kind.value[:-1]) - 1)
    elif kind is PeriodKind.MONTH:
        first = today.replace(day=1)
    elif kind is PeriodKind.QUARTER:
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    else:
        first = today.replace(month=1, day=1)
    return Period(kind, first, today, timezone)
