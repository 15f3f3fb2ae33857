"""Per-user flood control: a sliding window per user, one polite warning per window;
``on_drop`` (optional) sees every update that is dropped (e.g. to keep a transcript)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, *, rate: int, window: float, on_flood: Callable[[Update, dict[str, Any]],
                 Awaitable[None]] | None = None, max_users: int = 100_000,
                 on_drop: Callable[[Update, dict[str, Any]], Awaitable[None]] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._window = window
        self._hits: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._on_flood = on_flood
        self._max_users = max_users
        self._on_drop = on_drop
        self._clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        if not self.allow(user.id):
            now = self._clock()
            if self._on_flood and now - self._warned.get(user.id, -1e9) > self._window:
                self._warned[user.id] = now
                assert isinstance(event, Update)
                await self._on_flood(event, data)
            if self._on_drop and isinstance(event, Update):
                await self._on_drop(event, data)
            return None
        return await handler(event, data)

    def allow(self, user_id: int) -> bool:
        """Count one update of ``user_id``; False (and nothing counted) past the rate."""
        now = self._clock()
        hits = self._hits.get(user_id)
        if hits is None:
            if len(self._hits) >= self._max_users:
                self._hits.clear()
            hits = self._hits[user_id] = deque()
        while hits and now - hits[0] > self._window:
            hits.popleft()
        if len(hits) >= self._rate:
            return False
        hits.append(now)
        return True
