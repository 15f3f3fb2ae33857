"""What a business uses of every counted limit of its plan, for the /plan screen (SPEC §5:
"usage against every limit"). Counted resources come from their tables, periodic ones from
this period's usage counters (one query for all of them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans, profile, teams
from services.db.base import utcnow
from services.db.models import (
    Competitor,
    DreamBuyer,
    MarketingChannel,
    SalesBot,
    UsageCounter,
)

PERIODIC = (plans.Resource.LEADS_PER_MONTH, plans.Resource.CHATBOT_MESSAGES_PER_MONTH,
            plans.Resource.API_CALLS_PER_DAY, plans.Resource.AI_REQUESTS_PER_HOUR)


async def _count(session: AsyncSession, statement: object) -> int:
    return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]


async def business_usage(session: AsyncSession, *, business_id: int, owner_id: int,
                         now: datetime | None = None) -> dict[str, int]:
    """Used amount per resource."""
    now = now or utcnow()
    used: dict[str, int] = {
        plans.Resource.BUSINESSES: await profile.count_owned(session, owner_id=owner_id),
        plans.Resource.TEAM_MEMBERS: await teams.seats_used(session, business_id=business_id),
        plans.Resource.CHANNELS: await _count(session, select(func.count()).where(
            MarketingChannel.business_id == business_id,
            MarketingChannel.is_active.is_(True))),
        plans.Resource.AVATARS: await _count(session, select(func.count()).where(
            DreamBuyer.business_id == business_id)),
        plans.Resource.CHATBOTS: await _count(session, select(func.count()).where(
            SalesBot.business_id == business_id, SalesBot.status != "revoked")),
        # counted like the competitors' own limit check (services.competitors.service)
        plans.Resource.COMPETITORS: await _count(session, select(func.count()).where(
            Competitor.business_id == business_id)),
    }
    keys = [(r.value, plans.period_key(r, now)) for r in PERIODIC]
    counters = {resource: int(n) for resource, n in await session.execute(
        select(UsageCounter.resource, UsageCounter.used).where(
            UsageCounter.business_id == business_id,
            tuple_(UsageCounter.resource, UsageCounter.period).in_(keys)))}
    for resource in PERIODIC:
        used[resource] = counters.get(resource.value, 0)
    return used
