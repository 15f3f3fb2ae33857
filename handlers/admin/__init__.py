"""Platform-admin commands (SPEC §6), for configured admin ids and users with an admin role."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import TelegramObject

ADMIN_ROLES = frozenset({"admin", "super_admin"})


class PlatformAdmin(Filter):
    """Passes for ``settings.admin_ids`` and users whose platform role is admin."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        user = data.get("user")
        if user is None:
            return False
        settings = data.get("settings")
        admin_ids = settings.admin_ids if settings is not None else frozenset()
        return user.id in admin_ids or user.platform_role in ADMIN_ROLES


def get_routers() -> list[Router]:
    """Admin routers (gated), mounted before the owner routers."""
    from handlers.admin import broadcast
    from handlers.owner import detached

    router = detached(broadcast.router)
    router.message.filter(PlatformAdmin())
    router.callback_query.filter(PlatformAdmin())
    return [router]
