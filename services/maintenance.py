"""Housekeeping jobs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.base import utcnow
from services.db.models import ProcessedUpdate

# Telegram keeps an undelivered update for at most 24 h; twice that is a safe de-dup window,
# and pruning matters because update ids restart at a random value after a quiet week.
DEDUP_RETENTION = timedelta(hours=48)


async def purge_processed_updates(session: AsyncSession) -> int:
    """Forget update ids older than the de-duplication window; returns how many."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.created_at < utcnow() - DEDUP_RETENTION))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def recent_update_ids(session: AsyncSession, *, limit: int = 20_000
                            ) -> list[tuple[int, int]]:
    """The most recently handled ``(bot_id, update_id)`` pairs, oldest first."""
    rows = await session.execute(
        select(ProcessedUpdate.bot_id, ProcessedUpdate.update_id)
        .order_by(ProcessedUpdate.created_at.desc()).limit(limit))
    return [(int(b), int(u)) for b, u in reversed(rows.all())]


async def last_update_id(session: AsyncSession, *, bot_id: int) -> int:
    """The highest update id handled for ``bot_id`` (0 when none)."""
    value = await session.scalar(
        select(func.max(ProcessedUpdate.update_id)).where(ProcessedUpdate.bot_id == bot_id))
    return int(value or 0)
