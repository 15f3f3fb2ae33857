"""The owner bot's feature routers, in matching order."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType


def get_routers() -> list[Router]:
    """Feature routers under a parent that only sees private chats."""
    from handlers.owner import common, menu, onboarding

    # Invite deep links (team) must be matched before the plain /start of onboarding.
    team = _optional("team")
    routers: list[Router] = [common.router]
    routers += [team.router] if team is not None else []
    routers += [onboarding.router, menu.router]
    for name in ("profile", "canvas", "goals", "businesses", "plan", "settings"):
        module = _optional(name)
        if module is not None:
            routers.append(module.router)
    routers.append(common.fallback_router)
    parent = Router(name="owner")
    parent.message.filter(F.chat.type == ChatType.PRIVATE)
    parent.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    parent.include_routers(*(detached(r) for r in routers))
    return [parent]


def detached(router: Router) -> Router:
    """Free a module-level router from a previous dispatcher so a new one can mount it.

    aiogram lets a router have one parent; tests and benchmarks build the owner dispatcher
    more than once per process (only the newest one is live).
    """
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None
    return router


def _optional(name: str):  # type: ignore[no-untyped-def]
    import importlib

    try:
        return importlib.import_module(f"handlers.owner.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"handlers.owner.{name}":
            raise
        return None
