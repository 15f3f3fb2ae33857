"""Website traffic from GA4 as the owner sees it: the days synced into ``integration_daily``
summed over a period (sessions, key events, the session-weighted bounce rate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import IntegrationConnection, IntegrationDaily
from services.integrations.types import Kind


@dataclass(frozen=True, slots=True)
class Traffic:
    start: date
    end: date
    days: int  # days with a reading
    sessions: int
    conversions: float
    bounce_rate: float | None  # percent, weighted by sessions; None without sessions


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else 0.0


async def website_traffic(session: AsyncSession, *, business_id: int, start: date,
                          end: date) -> Traffic | None:
    """GA4 totals of the business for ``start..end``; None when no GA4 day was synced."""
    rows = (await session.scalars(
        select(IntegrationDaily)
        .join(IntegrationConnection, IntegrationConnection.id == IntegrationDaily.connection_id)
        .where(IntegrationDaily.business_id == business_id,
               IntegrationConnection.business_id == business_id,
               IntegrationConnection.kind == Kind.GA4,
               IntegrationDaily.day >= start, IntegrationDaily.day <= end))).all()
    if not rows:
        return None
    sessions = conversions = bounced = 0.0
    for row in rows:
        day_sessions = _number(row.values.get("sessions"))
        sessions += day_sessions
        conversions += _number(row.values.get("conversions"))
        bounced += day_sessions * _number(row.values.get("bounce_rate"))
    return Traffic(start, end, len({r.day for r in rows}), int(sessions),
                   round(conversions, 2), round(bounced / sessions, 1) if sessions else None)
