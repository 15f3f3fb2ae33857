"""The weekly strategy check-in push: every few minutes, find the businesses whose Monday
09:00 has passed and that have a plan for the month, run the check-in once (it is saved with
the plan) and queue it through the outbox to every recipient in their own language."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing_notices import owner_bot_id
from bot.checkin_texts import weekly_checkin_text
from services import checkins, outbox, strategy
from services.checkins import DueCheckin

log = logging.getLogger(__name__)


def dedup_key(business_id: int, week_key: str, user_id: int) -> str:
    return f"checkin:{business_id}:{week_key}:{user_id}"


async def queue_checkin(session: AsyncSession, *, i18n: I18n, bot_id: int, due: DueCheckin,
                        now: datetime) -> int:
    """Check one business in against its plan and queue the text; returns messages queued."""
    people = await checkins.recipients(session, business_id=due.business_id)
    queued = 0
    if people:
        result = await strategy.check_in(session, business_id=due.business_id,
                                         month=due.month, now=now)
        texts: dict[str, str] = {}
        for person in people:
            if person.language not in texts:
                with i18n.context(), i18n.use_locale(person.language):
                    texts[person.language] = weekly_checkin_text(result, person.language)
            if await outbox.enqueue(
                    session, bot_id=bot_id, chat_id=person.user_id, kind="checkin",
                    payload=outbox.text_payload(texts[person.language]),
                    business_id=due.business_id,
                    dedup_key=dedup_key(due.business_id, due.week_key, person.user_id),
                    batch=f"checkin:{due.week_key}"):
                queued += 1
    await checkins.record_run(session, business_id=due.business_id, week_key=due.week_key,
                              recipients=len(people))
    return queued


async def queue_due_checkins(app: Any, *, now: datetime | None = None) -> int:
    """Queue every weekly check-in that is due now (idempotent: runs and dedup keys)."""
    at = now or datetime.now(UTC)
    bot_id = owner_bot_id(app)
    async with app.sessionmaker() as session:
        due = await checkins.due_checkins(session, now=at)
    queued = 0
    for item in due:
        try:
            async with app.sessionmaker.begin() as session:
                queued += await queue_checkin(session, i18n=app.i18n, bot_id=bot_id, due=item,
                                              now=at)
        except Exception:  # one broken business must not stop the others' check-ins
            log.exception("weekly check-in for business %d failed", item.business_id)
    return queued
