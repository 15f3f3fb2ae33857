"""Scheduled reports: every few minutes, find the businesses whose local 09:00 has passed on
a report's due day, build and render each report once, and queue a photo (and a text when
the summary is longer than a caption) for every recipient in their own language."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing_notices import owner_bot_id
from bot.reports import caption_and_text, report_image, report_keyboard
from services import outbox, reports
from services.charts.report import render_report
from services.reports import DueReport, ReportKind

log = logging.getLogger(__name__)


def dedup_key(kind: ReportKind, business_id: int, period_key: str, user_id: int) -> str:
    return f"report:{kind.value}:{business_id}:{period_key}:{user_id}"


async def queue_report(session: AsyncSession, *, i18n: I18n, bot_id: int, due: DueReport,
                       now: datetime) -> int:
    """Build, render and queue one business's report; returns the messages queued."""
    data = await reports.build_report(session, business_id=due.business_id, kind=due.kind,
                                      now=now)
    people = await reports.recipients(session, business_id=due.business_id) \
        if data.has_data else []
    queued = 0
    rendered: dict[str, tuple[bytes, str, str | None, dict[str, Any]]] = {}
    for person in people:
        if person.language not in rendered:
            with i18n.context(), i18n.use_locale(person.language):
                image = report_image(data, person.language)
                caption, text = caption_and_text(data, person.language)
                markup = report_keyboard(due.kind).model_dump(exclude_none=True)
            png = await asyncio.to_thread(render_report, image)
            rendered[person.language] = (png, caption, text, markup)
        png, caption, text, markup = rendered[person.language]
        key = dedup_key(due.kind, due.business_id, due.window.key, person.user_id)
        photo = outbox.photo_payload(png, caption=caption,
                                     reply_markup=None if text else markup)
        if await outbox.enqueue(session, bot_id=bot_id, chat_id=person.user_id, kind="report",
                                payload=photo, business_id=due.business_id, dedup_key=key,
                                batch=f"report:{due.kind.value}:{due.window.key}"):
            queued += 1
        if text and await outbox.enqueue(
                session, bot_id=bot_id, chat_id=person.user_id, kind="report",
                payload=outbox.text_payload(text, reply_markup=markup),
                business_id=due.business_id, dedup_key=key + ":text",
                batch=f"report:{due.kind.value}:{due.window.key}"):
            queued += 1
    await reports.record_run(session, business_id=due.business_id, kind=due.kind,
                             period_key=due.window.key, recipients=len(people))
    return queued


async def queue_due_reports(app: Any, *, now: datetime | None = None,
                            kinds: tuple[ReportKind, ...] = tuple(ReportKind)) -> int:
    """Queue every report that is due now (idempotent: runs and dedup keys)."""
    at = now or datetime.now(UTC)
    bot_id = owner_bot_id(app)
    queued = 0
    for kind in kinds:
        async with app.sessionmaker() as session:
            due = await reports.due_reports(session, kind=kind, now=at)
        for item in due:
            try:
                async with app.sessionmaker.begin() as session:
                    queued += await queue_report(session, i18n=app.i18n, bot_id=bot_id,
                                                 due=item, now=at)
            except Exception:  # one broken business must not stop the others' reports
                log.exception("report %s for business %d failed", kind, item.business_id)
    return queued
