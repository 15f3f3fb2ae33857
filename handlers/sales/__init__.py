"""The customer-facing side of a business bot (SPEC §3.9): welcome and menu, intents to
actions, lead capture, lead magnets by deep link, orders, hand-off to a person, /stop."""

from __future__ import annotations

from aiogram import Router

from handlers.sales.steps import on_error


def get_router() -> Router:
    """The sales router, detached from any previous dispatcher (tests build several)."""
    from handlers.owner import detached
    from handlers.sales.steps import router

    return detached(router)


__all__ = ["get_router", "on_error"]
