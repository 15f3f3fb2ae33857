"""The sales dispatcher: one for every business bot, with the owner bot's middlewares keyed
by bot id (de-dup, flood control, one transaction per update, FSM) and a context middleware
that resolves the business and the customer's conversation from the bot that got the update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, TelegramObject, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18nMiddleware

from bot.app import (
    App,
    make_dedup,
    run_sync_filters_inline,
    sales_fast_lane,
    sales_handlers,
)
from bot.middlewares import DbSessionMiddleware, ThrottlingMiddleware
from bot.sales_flood import dropped_recorder
from services.db.models import Business, SalesConversation
from services.salesbot import conversations
from services.salesbot.language import detect_language
from services.users import LANGUAGES, guess_language

if TYPE_CHECKING:
    from bot.sales_runtime import SalesRuntime


@dataclass
class SalesContext:
    """Who the customer is talking to."""

    bot_id: int
    business: Business
    conversation: SalesConversation


def customer_language(tg_user: TgUser | None, text: str | None = None) -> str:
    """The customer's language: Telegram's hint, corrected by the script they write in
    (Cyrillic Uzbek letters → uz_Cyrl; Cyrillic otherwise → ru unless Telegram says uz)."""
    return language_for(getattr(tg_user, "language_code", None), text)


def language_for(language_code: str | None, text: str | None = None) -> str:
    """``customer_language`` from Telegram's ``language_code`` alone (a raw update)."""
    guess = guess_language(language_code)
    if text:
        lowered = text.lower()
        if any(ch in lowered for ch in "ўқғҳ"):
            return "uz_Cyrl"
        cyrillic = sum("а" <= ch <= "я" or ch == "ё" for ch in lowered)
        if cyrillic > len(lowered) // 3 and guess not in ("ru", "uz_Cyrl"):
            return "uz_Cyrl" if guess == "uz" else "ru"
    return guess


class SalesContextMiddleware(BaseMiddleware):
    """Drops updates of bots that are no longer served; loads the business and opens the
    customer's conversation (private chats only)."""

    def __init__(self, runtime: SalesRuntime) -> None:
        self.runtime = runtime

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        served = self.runtime.target(data["bot"].id)
        if served is None or served.business_id is None:
            return None
        tg_user: TgUser | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if tg_user is None or tg_user.is_bot or chat is None or chat.type != "private":
            return None
        session = data["session"]
        business = await session.get(Business, served.business_id)
        if business is None:
            return None
        name = " ".join(p for p in (tg_user.first_name, tg_user.last_name) if p)
        text = getattr(getattr(event, "message", None), "text", None)
        conversation = await conversations.open_conversation(
            session, business_id=business.id, bot_id=served.bot.id, chat_id=chat.id,
            name=name, username=tg_user.username,
            language=customer_language(tg_user, text))
        data["sales"] = SalesContext(bot_id=served.bot.id, business=business,
                                     conversation=conversation)
        return await handler(event, data)


def reply_language(stored: str | None, language_code: str | None, text: str | None) -> str:
    """The conversation's language after the customer's message: the one they write in,
    else the one it had, else Telegram's hint corrected by the script (``language_for``)."""
    return (detect_language(text) if text else None) or stored or language_for(
        language_code, text)


def reply_locale(language: str | None, language_code: str | None) -> str:
    """The catalog to answer in (Telegram's hint when the language is not one of ours)."""
    return language if language in LANGUAGES else guess_language(language_code)


class SalesLocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        sales: SalesContext | None = data.get("sales")
        code = getattr(data.get("event_from_user"), "language_code", None)
        language = None
        if sales is not None:  # reply in what the customer writes
            incoming = getattr(event, "message", None)
            text = getattr(incoming, "text", None) or getattr(incoming, "caption", None)
            language = reply_language(sales.conversation.language, code, text)
            if language != sales.conversation.language:
                sales.conversation.language = language
        locale = reply_locale(language, code)
        data["locale"] = locale
        return locale


def _flood_notice(app: App) -> Callable[[Update, dict[str, Any]], Awaitable[None]]:
    """A customer over the flood limit is told to slow down (once per window), not met with
    silence."""
    async def on_flood(update: Update, data: dict[str, Any]) -> None:
        user = data.get("event_from_user")
        if user is None or update.message is None or update.message.chat.type != "private":
            return
        language = (detect_language(update.message.text or "")
                    or guess_language(user.language_code))  # before the conversation loads
        with app.i18n.context(), app.i18n.use_locale(language):
            text = app.i18n.gettext("🐢 Too many messages at once. Please wait a few seconds.")
        with suppress(TelegramAPIError):
            await data["bot"].send_message(update.message.chat.id, text)

    return on_flood


async def build_sales_dispatcher(app: App, runtime: SalesRuntime) -> Dispatcher:
    """The dispatcher every business bot feeds."""
    router, error_handler = sales_handlers()
    dp = Dispatcher(storage=app.storage, disable_fsm=True, i18n=app.i18n,
                    settings=app.settings, app=app, ai=app.ai, runtime=runtime)
    # Every business bot's poller emits startup/shutdown on this shared dispatcher: pausing
    # one bot must not close the FSM storage all bots (and the owner bot) share; App.close
    # closes it.
    dp.shutdown.handlers = [h for h in dp.shutdown.handlers if h.callback != dp.fsm.close]
    settings = app.settings
    dedup = await make_dedup(app)
    throttle = ThrottlingMiddleware(rate=settings.flood_rate,
                                    window=settings.flood_window_seconds,
                                    on_flood=_flood_notice(app), on_drop=dropped_recorder(app))
    dp.update.outer_middleware(dedup)
    dp.update.outer_middleware(throttle)
    if runtime.mode == "webhook":  # the lane answers in the webhook's response
        runtime.fast_lane = sales_fast_lane(app, runtime, dedup=dedup, throttle=throttle)
    dp.update.outer_middleware(DbSessionMiddleware(app.sessionmaker))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(SalesContextMiddleware(runtime))
    dp.update.outer_middleware(SalesLocaleMiddleware(app.i18n))

    async def on_error(event: ErrorEvent, **kwargs: Any) -> Any:
        bot = kwargs.get("bot")
        if bot is not None and await runtime.on_error(event, bot):
            return True
        return await error_handler(event, **kwargs)

    dp.errors.register(on_error)
    dp.include_router(router)
    run_sync_filters_inline(dp)
    return dp
