"""``biznespilot run`` (long polling) and ``biznespilot webhook``: the owner bot and every
active business bot in one process."""

from __future__ import annotations

import asyncio
import contextlib
import gc
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


def settle_heap() -> None:
    """Move everything start-up built (modules, routers, a thousand bots, caches) out of the
    garbage collector's sight (``gc.freeze``). Without it a full collection walks the whole
    long-lived heap and stops the event loop for ~0.3–0.4 s under load (measured with
    ``benchmarks/sales_bots.py``: p99 320–370 ms without, 72–80 ms with); objects made later
    are collected as before."""
    gc.collect()
    gc.freeze()


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
    settle_heap()
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
    settle_heap()
    try:
        await stop.wait()
    finally:
        sender.stop()
        await sending
        await web_runner.cleanup()
        await runtime.close()
        await bot.session.close()
        await app.close()


LEADER_CHECK_SECONDS = 10.0


async def run_scheduler(app: App, token: str, *, stop: asyncio.Event | None = None,
                        check_every: float = LEADER_CHECK_SECONDS) -> None:
    """Server mode's scheduler: any number of these may run; the one holding the leader lock
    (``services.leader``) runs the jobs and the AmoCRM queue worker, the others wait to take
    over. Pushes go through the outbox, which the webhook processes send."""
    from redis.asyncio import Redis

    from bot.scheduler import build_scheduler
    from services.leader import make_lock

    bot = make_bot(app.settings, token)
    app.extras["owner_bot"] = bot  # read-only Bot API calls of the jobs (channel members)
    redis = Redis.from_url(app.settings.redis_url) if app.settings.redis_url else None
    lock = make_lock(app.engine, redis)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    scheduler = None
    amocrm = None
    try:
        while not stop.is_set():
            leading = await (lock.held() if scheduler is not None else lock.acquire())
            if leading and scheduler is None:
                log.info("scheduler: leading, jobs start")
                scheduler = build_scheduler(app)
                scheduler.start()
                amocrm = start_amocrm_worker(app)
            elif not leading and scheduler is not None:
                log.warning("scheduler: lost the leader lock, jobs stop")
                scheduler.shutdown(wait=False)
                amocrm[0].stop()  # type: ignore[index]
                await amocrm[1]  # type: ignore[index]
                scheduler = amocrm = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=check_every)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if amocrm is not None:
            amocrm[0].stop()
            await amocrm[1]
        await lock.release()
        if redis is not None:
            await redis.aclose()
        await bot.session.close()
