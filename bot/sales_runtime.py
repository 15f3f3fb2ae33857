"""The multi-bot runtime: every active business bot served by one process next to the owner
bot, by polling (``biznespilot run``) or by webhook (``biznespilot webhook``).

- One sales ``Dispatcher`` serves all business bots; every ``Bot`` shares one HTTP session
  (the token is part of each request, not of the session), so a thousand bots cost a
  thousand small objects, not a thousand connection pools.
- Polling: one ``InboxPoller`` per bot (restarts lose nothing). Webhook: one aiohttp route
  ``/tg/{bot_id}``; each bot's ``X-Telegram-Bot-Api-Secret-Token`` is compared with its own
  secret (aiogram's multibot handler never checks it), and the update is handled before
  the 200 goes back, so Telegram re-sends what a crash interrupted.
- A bot connected in ``/chatbot`` starts at once (``start_bot``); a periodic ``sync`` picks up
  changes made by other processes. A 401 from Telegram marks only that bot revoked, tells
  the owner through the outbox and stops it; the process and the other bots carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError
from aiogram.methods.base import Response
from aiogram.types import ErrorEvent, Message, Update
from aiohttp import web

from bot.app import App
from bot.billing_notices import owner_bot_id
from bot.config import Settings
from bot.polling import InboxPoller
from bot.sales_notices import queue_revoked_notice
from services.salesbot import bots
from services.salesbot.bots import BotIdentity, InvalidBotToken, RunnableBot, TokenChecker

log = logging.getLogger(__name__)

Mode = Literal["polling", "webhook", "manual"]
TELEGRAM_PATH = "/tg/{bot_id}"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BODY = 1024 * 1024

# aiogram parses every API reply as ``Response[T]``; pydantic keeps parametrised models only
# weakly, and under load the class was rebuilt ~1 in 7 replies (≈ 7 ms of CPU each, measured
# with cProfile in benchmarks/sales_bots.py). Held here, it is built once.
_RESPONSE_TYPES = (Response[Message], Response[bool])


# ------------------------------------------------------------------ secrets and getMe


def make_token_checker(settings: Settings) -> TokenChecker:
    """``getMe`` against ``TELEGRAM_API_URL`` (Telegram, or the emulator in tests)."""

    async def check(token: str) -> BotIdentity:
        bot = Bot(token=token, session=AiohttpSession(
            api=TelegramAPIServer.from_base(settings.telegram_api_url), timeout=15))
        try:
            me = await bot.get_me()
        except TelegramUnauthorizedError:
            raise InvalidBotToken(reason="rejected") from None
        except (TelegramNetworkError, TelegramAPIError):
            raise InvalidBotToken(reason="unreachable") from None
        finally:
            await bot.session.close()
        return BotIdentity(id=me.id, username=me.username or "", first_name=me.first_name)

    return check


def token_checker(app: App) -> TokenChecker:
    """The checker the owner bot uses (tests may put their own in ``app.extras``)."""
    checker = app.extras.get("token_checker")
    return checker if checker is not None else make_token_checker(app.settings)


def owner_webhook_secret(token: str) -> str:
    """The owner bot's webhook secret, derived from its token (same in every process)."""
    return hmac.new(token.encode(), b"biznespilot-webhook", hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ the runtime


@dataclass
class Served:
    """One bot this process serves."""

    bot: Bot
    dispatcher: Dispatcher
    secret: str
    business_id: int | None  # None for the owner bot
    poller: InboxPoller | None = None
    task: asyncio.Task[None] | None = None
    stopped: asyncio.Event = field(default_factory=asyncio.Event)


class SalesRuntime:
    """Serves the business bots of every business (see the module docstring)."""

    def __init__(self, app: App, *, mode: Mode = "polling", owner_bot: Bot | None = None,
                 owner_dispatcher: Dispatcher | None = None, webhook_base: str | None = None,
                 poll_timeout: int = 30, concurrent: bool = True,
                 sync_interval: float = 5.0) -> None:
        self.app = app
        self.mode = mode
        self.owner_bot = owner_bot
        self.webhook_base = (webhook_base or "").rstrip("/")
        self.poll_timeout = poll_timeout
        self.concurrent = concurrent
        self.sync_interval = sync_interval
        self.session = AiohttpSession(
            api=TelegramAPIServer.from_base(app.settings.telegram_api_url), limit=1000)
        self.served: dict[int, Served] = {}
        # every bot this process can send with (the outbox sender reads it live)
        self.all_bots: dict[int, Bot] = {}
        self.dispatcher: Dispatcher | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closing = False
        # SQLite has one writer: updates handled one at a time queue in order instead of
        # sleeping in the busy handler's back-off (which made the tail seconds long)
        sqlite = app.settings.database_url.startswith("sqlite")
        self.handling = asyncio.Semaphore(1 if sqlite else 64)
        # webhook mode, business bots: one update of a chat at a time, in arrival order (a
        # customer's quick second message waits for the first one's reply)
        self._chats: dict[tuple[int, int], list[Any]] = {}
        self.fast_lane: Any = None  # handlers.sales.fast.FastLane, set by the dispatcher
        app.extras["sales_runtime"] = self
        if owner_bot is not None and owner_dispatcher is not None:
            token = owner_bot.token
            self.served[owner_bot.id] = Served(owner_bot, owner_dispatcher,
                                               owner_webhook_secret(token), None)
        if owner_bot is not None:
            self.all_bots[owner_bot.id] = owner_bot

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Build the sales dispatcher, start every active bot, then keep in sync."""
        from bot.sales_dispatcher import build_sales_dispatcher

        self.dispatcher = await build_sales_dispatcher(self.app, self)
        await self.sync()
        if self.sync_interval > 0:
            self._sync_task = asyncio.create_task(self._sync_loop())

    async def close(self) -> None:
        self._closing = True
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sync_task
        for bot_id in [b for b, s in self.served.items() if s.business_id is not None]:
            await self.stop_bot(bot_id, delete_webhook=False)
        await self.session.close()

    async def _sync_loop(self) -> None:
        while True:
            await asyncio.sleep(self.sync_interval)
            try:
                await self.sync()
            except Exception:  # a database hiccup: try again next round
                log.exception("sales bots: sync failed")

    async def sync(self) -> None:
        """Serve exactly the bots that are active in the database."""
        async with self.app.sessionmaker() as session:
            wanted = {b.id: b for b in await bots.active_bots(session,
                                                              box=self.app.box)}
        for bot_id, served in list(self.served.items()):
            if served.business_id is None:
                continue
            info = wanted.get(bot_id)
            if info is None or info.token != served.bot.token:
                await self.stop_bot(bot_id)
        for bot_id, info in wanted.items():
            if bot_id not in self.served:
                await self.start_bot(info)

    # ---------------------------------------------------------------- one bot

    def make_bot(self, token: str) -> Bot:
        return Bot(token=token, session=self.session,
                   default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    def target(self, bot_id: int) -> Served | None:
        return self.served.get(bot_id)

    def bot(self, bot_id: int) -> Bot | None:
        served = self.served.get(bot_id)
        return served.bot if served is not None else None

    async def start_bot(self, info: RunnableBot) -> bool:
        """Serve one bot now; False when Telegram refused its token (then marked revoked)."""
        async with self._lock:
            current = self.served.get(info.id)
            if current is not None and current.bot.token == info.token:
                return True
        if current is not None:
            await self.stop_bot(info.id)
        assert self.dispatcher is not None, "start() first"
        bot = self.make_bot(info.token)
        served = Served(bot, self.dispatcher, info.secret, info.business_id)
        if self.mode == "webhook":
            try:
                await bot.set_webhook(f"{self.webhook_base}/tg/{info.id}",
                                      secret_token=info.secret,
                                      allowed_updates=self.dispatcher.resolve_used_update_types(),
                                      max_connections=40)
            except TelegramUnauthorizedError as exc:
                await self.revoked(info.id, str(exc))
                return False
            except TelegramAPIError as exc:  # keep it; the next sync tries again
                log.warning("bot %s: setWebhook failed: %s", info.id, exc)
                return False
            self.served[info.id] = served
        elif self.mode == "polling":
            served.poller = InboxPoller(bot, self.dispatcher, self.app.sessionmaker,
                                        concurrent=self.concurrent, timeout=self.poll_timeout)
            self.served[info.id] = served
            served.task = asyncio.create_task(self._poll(info.id, served))
        else:
            self.served[info.id] = served
        self.all_bots[info.id] = bot
        log.info("sales bot @%s (%s) serving business %s by %s", info.username, info.id,
                 info.business_id, self.mode)
        return True

    async def _poll(self, bot_id: int, served: Served) -> None:
        assert served.poller is not None
        try:
            with contextlib.suppress(TelegramAPIError):  # a webhook of a previous mode
                await served.bot.delete_webhook()
            await served.poller.run()
        except TelegramUnauthorizedError as exc:
            log.warning("bot %s: Telegram refused the token; pausing it", bot_id)
            if self.served.get(bot_id) is served:
                del self.served[bot_id]
                self.all_bots.pop(bot_id, None)
            await self.revoked(bot_id, str(exc))
        except Exception:
            log.exception("bot %s: polling crashed; the next sync restarts it", bot_id)
            if self.served.get(bot_id) is served:
                del self.served[bot_id]
                self.all_bots.pop(bot_id, None)
        finally:
            served.stopped.set()

    async def stop_bot(self, bot_id: int, *, delete_webhook: bool = True) -> None:
        """Stop serving one bot (paused, disconnected, token replaced)."""
        served = self.served.pop(bot_id, None)
        if served is None or served.business_id is None:
            return
        self.all_bots.pop(bot_id, None)
        if served.poller is not None and served.task is not None:
            served.poller.stop()
            with contextlib.suppress(Exception):
                await served.task
        elif self.mode == "webhook" and delete_webhook:
            with contextlib.suppress(TelegramAPIError):
                await served.bot.delete_webhook()
        served.stopped.set()

    async def wait_stopped(self, bot_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        served = self.served.get(bot_id)
        if served is not None:
            await asyncio.wait_for(served.stopped.wait(), timeout)

    async def revoked(self, bot_id: int, reason: str) -> None:
        """Telegram answered 401 for this bot: mark it, tell the owner, stop it."""
        served = self.served.pop(bot_id, None)
        self.all_bots.pop(bot_id, None)
        if served is not None and served.poller is not None:
            served.poller.stop()
        try:
            async with self.app.sessionmaker.begin() as session:
                found = await bots.mark_revoked(session, bot_id=bot_id, reason=reason)
                if found is not None:
                    await queue_revoked_notice(
                        session, self.app.i18n, bot_id=owner_bot_id(self.app),
                        business_id=found.business_id, owner_id=found.owner_id,
                        username=found.username)
        except Exception:
            log.exception("bot %s: could not record the revoked token", bot_id)
        if served is not None:
            served.stopped.set()

    async def on_error(self, event: ErrorEvent, bot: Bot) -> bool:
        """The sales dispatcher's last resort for a 401 while handling (webhook mode)."""
        if isinstance(event.exception, TelegramUnauthorizedError):
            await self.revoked(bot.id, str(event.exception))
            return True
        return False

    # ---------------------------------------------------------------- webhooks

    async def handle_webhook(self, bot_id: int, secret: str | None,
                             body: bytes) -> web.Response:
        served = self.served.get(bot_id)
        if served is None:
            return web.Response(status=404, text="unknown bot")
        if not secret or not secrets.compare_digest(secret.encode(), served.secret.encode()):
            return web.Response(status=401, text="Unauthorized")
        try:
            data = json.loads(body)
        except ValueError:
            return web.Response(status=400, text="bad update")
        # the owner bot keeps handling a chat's updates concurrently (as polling does: a
        # "stop" button must reach a handler still running)
        async with self._chat_turn(bot_id, data if served.business_id is not None else None):
            lane = self.fast_lane
            candidate = lane.parse(served, data) if lane is not None and lane.enabled else None
            if candidate is not None:
                if lane.dedup.seen(bot_id, candidate.update_id):
                    return web.json_response({})
                reply = await lane.offer(candidate)
                if reply is not None:  # the reply rides on the webhook's response
                    return web.json_response(reply)
            try:
                update = Update.model_validate(data, context={"bot": served.bot})
            except ValueError:
                return web.Response(status=400, text="bad update")
            try:
                async with self.handling:
                    await served.dispatcher.feed_update(served.bot, update)
            except Exception:  # answered what it could; a non-2xx would make Telegram re-send
                log.exception("bot %s: update %s failed", bot_id, update.update_id)
        return web.json_response({})

    @contextlib.asynccontextmanager
    async def _chat_turn(self, bot_id: int, data: Any) -> AsyncIterator[None]:
        """Hold the chat's turn (see ``_chats``) while its update is handled."""
        chat_id = chat_of(data)
        if chat_id is None:
            yield
            return
        key = (bot_id, chat_id)
        entry = self._chats.get(key)
        if entry is None:
            entry = self._chats[key] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._chats[key]


def chat_of(data: Any) -> int | None:
    """The chat a raw update belongs to (messages, button presses, member changes)."""
    if not isinstance(data, dict):
        return None
    for kind in ("message", "edited_message", "my_chat_member", "callback_query"):
        event = data.get(kind)
        if isinstance(event, dict):
            if kind == "callback_query":
                event = event.get("message")
            chat = event.get("chat") if isinstance(event, dict) else None
            chat_id = chat.get("id") if isinstance(chat, dict) else None
            return chat_id if isinstance(chat_id, int) else None
    return None


def runtime_of(app: Any) -> SalesRuntime | None:
    runtime = app.extras.get("sales_runtime")
    return runtime if isinstance(runtime, SalesRuntime) else None


async def business_bot(app: App, *, bot_id: int, business_id: int) -> tuple[Bot, bool]:
    """A ``Bot`` for a business bot (the runtime's, else a temporary one); the flag says the
    caller must close its session."""
    runtime = runtime_of(app)
    if runtime is not None:
        served = runtime.target(bot_id)
        if served is not None and served.business_id == business_id:
            return served.bot, False
    async with app.sessionmaker() as session:
        info = await bots.runnable(session, bot_id=bot_id, box=app.box,
                                   business_id=business_id)
    if info is None:
        raise LookupError(f"sales bot {bot_id} has no token")
    session_ = AiohttpSession(api=TelegramAPIServer.from_base(app.settings.telegram_api_url))
    return Bot(token=info.token, session=session_,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML)), True


# ------------------------------------------------------------------ aiohttp routes


async def telegram_view(request: web.Request) -> web.Response:
    from bot.web import APP_KEY

    app = request.app[APP_KEY]
    runtime = runtime_of(app)
    try:
        bot_id = int(request.match_info["bot_id"])
    except ValueError:
        return web.Response(status=404)
    if runtime is None:
        return web.Response(status=404, text="no bots served here")
    body = await request.content.read(MAX_UPDATE_BODY + 1)
    if len(body) > MAX_UPDATE_BODY:
        return web.Response(status=413)
    return await runtime.handle_webhook(bot_id, request.headers.get(SECRET_HEADER), body)


def add_telegram_routes(web_app: web.Application) -> None:
    web_app.router.add_post(TELEGRAM_PATH, telegram_view)
