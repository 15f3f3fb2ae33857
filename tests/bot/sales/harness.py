"""The whole platform against one Bot API emulator: the owner bot, the sales runtime serving
business bots, and the outbox (flushed on demand, so tests never sleep)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.app import build_app, make_outbox_sender
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.outbox import OutboxSender
from bot.polling import InboxPoller
from bot.runner import start_owner_bot
from bot.sales_runtime import SalesRuntime, owner_webhook_secret, token_checker
from bot.web import start_web
from services.salesbot import bots
from services.salesbot.answers import ProductCard, SalesAnswer
from services.salesbot.intents import Intent
from tests.conftest import OWNER_TOKEN

PRODUCTS = [ProductCard("Latte 0.4", 28_000, "Double shot, oat milk on request"),
            ProductCard("Beans 1 kg", 240_000)]


async def fake_compose(session: Any, ai: Any, *, business_id: int, text: str, intent: Intent,
                       language: str, history: list[tuple[str, str]] | None = None
                       ) -> SalesAnswer:
    """A knowledge base with two priced products and a delivery answer; nothing else."""
    if intent in (Intent.PRODUCT, Intent.PRICING, Intent.ORDER):
        return SalesAnswer("Our menu:", "kb", products=list(PRODUCTS))
    if intent == Intent.DELIVERY:
        return SalesAnswer("We deliver in Tashkent within 2 hours.", "kb")
    return SalesAnswer("", "none")


@dataclass
class Platform:
    emulator: BotAPIEmulator
    app: Any
    runtime: SalesRuntime
    web_base: str | None = None

    def owner(self, user_id: int, **kwargs: Any) -> Any:
        kwargs.setdefault("first_name", f"User{user_id}")
        kwargs.setdefault("language_code", "en")
        return self.emulator.user(OWNER_TOKEN, user_id=user_id, **kwargs)

    def customer(self, token: str, user_id: int, **kwargs: Any) -> Any:
        kwargs.setdefault("first_name", f"Customer{user_id}")
        kwargs.setdefault("language_code", "en")
        return self.emulator.user(token, user_id=user_id, **kwargs)

    def add_business_bot(self, token: str, username: str) -> None:
        self.emulator.add_bot(token, username=username, first_name=username)

    async def connect(self, business_id: int, owner_id: int, token: str,
                      username: str) -> None:
        """Connect and serve a bot as /chatbot does, without the owner's screens."""
        self.add_business_bot(token, username)
        async with self.app.sessionmaker.begin() as session:
            view = await bots.connect(session, business_id=business_id, token=token,
                                      user_id=owner_id, checker=token_checker(self.app),
                                      box=self.app.box)
        async with self.app.sessionmaker() as session:
            info = await bots.runnable(session, bot_id=view.id, box=self.app.box)
        assert info is not None
        assert await self.runtime.start_bot(info)

    async def flush_outbox(self) -> int:
        sender: OutboxSender = make_outbox_sender(self.app, self.runtime.all_bots)
        sender.per_chat_interval = 0.0
        sender.poll_interval = 0.01
        sender.flush_interval = 0.01
        await sender.run(until_idle=True)
        return sender.sent


@contextlib.asynccontextmanager
async def running_platform(settings: Settings, *, compose: Any = fake_compose,
                           webhook: bool = False) -> AsyncIterator[Platform]:
    """Polling (``run``), or with ``webhook`` every bot through one aiohttp app
    (``webhook``), the emulator delivering to ``/tg/{bot_id}`` with each bot's secret."""
    async with BotAPIEmulator() as emu:
        emu.add_bot(OWNER_TOKEN, username="biznespilot_test_bot", first_name="BiznesPilot")
        settings = settings.model_copy(update={"telegram_api_url": emu.base_url})
        app = await build_app(settings, migrate=False)
        if compose is not None:
            app.extras["sales_compose"] = compose
        bot, dp = await start_owner_bot(app, OWNER_TOKEN)
        web = poller = task = None
        if webhook:
            web = await start_web(app, "127.0.0.1", 0)
            base = f"http://127.0.0.1:{web.addresses[0][1]}"
            runtime = SalesRuntime(app, mode="webhook", owner_bot=bot, owner_dispatcher=dp,
                                   webhook_base=base, sync_interval=0)
            await runtime.start()
            await bot.set_webhook(f"{base}/tg/{bot.id}",
                                  secret_token=owner_webhook_secret(OWNER_TOKEN))
        else:
            poller = InboxPoller(bot, dp, app.sessionmaker, concurrent=False, timeout=1)
            task = asyncio.create_task(poller.run())
            runtime = SalesRuntime(app, mode="polling", owner_bot=bot, owner_dispatcher=dp,
                                   poll_timeout=1, concurrent=False, sync_interval=0)
            await runtime.start()
        platform = Platform(emulator=emu, app=app, runtime=runtime)
        platform.web_base = (f"http://127.0.0.1:{web.addresses[0][1]}" if web is not None
                             else None)
        try:
            yield platform
        finally:
            await runtime.close()
            if poller is not None and task is not None:
                poller.stop()
                await task
            if web is not None:
                await web.cleanup()
            await bot.session.close()
            await app.storage.close()
            await app.engine.dispose()
