"""Drop updates already seen (Telegram re-sends after restarts and webhook retries)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update


class DedupMiddleware(BaseMiddleware):
    """A bounded window of recent ``(bot_id, update_id)`` pairs.

    The database keeps the durable record (``DbSessionMiddleware`` writes it with the update's
    work); at start-up the window is preloaded from it, so updates Telegram re-sends after a
    restart are dropped without a database read per update. Several processes behind webhooks
    share Redis instead (``redis`` given): ``SET NX`` with a 48 h expiry.
    """

    def __init__(self, window: int = 20_000, *, seen: Iterable[tuple[int, int]] = (),
                 redis: Any = None) -> None:
        self._seen: OrderedDict[tuple[int, int], None] = OrderedDict.fromkeys(seen)
        self._window = window
        self._redis = redis

    def _remember(self, key: tuple[int, int]) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._window:
            self._seen.popitem(last=False)
        return True

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        if not await self.claim(data["bot"].id, event.update_id):
            return None
        return await handler(event, data)

    def seen(self, bot_id: int, update_id: int) -> bool:
        """Whether this process handled the update already (nothing remembered)."""
        return (bot_id, update_id) in self._seen

    async def claim(self, bot_id: int, update_id: int) -> bool:
        """Remember the update; False when it was seen before (here or, with Redis, by any
        process)."""
        key = (bot_id, update_id)
        if not self._remember(key):
            return False
        return self._redis is None or bool(await self._redis.set(
            f"bp:upd:{bot_id}:{update_id}", 1, nx=True, ex=48 * 3600))

    async def release(self, bot_id: int, update_id: int) -> None:
        """Forget a claim whose work was rolled back, so the update is handled again."""
        self._seen.pop((bot_id, update_id), None)
        if self._redis is not None:
            await self._redis.delete(f"bp:upd:{bot_id}:{update_id}")
