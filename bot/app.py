"""The composition root: everything is built here, once, at start-up, and passed down."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Update
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import migrations
from bot.config import Settings
from bot.i18n import UserLocaleMiddleware, make_i18n
from bot.middlewares import (
    ContextMiddleware,
    DbSessionMiddleware,
    DedupMiddleware,
    PermissionMiddleware,
    ThrottlingMiddleware,
)
from bot.storage import SqlStorage, key_builder
from services import maintenance, plans
from services.db.session import make_engine, make_sessionmaker
from services.users import guess_language

log = logging.getLogger(__name__)


@dataclass
class App:
    """Long-lived objects of one process."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n
    storage: BaseStorage
    extras: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        await self.storage.close()
        await self.engine.dispose()


def make_storage(settings: Settings, engine: AsyncEngine) -> BaseStorage:
    """Redis when configured (several processes), else the database."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url, key_builder=key_builder())
    return SqlStorage(engine)


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
    sessionmaker = make_sessionmaker(engine)
    if migrate:
        await migrations.upgrade(engine)
    async with sessionmaker.begin() as session:
        await plans.seed_plans(session)
    return App(settings=settings, engine=engine, sessionmaker=sessionmaker, i18n=make_i18n(),
               storage=make_storage(settings, engine))


def make_bot(settings: Settings, token: str) -> Bot:
    """A Bot talking to ``TELEGRAM_API_URL`` (Telegram, a local Bot API server, or the
    emulator)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(token=token, session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def build_owner_dispatcher(app: App) -> Dispatcher:
    """The owner bot: middlewares in order, then every feature router."""
    from handlers import errors as error_handlers
    from handlers.owner import detached, get_routers

    # FSM is mounted by hand after the DB middleware so its reads join the update's session.
    dp = Dispatcher(storage=app.storage, disable_fsm=True, i18n=app.i18n,
                    settings=app.settings, app=app)
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
    dp.update.outer_middleware(ContextMiddleware(settings.admin_ids))
    dp.update.outer_middleware(UserLocaleMiddleware(app.i18n))
    permission = PermissionMiddleware()
    dp.message.middleware(permission)
    dp.callback_query.middleware(permission)
    dp.include_router(detached(error_handlers.router))
    dp.include_routers(*get_routers())
    return dp
