"""One database transaction per update; the durable half of update de-duplication."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import current_session
from services.db.models import ProcessedUpdate
from services.db.tracking import WROTE

log = logging.getLogger(__name__)


class DbSessionMiddleware(BaseMiddleware):
    """Opens the update's session and records the update id when the work commits.

    The id is written with the update's own changes, atomically, so an update that changed
    data is never applied twice; a read-only update writes nothing at all (after a crash it
    may be answered once more). It goes at the end: on SQLite a write takes the database lock,
    and taking it at the start would hold it across the handler's Telegram calls. Duplicates
    are dropped before this, by ``DedupMiddleware`` (preloaded from these records).
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        marker = {"bot_id": data["bot"].id, "update_id": event.update_id}
        async with self._sessionmaker() as session:
            data["session"] = session
            token = current_session.set(session)
            try:
                result = await handler(event, data)
            except asyncio.CancelledError:
                # interrupted (shutdown), not failed: the polling inbox hands it over again
                await session.rollback()
                raise
            except BaseException:
                await session.rollback()
                # A failing update is still marked handled: it must not be replayed forever.
                await self._mark(marker)
                raise
            finally:
                current_session.reset(token)
            if session.info.get(WROTE):
                session.add(ProcessedUpdate(**marker))
            try:
                await session.commit()
            except IntegrityError:
                log.warning("update %s was handled twice concurrently", event.update_id)
            return result

    async def _mark(self, marker: dict[str, int]) -> None:
        try:
            async with self._sessionmaker.begin() as session:
                session.add(ProcessedUpdate(**marker))
        except IntegrityError:
            pass
