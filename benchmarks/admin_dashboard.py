"""The admin dashboard at platform scale: N users (a tenth paying, a tenth on trial), two
paid invoices per paying account, then ``metrics.dashboard`` timed (median of the runs) with
the statements it ran. Every figure is an aggregate: a handful of rows come back however large
N is.

    python benchmarks/admin_dashboard.py --users 100000
    python benchmarks/admin_dashboard.py --users 100000 --database-url postgresql+asyncpg://...
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

from sqlalchemy import event, insert, select, text

from bot.migrations import upgrade
from services import plans
from services.admin import metrics
from services.db.models import Invoice, Plan, Subscription, User
from services.db.session import make_engine, make_sessionmaker

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
FIRST = 50_000_000


async def main(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'dash.db'}"
    engine = make_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    rng = random.Random(7)
    async with sessions.begin() as s:
        await plans.seed_plans(s)
    async with sessions.begin() as s:
        plan_ids = [p.id for p in await s.scalars(select(Plan).order_by(Plan.sort_order))][:3]
    users, subs, invoices = [], [], []
    for i in range(args.users):
        uid = FIRST + i
        created = NOW - timedelta(days=rng.uniform(0, 400))
        seen = min(NOW, created + timedelta(days=rng.expovariate(1 / 30)))
        users.append({"id": uid, "first_name": f"U{i}", "created_at": created,
                      "last_seen_at": seen, "timezone": "Asia/Tashkent", "status": "active",
                      "platform_role": "user"})
        kind = i % 10
        if kind in (0, 1):
            paying = kind == 0
            end = NOW + timedelta(days=rng.uniform(-40, 300))
            subs.append({"user_id": uid, "plan_id": rng.choice(plan_ids),
                         "status": "active" if paying else "trialing",
                         "billing_cycle": rng.choice(("monthly", "yearly")),
                         "trial_ends_at": None if paying else end,
                         "current_period_start": end - timedelta(days=30),
                         "current_period_end": end, "created_at": created,
                         "updated_at": created, "business_addons": 0})
            if paying:
                for _ in range(2):
                    invoices.append({"user_id": uid, "plan_id": plan_ids[0],
                                     "cycle": "monthly", "addons": 0, "subtotal": 399_000,
                                     "discount": 0, "total": 399_000, "status": "paid",
                                     "created_at": NOW,
                                     "paid_at": NOW - timedelta(days=rng.uniform(0, 360))})
    started = time.perf_counter()
    async with sessions.begin() as s:
        for table, rows in ((User, users), (Subscription, subs), (Invoice, invoices)):
            for chunk in range(0, len(rows), 5000):
                await s.execute(insert(table), rows[chunk:chunk + 5000])
    seeded = time.perf_counter() - started
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    timings = []
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    for _ in range(args.runs):
        async with sessions() as s:
            statements[0] = 0
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            t0 = time.perf_counter()
            d = await metrics.dashboard(s, now=NOW)
            timings.append(time.perf_counter() - t0)
            event.remove(engine.sync_engine, "before_cursor_execute", count)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{backend}: {args.users:,} users, {len(subs):,} subscriptions, "
          f"{len(invoices):,} invoices (seeded in {seeded:.1f} s)")
    print(f"dashboard: median {statistics.median(timings) * 1000:.0f} ms, "
          f"min {min(timings) * 1000:.0f} ms over {args.runs} runs, {statements[0]} statements")
    print(f"figures: users {d.total_users:,}, active {d.active_subscriptions:,}, "
          f"trials {d.trials:,}, MRR {d.mrr:,}, churn {d.churn:.1f}%, DAU {d.dau:,}, "
          f"MAU {d.mau:,}, revenue this month {d.revenue[-1]:,}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
