"""Sales chatbot stats and exports on a busy business: ``chat_stats`` for 7/30/90 days (three
aggregate queries), the stats image, and the 30-day CSV and XLSX exports.

    python benchmarks/salesbot_stats.py [--conversations 20000 --messages 10] \
        [--database-url URL] [--runs 7]

Builds once (cached: a SQLite file under the temp dir, or a marked business in PostgreSQL) a
business with two bots, ``--conversations`` conversations spread over 180 days with random
stages, hand-offs and leads, ``--messages`` messages each (customer/bot alternating, some
unanswered), plus a second business of the same size that must not be counted. Prints the
median time of each operation and the export sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.migrations import upgrade
from services import plans, profile, users
from services.charts.dashboard import CardSpec
from services.charts.salesbot import ChatStatsImage, FunnelBar, render_chat_stats
from services.db.models import Business, Lead, SalesBot, SalesConversation, SalesMessage
from services.db.session import make_engine, make_sessionmaker
from services.salesbot import export, stats

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
STAGES = stats.STAGES
WEIGHTS = (40, 25, 15, 10, 7, 3)
BATCH = 20_000
OWNER = 991_000_001


async def _bulk(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        await session.execute(insert(table), rows[i:i + BATCH])


async def _business(sm: async_sessionmaker[AsyncSession], name: str, owner: int,
                    n_conv: int, per_conv: int, seed: int) -> int:
    async with sm.begin() as s:
        found = await s.scalar(select(Business.id).where(Business.name == name))
        if found is not None:
            return found
        await plans.seed_plans(s)
        await users.touch_user(s, user_id=owner, first_name="Bench")
        business, _ = await profile.create_business(
            s, owner_id=owner, name=name, industry="retail", model="b2c",
            primary_goal="sales", team_size="2-5")
        bid = business.id
        bot_ids = [owner * 10 + 1, owner * 10 + 2]
        await _bulk(s, SalesBot, [{"id": b, "business_id": bid, "username": f"b{b}",
                                   "token_encrypted": "x", "secret_encrypted": "x"}
                                  for b in bot_ids])
        rng = random.Random(seed)
        base = await s.scalar(select(SalesConversation.id).order_by(
            SalesConversation.id.desc()).limit(1)) or 0
        lead_base = await s.scalar(select(Lead.id).order_by(Lead.id.desc()).limit(1)) or 0
        convs, msgs, leads = [], [], []
        for i in range(n_conv):
            created = NOW - timedelta(minutes=rng.randrange(180 * 24 * 60))
            stage = rng.choices(STAGES, WEIGHTS)[0]
            lead_id = None
            if stage != "awareness" and rng.random() < 0.6:
                lead_id = lead_base + len(leads) + 1
                leads.append({"id": lead_id, "business_id": bid, "name": f"L{i}",
                              "source": "chatbot", "day": created.date(),
                              "created_at": created, "updated_at": created})
            handoff = rng.random() < 0.08
            convs.append({"id": base + i + 1, "business_id": bid,
                          "bot_id": bot_ids[i % 2], "customer_chat_id": 10_000 + i,
                          "customer_name": f"Customer {i}", "stage": stage,
                          "lead_id": lead_id, "handoff": "none",
                          "handoff_at": created if handoff else None,
                          "created_at": created, "updated_at": created})
            for j in range(per_conv):
                author = "customer" if j % 2 == 0 else ("operator" if handoff else "bot")
                if j == per_conv - 1 and rng.random() < 0.2:
                    author = "customer"
                msgs.append({"business_id": bid, "conversation_id": base + i + 1,
                             "author": author, "text": f"message {j} of {i}",
                             "created_at": created + timedelta(minutes=j)})
        await _bulk(s, Lead, leads)
        await _bulk(s, SalesConversation, convs)
        await _bulk(s, SalesMessage, msgs)
        return bid


async def _median(runs: int, make: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await make()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = args.database_url or (
        "sqlite+aiosqlite:///" + str(Path(tempfile.gettempdir())
                                     / f"salesbot-bench-{args.conversations}.db"))
    engine = make_engine(url)
    await upgrade(engine)
    sm = make_sessionmaker(engine)
    started = time.perf_counter()
    size = f"{args.conversations}-{args.messages}"
    bid = await _business(sm, f"salesbot-bench-{size}", OWNER, args.conversations,
                          args.messages, 1)
    await _business(sm, f"salesbot-bench-other-{size}", OWNER + 1, args.conversations,
                    args.messages, 2)
    async with engine.begin() as conn:  # fresh statistics, as autovacuum / a DBA would have
        await conn.execute(text("ANALYZE"))
    print(f"database: {url.split(':', 1)[0]}; {args.conversations:,} conversations × "
          f"{args.messages} messages per business, 2 businesses "
          f"(ready in {time.perf_counter() - started:.1f} s)")
    async with sm() as s:
        for days in stats.PERIODS:
            ms, figures = await _median(args.runs, lambda d=days: stats.chat_stats(
                s, business_id=bid, days=d, now=NOW))
            print(f"chat_stats {days:>2} days: {ms:7.1f} ms  (conversations "
                  f"{figures.conversations:,}, customer messages "
                  f"{figures.customer_messages:,}, response "
                  f"{figures.response_rate or 0:.1%}, conversion "
                  f"{figures.conversion_rate or 0:.1%})")
        start, end = stats.period_bounds(30, "Asia/Tashkent", NOW)
        labels = export.ExportLabels(headers={})
        for fmt in export.ExportFormat:
            ms, out = await _median(max(1, args.runs // 3), lambda f=fmt: export.export(
                s, business_id=bid, timezone="Asia/Tashkent", labels=labels, fmt=f,
                start=start, end=end))
            print(f"export 30 days {fmt.value:>4}: {ms:7.1f} ms  ({out.rows:,} rows, "
                  f"{out.rows / ms * 1000:,.0f} rows/s, {len(out.data) / 1e6:.1f} MB)")
    cards = [CardSpec(f"Card {i}", f"{i * 1234:,}", "", None, None) for i in range(6)]
    image = ChatStatsImage("Sales chatbot — last 30 days", "Shop · 1–30 Nov", cards, "Funnel",
                           [FunnelBar(s, 100 - i * 15, 10, "x") for i, s in enumerate(STAGES)],
                           "Reached", "Stopped", "Nothing")
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        render_chat_stats(image)
        times.append(time.perf_counter() - t)
    print(f"stats image: {statistics.median(times) * 1000:7.1f} ms")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
