"""``biznespilot run`` (long polling) and ``biznespilot webhook``: the owner bot and every
active business bot in one process."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from aiogram import Bot, Dispatcher

from bot.app import App, build_owner_dispatcher, make_bot, make_outbox_sender
from bot.commands import set_default_commands
from bot.polling import InboxPoller

log = logging.getLogger(__name__)


async def start_owner_bot(app: App, token: str) -> tuple[Bot, Dispatcher]:
    """Build the owner bot and its dispatcher and publish the command menu."""
    bot = make_bot(app.settings, token)
    dp = await build_owner_dispatcher(app)
    me = await bot.get_me()
    app.extras.update(owner_username=me.username, owner_bot=bot, owner_dispatcher=dp)
    await set_default_commands(bot, app.i18n)
    log.info("owner bot @%s ready", me.username)
    return bot, dp


def start_amocrm_worker(app: App) -> tuple[Any, asyncio.Task[None]]:
    """The AmoCRM queue worker."""
    from bot.amocrm_jobs import AmoWorker, runtime_of

    worker = AmoWorker(app, runtime_of(app))
    app.extras["amocrm_worker"] = worker
    return worker, asyncio.create_task(worker.run())


async def run_polling(app: App, token: str) -> None:
    """Embedded production: polling plus the in-process scheduler."""
    from bot.sales_runtime import SalesRuntime
    from bot.scheduler import build_scheduler

    bot, dp = await start_owner_bot(app, token)
    poller = InboxPoller(bot, dp, app.sessionmaker)
    runtime = SalesRuntime(app, mode="polling", owner_bot=bot, owner_dispatcher=dp)
    await runtime.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, poller.stop)
    scheduler = build_scheduler(app)
    scheduler.start()
    web_runner = None
    if app.settings.web_port:
        from bot.web import start_web

        web_runner = await start_web(app, app.settings.web_host, app.settings.web_port)
    sender = make_outbox_sender(app, runtime.all_bots)
    sending = asyncio.create_task(sender.run())
    amocrm = start_amocrm_worker(app)
    try:
        await poller.run()
    finally:
        sender.stop()
        await sending
        amocrm[0].stop()
        await amocrm[1]
        await runtime.close()
        if web_runner is not None:
            await web_runner.cleanup()
        scheduler.shutdown(wait=False)
        await bot.session.close()
        await app.close()


async def run_webhook(app: App, token: str) -> None:
    """Server mode: one aiohttp app receives every bot's updates at ``/tg/{bot_id}``, each
    checked against its own secret; the outbox sender runs here too (scheduler: separate)."""
    from bot.sales_runtime import SalesRuntime, owner_webhook_secret
    from bot.web import start_web

    base = app.settings.webhook_base_url
    if not base:
        raise SystemExit("WEBHOOK_BASE_URL is not set (the public https:// address of this "
                         "server)")
    bot, dp = await start_owner_bot(app, token)
    runtime = SalesRuntime(app, mode="webhook", owner_bot=bot, owner_dispatcher=dp,
                           webhook_base=base)
    await runtime.start()
    web_runner = await start_web(app, app.settings.web_host, app.settings.web_port)
    await bot.set_webhook(f"{base.rstrip('/')}/tg/{bot.id}",
                          secret_token=owner_webhook_secret(token),
                          allowed_updates=dp.resolve_used_update_types())
    sender = make_outbox_sender(app, runtime.all_bots)
    sending = asyncio.create_task(sender.run())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        sender.stop()
        await sending
        await web_runner.cleanup()
        await runtime.close()
        await bot.session.close()
        await app.close()
