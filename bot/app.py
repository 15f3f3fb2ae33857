"""The composition root: everything is built here, once, at start-up, and passed down."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Update
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import migrations
from bot.config import Settings
from bot.i18n import UserLocaleMiddleware, make_i18n
from bot.middlewares import (
    AccessMiddleware,
    ContextMiddleware,
    DbSessionMiddleware,
    DedupMiddleware,
    PermissionMiddleware,
    PlatformMiddleware,
    ThrottlingMiddleware,
)
from bot.outbox import OutboxSender
from bot.routing import IndexedDispatcher
from bot.secrets import make_secret_box
from bot.storage import SqlStorage, key_builder
from services import maintenance, plans
from services.ai import AIGateway
from services.crypto import SecretBox
from services.db.session import make_engine, make_sessionmaker
from services.platform_settings import SettingsCache
from services.ratelimit import (
    ADMIN_RATE,
    ADMIN_WINDOW,
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    SqlRateLimiter,
)
from services.users import ActorCache, guess_language

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

log = logging.getLogger(__name__)


@dataclass
class App:
    """Long-lived objects of one process."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n
    storage: BaseStorage
    actor_cache: ActorCache | None = None
    ai: AIGateway = field(default_factory=AIGateway)
    platform: SettingsCache = field(default_factory=SettingsCache)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def box(self) -> SecretBox:
        """The one box every module encrypts secrets at rest with (``bot.secrets``)."""
        box = self.platform.box
        if box is None:
            box = make_secret_box(self.settings)
            self.platform = SettingsCache(box=box)
        return box

    async def close(self) -> None:
        # HTTP clients built on first use: bot.integrations.runtime, the t.me preview client
        for key in ("integrations", "competitor_preview_client"):
            client = self.extras.pop(key, None)
            if client is not None:
                await client.close()
        await self.ai.close()
        limiter = self.extras.get("admin_limiter")
        if isinstance(limiter, RedisRateLimiter):
            await limiter.close()
        await self.storage.close()
        await self.engine.dispose()


def make_ai(settings: Settings, platform: SettingsCache | None = None) -> AIGateway:
    """The AI gateway: Claude when the platform AI key (set by an admin) or
    ``ANTHROPIC_API_KEY`` is set, else rules and templates."""
    def client_for(key: str) -> AsyncAnthropic:
        from anthropic import AsyncAnthropic  # only when a key is configured: a heavy import

        # The SDK's own timeout matches the budget; the gateway enforces the budget overall.
        return AsyncAnthropic(api_key=key, base_url=settings.anthropic_base_url,
                              max_retries=settings.ai_max_retries,
                              timeout=settings.ai_time_budget_seconds)

    client = None
    if settings.anthropic_api_key is not None:
        client = client_for(settings.anthropic_api_key.get_secret_value())

    async def platform_key(session: AsyncSession) -> str | None:
        assert platform is not None
        return (await platform.get(session)).ai_key

    gateway = AIGateway(client, model=settings.anthropic_model,
                        time_budget=settings.ai_time_budget_seconds, client_factory=client_for,
                        key_source=platform_key if platform is not None else None)
    if platform is not None:
        platform.subscribe(lambda snapshot: gateway.use_key(snapshot.ai_key))
    return gateway


def make_admin_limiter(settings: Settings,
                       sessionmaker: async_sessionmaker[AsyncSession]) -> RateLimiter:
    """SPEC §7's 30 admin actions a minute, one limit for every process: in Redis when
    configured, else in the database; SQLite is the one-process embedded mode, where the
    process's own window is the shared one (and a separate write transaction could wait on
    the update's own SQLite write lock)."""
    if settings.redis_url:
        from redis.asyncio import Redis

        return RedisRateLimiter(Redis.from_url(settings.redis_url), ADMIN_RATE, ADMIN_WINDOW)
    if settings.database_url.startswith("sqlite"):
        return MemoryRateLimiter(ADMIN_RATE, ADMIN_WINDOW)
    return SqlRateLimiter(sessionmaker, ADMIN_RATE, ADMIN_WINDOW)


def make_storage(settings: Settings, engine: AsyncEngine) -> BaseStorage:
    """Redis when configured (several processes), else the database with a read cache (one
    process owns it)."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url, key_builder=key_builder())
    return SqlStorage(engine, cache=True)


async def make_dedup(app: App) -> DedupMiddleware:
    """The de-dup window, preloaded with what was handled before this process started."""
    redis = None
    if app.settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(app.settings.redis_url)
    async with app.sessionmaker() as session:
        seen = await maintenance.recent_update_ids(session)
    return DedupMiddleware(seen=seen, redis=redis)


async def build_app(settings: Settings, *, migrate: bool = True) -> App:
    """Engine, migrations, seed data, i18n and FSM storage."""
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    # In-process caches are exact only while this process is the only writer: server mode
    # (REDIS_URL, several processes) goes without.
    actor_cache = None if settings.redis_url else ActorCache()
    # Platform settings are read on every update: a snapshot, dropped by this process's own
    # writes, reloaded after a short time for other processes' (server mode) or a CLI's.
    platform = SettingsCache(box=make_secret_box(settings),
                             ttl=10.0 if settings.redis_url else 60.0)
    listeners = [platform.on_change] + ([actor_cache.on_change] if actor_cache else [])
    sessionmaker = make_sessionmaker(engine, on_change=listeners)
    if migrate:
        await migrations.upgrade(engine)
    async with sessionmaker.begin() as session:
        await plans.seed_plans(session)
    app = App(settings=settings, engine=engine, sessionmaker=sessionmaker, i18n=make_i18n(),
              storage=make_storage(settings, engine), actor_cache=actor_cache,
              ai=make_ai(settings, platform), platform=platform)
    app.extras["admin_limiter"] = make_admin_limiter(settings, sessionmaker)
    return app


def make_bot(settings: Settings, token: str) -> Bot:
    """A Bot talking to ``TELEGRAM_API_URL`` (Telegram, a local Bot API server, or the
    emulator)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(token=token, session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def run_sync_filters_inline(router: Router) -> None:
    """Evaluate plain (sync) filters on the event loop.

    aiogram runs every sync filter through ``asyncio.to_thread``: each bare ``State`` and
    each ``F`` magic filter costs a thread hand-off per update, which dominated the owner
    bot's cost. Ours are pure attribute checks, so they run inline; a filter that needs I/O
    must be written as an async ``Filter``.
    """
    for observer in router.observers.values():
        for handler in observer.handlers:
            for event_filter in handler.filters or ():
                _inline(event_filter)
    for sub in router.sub_routers:
        run_sync_filters_inline(sub)


def _inline(event_filter: FilterObject) -> None:
    if event_filter.awaitable:
        return
    check = event_filter.callback

    async def inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    inline.__wrapped_filter__ = check  # type: ignore[attr-defined]  # read by bot.routing
    event_filter.callback = inline
    event_filter.awaitable = True


async def build_owner_dispatcher(app: App) -> Dispatcher:
    """The owner bot: middlewares in order, then every feature router."""
    from handlers import admin
    from handlers import errors as error_handlers
    from handlers.filters import PrivateChat
    from handlers.owner import get_routers

    # FSM is mounted by hand after the DB middleware so its reads join the update's session.
    dp = IndexedDispatcher(storage=app.storage, disable_fsm=True, i18n=app.i18n,
                    settings=app.settings, app=app, ai=app.ai, platform=app.platform,
                    admin_limiter=app.extras.get("admin_limiter"))
    settings = app.settings

    async def on_flood(update: Update, data: dict[str, Any]) -> None:
        user = data.get("event_from_user")
        if user is None or update.message is None:
            return
        with app.i18n.context(), app.i18n.use_locale(guess_language(user.language_code)):
            await data["bot"].send_message(
                update.message.chat.id,
                app.i18n.gettext("🐢 Too many messages at once. Please wait a few seconds."),
            )

    dp.update.outer_middleware(await make_dedup(app))
    dp.update.outer_middleware(ThrottlingMiddleware(
        rate=settings.flood_rate, window=settings.flood_window_seconds, on_flood=on_flood))
    dp.update.outer_middleware(DbSessionMiddleware(app.sessionmaker))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(ContextMiddleware(settings.admin_ids, app.actor_cache))
    dp.update.outer_middleware(UserLocaleMiddleware(app.i18n))
    dp.update.outer_middleware(AccessMiddleware())
    dp.update.outer_middleware(PlatformMiddleware(app.platform))
    permission = PermissionMiddleware()
    dp.message.middleware(permission)
    dp.callback_query.middleware(permission)
    dp.my_chat_member.middleware(permission)
    dp.pre_checkout_query.middleware(permission)
    dp.message.filter(PrivateChat())
    dp.callback_query.filter(PrivateChat())
    dp.errors.register(error_handlers.on_error)
    dp.include_routers(*admin.get_routers(), *get_routers())  # admin commands first
    dp.index()  # reads the filters as registered, so before they are inlined
    run_sync_filters_inline(dp)
    return dp


def make_outbox_sender(app: App, bots: dict[int, Bot]) -> OutboxSender:
    """The outbox sender for these bots (the owner bot first), with broadcast progress."""
    from handlers.admin.broadcast import BroadcastProgress
    from services.salesbot import nurture

    owner_id = next(iter(bots))
    return OutboxSender(app.sessionmaker, bots, rate=app.settings.outbox_rate,
                        users_bot_id=owner_id,
                        tickers=[BroadcastProgress(app.sessionmaker, bots, app.i18n)],
                        guards=[nurture.cancel_unqualified])


def sales_fast_lane(app: App, runtime: Any, *, dedup: Any, throttle: Any) -> Any:
    """The sales fast lane (``handlers.sales.fast``) for a webhook runtime."""
    from handlers.sales.fast import FastLane

    return FastLane(app, runtime, dedup=dedup, throttle=throttle)


def sales_handlers() -> tuple[Router, Any]:
    """The business bots' router and error handler (mounted by ``bot.sales_dispatcher``;
    the composition root is the one place that reaches up into ``handlers``)."""
    from handlers import sales

    return sales.get_router(), sales.on_error
