"""The weekly strategy check-in push (SPEC §3.7): on Monday after 09:00 in the business's time
zone, the month to date against this month's saved plan, to the owner (unless opted out) and
the members who opted in — like the scheduled reports (``services.reports.delivery``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import (
    AnalyticsSettings,
    Business,
    CheckinOptIn,
    ReportRun,
    Strategy,
    User,
)
from services.kpi.service import DEFAULT_TIMEZONE
from services.reports import delivery
from services.reports.delivery import Recipient

RUN_KIND = "checkin"  # ``ReportRun.kind`` of a queued weekly check-in
SEND_AT = time(9, 0)  # with the weekly report, Monday 09:00 business-local


@dataclass(frozen=True, slots=True)
class DueCheckin:
    business_id: int
    timezone: str
    month: str  # the plan's month, ``2026-12``
    week_key: str  # ``2026-W49``: one check-in per business and week


def due_week(now: datetime, timezone: str) -> tuple[str, str] | None:
    """(month, ISO week) when it is Monday after 09:00 in ``timezone``, else None; a missed
    tick catches up later that Monday, never on Tuesday."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):  # a broken setting must not stop the job
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    local = now.astimezone(zone)
    if local.weekday() != 0 or local.time() < SEND_AT:
        return None
    year, week, _ = local.date().isocalendar()
    return f"{local.year:04d}-{local.month:02d}", f"{year}-W{week:02d}"


async def due_checkins(session: AsyncSession, *, now: datetime) -> list[DueCheckin]:
    """Businesses with a plan for their current month whose Monday 09:00 has passed and whose
    check-in of this week was not queued yet."""
    rows = await session.execute(
        select(Business.id, AnalyticsSettings.timezone, User.timezone)
        .join(User, User.id == Business.owner_id)
        .outerjoin(AnalyticsSettings, AnalyticsSettings.business_id == Business.id)
        .order_by(Business.id))
    candidates: dict[int, DueCheckin] = {}
    weeks: dict[str, tuple[str, str] | None] = {}
    for business_id, own_tz, owner_tz in rows:
        tz = own_tz or owner_tz or DEFAULT_TIMEZONE
        if tz not in weeks:
            weeks[tz] = due_week(now, tz)
        found = weeks[tz]
        if found is not None:
            candidates[int(business_id)] = DueCheckin(int(business_id), tz, *found)
    if not candidates:
        return []
    months = {c.month for c in candidates.values()}
    planned = {(int(b), m) for b, m in await session.execute(
        select(Strategy.business_id, Strategy.month).where(Strategy.month.in_(months)))}
    keys = {c.week_key for c in candidates.values()}
    done = {int(b) for b, in await session.execute(
        select(ReportRun.business_id).where(ReportRun.kind == RUN_KIND,
                                            ReportRun.period_key.in_(keys)))}
    return [c for c in candidates.values()
            if (c.business_id, c.month) in planned and c.business_id not in done]


async def recipients(session: AsyncSession, *, business_id: int) -> list[Recipient]:
    """The owner (unless opted out) and the members who opted in, with their languages."""
    return await delivery.recipients(session, business_id=business_id, model=CheckinOptIn)


async def is_opted_in(session: AsyncSession, *, business_id: int, user_id: int) -> bool:
    """Whether this member gets the weekly check-in of the business."""
    return await delivery.is_opted_in(session, business_id=business_id, user_id=user_id,
                                      model=CheckinOptIn)


async def set_opt_in(session: AsyncSession, *, business_id: int, user_id: int,
                     enabled: bool) -> bool:
    """Turn the weekly check-in push on or off for one member of the business."""
    return await delivery.set_opt_in(session, business_id=business_id, user_id=user_id,
                                     enabled=enabled, model=CheckinOptIn)


async def record_run(session: AsyncSession, *, business_id: int, week_key: str,
                     recipients: int) -> None:
    """Remember that this week's check-in of the business was queued."""
    session.add(ReportRun(business_id=business_id, kind=RUN_KIND, period_key=week_key,
                          recipients=recipients))
    await session.flush()
