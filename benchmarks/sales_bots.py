"""1,000 business bots served by one process: resident memory and customer reply latency.

    python benchmarks/sales_bots.py [--bots 1000] [--rate 200] [--seconds 15]
                                    [--database-url URL] [--full-path-share 0.2]

Mode: webhook (``biznespilot webhook``). At this scale long polling would keep 1,000 open
getUpdates requests and 1,000 poll loops alive in the process; webhooks cost nothing per idle
bot — one aiohttp app, one route ``/tg/{bot_id}``, each bot's secret checked.

"Telegram" is the built-in Bot API emulator in a separate process (as the real one is on
another machine): it registers the bots, delivers webhooks and times each reply. The server
process is the real thing: the owner bot and a ``SalesRuntime`` in webhook mode serving every
bot. Each shop lists three products with prices and a delivery answer. Customers ask about
prices (the non-AI path), which the sales fast lane
(``handlers/sales/fast.py``) answers in batches: one transaction per batch for the
conversation, the transcript, the message counter and the funnel stage, the reply in the
webhook's response. ``--full-path-share`` makes that share of the messages ask for a person or
an order, which go through the full sales dispatcher (de-dup, flood control, a transaction of
their own, FSM, business and conversation, locale, intent, answer sources, ``sendMessage``).

Load: open loop at ``--rate`` messages per second, each from a new customer of a bot chosen
round-robin (so every message is a first contact: the conversation row is created too); the
first two seconds are warm-up and not counted. Latency = webhook push → the bot's
sendMessage arriving at the emulator (in the webhook's response, or as its own request).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OWNER_TOKEN = "4242999:BENCH-owner-bot"
FIRST_CHAT = 20_000_000
WARMUP_SECONDS = 2.0
# a fixed Fernet key, so a PostgreSQL database kept between runs stays readable
BENCH_KEY = "YmVuY2htYXJrLWtleS1ub3QtYS1zZWNyZXQtMDAwMDA="


def bot_token(index: int) -> str:
    return f"{8_000_000 + index}:BENCH-sales-bot-token-{index:06d}"


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# ------------------------------------------------------------------ "Telegram" (child)


def _telegram(conn: Connection, bots: int, rate: float, seconds: float,
              full_share: float) -> None:
    asyncio.run(_telegram_main(conn, bots, rate, seconds, full_share))


def _update(chat_id: int, n: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": f"C{chat_id}", "language_code": "uz"}
    return {"message": {"message_id": n, "date": int(time.time()), "text": text,
                        "chat": {"id": chat_id, "type": "private", "first_name": f"C{chat_id}"},
                        "from": user}}


async def _telegram_main(conn: Connection, bots: int, rate: float, seconds: float,
                         full_share: float) -> None:
    from bot.emulator import BotAPIEmulator

    loop = asyncio.get_running_loop()
    total = int(rate * (seconds + WARMUP_SECONDS))
    emu = BotAPIEmulator(webhook_retries=1, webhook_timeout=30)
    await emu.start()
    emu.add_bot(OWNER_TOKEN, username="biznespilot_bench_bot")
    for i in range(bots):
        token = bot_token(i)
        emu.add_bot(token, username=f"bench_shop_{i}_bot", first_name=f"Shop {i}")
    for k in range(total):
        emu.add_private_chats(bot_token(k % bots), [FIRST_CHAT + k])
    conn.send(emu.base_url)
    await loop.run_in_executor(None, conn.recv)  # the server is ready
    emu.clear_calls()
    pushed: dict[int, float] = {}
    full_path: set[int] = set()
    start = time.time()
    texts = ("narxi qancha?", "цена какая?", "how much is it?", "qancha turadi")
    # what the fast lane leaves to the full path: a person asked for, an order started (here
    # a hand-off too: the benchmark's shops list no products)
    others = ("operator kerak", "хочу заказать", "I want to order")
    every = round(1 / full_share) if full_share > 0 else 0
    for k in range(total):
        due = start + k / rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        chat = FIRST_CHAT + k
        pushed[chat] = time.time()
        text = texts[k % len(texts)]
        if every and k % every == 0:
            text = others[k % len(others)]
            full_path.add(chat)
        emu.push_update(bot_token(k % bots), _update(chat, 1, text))
    send_done = time.time()
    deadline = send_done + 30
    replied: dict[int, float] = {}
    seen = 0
    while time.time() < deadline:
        calls = emu.calls[seen:]
        seen += len(calls)
        for call in calls:
            if call.method != "sendMessage":
                continue
            chat = int(call.params.get("chat_id", 0))
            if chat in pushed and chat not in replied:
                replied[chat] = call.at
        if len(replied) >= total:
            break
        await asyncio.sleep(0.2)
    warm = FIRST_CHAT + int(rate * WARMUP_SECONDS)
    latencies = sorted((replied[c] - pushed[c]) * 1000 for c in pushed
                       if c >= warm and c in replied)
    full_latencies = sorted((replied[c] - pushed[c]) * 1000 for c in full_path
                            if c >= warm and c in replied)
    counted = sum(1 for c in pushed if c >= warm)
    conn.send({"latencies": latencies, "full_latencies": full_latencies, "counted": counted,
               "missing": counted - len(latencies),
               "achieved_rate": total / (send_done - start), "rss": rss_mb(),
               # what the server sustained: replies per second from the first push to the
               # last reply (the capacity when it is below the offered rate)
               "served_rate": len(replied) / max(1e-9, max(replied.values(), default=start)
                                                 - start)})
    await emu.stop()


# ------------------------------------------------------------------ the server (parent)


async def _seed(app: Any, bots_count: int) -> None:
    from sqlalchemy import delete

    from services import profile, users
    from services.db.models import (
        FsmRecord,
        OutboxMessage,
        ProcessedUpdate,
        SalesBot,
        SalesConversation,
        SalesMessage,
        UsageCounter,
    )
    from services.salesbot import bots, knowledge
    from services.salesbot.bots import BotIdentity

    async def checker(token: str) -> BotIdentity:  # the tokens are known to be good
        bot_id = int(token.split(":")[0])
        return BotIdentity(id=bot_id, username=f"bench_shop_{bot_id - 8_000_000}_bot",
                           first_name="Shop")

    box = app.box
    async with app.sessionmaker.begin() as session:  # a database kept from an earlier run:
        for model in (ProcessedUpdate, SalesMessage, SalesConversation, UsageCounter,
                      FsmRecord, OutboxMessage):
            await session.execute(delete(model))  # every message a first contact again
    for start in range(0, bots_count, 100):
        async with app.sessionmaker.begin() as session:
            for i in range(start, min(bots_count, start + 100)):
                if await session.get(SalesBot, 8_000_000 + i) is not None:
                    continue  # a database kept from an earlier run
                owner_id = 600_000_000 + i
                await users.touch_user(session, user_id=owner_id, first_name=f"Owner {i}")
                business, _ = await profile.create_business(
                    session, owner_id=owner_id, name=f"Shop {i}", industry="retail",
                    model="b2c", primary_goal="sales", team_size="2-5")
                await bots.connect(session, business_id=business.id, token=bot_token(i),
                                   user_id=owner_id, checker=checker, box=box)
                for name, price in (("Latte", 28_000), ("Cappuccino", 26_000),
                                    ("Beans 1 kg", 240_000)):  # a price list to answer with
                    await knowledge.add_product(session, business_id=business.id, name=name,
                                                price=price)
                await knowledge.add_entry(session, business_id=business.id, kind="delivery",
                                          question="Do you deliver?",
                                          answer="Yes, in the city within 2 hours.")


def _percentiles(latencies: list[float]) -> str:
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return (f"p50 {statistics.median(latencies):.1f} ms, p90 "
            f"{latencies[int(len(latencies) * 0.9)]:.1f} ms, p99 {p99:.1f} ms, max "
            f"{latencies[-1]:.1f} ms")


async def main(args: argparse.Namespace, parent: Connection,
               telegram: multiprocessing.process.BaseProcess) -> None:
    from bot.app import build_app
    from bot.config import Settings
    from bot.runner import settle_heap, start_owner_bot
    from bot.sales_runtime import SalesRuntime
    from bot.web import start_web

    loop = asyncio.get_running_loop()
    base_url = await loop.run_in_executor(None, parent.recv)
    tmp = Path(tempfile.mkdtemp(prefix="bp-salesbots-"))
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    settings = Settings(_env_file=None, database_url=url, data_dir=tmp,  # type: ignore[call-arg]
                        telegram_api_url=base_url, flood_rate=10_000, redis_url=None,
                        encryption_key=BENCH_KEY)
    app = await build_app(settings)
    started = time.perf_counter()
    await _seed(app, args.bots)
    if url.startswith("postgresql"):  # planner statistics, as autovacuum would keep them
        async with app.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("ANALYZE")
    print(f"seeded {args.bots} businesses with a bot each in "
          f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
    rss_idle = rss_mb()
    bot, dp = await start_owner_bot(app, OWNER_TOKEN)
    web = await start_web(app, "127.0.0.1", 0)
    webhook_base = f"http://127.0.0.1:{web.addresses[0][1]}"
    runtime = SalesRuntime(app, mode="webhook", owner_bot=bot, owner_dispatcher=dp,
                           webhook_base=webhook_base, sync_interval=0)
    started = time.perf_counter()
    await runtime.start()
    served = sum(1 for s in runtime.served.values() if s.business_id is not None)
    print(f"serving {served} business bots + the owner bot by webhook after "
          f"{time.perf_counter() - started:.1f} s (setWebhook each)")
    rss_serving = rss_mb()
    statements: Counter[str] = Counter()
    if args.count_sql:
        from sqlalchemy import event

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements[" ".join(statement.split())[:70]] += 1

        event.listen(app.engine.sync_engine, "before_cursor_execute", count)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    settle_heap()  # as `biznespilot webhook` does once it serves
    cpu_before = time.process_time()  # the server's CPU (all its threads) over the load
    parent.send("go")
    result = await loop.run_in_executor(None, parent.recv)
    cpu_used = time.process_time() - cpu_before
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    rss_after = rss_mb()
    if args.count_sql:
        total = int(args.rate * (args.seconds + WARMUP_SECONDS))
        print(f"SQL statements: {sum(statements.values()) / total:.1f} per customer message")
        for text, n in statements.most_common(25):
            print(f"  {n / total:5.2f}  {text}")
    telegram.join()
    latencies = result["latencies"]
    print(f"load: {args.rate:g} customer messages/s for {args.seconds:g} s after "
          f"{WARMUP_SECONDS:g} s warm-up (achieved {result['achieved_rate']:.0f}/s), "
          f"{result['counted']} counted, {result['missing']} unanswered; served "
          f"{result['served_rate']:.0f} replies/s")
    if latencies:
        print(f"reply latency: {_percentiles(latencies)} (target p99 ≤ 150 ms)")
    if result["full_latencies"]:
        print(f"  of which the {len(result['full_latencies'])} full-path messages: "
              f"{_percentiles(result['full_latencies'])}")
    print(f"server RSS: {rss_idle:.0f} MB before the bots, {rss_serving:.0f} MB serving "
          f"{served} bots, {rss_after:.0f} MB after the load (target ≤ 400 MB); emulator "
          f"process {result['rss']:.0f} MB")
    # less noisy than the throughput on a shared machine: CPU seconds the server spent
    # (warm-up included) over the messages pushed; 1 / this is one process's ceiling
    total_sent = int(args.rate * (args.seconds + WARMUP_SECONDS))
    print(f"server CPU: {cpu_used:.1f} s for {total_sent} messages = "
          f"{cpu_used * 1000 / total_sent:.2f} ms per customer message")
    lane = runtime.fast_lane
    if lane is not None:
        print(f"fast lane: {lane.taken} of {total_sent} messages in {lane.batches} batches "
              f"({lane.taken / max(1, lane.batches):.1f} per batch); the rest took the full "
              f"path (offered to the lane but declined: {dict(lane.declined) or 'none'})")
    print(f"machine: {os.cpu_count()} cores (shared with other work)")
    await runtime.close()
    await web.cleanup()
    await bot.session.close()
    await app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bots", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--count-sql", action="store_true",
                        help="count the SQL statements per customer message")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the load phase into FILE")
    parser.add_argument("--full-path-share", type=float, default=0.0, metavar="SHARE",
                        help="this share of the messages (0–1) ask for a person or an order, "
                             "which the fast lane leaves to the full path")
    arguments = parser.parse_args()
    # fork before any event loop exists; the child is "Telegram"
    context = multiprocessing.get_context("fork")
    parent_end, child_end = context.Pipe()
    process = context.Process(target=_telegram, args=(child_end, arguments.bots,
                                                     arguments.rate, arguments.seconds,
                                                     arguments.full_path_share))
    process.start()
    asyncio.run(main(arguments, parent_end, process))
