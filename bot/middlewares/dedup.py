"""Drop updates already seen (Telegram re-sends after restarts and webhook retries)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update


class DedupMiddleware(BaseMiddleware):
    """A bounded in-memory window per process; the database keeps the durable record
    (``DbSessionMiddleware`` inserts the update id in the update's own transaction)."""

    def __init__(self, window: int = 20_000) -> None:
        self._seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._window = window

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        key = (data["bot"].id, event.update_id)
        if key in self._seen:
            return None
        self._seen[key] = None
        if len(self._seen) > self._window:
            self._seen.popitem(last=False)
        return await handler(event, data)
