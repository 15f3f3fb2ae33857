"""Broadcast throughput: N recipients through the outbox sender against the Bot API emulator.

The emulator enforces a global rate L (token bucket, one second of burst) and answers a share
of sends with 429 ``retry_after`` and 403 (the user blocked the bot); the sender is configured
to the same L. Prints the total time against the floor N/L, duplicates, and the counts.

    python benchmarks/broadcast.py --users 100000 --rate 1000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.app import make_bot
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.migrations import upgrade
from bot.outbox import OutboxSender
from services import broadcast, outbox
from services.db.models import OutboxMessage, User
from services.db.session import make_engine, make_sessionmaker

TOKEN = "555001:BENCH"
BOT_ID = 555001
FIRST_USER = 10_000_000


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    await upgrade(engine)
    sessionmaker = make_sessionmaker(engine)
    ids = list(range(FIRST_USER, FIRST_USER + args.users))
    async with sessionmaker.begin() as s:
        for i in range(0, len(ids), 5000):
            await s.execute(insert(User), [{"id": u, "first_name": "U", "timezone": "UTC",
                                            "status": "active", "platform_role": "user"}
                                           for u in ids[i:i + 5000]])
    async with BotAPIEmulator(record_calls=False) as emu:
        emu.add_bot(TOKEN)
        emu.add_private_chats(TOKEN, ids)
        emu.set_global_rate(args.rate)
        emu.inject_send_faults(rate_429=args.rate_429, rate_403=args.rate_403, seed=1)
        settings = Settings(_env_file=None, telegram_api_url=emu.base_url)  # type: ignore[call-arg]
        bot = make_bot(settings, TOKEN)
        started = time.perf_counter()
        async with sessionmaker.begin() as s:
            progress = await broadcast.start(
                s, author_id=1, bot_id=BOT_ID, locale="en",
                payload=outbox.text_payload("<b>News</b> for everyone"),
                segment=broadcast.Segment("all"))
        enqueued = time.perf_counter() - started
        sender = OutboxSender(sessionmaker, {BOT_ID: bot}, rate=args.rate,
                              users_bot_id=BOT_ID, concurrency=args.concurrency)
        t0 = time.perf_counter()
        await sender.run(until_idle=True)
        elapsed = time.perf_counter() - t0
        await bot.session.close()
        per_chat = [len(emu.chat_state(TOKEN, u).messages) for u in ids]
    async with sessionmaker() as s:
        counts = await outbox.batch_counts(s, batch=broadcast.batch_of(progress.id))
        blocked_users = await s.scalar(
            select(func.count()).select_from(User).where(User.blocked_at.is_not(None)))
        rows = await s.scalar(select(func.count()).select_from(OutboxMessage))
    await engine.dispose()
    floor = args.users / args.rate
    print(f"recipients {args.users}, rate L={args.rate:g}/s, floor N/L = {floor:.1f} s")
    print(f"enqueue (one transaction): {enqueued:.1f} s")
    print(f"send: {elapsed:.1f} s = {elapsed / floor * 100:.1f}% of floor "
          f"({args.users / elapsed:.0f} msg/s)")
    print(f"duplicates: {sum(1 for n in per_chat if n > 1)}; chats with a message: "
          f"{sum(1 for n in per_chat if n)}")
    print(f"sent {counts.sent}, blocked {counts.blocked}, failed {counts.failed}, "
          f"remaining {counts.remaining}, rows {rows}")
    print(f"emulator: injected 429 {emu.injected['429']}, injected 403 {emu.injected['403']}, "
          f"rate-limited 429 {emu.injected['rate_limited']}; retried {sender.retried}; "
          f"users marked blocked {blocked_users}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--rate-429", type=float, default=0.005)
    parser.add_argument("--rate-403", type=float, default=0.01)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
