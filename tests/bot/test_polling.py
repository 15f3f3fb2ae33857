"""Polling through the inbox: a crash while a message is being handled loses nothing."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy import func, select

from bot.app import build_app
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.polling import InboxPoller
from bot.runner import start_owner_bot
from services import inbox
from services.db.models import InboxUpdate
from tests.conftest import OWNER_TOKEN, Database, running_owner_bot
from tests.factories import make_owner


async def _inbox_size(db: Database) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(InboxUpdate)) or 0)


async def test_a_message_in_flight_at_a_crash_is_answered_after_the_restart(
        settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 4101)
    async with BotAPIEmulator() as emu:
        emu.add_bot(OWNER_TOKEN, username="biznespilot_test_bot")
        settings = settings.model_copy(update={"telegram_api_url": emu.base_url})

        # First process: /help hangs inside its handler, then the process dies.
        app = await build_app(settings, migrate=False)
        bot, dp = await start_owner_bot(app, OWNER_TOKEN)
        entered = asyncio.Event()
        stuck = Router(name="stuck")

        @stuck.message(Command("help"), flags={"perm": "public"})
        async def hang(message: Message) -> None:
            entered.set()
            await asyncio.Event().wait()

        dp.sub_routers.insert(0, stuck)
        stuck._parent_router = dp
        dp.index()
        poller = InboxPoller(bot, dp, app.sessionmaker, timeout=1)
        task = asyncio.create_task(poller.run())
        user = emu.user(OWNER_TOKEN, user_id=4101, language_code="en")
        await user.send("/help")  # returns once Telegram considers it delivered
        await asyncio.wait_for(entered.wait(), 10)
        assert user.history == []
        assert await _inbox_size(db) == 1
        for handler in list(poller._tasks):  # kill -9: nothing gets to finish
            handler.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bot.session.close()
        await app.engine.dispose()
        assert await _inbox_size(db) == 1

        # Telegram has forgotten the update; the next process answers it from the inbox.
        async with running_owner_bot(settings, emu):
            for _ in range(100):
                if user.history:
                    break
                await asyncio.sleep(0.05)
            assert "BiznesPilot help" in user.history[-1].text
            assert len(user.history) == 1
        assert await _inbox_size(db) == 0


async def test_store_keeps_the_first_copy_and_finish_forgets(db: Database) -> None:
    async with db.sessionmaker.begin() as s:
        await inbox.store(s, bot_id=1, updates=[(5, {"update_id": 5}), (6, {"update_id": 6})])
        await inbox.store(s, bot_id=1, updates=[(6, {"update_id": 6, "again": True})])
        await inbox.store(s, bot_id=2, updates=[(5, {"update_id": 5})])
    async with db.sessionmaker.begin() as s:
        assert await inbox.pending(s, bot_id=1) == [{"update_id": 5}, {"update_id": 6}]
        await inbox.finish(s, bot_id=1, update_ids=[5, 6])
    async with db.sessionmaker() as s:
        assert await inbox.pending(s, bot_id=1) == []
        assert await inbox.pending(s, bot_id=2) == [{"update_id": 5}]
