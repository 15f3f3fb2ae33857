"""The in-process scheduler (APScheduler) of embedded mode; jobs open their own transaction."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.channel_stats import read_channel_members
from services import maintenance

log = logging.getLogger(__name__)


def build_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def purge_updates() -> None:
        async with app.sessionmaker.begin() as session:
            removed = await maintenance.purge_processed_updates(session)
        log.info("purged %d processed update ids", removed)

    scheduler.add_job(purge_updates, "interval", hours=1, id="purge_processed_updates",
                      max_instances=1, coalesce=True)

    async def channel_members() -> None:
        bot = app.extras.get("owner_bot")
        if bot is not None:
            read = await read_channel_members(app.sessionmaker, bot)
            log.info("read members of %d Telegram channel(s)", read)

    scheduler.add_job(channel_members, "interval", hours=1, id="telegram_channel_members",
                      max_instances=1, coalesce=True)
    return scheduler
