"""Platform admin commands (SPEC §6), for configured admin ids and users with an admin role."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Admin routers, mounted before the owner bot's fallback."""
    from handlers.admin import coupons

    return [coupons.router]
