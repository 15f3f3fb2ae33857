"""Owner-bot throughput: the full stack against bare aiogram, on the same emulator.

Full stack: emulator → long polling → de-dup, throttling, DB session, user/business context,
locale and permission middlewares → handler → database → reply. Bare: an aiogram echo handler.
Both poll the built-in Bot API emulator over real HTTP on 127.0.0.1 with the default
``handle_as_tasks=True``; each update gets one reply.

    python benchmarks/updates.py [--updates 3000] [--database-url URL]

Prints updates/second for both and the ratio (target: full ≥ 50% of bare).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bot.app import build_app, build_owner_dispatcher, make_bot
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from services import profile, users

BARE_TOKEN = "5550001:BENCH-bare"
FULL_TOKEN = "5550002:BENCH-full"
FIRST_USER = 800_000_000


def _message_update(user_id: int, text: str, n: int) -> dict[str, Any]:
    sender = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "en"}
    return {"message": {"message_id": n, "date": int(time.time()), "text": text,
                        "chat": {"id": user_id, "type": "private", "first_name": sender[
                            "first_name"]}, "from": sender}}


async def _drive(emu: BotAPIEmulator, token: str, bot: Bot, dp: Dispatcher, n_updates: int,
                 n_users: int) -> float:
    bot_id = int(token.split(":")[0])
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    await asyncio.sleep(0.3)  # let polling connect
    for i in range(n_users):  # open the private chats, as users who pressed Start
        emu.user(token, user_id=FIRST_USER + i, first_name=f"U{FIRST_USER + i}")
    emu.clear_calls()
    start = time.perf_counter()
    for i in range(n_updates):
        emu.push_update(token, _message_update(FIRST_USER + i % n_users, "hello", i + 1))
    while True:
        sent = sum(1 for c in emu.calls if c.bot_id == bot_id and c.method == "sendMessage")
        if sent >= n_updates:
            break
        if time.perf_counter() - start > 300:
            raise TimeoutError(f"only {sent}/{n_updates} replies after 300 s")
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - start
    await dp.stop_polling()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await bot.session.close()
    return n_updates / elapsed


async def bare(emu: BotAPIEmulator, base_url: str, n: int, n_users: int) -> float:
    bot = Bot(BARE_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    return await _drive(emu, BARE_TOKEN, bot, dp, n, n_users)


async def full(emu: BotAPIEmulator, base_url: str, n: int, n_users: int,
               database_url: str | None, data_dir: Path) -> float:
    settings = Settings(_env_file=None, telegram_api_url=base_url, data_dir=data_dir,  # type: ignore[call-arg]
                        database_url=database_url or
                        f"sqlite+aiosqlite:///{data_dir / 'bench.db'}")
    app = await build_app(settings)
    async with app.sessionmaker.begin() as session:
        for i in range(n_users):
            uid = FIRST_USER + i
            user, created = await users.touch_user(session, user_id=uid, first_name=f"U{uid}")
            if created:
                user.language = "en"
                await profile.create_business(session, owner_id=uid, name=f"Biz {i}",
                                              industry="retail", model="b2c",
                                              primary_goal="sales", team_size="1")
    bot = make_bot(settings, FULL_TOKEN)
    dp = await build_owner_dispatcher(app)
    try:
        return await _drive(emu, FULL_TOKEN, bot, dp, n, n_users)
    finally:
        await app.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--users", type=int, default=1000,
                        help="distinct senders (stay under the per-user flood limit)")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        async with BotAPIEmulator() as emu:
            base_url = emu.base_url
            assert base_url is not None
            emu.add_bot(BARE_TOKEN, username="bare_bot")
            emu.add_bot(FULL_TOKEN, username="full_bot")
            bare_rate = await bare(emu, base_url, args.updates, args.users)
            full_rate = await full(emu, base_url, args.updates, args.users, args.database_url,
                                   Path(tmp))
    backend = (args.database_url or "sqlite").split(":")[0]
    print(f"updates: {args.updates} from {args.users} users, database: {backend}")
    print(f"bare aiogram echo : {bare_rate:8.0f} updates/s")
    print(f"full owner stack  : {full_rate:8.0f} updates/s")
    print(f"ratio full / bare : {full_rate / bare_rate:8.1%}  (target ≥ 50%)")


if __name__ == "__main__":
    asyncio.run(main())
