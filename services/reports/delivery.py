"""Who gets scheduled reports, which businesses are due, and the record of runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import (
    AnalyticsSettings,
    Business,
    CheckinOptIn,
    Membership,
    ReportOptIn,
    ReportRun,
    User,
)
from services.errors import NotFound
from services.kpi.service import DEFAULT_TIMEZONE
from services.reports.schedule import ReportKind, Window, due_window
from services.teams import Role
from services.users import DEFAULT_LANGUAGE, LANGUAGES


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    language: str
    timezone: str


@dataclass(frozen=True, slots=True)
class DueReport:
    business_id: int
    timezone: str
    window: Window

    @property
    def kind(self) -> ReportKind:
        return self.window.kind


def default_opt_in(role: str) -> bool:
    """The owner gets scheduled reports unless they turn them off; members when they opt in."""
    return role == Role.OWNER.value


OptInModel = type[ReportOptIn] | type[CheckinOptIn]  # which push: reports or check-ins


async def recipients(session: AsyncSession, *, business_id: int,
                     model: OptInModel = ReportOptIn) -> list[Recipient]:
    """The owner (unless opted out) and the members who opted in (``model``: which push —
    scheduled reports or the weekly check-in), with their languages."""
    rows = await session.execute(
        select(Membership.user_id, Membership.role, model.enabled, User.language,
               User.timezone)
        .join(User, User.id == Membership.user_id)
        .outerjoin(model, (model.business_id == Membership.business_id)
                   & (model.user_id == Membership.user_id))
        .where(Membership.business_id == business_id, User.status == "active")
        .order_by(Membership.user_id))
    result = []
    for user_id, role, enabled, language, timezone in rows:
        if enabled if enabled is not None else default_opt_in(role):
            lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
            result.append(Recipient(int(user_id), lang, timezone or DEFAULT_TIMEZONE))
    return result


async def is_opted_in(session: AsyncSession, *, business_id: int, user_id: int,
                      model: OptInModel = ReportOptIn) -> bool:
    """Whether this member gets the push of ``model`` from the business."""
    role = await session.scalar(select(Membership.role).where(
        Membership.business_id == business_id, Membership.user_id == user_id))
    if role is None:
        raise NotFound(entity="membership", id=user_id)
    row = cast("ReportOptIn | CheckinOptIn | None",
               await session.get(model, (business_id, user_id)))
    return row.enabled if row is not None else default_opt_in(role)


async def set_opt_in(session: AsyncSession, *, business_id: int, user_id: int,
                     enabled: bool, model: OptInModel = ReportOptIn) -> bool:
    """Turn the push of ``model`` on or off for one member of the business."""
    await is_opted_in(session, business_id=business_id, user_id=user_id, model=model)
    row = cast("ReportOptIn | CheckinOptIn | None",
               await session.get(model, (business_id, user_id)))
    if row is None:
        session.add(model(business_id=business_id, user_id=user_id, enabled=enabled))
    else:
        row.enabled = enabled
    await session.flush()
    return enabled


async def due_reports(session: AsyncSession, *, kind: ReportKind | str, now: datetime
                      ) -> list[DueReport]:
    """Businesses whose local 09:00 has passed on the due day of ``kind`` and that have no
    run for that period yet."""
    kind = ReportKind(kind)
    rows = await session.execute(
        select(Business.id, AnalyticsSettings.timezone, User.timezone)
        .join(User, User.id == Business.owner_id)
        .outerjoin(AnalyticsSettings, AnalyticsSettings.business_id == Business.id)
        .order_by(Business.id))
    due: dict[tuple[int, str], DueReport] = {}
    windows: dict[str, Window | None] = {}
    for business_id, own_tz, owner_tz in rows:
        tz = own_tz or owner_tz or DEFAULT_TIMEZONE
        if tz not in windows:
            windows[tz] = due_window(kind, now=now, timezone=tz)
        win = windows[tz]
        if win is not None:
            due[(int(business_id), win.key)] = DueReport(int(business_id), tz, win)
    if not due:
        return []
    keys = {key for _, key in due}
    done = await session.execute(
        select(ReportRun.business_id, ReportRun.period_key)
        .where(ReportRun.kind == kind.value, ReportRun.period_key.in_(keys)))
    for business_id, key in done:
        due.pop((int(business_id), key), None)
    return list(due.values())


async def record_run(session: AsyncSession, *, business_id: int, kind: ReportKind,
                     period_key: str, recipients: int) -> None:
    """Remember that this period's report of the business was queued."""
    session.add(ReportRun(business_id=business_id, kind=kind.value, period_key=period_key,
                          recipients=recipients))
    await session.flush()
