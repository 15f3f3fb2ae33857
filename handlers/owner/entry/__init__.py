"""Analytics data in (SPEC §3.3, §3.4): channels, spend, leads, customers and orders typed in
chat — one-line commands and guided forms — and the owner's own Telegram channel."""

from aiogram import Router

from handlers.owner.entry import channels, leads, menu, orders, spend, telegram

router = Router(name="entry")
router.include_routers(menu.router, channels.router, spend.router, leads.router, orders.router,
                       telegram.router)

__all__ = ["router"]
