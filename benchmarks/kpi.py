"""KPI engine: ``dashboard()`` over the aggregates against the same numbers by direct SQL over
the raw tables, on a business with many orders and leads.

    python benchmarks/kpi.py [--orders 1000000 --leads 200000] [--database-url URL] [--runs 15]

Builds (once, cached: a SQLite file under the temp dir, or a marked business in PostgreSQL) a
business with raw rows — orders, leads, customers, spend — and their aggregates (``DailyStat``
and the ``Customer`` totals) computed from those same rows, inserted in executemany batches.
Then times ``dashboard()`` for 30 and 90 days (median of ``--runs``) beside aggregate SQL over
orders/leads/spend computing the same revenue, orders, spend, leads, won leads, new customers,
daily series and channel split, asserts they agree, and prints both times and the ratio.
Targets: dashboard ≤ 50 ms, ≥ 10× faster than the raw SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.migrations import upgrade
from services import kpi, plans, profile, users
from services.db.models import (
    Business,
    Customer,
    DailyStat,
    Lead,
    MarketingChannel,
    Order,
    SpendEntry,
)
from services.db.session import make_engine, make_sessionmaker

TZ = "Asia/Tashkent"
DAYS = 730
END = date(2026, 11, 30)
NOW = datetime.combine(END, dtime(12), ZoneInfo(TZ)).astimezone(UTC)
CHANNELS = [("instagram", "Instagram"), ("telegram", "Telegram channel"),
            ("google_ads", "Google Ads"), ("facebook", "Facebook"), ("tiktok", "TikTok"),
            ("offline", "Offline")]
STAGES = ["awareness", "interest", "consideration", "intent", "purchase"]
BATCH = 20_000
OWNER = 990_000_001


def _local_noon(day: date) -> datetime:
    return datetime.combine(day, dtime(12), ZoneInfo(TZ)).astimezone(UTC)


async def _bulk(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        await session.execute(insert(table), rows[i:i + BATCH])


async def build(sm: async_sessionmaker[AsyncSession], n_orders: int, n_leads: int) -> int:
    """The benchmark business (built once per size); returns its id."""
    name = f"kpi-bench-{n_orders}-{n_leads}"
    async with sm.begin() as s:
        found = await s.scalar(select(Business.id).where(Business.name == name))
        if found is not None:
            return found
        await plans.seed_plans(s)
        await users.touch_user(s, user_id=OWNER + n_orders, first_name="Bench")
        business, _ = await profile.create_business(
            s, owner_id=OWNER + n_orders, name=name, industry="retail", model="b2c",
            primary_goal="sales", team_size="2-5")
        bid = business.id
        channel_ids = []
        for kind, title in CHANNELS:
            channel = MarketingChannel(business_id=bid, kind=kind, name=title)
            s.add(channel)
            await s.flush()
            channel_ids.append(channel.id)
    started = time.perf_counter()
    rng = random.Random(42)
    first_day = END - timedelta(days=DAYS - 1)
    n_customers = max(20, n_orders // 8)
    stats: dict[tuple[date, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    spend_rows = []
    for d in range(DAYS):
        day = first_day + timedelta(days=d)
        for cid in channel_ids[:-1]:
            amount = rng.randrange(100_000, 2_000_000)
            impressions = rng.randrange(1_000, 50_000)
            clicks = impressions // rng.randrange(20, 80)
            spend_rows.append({"business_id": bid, "channel_id": cid, "day": day,
                               "amount": amount, "impressions": impressions, "clicks": clicks,
                               "source": "import", "created_at": NOW, "updated_at": NOW})
            st = stats[(day, cid)]
            st["spend"] += amount
            st["impressions"] += impressions
            st["clicks"] += clicks
    # customers, then orders sorted by time so first/last order are known
    customer_rows = [{"business_id": bid, "name": f"C{i}", "source_channel_id":
                      rng.choice(channel_ids), "orders_count": 0, "total_spent": 0,
                      "created_at": NOW, "updated_at": NOW} for i in range(n_customers)]
    async with sm.begin() as s:
        await _bulk(s, Customer.__table__, customer_rows)
        first_cid = await s.scalar(select(func.min(Customer.id))
                                   .where(Customer.business_id == bid))
    assert first_cid is not None
    days = sorted(first_day + timedelta(days=rng.randrange(DAYS)) for _ in range(n_orders))
    order_rows = []
    agg: dict[int, list[Any]] = {}
    for day in days:
        customer = first_cid + min(n_customers - 1, int(rng.paretovariate(1.2)) - 1
                                   + rng.randrange(n_customers) // 3)
        channel = rng.choice(channel_ids)
        total = rng.randrange(50_000, 1_500_000, 1000)
        at = _local_noon(day)
        order_rows.append({"business_id": bid, "customer_id": customer, "channel_id": channel,
                           "items": [], "total": total, "status": "paid", "ordered_at": at,
                           "day": day, "source": "import", "created_at": NOW,
                           "updated_at": NOW})
        st = stats[(day, channel)]
        st["orders"] += 1
        st["revenue"] += total
        a = agg.get(customer)
        if a is None:
            agg[customer] = [at, at, 1, total]
            stats[(day, channel)]["new_customers"] += 1
        else:
            a[1], a[2], a[3] = at, a[2] + 1, a[3] + total
    lead_rows = []
    for i in range(n_leads):
        day = first_day + timedelta(days=rng.randrange(DAYS))
        channel = rng.choice(channel_ids)
        stage = STAGES[min(4, int(rng.expovariate(0.9)))]
        status = "won" if stage == "purchase" else rng.choice(["new", "contacted", "lost"])
        lead_rows.append({"business_id": bid, "name": f"L{i}", "channel_id": channel,
                          "stage": stage, "score": 0, "status": status, "signals": {},
                          "source": "import", "day": day, "created_at": _local_noon(day),
                          "updated_at": NOW, "won_at": _local_noon(day) if status == "won"
                          else None})
        st = stats[(day, channel)]
        st["leads"] += 1
        st["won_leads"] += status == "won"
    fields = ("spend", "impressions", "clicks", "leads", "won_leads", "orders", "revenue",
              "new_customers")
    stat_rows = [{"business_id": bid, "day": day, "channel_id": cid,
                  **{k: v.get(k, 0) for k in fields}} for (day, cid), v in stats.items()]
    async with sm.begin() as s:
        await _bulk(s, SpendEntry.__table__, spend_rows)
        await _bulk(s, Order.__table__, order_rows)
        await _bulk(s, Lead.__table__, lead_rows)
        await _bulk(s, DailyStat.__table__, stat_rows)
        customer_table = Customer.__table__
        updates = [{"cid": cid, "f": a[0], "l": a[1], "n": a[2], "t": a[3]}
                   for cid, a in agg.items()]
        stmt = text(f"UPDATE {customer_table.name} SET first_order_at = :f, last_order_at = :l,"
                    " orders_count = :n, total_spent = :t WHERE id = :cid")
        for i in range(0, len(updates), BATCH):
            await s.execute(stmt.bindparams(), [
                {**u, "f": u["f"].astimezone(UTC).replace(tzinfo=None).isoformat(" ")
                 if s.bind.dialect.name == "sqlite" else u["f"],
                 "l": u["l"].astimezone(UTC).replace(tzinfo=None).isoformat(" ")
                 if s.bind.dialect.name == "sqlite" else u["l"]}
                for u in updates[i:i + BATCH]])
    print(f"built {n_orders:,} orders, {n_leads:,} leads, {n_customers:,} customers in "
          f"{time.perf_counter() - started:.0f} s")
    return bid


async def raw_numbers(s: AsyncSession, bid: int, period: kpi.Period) -> dict[str, Any]:
    """The dashboard's sums straight from orders, leads, spend entries (what it avoids)."""
    out: dict[str, Any] = {}
    for tag, p in (("now", period), ("prev", period.previous)):
        o = (await s.execute(select(func.coalesce(func.sum(Order.total), 0), func.count())
                             .where(Order.business_id == bid, Order.status == "paid",
                                    Order.day >= p.start, Order.day <= p.end))).one()
        sp = await s.scalar(select(func.coalesce(func.sum(SpendEntry.amount), 0))
                            .where(SpendEntry.business_id == bid, SpendEntry.day >= p.start,
                                   SpendEntry.day <= p.end))
        le = (await s.execute(select(func.count(), func.coalesce(func.sum(
            case((Lead.status == "won", 1), else_=0)), 0))
            .where(Lead.business_id == bid, Lead.day >= p.start, Lead.day <= p.end))).one()
        firsts = (select(Order.customer_id, func.min(Order.day).label("d"))
                  .where(Order.business_id == bid, Order.status == "paid")
                  .group_by(Order.customer_id).subquery())
        new = await s.scalar(select(func.count()).select_from(firsts)
                             .where(firsts.c.d >= p.start, firsts.c.d <= p.end))
        out[tag] = (int(o[0]), int(o[1]), int(sp or 0), int(le[0]), int(le[1]), int(new or 0))
    series = dict((await s.execute(
        select(Order.day, func.sum(Order.total)).where(
            Order.business_id == bid, Order.status == "paid", Order.day >= period.start,
            Order.day <= period.end).group_by(Order.day))).all())
    out["series"] = [int(series.get(d, 0)) for d in period.day_list()]
    out["channels"] = {cid: int(v) for cid, v in (await s.execute(
        select(Order.channel_id, func.sum(Order.total)).where(
            Order.business_id == bid, Order.status == "paid", Order.day >= period.start,
            Order.day <= period.end).group_by(Order.channel_id))).all()}
    return out


def board_numbers(board: kpi.Dashboard) -> dict[str, Any]:
    def t(x: kpi.Totals) -> tuple[int, ...]:
        return (x.revenue, x.orders, x.spend, x.leads, x.won_leads, x.new_customers)

    return {"now": t(board.totals), "prev": t(board.previous_totals),
            "series": [p.revenue for p in board.series],
            "channels": {c.channel_id: c.revenue for c in board.channels if c.revenue}}


async def _median_ms(runs: int, fn: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = await fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or "sqlite+aiosqlite:///" + str(
        Path(tempfile.gettempdir()) / f"bp_kpi_bench_{args.orders}_{args.leads}.db")
    engine = make_engine(url)
    await upgrade(engine)
    sm = make_sessionmaker(engine)
    bid = await build(sm, args.orders, args.leads)
    if engine.dialect.name == "postgresql":
        # Autovacuum is off on this machine's PostgreSQL; in production it would have
        # vacuumed the bulk-loaded tables, so the index-only scans see all-visible pages.
        # Only once after the load: a VACUUM just before timing leaves the checkpointer
        # writing beside the measurement.
        tables = ("customers", "leads", "daily_stats", "orders", "spend_entries")
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            never = (await conn.execute(text(
                "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(:t) AND "
                "coalesce(last_vacuum, last_autovacuum) IS NULL"), {"t": list(tables)})).all()
            for (table,) in never:
                await conn.execute(text(f"VACUUM ANALYZE {table}"))
            if never:
                await conn.execute(text("CHECKPOINT"))
    statements = [0]

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        statements[0] += 1

    print(f"{engine.dialect.name}: {args.orders:,} orders, {args.leads:,} leads; median of "
          f"{args.runs} runs")
    print(f"{'period':<8} {'dashboard()':>12} {'queries':>8} {'raw SQL':>10} {'ratio':>8}")
    for kind in (kpi.PeriodKind.DAYS_30, kpi.PeriodKind.DAYS_90):
        async with sm() as s:
            period = await kpi.period_for(s, business_id=bid, kind=kind, now=NOW)

            async def board(s: AsyncSession = s, period: kpi.Period = period) -> Any:
                return await kpi.dashboard(s, business_id=bid, period=period, now=NOW)

            async def raw(s: AsyncSession = s, period: kpi.Period = period) -> Any:
                return await raw_numbers(s, bid, period)

            statements[0] = 0
            fast, result = await _median_ms(args.runs, board)
            queries = statements[0] / args.runs
            slow, direct = await _median_ms(max(3, args.runs // 5), raw)
        assert board_numbers(result) == direct, (board_numbers(result), direct)
        print(f"{kind.value:<8} {fast:>9.1f} ms {queries:>8.0f} {slow:>7.1f} ms "
              f"{slow / fast:>7.1f}×")
    print("numbers agree: revenue, orders, spend, leads, won, new customers (both periods), "
          "daily revenue, revenue by channel")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
