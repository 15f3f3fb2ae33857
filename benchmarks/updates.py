"""Owner-bot throughput: the full stack against bare aiogram, on the same emulator.

Full stack: emulator → long polling through the inbox (``bot.polling``, as ``biznespilot run``)
→ de-dup, throttling, DB session, user/business context, locale and permission middlewares →
routing index → handler → database → reply. Bare: an aiogram echo handler on aiogram's own
polling. Both poll the built-in Bot API emulator over real HTTP on 127.0.0.1 and handle
updates concurrently (aiogram's default ``handle_as_tasks=True``); each update gets one reply.

    python benchmarks/updates.py [--updates 3000] [--database-url URL]

Two bursts: the first contact of each user (cold: nothing cached yet), then the steady state
(every user seen before, as for owners using the bot). Prints updates/second for both stacks
and the ratio; the target is the steady state at ≥ 50% of bare aiogram.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bot.app import App, build_app, build_owner_dispatcher, make_bot
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.polling import InboxPoller
from services import profile, users

BARE_TOKEN = "5550001:BENCH-bare"
FULL_TOKEN = "5550002:BENCH-full"
FIRST_USER = 800_000_000


def _message_update(user_id: int, text: str, n: int) -> dict[str, Any]:
    sender = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "en"}
    return {"message": {"message_id": n, "date": int(time.time()), "text": text,
                        "chat": {"id": user_id, "type": "private", "first_name": sender[
                            "first_name"]}, "from": sender}}


async def _burst(emu: BotAPIEmulator, token: str, n_updates: int, n_users: int,
                 first_message: int) -> float:
    """Push ``n_updates`` from ``n_users`` users at once; updates/s until all are answered."""
    bot_id = int(token.split(":")[0])
    emu.clear_calls()
    start = time.perf_counter()
    for i in range(n_updates):
        emu.push_update(token, _message_update(FIRST_USER + i % n_users, "hello",
                                               first_message + i))
    seen = sent = 0
    while True:
        # Count only calls recorded since the last look: a rescan of the whole list would
        # charge the slower stack more of this process's CPU.
        fresh = emu.calls[seen:]
        seen += len(fresh)
        sent += sum(1 for c in fresh if c.bot_id == bot_id and c.method == "sendMessage")
        if sent >= n_updates:
            break
        if time.perf_counter() - start > 300:
            raise TimeoutError(f"only {sent}/{n_updates} replies after 300 s")
        await asyncio.sleep(0.02)
    return n_updates / (time.perf_counter() - start)


async def _start(emu: BotAPIEmulator, token: str, bot: Bot, dp: Dispatcher,
                 n_users: int, app: App | None = None) -> asyncio.Task[None]:
    if app is None:  # bare aiogram
        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False,
                                                    polling_timeout=1))
    else:  # the production poller
        poller = InboxPoller(bot, dp, app.sessionmaker, timeout=1)
        app.extras["poller"] = poller
        task = asyncio.create_task(poller.run())
    await asyncio.sleep(0.3)  # let polling connect
    for i in range(n_users):  # open the private chats, as users who pressed Start
        emu.user(token, user_id=FIRST_USER + i, first_name=f"U{FIRST_USER + i}")
    return task


async def _stop(bot: Bot, dp: Dispatcher, task: asyncio.Task[None],
                app: App | None = None) -> None:
    if app is None:
        await dp.stop_polling()
    else:
        app.extras["poller"].stop()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await bot.session.close()


def bare_bot(base_url: str) -> tuple[Bot, Dispatcher]:
    bot = Bot(BARE_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    return bot, dp


async def full_bot(base_url: str, n_users: int, database_url: str | None,
                   data_dir: Path) -> tuple[Bot, Dispatcher, App]:
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
    return make_bot(settings, FULL_TOKEN), await build_owner_dispatcher(app), app


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000, help="updates per round")
    parser.add_argument("--users", type=int, default=1000,
                        help="distinct senders (stay under the per-user flood limit)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="steady-state rounds, bare and full alternating")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        async with BotAPIEmulator() as emu:
            base_url = emu.base_url
            assert base_url is not None
            emu.add_bot(BARE_TOKEN, username="bare_bot")
            emu.add_bot(FULL_TOKEN, username="full_bot")
            bare, bare_dp = bare_bot(base_url)
            full, full_dp, app = await full_bot(base_url, args.users, args.database_url,
                                                Path(tmp))
            tasks = [await _start(emu, BARE_TOKEN, bare, bare_dp, args.users),
                     await _start(emu, FULL_TOKEN, full, full_dp, args.users, app)]
            message = 1
            rates: dict[str, list[float]] = {"bare cold": [], "full cold": [], "bare": [],
                                             "full": []}
            for token, key in ((BARE_TOKEN, "bare cold"), (FULL_TOKEN, "full cold")):
                rates[key].append(await _burst(emu, token, args.users, args.users, message))
            message += args.users
            for _ in range(args.rounds):
                for token, key in ((BARE_TOKEN, "bare"), (FULL_TOKEN, "full")):
                    rates[key].append(await _burst(emu, token, args.updates, args.users,
                                                   message))
                message += args.updates
            await _stop(bare, bare_dp, tasks[0])
            await _stop(full, full_dp, tasks[1], app)
            await app.close()
    backend = (args.database_url or "sqlite").split(":")[0]
    print(f"database: {backend}; {args.users} users; median of {args.rounds} rounds of "
          f"{args.updates} updates")
    print(f"{'':26}{'bare aiogram':>14}{'full stack':>12}{'ratio':>8}")
    for label, b, f in (
        ("first contact (1/user)", rates["bare cold"][0], rates["full cold"][0]),
        ("steady state", statistics.median(rates["bare"]), statistics.median(rates["full"])),
    ):
        print(f"{label:26}{b:>11.0f} /s{f:>9.0f} /s{f / b:>8.1%}")
    print("target: steady state ≥ 50%")


if __name__ == "__main__":
    asyncio.run(main())
