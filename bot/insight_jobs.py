"""The insight job: evaluate the rules for each live business once an hour and push what is
new to the owner through the outbox.

Spreading: the job ticks every 10 minutes and takes the businesses whose id falls in that
tick's sixth of the hour (``id % 6``), so each business is evaluated once an hour and the load
is spread over six ticks. CRITICAL and HIGH insights are queued at once, one message each;
MEDIUM and LOW wait for the daily window (09:00 business-local) and go as one bundle.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing_notices import owner_bot_id
from bot.insight_texts import alert_text, digest_text
from services import insights, kpi, outbox
from services.db.base import utcnow
from services.db.models import Business, User
from services.insights import Priority
from services.users import DEFAULT_LANGUAGE, LANGUAGES

log = logging.getLogger(__name__)

TICKS_PER_HOUR = 6
DIGEST_HOUR = 9  # business-local
LATER = frozenset({Priority.MEDIUM, Priority.LOW})


def tick_of(now: datetime) -> int:
    """Which sixth of the hour ``now`` is in (0–5)."""
    return now.minute * TICKS_PER_HOUR // 60


async def push_insights(session: AsyncSession, *, i18n: I18n, bot_id: int, business_id: int,
                        now: datetime) -> int:
    """Queue the owner's alerts: urgent ones now, the rest bundled in the daily window.
    Idempotent: each insight and each day's bundle has its own dedup key."""
    business = await session.get(Business, business_id)
    if business is None:
        return 0
    owner = await session.get(User, business.owner_id)
    locale = owner.language if owner is not None and owner.language in LANGUAGES else None
    locale = locale or DEFAULT_LANGUAGE
    queued = 0
    urgent = await insights.unnotified(session, business_id=business_id,
                                       priorities=insights.URGENT)
    for item in urgent:
        with i18n.context(), i18n.use_locale(locale):
            text = alert_text(item, locale)
        if await outbox.enqueue(session, bot_id=bot_id, chat_id=business.owner_id, kind="alert",
                                payload=outbox.text_payload(text), business_id=business_id,
                                dedup_key=f"insight:{item.id}") is not None:
            queued += 1
    await insights.mark_notified(session, insight_ids=[i.id for i in urgent], now=now)
    tz = await kpi.business_timezone(session, business_id=business_id)
    local = now.astimezone(ZoneInfo(tz))
    if local.hour != DIGEST_HOUR:
        return queued
    later = await insights.unnotified(session, business_id=business_id, priorities=LATER)
    if later:
        with i18n.context(), i18n.use_locale(locale):
            text = digest_text(later, locale)
        if await outbox.enqueue(session, bot_id=bot_id, chat_id=business.owner_id, kind="alert",
                                payload=outbox.text_payload(text), business_id=business_id,
                                dedup_key=f"insight-digest:{business_id}:{local.date()}"
                                ) is not None:
            queued += 1
        await insights.mark_notified(session, insight_ids=[i.id for i in later], now=now)
    return queued


async def evaluate_tick(app: Any, *, now: datetime | None = None,
                        every_business: bool = False) -> dict[str, int]:
    """Evaluate this tick's businesses (all with ``every_business``) and queue the alerts;
    one transaction per business so one failure does not stop the others."""
    now = now or utcnow()
    tick = tick_of(now)
    async with app.sessionmaker() as session:
        ids = await insights.active_business_ids(session)
    bot_id = owner_bot_id(app)
    found = queued = 0
    for business_id in ids:
        if not every_business and business_id % TICKS_PER_HOUR != tick:
            continue
        try:
            async with app.sessionmaker.begin() as session:
                found += len(await insights.evaluate(session, business_id=business_id, now=now))
                queued += await push_insights(session, i18n=app.i18n, bot_id=bot_id,
                                              business_id=business_id, now=now)
        except Exception:
            log.exception("insight evaluation failed for business %s", business_id)
    return {"insights": found, "queued": queued}
