"""The one place where every handler's permission is checked.

Handlers declare what they need with a flag: ``flags={"perm": Permission.MANAGE_TEAM}``,
``"business"`` (any role in a current business) or ``"public"``. A write permission also needs
a live trial or subscription (read-only after it lapses), except billing itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import TelegramObject

from services import plans
from services.errors import NoBusiness
from services.teams import Permission, require

PUBLIC = "public"
BUSINESS = "business"
_READ_ONLY_OK = {Permission.VIEW_ANALYTICS, Permission.BILLING}


class PermissionMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        needed = get_flag(data, "perm")
        if needed is None:
            raise RuntimeError(f"handler {data.get('handler')} declares no 'perm' flag")
        if needed == PUBLIC:
            return await handler(event, data)
        business = data.get("business")
        if business is None:
            raise NoBusiness()
        if needed != BUSINESS:
            permission = Permission(needed)
            require(data.get("role"), permission)
            if permission not in _READ_ONLY_OK:
                await plans.require_writable(data["session"], business_id=business.id)
        return await handler(event, data)
