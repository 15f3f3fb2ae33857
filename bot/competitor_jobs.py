"""The hourly competitor sync and the weekly competitor report, through the outbox.

The job ticks every 10 minutes and takes the businesses whose stable hash falls in that
tick's sixth of the hour, so each business is read once an hour and t.me sees an even load.
A lock keeps a slow tick from overlapping the next one (APScheduler's ``max_instances=1``
does the same for the scheduler; the lock also covers on-demand calls). Each business's run
is recorded (``competitor_sync_runs``) and each channel's outcome is kept on the channel, so
the owner sees "not synced since …" instead of a gap. No transaction is open while a page
is fetched.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing_notices import owner_bot_id
from bot.competitor_texts import alert_keyboard, alert_text, weekly_caption, weekly_labels
from bot.config import Settings
from bot.integrations import runtime as integrations_runtime
from services import competitors, kpi, marketing, outbox
from services.charts.competitors import render_weekly
from services.competitors import report, sync
from services.competitors.telegram_preview import (
    ChannelPreview,
    CircuitBreaker,
    PreviewError,
    PreviewSource,
    TelegramPreviewClient,
)
from services.db.base import utcnow
from services.db.models import Business, User
from services.errors import NotFound
from services.integrations.discovery import instagram_competitor
from services.integrations.errors import IntegrationError
from services.users import DEFAULT_LANGUAGE, LANGUAGES

log = logging.getLogger(__name__)

TICKS_PER_HOUR = 6
WEEKLY_DAY, WEEKLY_HOUR = 0, 9  # Monday 09:00 business-local
LOCK_KEY = "competitor_sync_lock"
CLIENT_KEY = "competitor_preview_client"


def make_preview_client(settings: Settings) -> TelegramPreviewClient:
    c = settings.competitors
    return TelegramPreviewClient(
        c.base_url, timeout=c.timeout_seconds, retries=c.retries, backoff=c.backoff_seconds,
        breaker=CircuitBreaker(c.breaker_threshold, c.breaker_cooldown_seconds))


def preview_client(app: Any) -> PreviewSource:
    """The process's one t.me client (its circuit breaker spans every business)."""
    client = app.extras.get(CLIENT_KEY)
    if client is None:
        client = app.extras[CLIENT_KEY] = make_preview_client(app.settings)
    return client  # type: ignore[no-any-return]


def slot_of(business_id: int) -> int:
    """A business's sixth of the hour (a stable hash, not Python's salted one)."""
    return zlib.crc32(f"competitors:{business_id}".encode()) % TICKS_PER_HOUR


def tick_of(now: datetime) -> int:
    return now.minute * TICKS_PER_HOUR // 60


async def _owner_locale(session: AsyncSession, business_id: int) -> tuple[Business, str]:
    business = await session.get(Business, business_id)
    assert business is not None
    owner = await session.get(User, business.owner_id)
    locale = owner.language if owner is not None and owner.language in LANGUAGES else None
    return business, locale or DEFAULT_LANGUAGE


async def push_alerts(session: AsyncSession, *, i18n: I18n, bot_id: int, business_id: int,
                      now: datetime, base_url: str = "https://t.me") -> int:
    """Queue the owner's competitor alerts (one per competitor and kind per 24 h)."""
    alerts = await sync.take_alerts(session, business_id=business_id, now=now)
    if not alerts:
        return 0
    business, locale = await _owner_locale(session, business_id)
    queued = 0
    for alert in alerts:
        with i18n.context(), i18n.use_locale(locale):
            text = alert_text(alert, locale, base_url=base_url)
            markup = alert_keyboard(alert.activity_id, alert.competitor_id)
        payload = outbox.text_payload(text, reply_markup=markup.model_dump(exclude_none=True))
        if await outbox.enqueue(session, bot_id=bot_id, chat_id=business.owner_id,
                                kind="alert", payload=payload, business_id=business_id,
                                dedup_key=f"competitor-alert:{alert.activity_id}") is not None:
            queued += 1
    return queued


async def link_own_channel(app: Any, business_id: int) -> str | None:
    """A business whose bot admins its public channel (``my_chat_member``) gets that channel's
    page read too, with no setup: its @username comes from ``getChat``."""
    bot = app.extras.get("owner_bot")
    if bot is None:
        return None
    async with app.sessionmaker() as session:
        if await competitors.own_channel(session, business_id=business_id) is not None:
            return None
        chats = [t.chat_id for t in await marketing.telegram_sync_targets(session)
                 if t.business_id == business_id]
    for chat_id in chats:
        try:
            chat = await bot.get_chat(chat_id)
        except TelegramAPIError as exc:
            log.info("channel %s: no public name read: %s", chat_id, exc)
            continue
        if chat.username:
            async with app.sessionmaker.begin() as session:
                await competitors.set_own_channel(session, business_id=business_id,
                                                  username=chat.username)
            return str(chat.username)
    return None


async def _instagram_preview(app: Any, business_id: int, username: str
                             ) -> ChannelPreview:
    """A competitor's Instagram account, read through business discovery with the owner's
    own Instagram connection (``NotFound`` without one); no transaction stays open while
    Graph answers."""
    runtime = integrations_runtime(app)
    async with app.sessionmaker() as session:
        profile = await instagram_competitor(session, box=runtime.box,
                                             client=runtime.clients.instagram,
                                             business_id=business_id, username=username)
    return sync.preview_from_instagram(profile)


async def sync_business(app: Any, business_id: int, *, now: datetime,
                        client: PreviewSource | None = None) -> dict[str, int]:
    """Read every channel of one business, detect, record the run, queue the alerts."""
    source = client or preview_client(app)
    await link_own_channel(app, business_id)
    max_pages = app.settings.competitors.max_pages
    async with app.sessionmaker.begin() as session:
        run_id = await sync.start_run(session, business_id=business_id, now=now)
        targets = await sync.sync_targets(session, business_id=business_id)
    failed = found = 0
    errors: list[str] = []
    for target in targets:
        try:
            if target.platform == competitors.INSTAGRAM:
                preview = await _instagram_preview(app, business_id, target.username)
            else:
                preview = await source.fetch_channel(target.username, max_pages=max_pages,
                                                     stop_at=target.newest_post_id)
        except (PreviewError, IntegrationError, NotFound) as exc:
            code = "no_instagram" if isinstance(exc, NotFound) else exc.code
            failed += 1
            errors.append(f"@{target.username}: {code}")
            async with app.sessionmaker.begin() as session:
                await sync.record_failure(session, business_id=business_id,
                                          channel_id=target.channel_id, code=code, now=now)
            continue
        async with app.sessionmaker.begin() as session:
            found += await sync.apply_preview(session, business_id=business_id,
                                              channel_id=target.channel_id, preview=preview,
                                              now=now)
    async with app.sessionmaker.begin() as session:
        await sync.finish_run(session, run_id=run_id, now=utcnow(), channels=len(targets),
                              failed=failed, activities=found,
                              error="; ".join(errors) or None)
        queued = await push_alerts(session, i18n=app.i18n, bot_id=owner_bot_id(app),
                                   business_id=business_id, now=now,
                                   base_url=app.settings.competitors.base_url)
    return {"channels": len(targets), "failed": failed, "activities": found, "queued": queued}


REFRESH_EVERY = timedelta(minutes=5)


async def refresh_business(app: Any, business_id: int, *, now: datetime | None = None
                           ) -> dict[str, int] | None:
    """The owner's "refresh now": one business's sync outside its slot, under the same lock
    as the hourly tick; None while a sync runs or when the last run is under 5 minutes old."""
    now = now or utcnow()
    lock: asyncio.Lock = app.extras.setdefault(LOCK_KEY, asyncio.Lock())
    if lock.locked():
        return None
    async with lock:
        async with app.sessionmaker() as session:
            last = await sync.last_run(session, business_id=business_id)
        if last is not None and now - last.started_at < REFRESH_EVERY:
            return None
        return await sync_business(app, business_id, now=now)


async def sync_tick(app: Any, *, now: datetime | None = None, every_business: bool = False,
                    client: PreviewSource | None = None) -> dict[str, int]:
    """This tick's businesses (all with ``every_business``); skipped while a tick runs."""
    lock: asyncio.Lock = app.extras.setdefault(LOCK_KEY, asyncio.Lock())
    if lock.locked():
        log.info("competitor sync still running: this tick is skipped")
        return {"skipped": 1}
    async with lock:
        now = now or utcnow()
        async with app.sessionmaker() as session:
            ids = await sync.businesses_with_channels(session)
            if app.extras.get("owner_bot") is not None:  # own channels not linked yet
                ids = sorted(set(ids) | {t.business_id for t in
                                         await marketing.telegram_sync_targets(session)})
        totals = {"businesses": 0, "channels": 0, "failed": 0, "activities": 0, "queued": 0}
        mine = [i for i in ids if every_business or slot_of(i) == tick_of(now)]
        for business_id in mine:
            try:
                result = await sync_business(app, business_id, now=now, client=client)
            except Exception:
                log.exception("competitor sync failed for business %s", business_id)
                continue
            totals["businesses"] += 1
            for key, value in result.items():
                totals[key] += value
        # each business's slot comes round once in its local 09:00 hour: the report goes then
        totals["reports"] = await queue_weekly_reports(app, now=now, business_ids=mine)
        return totals


async def weekly_report(session: AsyncSession, *, i18n: I18n, business_id: int,
                        now: datetime, locale: str) -> tuple[bytes, str]:
    """The weekly competitor report (PNG and caption) in ``locale``."""
    business = await session.get(Business, business_id)
    assert business is not None
    tz = await kpi.business_timezone(session, business_id=business_id)
    data = await report.weekly_data(session, business_id=business_id, now=now, timezone=tz)
    with i18n.context(), i18n.use_locale(locale):
        labels = weekly_labels(data, locale, business.name)
        caption = weekly_caption(data, locale, business.name, labels.own)
    png = await asyncio.to_thread(render_weekly, data, labels)
    return png, caption


async def queue_weekly_reports(app: Any, *, now: datetime, business_ids: list[int]) -> int:
    """Monday 09:00 business-local: the weekly competitor report to the owner, once a week."""
    queued = 0
    for business_id in business_ids:
        try:
            async with app.sessionmaker.begin() as session:
                tz = await kpi.business_timezone(session, business_id=business_id)
                local = now.astimezone(ZoneInfo(tz))
                if local.weekday() != WEEKLY_DAY or local.hour != WEEKLY_HOUR:
                    continue
                week = local.isocalendar()
                key = f"competitor-weekly:{business_id}:{week.year}-{week.week:02d}"
                business, locale = await _owner_locale(session, business_id)
                png, caption = await weekly_report(session, i18n=app.i18n,
                                                   business_id=business_id, now=now,
                                                   locale=locale)
                if await outbox.enqueue(session, bot_id=owner_bot_id(app),
                                        chat_id=business.owner_id, kind="report",
                                        payload=outbox.photo_payload(png, caption=caption),
                                        business_id=business_id, dedup_key=key,
                                        due_at=now + timedelta(seconds=0)) is not None:
                    queued += 1
        except Exception:
            log.exception("weekly competitor report failed for business %s", business_id)
    return queued
