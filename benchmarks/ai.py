"""AI latency as the owner sees it, through the full owner bot on the Bot API emulator.

    python benchmarks/ai.py [--runs 30]

(a) Streaming: the fake Anthropic server (tests/fakes) streams an answer; the time from the
    moment it writes the first text chunk to the moment the emulator records the first draft
    (or message) showing it. Target: < 1.5 s.
(b) Offline: no key, the rule-based advisor answers; the round trip from the user's question
    to the answer message in the chat. Target: < 50 ms.
Prints median and p95 of each over ``--runs`` questions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.fakes

from bot.app import App, build_app
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.runner import start_owner_bot
from services import profile, users
from tests.fakes.anthropic import FakeAnthropic, Reply

TOKEN = "5550003:BENCH-ai"
USER = 810_000_001
OWNERS = 20
PER_OWNER = 15  # questions per business, under the Starter plan's 20 AI requests an hour


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@contextlib.asynccontextmanager
async def _owner_bot(emu: BotAPIEmulator, settings: Settings):  # type: ignore[no-untyped-def]
    app: App = await build_app(settings)
    async with app.sessionmaker.begin() as session:
        for uid in range(USER, USER + OWNERS):
            user, created = await users.touch_user(session, user_id=uid, first_name="Bench")
            if created:
                user.language = "en"
                await profile.create_business(session, owner_id=uid, name="Bench Biz",
                                              industry="retail", model="b2c",
                                              primary_goal="sales", team_size="1")
    bot, dp = await start_owner_bot(app, TOKEN)
    task = asyncio.create_task(dp.start_polling(bot, handle_as_tasks=False, handle_signals=False,
                                                 polling_timeout=1))
    try:
        yield app
    finally:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bot.session.close()
        await app.close()


async def streaming(runs: int, tmp: Path) -> list[float]:
    delays: list[float] = []
    async with FakeAnthropic("sk-bench") as fake, BotAPIEmulator() as emu:
        emu.add_bot(TOKEN, username="ai_bench_bot")
        fake.default = Reply(chunks=["First", " words", " of the answer."], delay=0.05)
        settings = Settings(_env_file=None, telegram_api_url=emu.base_url,  # type: ignore[call-arg]
                            data_dir=tmp, database_url=f"sqlite+aiosqlite:///{tmp / 's.db'}",
                            anthropic_api_key=SecretStr("sk-bench"),
                            anthropic_base_url=fake.base_url, flood_rate=10_000)
        async with _owner_bot(emu, settings):
            for n in range(runs):
                user = emu.user(TOKEN, user_id=USER + n // PER_OWNER, first_name="Bench",
                                language_code="en")
                if n % PER_OWNER == 0:
                    await user.send("/ask")
                seen_before = len(user.drafts)
                shown = await user.send(f"How do I get more leads? ({n})")
                if len(user.drafts) <= seen_before:
                    raise RuntimeError(f"no draft; the bot answered {shown[-1].text!r}")
                first = user.drafts[seen_before].at
                delays.append(first - fake.first_token_at[-1])
                if n % 5 == 4:
                    await user.send("/new")  # keep the history (and prompt) small
    return delays


async def offline(runs: int, tmp: Path) -> list[float]:
    times: list[float] = []
    async with BotAPIEmulator() as emu:
        emu.add_bot(TOKEN, username="ai_bench_bot")
        settings = Settings(_env_file=None, telegram_api_url=emu.base_url,  # type: ignore[call-arg]
                            data_dir=tmp, database_url=f"sqlite+aiosqlite:///{tmp / 'o.db'}",
                            anthropic_api_key=None, flood_rate=10_000)
        async with _owner_bot(emu, settings):
            user = emu.user(TOKEN, user_id=USER, first_name="Bench", language_code="en")
            await user.send("/ask")
            for n in range(runs + 3):
                start = time.perf_counter()
                answer = await user.send(f"Как увеличить продажи? ({n})")
                elapsed = time.perf_counter() - start
                assert answer and "Offline" not in answer[-1].text[:5]
                if n >= 3:  # the first questions warm the caches
                    times.append(elapsed)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stream = await streaming(args.runs, Path(tmp))
        rules = await offline(args.runs, Path(tmp))
    print(f"{args.runs} questions each, SQLite, emulator and fake model on 127.0.0.1")
    print(f"{'':44}{'median':>9}{'p95':>9}")
    print(f"{'(a) first streamed token → first draft':44}"
          f"{statistics.median(stream) * 1000:>6.0f} ms{_p95(stream) * 1000:>6.0f} ms"
          "   target < 1500 ms")
    print(f"{'(b) offline answer, question → answer':44}"
          f"{statistics.median(rules) * 1000:>6.0f} ms{_p95(rules) * 1000:>6.0f} ms"
          "   target < 50 ms")


if __name__ == "__main__":
    asyncio.run(main())
