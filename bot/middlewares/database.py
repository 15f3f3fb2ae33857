"""One database transaction per update; the durable half of update de-duplication."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import current_session
from services.db.models import ProcessedUpdate

log = logging.getLogger(__name__)


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        async with self._sessionmaker() as session:
            session.add(ProcessedUpdate(bot_id=data["bot"].id, update_id=event.update_id))
            try:
                await session.flush()
            except IntegrityError:
                log.info("duplicate update %s skipped", event.update_id)
                return None
            data["session"] = session
            token = current_session.set(session)
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                # Keep the update marked as handled even though its work rolled back:
                # a failing update must not be replayed forever.
                async with self._sessionmaker.begin() as marker:
                    marker.add(ProcessedUpdate(bot_id=data["bot"].id,
                                               update_id=event.update_id))
                raise
            finally:
                current_session.reset(token)
            await session.commit()
            return result
