"""Customer messages the flood limit dropped, during a hand-off: still recorded in the
transcript and relayed to the operators (a person reads every word; the bot answers none of
them). Outside a hand-off nothing happens: the customer was told to slow down and resends.

One indexed lookup per dropped message, and only for private text/caption messages.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import Update
from sqlalchemy import select

from bot.app import App
from bot.billing_notices import owner_bot_id
from bot.sales_notices import queue_customer_message
from services.db.models import SalesConversation
from services.salesbot import conversations

log = logging.getLogger(__name__)


def dropped_recorder(app: App) -> Callable[[Update, dict[str, Any]], Awaitable[None]]:
    """The ``ThrottlingMiddleware`` ``on_drop`` callback of the sales dispatcher."""
    async def on_drop(update: Update, data: dict[str, Any]) -> None:
        message = update.message
        bot = data.get("bot")
        if message is None or bot is None or message.chat.type != "private":
            return
        text = (message.text or message.caption or "").strip()
        if not text:
            return
        async with app.sessionmaker() as session:
            conversation = await session.scalar(select(SalesConversation).where(
                SalesConversation.bot_id == bot.id,
                SalesConversation.customer_chat_id == message.chat.id))
            if (conversation is None
                    or conversation.handoff == conversations.Handoff.NONE.value):
                return
            await conversations.record(session, conversation, author="customer", text=text,
                                       source="flood")
            await queue_customer_message(session, app.i18n, bot_id=owner_bot_id(app),
                                         conversation=conversation, text=text)
            await session.commit()

    return on_drop
