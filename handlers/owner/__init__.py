"""The owner bot's feature routers, in matching order."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Feature routers in matching order, ready to mount on a new dispatcher."""
    from handlers.owner import (
        amocrm,
        ask,
        businesses,
        canvas,
        chatbot,
        chatstats,
        common,
        competitors,
        dashboard,
        dream_buyer,
        entry,
        goals,
        hvco,
        imports,
        insights,
        integrations,
        knowledge,
        menu,
        nurture,
        offers,
        onboarding,
        plan,
        profile,
        reports,
        settings,
        strategy,
        team,
        usp,
    )

    routers: list[Router] = [
        common.router,
        team.router,  # invite deep links must win over the plain /start of onboarding
        onboarding.router,
        menu.router,
        profile.router,
        canvas.router,
        goals.router,
        dream_buyer.router,
        offers.router,
        hvco.router,
        chatbot.router,
        businesses.router,
        plan.router,
        settings.router,
        ask.router,
        usp.router,
        entry.router,
        dashboard.router,
        imports.router,
        knowledge.router,
        insights.router,
        competitors.router,
        strategy.router,
        reports.router,
        integrations.router,
        amocrm.router,
        nurture.router,
        chatstats.router,
        common.fallback_router,  # last: what nobody else took
    ]
    return [detached(r) for r in routers]


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

