"""The in-process scheduler (APScheduler) of embedded mode; jobs open their own transaction."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import competitor_jobs
from bot.amocrm_jobs import reconcile_all
from bot.app import App
from bot.billing_notices import owner_bot_id, queue_trial_reminder
from bot.channel_stats import read_channel_members
from bot.checkin_jobs import queue_due_checkins
from bot.insight_jobs import evaluate_tick
from bot.report_jobs import queue_due_reports
from bot.sync_jobs import sync_tick
from services import maintenance
from services.billing import subscriptions

log = logging.getLogger(__name__)


async def trial_reminders(app: App) -> int:
    """Queue the 2-day and 1-day trial reminders that are due (idempotent)."""
    queued = 0
    async with app.sessionmaker.begin() as session:
        for reminder in await subscriptions.due_trial_reminders(session):
            queued += await queue_trial_reminder(session, i18n=app.i18n,
                                                 bot_id=owner_bot_id(app), reminder=reminder)
    return queued


async def subscription_lifecycle(app: App) -> dict[str, int]:
    """Ended periods: active → past_due → canceled (read-only until paid)."""
    async with app.sessionmaker.begin() as session:
        return await subscriptions.expire_lapsed(session)


async def handoff_reminders(app: App) -> int:
    """Remind the operators of customers waiting more than 15 minutes for a person."""
    from bot.sales_notices import queue_reminder
    from services.salesbot import conversations

    queued = 0
    async with app.sessionmaker.begin() as session:
        for conversation in await conversations.due_reminders(session):
            queued += await queue_reminder(session, app.i18n, bot_id=owner_bot_id(app),
                                           conversation=conversation)
    return queued


async def retention_purge(app: App) -> dict[str, int]:
    """Delete data older than each plan's retention."""
    async with app.sessionmaker.begin() as session:
        return await subscriptions.purge_expired_data(session)


def build_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def purge_updates() -> None:
        async with app.sessionmaker.begin() as session:
            removed = await maintenance.purge_processed_updates(session)
        log.info("purged %d processed update ids", removed)

    async def reminders_job() -> None:
        log.info("queued %d trial reminders", await trial_reminders(app))

    async def lifecycle_job() -> None:
        log.info("subscription states moved: %s", await subscription_lifecycle(app))

    async def purge_job() -> None:
        log.info("retention purge removed: %s", await retention_purge(app))

    scheduler.add_job(purge_updates, "interval", hours=1, id="purge_processed_updates",
                      max_instances=1, coalesce=True)

    async def channel_members() -> None:
        bot = app.extras.get("owner_bot")
        if bot is not None:
            read = await read_channel_members(app.sessionmaker, bot)
            log.info("read members of %d Telegram channel(s)", read)

    scheduler.add_job(channel_members, "interval", hours=1, id="telegram_channel_members",
                      max_instances=1, coalesce=True)

    scheduler.add_job(reminders_job, "interval", minutes=30, id="billing_trial_reminders",
                      max_instances=1, coalesce=True)
    scheduler.add_job(lifecycle_job, "interval", minutes=15, id="billing_lifecycle",
                      max_instances=1, coalesce=True)
    scheduler.add_job(purge_job, "cron", hour=21, minute=30, id="billing_retention_purge",
                      max_instances=1, coalesce=True)  # 02:30 in Tashkent

    async def insights_job() -> None:
        log.info("insights: %s", await evaluate_tick(app))

    # Every 10 minutes, a sixth of the businesses each time: each one hourly (insight_jobs).
    scheduler.add_job(insights_job, "cron", minute="*/10", id="insights_evaluate",
                      max_instances=1, coalesce=True)

    async def reports_job() -> None:
        log.info("queued %d scheduled report messages", await queue_due_reports(app))

    # every business's 09:00 falls in some 5-minute tick; a missed tick catches up later
    scheduler.add_job(reports_job, "interval", minutes=5, id="scheduled_reports",
                      max_instances=1, coalesce=True)

    async def integrations_job() -> None:
        log.info("integration syncs: %s", await sync_tick(app))

    # each business hourly at its own minute (bot.sync_jobs); a tick runs those now due
    scheduler.add_job(integrations_job, "interval", minutes=5, id="integration_sync",
                      max_instances=1, coalesce=True)

    async def competitors_job() -> None:
        log.info("competitors: %s", await competitor_jobs.sync_tick(app))

    # Every 10 minutes, a sixth of the businesses each time: each one hourly (competitor_jobs);
    # the Monday 09:00 weekly competitor report is queued by the same tick.
    scheduler.add_job(competitors_job, "cron", minute="*/10", id="competitors_sync",
                      max_instances=1, coalesce=True)

    async def amocrm_job() -> None:
        log.info("amocrm: reconciled %d account(s)", await reconcile_all(app))

    scheduler.add_job(amocrm_job, "interval", minutes=app.settings.amocrm.reconcile_minutes,
                      id="amocrm_reconcile", max_instances=1, coalesce=True)

    async def checkins_job() -> None:
        log.info("queued %d weekly check-in messages", await queue_due_checkins(app))

    # Monday 09:00 business-local, checked like the reports (a missed tick catches up)
    scheduler.add_job(checkins_job, "interval", minutes=5, id="strategy_checkins",
                      max_instances=1, coalesce=True)

    async def handoff_job() -> None:
        queued = await handoff_reminders(app)
        if queued:
            log.info("queued %d hand-off reminders", queued)

    scheduler.add_job(handoff_job, "interval", minutes=1, id="salesbot_handoff_reminders",
                      max_instances=1, coalesce=True)
    return scheduler
