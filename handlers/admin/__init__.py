"""Admin command set (SPEC §6) and /support.

``get_routers()`` builds a fresh gate on every call: the admin routers sit under one parent
whose filter lets only platform admins through (for anyone else the update falls through
to the ordinary fallback, so admin commands are invisible), with the 30-a-minute admin rate
limit; /support is open to every user.
"""

from __future__ import annotations

from aiogram import Router

from handlers.admin.gate import AdminRateLimit, IsPlatformAdmin


def get_routers() -> list[Router]:
    """The gated admin router and the /support router, to mount before the owner routers."""
    from handlers.admin import (
        audit,
        broadcast,
        coupons,
        dashboard,
        invoices,
        plans,
        platform,
        support,
        tickets,
        users,
    )
    from handlers.owner import detached

    gate = Router(name="admin")
    gate.message.filter(IsPlatformAdmin())
    gate.callback_query.filter(IsPlatformAdmin())
    limit = AdminRateLimit()
    gate.message.middleware(limit)
    gate.callback_query.middleware(limit)
    gate.include_routers(*(detached(r) for r in (dashboard.router, users.router,
                                                 tickets.router, audit.router,
                                                 coupons.router, broadcast.router,
                                                 plans.router, invoices.router,
                                                 platform.router)))
    return [gate, detached(support.router)]
