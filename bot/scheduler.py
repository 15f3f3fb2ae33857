"""The in-process scheduler (APScheduler) of embedded mode; jobs open their own transaction."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
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
    return scheduler
