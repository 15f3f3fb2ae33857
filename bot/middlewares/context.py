"""Who is acting: the user row, the current business and the role in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser

from services import users


class ContextMiddleware(BaseMiddleware):
    def __init__(self, admin_ids: frozenset[int], cache: users.ActorCache | None = None) -> None:
        self._admin_ids = admin_ids
        self._cache = cache

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            return await handler(event, data)
        session = data["session"]
        ctx, created = await users.load_actor(
            session, user_id=tg_user.id, first_name=tg_user.first_name,
            last_name=tg_user.last_name, username=tg_user.username, admin_ids=self._admin_ids,
            cache=self._cache,
        )
        user = ctx.user
        data.update(user=user, user_created=created, ctx=ctx, business=ctx.business,
                    role=ctx.role)
        # Suspended and banned users are stopped by ``AccessMiddleware``, with a notice.
        return await handler(event, data)
